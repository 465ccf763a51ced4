package io.flowtap.pipeline.shard;

import io.flowtap.capture.counter.CounterAllocator;
import io.flowtap.capture.counter.InMemoryCounters;
import io.flowtap.capture.counter.CounterValues;

/**
 * A poller's {@link DispatchCounter}s: Agrona counters (in the sensor's counters file, or in memory) written in place
 * by the poller's thread only, and readable from any thread or process while it runs. The per-segment stores are
 * plain, as the decoder's are (see {@code DecodeCounters}): the release store that publishes each batch to the
 * workers orders them before it.
 */
public final class DispatchCounters
{
    private static final DispatchCounter[] COUNTERS = DispatchCounter.values();

    private final CounterValues values;

    /**
     * Counters in this process's memory.
     */
    public DispatchCounters()
    {
        this.values = InMemoryCounters.of(COUNTERS);
    }

    /**
     * @param allocator gives each counter its place (cold path).
     */
    public DispatchCounters(final CounterAllocator allocator)
    {
        this.values = allocator.allocate(COUNTERS);
    }

    /**
     * @param counter to add one to. Poller only.
     */
    public void increment(final DispatchCounter counter)
    {
        values.incrementPlain(counter.ordinal());
    }

    /**
     * @param counter to add to. Poller only.
     * @param delta   to add.
     */
    public void add(final DispatchCounter counter, final long delta)
    {
        values.addPlain(counter.ordinal(), delta);
    }

    /**
     * @param counter to read.
     * @return its value.
     */
    public long get(final DispatchCounter counter)
    {
        return values.get(counter.ordinal());
    }
}
