package io.flowtap.pipeline.worker;

import io.flowtap.capture.counter.CounterDescriptor;
import io.flowtap.capture.counter.CounterUnit;

/**
 * Counters a worker keeps. {@link #SEGMENTS} = {@link #IN_PLACE} + {@link #FROM_COPY}, and over all workers it equals
 * the pollers' segments handed off once the pipeline has drained.
 */
public enum WorkerCounter implements CounterDescriptor
{
    /** Segments taken from the queues and fed to the engine. */
    SEGMENTS("segments"),
    /** Segments read in place in the source's memory. */
    IN_PLACE("segments read in place"),
    /** Segments read from their ring slot's copy. */
    FROM_COPY("segments read from a copy"),
    /** Exceptions thrown while a segment was processed (by the engine or a handler), passed to the error handler. */
    ERRORS("errors"),
    /**
     * Flows timed out on the pollers' clock (the watermark, or the time before an older segment) rather than on a
     * segment's own time.
     */
    EXPIRED_BY_WATERMARK("flows expired by watermark"),
    /**
     * Segments taken after the worker failed (an {@link Error} from its engine or a handler) and not processed: the
     * worker drains so that the pipeline can stop, and says so once ({@link Worker#failure()}).
     */
    DISCARDED_AFTER_FAILURE("segments discarded after the worker failed"),
    /** Duty cycles that found work. */
    BUSY_CYCLES("busy cycles");

    private final String label;

    WorkerCounter(final String label)
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
        return switch (this)
        {
            case ERRORS -> CounterUnit.EVENTS;
            case EXPIRED_BY_WATERMARK -> CounterUnit.FLOWS;
            case BUSY_CYCLES -> CounterUnit.CYCLES;
            default -> CounterUnit.SEGMENTS;
        };
    }
}
