package io.flowtap.capture.codec;

import io.flowtap.capture.counter.CounterAllocator;
import io.flowtap.capture.counter.InMemoryCounters;
import io.flowtap.capture.counter.CounterValues;

/**
 * The decoder's counters, written in place by the one thread that decodes: Agrona counters (in the sensor's counters
 * file, or in memory) written by address through {@link CounterValues}, never a compare-and-swap, so that other
 * threads and processes read them while the decoder runs.
 * <p>
 * The per-frame stores are plain: a release store's compiler barrier, paid once or twice per frame, cost a tenth of
 * {@code flowtap read}'s speed. A plain aligned 8-byte store does not tear on a 64-bit JVM, and the poller's own
 * release store that publishes each batch to the workers orders these before it, so readers see them within a duty
 * cycle.
 */
public final class DecodeCounters
{
    private static final DecodeCounter[] COUNTERS = DecodeCounter.values();

    private final CounterValues values;

    /**
     * Counters in this process's memory.
     */
    public DecodeCounters()
    {
        this.values = InMemoryCounters.of(COUNTERS);
    }

    /**
     * @param allocator gives each counter its place (cold path).
     */
    public DecodeCounters(final CounterAllocator allocator)
    {
        this.values = allocator.allocate(COUNTERS);
    }

    /**
     * @param counter to add one to; {@link DecodeCounter#FRAMES} is derived and never incremented.
     */
    public void increment(final DecodeCounter counter)
    {
        values.incrementPlain(counter.ordinal());
    }

    /**
     * @param counter to add to; not {@link DecodeCounter#FRAMES}.
     * @param delta   to add.
     */
    public void add(final DecodeCounter counter, final long delta)
    {
        values.addPlain(counter.ordinal(), delta);
    }

    /**
     * @param counter to read.
     * @return its value.
     */
    public long get(final DecodeCounter counter)
    {
        // Every frame lands in exactly one outcome, so the frame count is their sum rather than one more store
        // per frame.
        return counter.isDerived() ? values.get(DecodeCounter.TCP_SEGMENT.ordinal()) + dropped() :
            values.get(counter.ordinal());
    }

    /**
     * @return the sum of every drop reason: frames not decoded as TCP.
     */
    public long dropped()
    {
        long sum = 0;
        for (int i = 0; i < values.length(); i++)
        {
            if (COUNTERS[i].isDropReason())
            {
                sum += values.get(i);
            }
        }
        return sum;
    }

    /**
     * Add another set of counters into this one, for totals over several decoders. This holder's writer only.
     *
     * @param other counters to add.
     */
    public void add(final DecodeCounters other)
    {
        for (int i = 0; i < values.length(); i++)
        {
            values.addRelease(i, other.values.get(i));
        }
    }

    /**
     * Set every counter back to 0. This holder's writer only.
     */
    public void reset()
    {
        for (int i = 0; i < values.length(); i++)
        {
            values.setRelease(i, 0);
        }
    }
}
