package io.flowtap.pipeline.worker;

import io.flowtap.capture.codec.DecodeCounters;
import io.flowtap.capture.counter.CounterAllocator;
import io.flowtap.capture.counter.CounterDescriptor;
import io.flowtap.reassembly.EngineCounters;
import io.flowtap.capture.counter.CounterValues;

/**
 * Everything one worker's thread counts, each written in place by that thread only (ordered stores) and readable from
 * any thread or process: its own {@link WorkerCounter}s and {@link WorkerGauge}s, the checksum verdicts of its
 * decoder, and its engine's counters.
 */
public final class WorkerCounters
{
    private static final WorkerCounter[] COUNTERS = WorkerCounter.values();

    private final CounterValues values;
    private final CounterValues queueDepth;
    private final CounterValues flowsActive;
    private final DecodeCounters decode;
    private final EngineCounters engine;

    /**
     * @param counters    for the {@link WorkerCounter}s.
     * @param queueDepth  for {@link WorkerGauge#QUEUE_DEPTH}.
     * @param flowsActive for {@link WorkerGauge#FLOWS_ACTIVE}.
     * @param decode      for its decoder.
     * @param engine      for its engine.
     */
    public WorkerCounters(
        final CounterAllocator counters,
        final CounterAllocator queueDepth,
        final CounterAllocator flowsActive,
        final CounterAllocator decode,
        final CounterAllocator engine)
    {
        this.values = counters.allocate(COUNTERS);
        this.queueDepth = queueDepth.allocate(new CounterDescriptor[] {WorkerGauge.QUEUE_DEPTH});
        this.flowsActive = flowsActive.allocate(new CounterDescriptor[] {WorkerGauge.FLOWS_ACTIVE});
        this.decode = new DecodeCounters(decode);
        this.engine = new EngineCounters(engine);
    }

    /**
     * @param counter to add to. Worker only.
     * @param delta   to add.
     */
    public void add(final WorkerCounter counter, final long delta)
    {
        values.addRelease(counter.ordinal(), delta);
    }

    /**
     * @param counter to read.
     * @return its value, from any thread.
     */
    public long get(final WorkerCounter counter)
    {
        return values.get(counter.ordinal());
    }

    /**
     * Set the worker's levels. Worker only, once a duty cycle.
     *
     * @param depth  segments queued for it.
     * @param active flows its engine tracks.
     */
    public void levels(final long depth, final long active)
    {
        queueDepth.setRelease(0, depth);
        flowsActive.setRelease(0, active);
    }

    /**
     * @return where its decoder counts the checksum verdicts the pollers left to it.
     */
    public DecodeCounters decode()
    {
        return decode;
    }

    /**
     * @return where its engine counts.
     */
    public EngineCounters engine()
    {
        return engine;
    }
}
