package io.flowtap.pipeline.shard;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring's protocol stepped by hand, one side at a time, through the interleavings that matter: publish and
 * claim, a full ring, the copy-out before and after a claim, records copied at hand-off, slots reused; then two
 * threads at full speed with copy-outs poisoning the source memory.
 */
class SegmentRingTest
{
    private static final int FRAME_LENGTH = 100;

    private final UnsafeBuffer frames = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64 * FRAME_LENGTH, 64));

    @Test
    void shouldHandRecordsOverInOrderAndFreeSlotsOnlyWhenABatchIsReleased()
    {
        final SegmentRing ring = new SegmentRing(0, 0, 4, 128, new Watermark());
        for (int i = 0; i < 4; i++)
        {
            publish(ring, i);
        }
        assertEquals(SegmentRing.FULL, ring.claimRecord(), "four slots, four records");
        assertEquals(4, ring.depth());

        assertEquals(3, ring.claimBatch(3));
        assertEquals(0, ring.batchStart());
        for (int i = 0; i < 3; i++)
        {
            assertTrue(ring.isInPlace(i));
            assertEquals(frameAddress(i), ring.frameAddress(i, true));
        }
        assertEquals(SegmentRing.FULL, ring.claimRecord(), "claimed is not finished: the slots stay taken");
        ring.releaseBatch();
        assertEquals(3, ring.freeRecords());
        assertFalse(ring.isDrained());
        assertEquals(1, ring.claimBatch(10));
        assertEquals(3, ring.batchStart());
        ring.releaseBatch();
        assertTrue(ring.isDrained());
        assertEquals(0, ring.depth());
    }

    @Test
    void shouldReadCopiesOfRecordsCopiedOutBeforeTheWorkerClaimedThem()
    {
        final SegmentRing ring = new SegmentRing(0, 0, 8, 128, new Watermark());
        for (int i = 0; i < 5; i++)
        {
            publish(ring, i);
        }
        // The worker takes two, then the poller must let the memory of all five go.
        assertEquals(2, ring.claimBatch(2));
        final int mustFinish = ring.copyOut(5);
        assertEquals(2, mustFinish, "the two claimed are read in place until finished");
        assertEquals(3, ring.lastCopied());
        frames.setMemory(0, 5 * FRAME_LENGTH, (byte)0xEE);
        assertTrue(ring.isInPlace(0));
        ring.releaseBatch();
        assertEquals(2, ring.head(), "the memory may go once the head reaches the claimed position");

        assertEquals(3, ring.claimBatch(10));
        for (int i = 2; i < 5; i++)
        {
            assertFalse(ring.isInPlace(i), "record " + i);
            final UnsafeBuffer copy = new UnsafeBuffer(ring.frameAddress(i, false), FRAME_LENGTH);
            assertEquals((byte)i, copy.getByte(0), "the copy keeps the frame the source no longer holds");
            assertEquals((byte)i, copy.getByte(FRAME_LENGTH - 1));
        }
        ring.releaseBatch();
    }

    @Test
    void shouldCopyNothingTheWorkerClaimedBetweenTheCopyAndTheCommit()
    {
        final SegmentRing ring = new SegmentRing(0, 0, 8, 128, new Watermark());
        for (int i = 0; i < 4; i++)
        {
            publish(ring, i);
        }
        // The claim word the copy-out read is stale by the time it commits: the worker took records 0..2 meanwhile.
        // Simulated by a claim between two copy-outs: the second must start at the worker's new position.
        assertEquals(0, ring.copyOut(1));
        assertEquals(1, ring.lastCopied());
        assertEquals(4, ring.claimBatch(10));
        assertFalse(ring.isInPlace(0), "copied before the claim: read from the copy");
        assertTrue(ring.isInPlace(1));
        assertTrue(ring.isInPlace(3));
        assertEquals(4, ring.copyOut(4), "everything is claimed: nothing left to copy");
        assertEquals(0, ring.lastCopied());
        ring.releaseBatch();
    }

    @Test
    void shouldKeepRecordsCopiedAtHandOffOutOfCopyOuts()
    {
        final SegmentRing ring = new SegmentRing(0, 0, 4, 64, new Watermark());
        final byte[] heap = new byte[300];
        heap[0] = 42;
        heap[299] = 43;
        final int at = ring.claimRecord();
        assertTrue(ring.copyAtHandOff(new UnsafeBuffer(heap), 0, heap.length), "300 bytes grow a 64-byte slot");
        ring.records().putInt(at + SegmentDescriptor.CAPTURED_LENGTH_OFFSET, heap.length);
        ring.records().putByte(at + SegmentDescriptor.FLAGS_OFFSET, (byte)SegmentDescriptor.FLAG_COPIED_AT_HAND_OFF);
        ring.publish();

        assertEquals(0, ring.copyOut(1));
        assertEquals(0, ring.lastCopied(), "already a copy");
        assertEquals(1, ring.claimBatch(1));
        assertFalse(ring.isInPlace(0));
        final UnsafeBuffer copy = new UnsafeBuffer(ring.frameAddress(0, false), heap.length);
        assertEquals(42, copy.getByte(0));
        assertEquals(43, copy.getByte(299));
        ring.releaseBatch();
    }

    @Test
    void shouldReuseSlotsRoundAndRound()
    {
        final SegmentRing ring = new SegmentRing(0, 0, 2, 128, new Watermark());
        for (int round = 0; round < 1000; round++)
        {
            publish(ring, round % 64);
            publish(ring, (round + 1) % 64);
            assertEquals(SegmentRing.FULL, ring.claimRecord());
            assertEquals(2, ring.claimBatch(2));
            assertEquals(frameAddress((round + 1) % 64), ring.frameAddress(ring.batchStart() + 1, true));
            ring.releaseBatch();
        }
        assertEquals(2000, ring.head());
    }

    @Test
    void shouldHandEveryRecordOverOnceBetweenTwoThreadsWhileTheProducerCopiesOut() throws Exception
    {
        final SegmentRing ring = new SegmentRing(0, 0, 64, 128, new Watermark());
        final int records = 2_000_000;
        final AtomicReference<String> failure = new AtomicReference<>();
        final Thread consumer = new Thread(() ->
        {
            final UnsafeBuffer view = new UnsafeBuffer(0, 0);
            int expected = 0;
            while (expected < records && failure.get() == null)
            {
                final int taken = ring.claimBatch(16);
                for (int i = 0; i < taken; i++)
                {
                    final int position = ring.batchStart() + i;
                    final boolean inPlace = ring.isInPlace(position);
                    view.wrap(ring.frameAddress(position, inPlace), FRAME_LENGTH);
                    final int at = ring.recordOffset(position);
                    final long sequence = ring.records().getLong(at + SegmentDescriptor.TIMESTAMP_OFFSET);
                    // The frame memory is overwritten after a copy-out: a record read in place after that would see
                    // the poison byte instead of its sequence number.
                    if (sequence != expected || view.getByte(FRAME_LENGTH - 1) != (byte)sequence)
                    {
                        failure.compareAndSet(null, "record " + expected + ": sequence " + sequence + ", byte " +
                            view.getByte(FRAME_LENGTH - 1) + (inPlace ? " in place" : " from copy"));
                    }
                    expected++;
                }
                ring.releaseBatch();
            }
        });
        consumer.start();
        int sequence = 0;
        int sinceCopyOut = 0;
        while (sequence < records && failure.get() == null)
        {
            final int at = ring.claimRecord();
            if (at == SegmentRing.FULL)
            {
                Thread.onSpinWait();
                continue;
            }
            final int frame = sequence % 64;
            frames.setMemory(frame * FRAME_LENGTH, FRAME_LENGTH, (byte)sequence);
            ring.records().putLong(at + SegmentDescriptor.ADDRESS_OFFSET, frameAddress(frame));
            ring.records().putLong(at + SegmentDescriptor.TIMESTAMP_OFFSET, sequence);
            ring.records().putInt(at + SegmentDescriptor.CAPTURED_LENGTH_OFFSET, FRAME_LENGTH);
            ring.records().putByte(at + SegmentDescriptor.FLAGS_OFFSET, (byte)0);
            ring.publish();
            sequence++;
            if (++sinceCopyOut == 97)
            {
                // A frame's memory is reused 64 records later: copy out and wait for in-place readers, then poison.
                sinceCopyOut = 0;
                final int mustFinish = ring.copyOut(ring.tail());
                while (ring.head() - mustFinish < 0)
                {
                    Thread.onSpinWait();
                }
                frames.setMemory(0, 64 * FRAME_LENGTH, (byte)0x7F);
            }
        }
        consumer.join(60_000);
        assertNull(failure.get());
        assertFalse(consumer.isAlive());
    }

    private void publish(final SegmentRing ring, final int frame)
    {
        frames.setMemory(frame * FRAME_LENGTH, FRAME_LENGTH, (byte)frame);
        final int at = ring.claimRecord();
        ring.records().putLong(at + SegmentDescriptor.ADDRESS_OFFSET, frameAddress(frame));
        ring.records().putInt(at + SegmentDescriptor.CAPTURED_LENGTH_OFFSET, FRAME_LENGTH);
        ring.records().putByte(at + SegmentDescriptor.FLAGS_OFFSET, (byte)0);
        ring.publish();
    }

    private long frameAddress(final int frame)
    {
        return frames.addressOffset() + (long)frame * FRAME_LENGTH;
    }
}
