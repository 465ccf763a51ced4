package io.flowtap.tools.sensor;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How a worker waits when its queues are empty: the usual trade of latency against a core.
 */
public enum IdleChoice
{
    /** Spin: lowest latency, a whole core per worker even when idle. */
    BUSY(BusySpinIdleStrategy::new),
    /** Yield the core to other threads between looks. */
    YIELD(YieldingIdleStrategy::new),
    /** Spin, then yield, then park for up to a millisecond: little cost when idle, microseconds to wake. */
    BACKOFF(() -> new BackoffIdleStrategy(
        100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1))),
    /** Sleep a millisecond between looks: for a sensor that shares its machine. */
    SLEEP(() -> new SleepingMillisIdleStrategy(1));

    private final Supplier<IdleStrategy> supplier;

    IdleChoice(final Supplier<IdleStrategy> supplier)
    {
        this.supplier = supplier;
    }

    /**
     * @return makes one idle strategy per worker.
     */
    public Supplier<IdleStrategy> supplier()
    {
        return supplier;
    }
}
