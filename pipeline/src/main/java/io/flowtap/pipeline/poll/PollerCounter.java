package io.flowtap.pipeline.poll;

import io.flowtap.capture.counter.CounterDescriptor;
import io.flowtap.capture.counter.CounterUnit;

/**
 * Counters a poller keeps beside its ring's and decoder's.
 */
public enum PollerCounter implements CounterDescriptor
{
    /** Duty cycles that found frames. */
    BUSY_CYCLES("busy cycles"),
    /** TCP segments handed on. */
    SEGMENTS("segments"),
    /** Segments of a flow that another poller of the group saw first (Suricata's wrong-thread counter). */
    WRONG_POLLER("flow seen on another poller"),
    /** Segments whose flow could not be checked because the affinity table's probe was full. */
    AFFINITY_UNCHECKED("flow affinity unchecked");

    private static final PollerCounter[] VALUES = values();

    private final String label;

    PollerCounter(final String label)
    {
        this.label = label;
    }

    /**
     * @return label for counter summaries.
     */
    @Override
    public String label()
    {
        return label;
    }

    /**
     * @return what the counter counts.
     */
    @Override
    public CounterUnit unit()
    {
        return this == BUSY_CYCLES ? CounterUnit.CYCLES : CounterUnit.SEGMENTS;
    }

    /**
     * @param ordinal of a counter.
     * @return the counter.
     */
    public static PollerCounter get(final int ordinal)
    {
        return VALUES[ordinal];
    }

    /**
     * @return how many there are.
     */
    public static int count()
    {
        return VALUES.length;
    }
}
