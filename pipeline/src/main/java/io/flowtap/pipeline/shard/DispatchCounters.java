package io.flowtap.pipeline.shard;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A poller's {@link DispatchCounter}s: written by the poller's thread only, readable from any thread while it runs.
 */
public final class DispatchCounters
{
    private final AtomicLongArray values = new AtomicLongArray(DispatchCounter.count());

    /**
     * @param counter to add one to. Poller only.
     */
    public void increment(final DispatchCounter counter)
    {
        add(counter, 1);
    }

    /**
     * @param counter to add to. Poller only.
     * @param delta   to add.
     */
    public void add(final DispatchCounter counter, final long delta)
    {
        // Single writer: a plain read and a release store are enough for readers on other threads.
        final int i = counter.ordinal();
        values.lazySet(i, values.get(i) + delta);
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
