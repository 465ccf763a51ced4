package io.flowtap.pipeline.worker;

import io.flowtap.capture.counter.CounterDescriptor;
import io.flowtap.capture.counter.CounterType;
import io.flowtap.capture.counter.CounterUnit;

/**
 * Levels a worker measures once per duty cycle, for readers of the counters file: they go up and down.
 */
public enum WorkerGauge implements CounterDescriptor
{
    /** Segments queued for the worker, over every poller, as of its last duty cycle. */
    QUEUE_DEPTH("queue depth", CounterUnit.SEGMENTS),
    /** Flows its engine tracks, as of its last duty cycle. */
    FLOWS_ACTIVE("flows active", CounterUnit.FLOWS);

    private final String label;
    private final CounterUnit unit;

    WorkerGauge(final String label, final CounterUnit unit)
    {
        this.label = label;
        this.unit = unit;
    }

    @Override
    public String label()
    {
        return label;
    }

    @Override
    public CounterType type()
    {
        return CounterType.GAUGE;
    }

    @Override
    public CounterUnit unit()
    {
        return unit;
    }
}
