package io.flowtap.capture.counter;

/**
 * What a counter's value means to a reader: a count that only goes up, or a level that goes up and down.
 */
public enum CounterType
{
    /** A count that only goes up: frames, bytes, drops. Prometheus's counter. */
    COUNTER(0),
    /** A level that goes up and down: a queue's depth, the flows active. Prometheus's gauge. */
    GAUGE(1);

    private final int typeId;

    CounterType(final int typeId)
    {
        this.typeId = typeId;
    }

    /**
     * @return the type id a counter of this type has in Agrona's counters metadata.
     */
    public int typeId()
    {
        return typeId;
    }
}
