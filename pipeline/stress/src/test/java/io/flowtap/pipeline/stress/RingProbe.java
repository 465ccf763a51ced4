package io.flowtap.pipeline.stress;

import io.flowtap.pipeline.shard.SegmentDescriptor;
import io.flowtap.pipeline.shard.SegmentRing;
import io.flowtap.pipeline.shard.Watermark;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One segment ring between a poller and a worker, with frames in memory the poller can "let go" by overwriting it with
 * a poison byte, as a ring block returned to the kernel or a file window moved on would be reused: a worker that reads
 * a frame in place after that reads the poison.
 */
final class RingProbe
{
    static final int FRAMES = 2;
    static final int FRAME_LENGTH = 64;
    static final byte POISON = 0x7F;
    /** A frame read with bytes that are not all its own. */
    static final int TORN = -1;

    final SegmentRing ring = new SegmentRing(0, 0, 4, FRAME_LENGTH, new Watermark());
    private final UnsafeBuffer frames =
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(FRAMES * FRAME_LENGTH, 64));
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final int[] seen = new int[FRAMES];
    private int read;

    /**
     * Poller: fill and publish a frame whose bytes are all {@code frame + 1}.
     */
    void publish(final int frame)
    {
        frames.setMemory(frame * FRAME_LENGTH, FRAME_LENGTH, (byte)(frame + 1));
        final int at = ring.claimRecord();
        ring.records().putLong(at + SegmentDescriptor.ADDRESS_OFFSET,
            frames.addressOffset() + (long)frame * FRAME_LENGTH);
        ring.records().putInt(at + SegmentDescriptor.CAPTURED_LENGTH_OFFSET, FRAME_LENGTH);
        ring.records().putByte(at + SegmentDescriptor.FLAGS_OFFSET, (byte)0);
        ring.publish();
    }

    /**
     * Poller: the memory of every published frame is to go. Copy out, wait for the worker to finish what it reads in
     * place, then poison the memory.
     */
    void letMemoryGo()
    {
        final int mustFinish = ring.copyOut(ring.tail());
        while (ring.head() - mustFinish < 0)
        {
            Thread.onSpinWait();
        }
        frames.setMemory(0, FRAMES * FRAME_LENGTH, POISON);
    }

    /**
     * Worker: claim up to {@code limit} records, read each whole frame, release the batch.
     *
     * @return records read.
     */
    int claimReadRelease(final int limit)
    {
        final int batch = ring.claimBatch(limit);
        for (int i = 0; i < batch; i++)
        {
            final int position = ring.batchStart() + i;
            view.wrap(ring.frameAddress(position, ring.isInPlace(position)), FRAME_LENGTH);
            final byte first = view.getByte(0);
            int value = first;
            for (int b = 1; b < FRAME_LENGTH; b++)
            {
                if (view.getByte(b) != first)
                {
                    value = TORN;
                    break;
                }
            }
            if (position < FRAMES)
            {
                seen[position] = value;
            }
            read++;
        }
        if (batch != 0)
        {
            ring.releaseBatch();
        }
        return batch;
    }

    int seen(final int frame)
    {
        return seen[frame];
    }

    int read()
    {
        return read;
    }
}
