package io.flowtap.pipeline.shard;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every interleaving of the ring's protocol up to a depth, stepped deterministically on one thread: the poller
 * publishing, copying out and then letting the memory go, the worker claiming, reading and releasing, and the two
 * compare-and-sets on the claim word racing each other (the other side's step is run inside a compare-and-set, after
 * the word was read and before it is swapped, the window two threads hit only rarely). After each schedule the worker
 * drains the ring. Every record must be read once, in order, with its own bytes: a record read in place after its
 * memory went, or a copy made of the wrong bytes, reads the poison instead.
 */
class SegmentRingInterleavingTest
{
    private static final int RECORDS = 3;
    private static final int DEPTH = 10;
    private static final int FRAME_LENGTH = 64;
    private static final byte POISON = 0x7F;

    private static final int PUBLISH = 0;
    private static final int COPY_OUT = 1;
    private static final int COPY_OUT_RACED_BY_CLAIM = 2;
    private static final int CLAIM_ONE = 3;
    private static final int CLAIM_TWO = 4;
    private static final int CLAIM_RACED_BY_COPY_OUT = 5;
    private static final int READ_AND_RELEASE = 6;
    private static final int LET_MEMORY_GO = 7;
    private static final String[] NAMES = {
        "publish", "copyOut", "copyOut(claim inside its CAS)", "claim(1)", "claim(2)", "claim(copyOut inside its CAS)",
        "read+release", "memory goes"};

    private int schedules;
    private final int[] opsSeen = new int[NAMES.length];

    @Test
    void shouldReadEveryRecordOnceWithItsOwnBytesWhateverTheInterleaving()
    {
        explore(new ArrayList<>());
        assertTrue(schedules > 10_000, "schedules explored: " + schedules);
        for (int op = 0; op < NAMES.length; op++)
        {
            assertTrue(opsSeen[op] > 0, NAMES[op] + " never ran");
        }
    }

    @Test
    void shouldCatchAWorkerReadingInPlaceWhatThePollerLetGo()
    {
        // The check itself must be able to fail: a poller that lets memory go without waiting for the worker.
        final Model model = new Model();
        assertTrue(model.apply(PUBLISH));
        assertTrue(model.apply(CLAIM_ONE));
        assertTrue(model.apply(COPY_OUT));
        model.poison();
        final boolean read = model.apply(READ_AND_RELEASE);
        assertEquals("record 0 read in place: byte 127, expected 1", read ? "read" : model.failure);
    }

    private void explore(final List<Integer> prefix)
    {
        final Model model = new Model();
        for (final int op : prefix)
        {
            if (!model.apply(op))
            {
                assertNull(model.failure, () -> describe(prefix));
                return;
            }
        }
        schedules++;
        model.drain();
        assertNull(model.failure, () -> describe(prefix));
        if (prefix.size() == DEPTH)
        {
            return;
        }
        for (int op = 0; op < NAMES.length; op++)
        {
            prefix.add(op);
            explore(prefix);
            prefix.remove(prefix.size() - 1);
        }
    }

    private static String describe(final List<Integer> schedule)
    {
        final StringBuilder text = new StringBuilder("schedule:");
        for (final int op : schedule)
        {
            text.append(' ').append(NAMES[op]).append(';');
        }
        return text.toString();
    }

    /**
     * Runs the other side's step inside the next compare-and-set, after its expected value was read.
     */
    private static final class SteppedBuffer extends UnsafeBuffer
    {
        private Runnable insideNextCas;

        SteppedBuffer()
        {
            super(BufferUtil.allocateDirectAligned(1024, 128));
        }

        @Override
        public boolean compareAndSetLong(final int index, final long expectedValue, final long updateValue)
        {
            final Runnable step = insideNextCas;
            if (step != null)
            {
                insideNextCas = null;
                step.run();
            }
            return super.compareAndSetLong(index, expectedValue, updateValue);
        }
    }

    private final class Model
    {
        private final SteppedBuffer positions = new SteppedBuffer();
        private final SegmentRing ring = new SegmentRing(0, 0, 4, FRAME_LENGTH, new Watermark(), positions);
        private final UnsafeBuffer frames =
            new UnsafeBuffer(BufferUtil.allocateDirectAligned(RECORDS * FRAME_LENGTH, 64));
        private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        private int published;
        private int read;
        private int batch;
        private int copiedUpTo;
        private int mustFinish;
        private int goneUpTo;
        private String failure;

        /**
         * @return whether the step was possible and did something; false with {@link #failure} null prunes the
         * schedule.
         */
        boolean apply(final int op)
        {
            final boolean applied = step(op);
            if (applied)
            {
                opsSeen[op]++;
            }
            return applied;
        }

        private boolean step(final int op)
        {
            switch (op)
            {
                case PUBLISH:
                    return published < RECORDS && publish();
                case COPY_OUT:
                    return published - goneUpTo > 0 && copyOut();
                case COPY_OUT_RACED_BY_CLAIM:
                    if (batch != 0 || published - goneUpTo <= 0)
                    {
                        return false;
                    }
                    positions.insideNextCas = () -> claim(1);
                    return copyOut() && stepRan();
                case CLAIM_ONE:
                    return batch == 0 && claim(1);
                case CLAIM_TWO:
                    return batch == 0 && claim(2);
                case CLAIM_RACED_BY_COPY_OUT:
                    if (batch != 0 || published - goneUpTo <= 0)
                    {
                        return false;
                    }
                    positions.insideNextCas = this::copyOut;
                    return claim(1) && stepRan();
                case READ_AND_RELEASE:
                    return batch != 0 && readAndRelease();
                case LET_MEMORY_GO:
                    if (copiedUpTo - goneUpTo <= 0 || ring.head() - mustFinish < 0)
                    {
                        return false;
                    }
                    poison();
                    return true;
                default:
                    throw new IllegalArgumentException("op " + op);
            }
        }

        void drain()
        {
            if (batch != 0 && !readAndRelease())
            {
                return;
            }
            while (claim(RECORDS))
            {
                if (!readAndRelease())
                {
                    return;
                }
            }
            if (failure == null && read != published)
            {
                failure = "read " + read + " of " + published + " records";
            }
        }

        void poison()
        {
            frames.setMemory(goneUpTo * FRAME_LENGTH, (copiedUpTo - goneUpTo) * FRAME_LENGTH, POISON);
            goneUpTo = copiedUpTo;
        }

        private boolean stepRan()
        {
            final boolean ran = positions.insideNextCas == null;
            positions.insideNextCas = null;
            return ran;
        }

        private boolean publish()
        {
            frames.setMemory(published * FRAME_LENGTH, FRAME_LENGTH, (byte)(published + 1));
            final int at = ring.claimRecord();
            ring.records().putLong(at + SegmentDescriptor.ADDRESS_OFFSET,
                frames.addressOffset() + (long)published * FRAME_LENGTH);
            ring.records().putInt(at + SegmentDescriptor.CAPTURED_LENGTH_OFFSET, FRAME_LENGTH);
            ring.records().putByte(at + SegmentDescriptor.FLAGS_OFFSET, (byte)0);
            ring.publish();
            published++;
            return true;
        }

        private boolean copyOut()
        {
            // The poller copies out everything it published whose memory is about to go.
            mustFinish = ring.copyOut(published);
            copiedUpTo = published;
            return true;
        }

        private boolean claim(final int limit)
        {
            batch = ring.claimBatch(limit);
            return batch != 0;
        }

        private boolean readAndRelease()
        {
            for (int i = 0; i < batch; i++)
            {
                final int position = ring.batchStart() + i;
                if (position != read)
                {
                    failure = "record " + position + " read when " + read + " was due";
                    return false;
                }
                final boolean inPlace = ring.isInPlace(position);
                view.wrap(ring.frameAddress(position, inPlace), FRAME_LENGTH);
                for (int b = 0; b < FRAME_LENGTH; b++)
                {
                    if (view.getByte(b) != (byte)(position + 1))
                    {
                        failure = "record " + position + (inPlace ? " read in place" : " read from its copy") +
                            ": byte " + view.getByte(b) + ", expected " + (position + 1);
                        return false;
                    }
                }
                read++;
            }
            ring.releaseBatch();
            batch = 0;
            return true;
        }
    }
}
