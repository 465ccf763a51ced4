package io.flowtap.capture.ring;

import io.flowtap.capture.counter.CounterAllocator;
import io.flowtap.capture.counter.InMemoryCounters;
import io.flowtap.capture.counter.CounterValues;

/**
 * A receive ring's counters, written in place by the thread that polls the ring (ordered stores, no compare-and-swap)
 * and readable from any thread or, in the sensor's counters file, from another process.
 */
public final class RingCounters
{
    private static final RingCounter[] COUNTERS = RingCounter.values();

    private final CounterValues values;

    /**
     * Counters in this process's memory.
     */
    public RingCounters()
    {
        this.values = InMemoryCounters.of(COUNTERS);
    }

    /**
     * @param allocator gives each counter its place (cold path).
     */
    public RingCounters(final CounterAllocator allocator)
    {
        this.values = allocator.allocate(COUNTERS);
    }

    /**
     * @param counter to add one to. Polling thread only.
     */
    public void increment(final RingCounter counter)
    {
        values.addRelease(counter.ordinal(), 1);
    }

    /**
     * @param counter to add to. Polling thread only.
     * @param delta   to add.
     */
    public void add(final RingCounter counter, final long delta)
    {
        values.addRelease(counter.ordinal(), delta);
    }

    /**
     * @param counter to read, from any thread.
     * @return its value.
     */
    public long get(final RingCounter counter)
    {
        return values.get(counter.ordinal());
    }
}
