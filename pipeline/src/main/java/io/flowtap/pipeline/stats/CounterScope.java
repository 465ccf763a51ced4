package io.flowtap.pipeline.stats;

/**
 * Whose counter it is: the sensor's as a whole, or one poller's or one worker's, which has its own copy of its
 * stage's counters and writes them alone.
 */
public enum CounterScope
{
    /** One for the sensor. */
    SENSOR(""),
    /** One per poller. */
    POLLER("poller "),
    /** One per worker. */
    WORKER("worker ");

    private final String prefix;

    CounterScope(final String prefix)
    {
        this.prefix = prefix;
    }

    /**
     * @param index of the poller or worker.
     * @return what a label of this scope starts with: {@code "worker 1: "}, or nothing for the sensor's.
     */
    public String labelPrefix(final int index)
    {
        // No string concatenation: see CounterTable#allocator.
        return this == SENSOR ? "" : new StringBuilder(prefix).append(index).append(": ").toString();
    }
}
