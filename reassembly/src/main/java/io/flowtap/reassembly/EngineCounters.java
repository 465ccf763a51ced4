package io.flowtap.reassembly;

import io.flowtap.capture.counter.CounterAllocator;
import io.flowtap.capture.counter.InMemoryCounters;
import io.flowtap.capture.counter.CounterValues;

/**
 * The engine's counters, written in place by the engine's one thread: Agrona counters (in the sensor's counters
 * file, or in memory) written by address through {@link CounterValues}, never a compare-and-swap, so that other
 * threads and processes read them while the engine runs.
 * <p>
 * The per-segment stores are plain, as {@code DecodeCounters}' are: an aligned 8-byte store does not tear on a 64-bit
 * JVM, and the worker's release store that gives each batch back to its poller orders them before it, so readers see
 * them within a duty cycle, without a compiler barrier per segment.
 */
public final class EngineCounters
{
    private static final EngineCounter[] COUNTERS = EngineCounter.values();

    private final CounterValues values;

    /**
     * Counters in this process's memory.
     */
    public EngineCounters()
    {
        this.values = InMemoryCounters.of(COUNTERS);
    }

    /**
     * @param allocator gives each counter its place (cold path).
     */
    public EngineCounters(final CounterAllocator allocator)
    {
        this.values = allocator.allocate(COUNTERS);
    }

    /**
     * @param counter to add one to; {@link EngineCounter#SEGMENTS} is derived and never incremented.
     */
    public void increment(final EngineCounter counter)
    {
        values.incrementPlain(counter.ordinal());
    }

    /**
     * @param counter to add to.
     * @param amount  to add.
     */
    public void add(final EngineCounter counter, final long amount)
    {
        values.addPlain(counter.ordinal(), amount);
    }

    /**
     * @param counter to read.
     * @return its value.
     */
    public long get(final EngineCounter counter)
    {
        return counter.isDerived() ? values.get(EngineCounter.TRACKED.ordinal()) + ignored() :
            values.get(counter.ordinal());
    }

    /**
     * @return segments not used, over every reason.
     */
    public long ignored()
    {
        long sum = 0;
        for (int i = 0; i < values.length(); i++)
        {
            if (COUNTERS[i].isIgnoreReason())
            {
                sum += values.get(i);
            }
        }
        return sum;
    }

    /**
     * Add another set of counters into this one, for totals over several engines. This holder's writer only.
     *
     * @param other counters to add.
     */
    public void add(final EngineCounters other)
    {
        for (int i = 0; i < values.length(); i++)
        {
            values.addRelease(i, other.values.get(i));
        }
    }
}
