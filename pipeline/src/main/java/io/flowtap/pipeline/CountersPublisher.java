package io.flowtap.pipeline;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.ring.RingCounter;
import io.flowtap.pipeline.shard.DispatchCounter;
import io.flowtap.pipeline.stats.CountersFile;
import io.flowtap.pipeline.worker.Worker;
import io.flowtap.pipeline.worker.WorkerCounter;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.ReassemblyEngine;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Mirrors a running pipeline's counters into a {@link CountersFile}, so that {@code flowtap stats} in another process
 * sees them: every frame outcome of the pollers' decoders, the hand-offs (queue-full drops included), the rings'
 * kernel counters, the workers', each worker's engine counters, queue depth and active flows, plus whatever the
 * caller adds (journal bytes).
 * <p>
 * The hot path keeps its own single-writer counters; a reporting thread calls {@link #publish()} every so often and
 * copies them here, so the file costs the pollers and workers nothing. Engine counters are read while their workers
 * run: each value is a whole long, at most one publish old.
 */
public final class CountersPublisher
{
    private final List<AtomicCounter> counters = new ArrayList<>();
    private final List<LongSupplier> sources = new ArrayList<>();

    /**
     * Allocate a counter in the file for everything the pipeline counts (cold path).
     *
     * @param pipeline running.
     * @param file     to publish into.
     */
    public CountersPublisher(final Pipeline pipeline, final CountersFile file)
    {
        for (final DecodeCounter counter : DecodeCounter.values())
        {
            add(file, "decode: " + counter.label(), () -> pipeline.total(counter));
        }
        for (final DispatchCounter counter : DispatchCounter.values())
        {
            add(file, "hand-off: " + counter.label(), () -> pipeline.total(counter));
        }
        for (final RingCounter counter : RingCounter.values())
        {
            add(file, "ring: " + counter.label(), () -> pipeline.total(counter));
        }
        for (final WorkerCounter counter : WorkerCounter.values())
        {
            add(file, "worker: " + counter.label(), () -> pipeline.total(counter));
        }
        addGauge(file, "queue depth", pipeline::queueDepth);
        for (final Worker worker : pipeline.workers())
        {
            final String prefix = "worker " + worker.index() + ": ";
            addGauge(file, prefix + "queue depth", worker::queueDepth);
            addGauge(file, prefix + "flows active",
                () -> engineOf(worker) == null ? 0 : engineOf(worker).activeFlows());
            for (final EngineCounter counter : EngineCounter.values())
            {
                add(file, prefix + counter.label(),
                    () -> engineOf(worker) == null ? 0 : engineOf(worker).counters().get(counter));
            }
        }
    }

    /**
     * Publish one more value (cold path).
     *
     * @param file   the same file.
     * @param label  shown by {@code flowtap stats}.
     * @param source read at every {@link #publish()}.
     * @return this.
     */
    public CountersPublisher add(final CountersFile file, final String label, final LongSupplier source)
    {
        counters.add(file.counter(label));
        sources.add(source);
        return this;
    }

    /**
     * Publish one more level, a value that goes up and down (cold path).
     *
     * @param file   the same file.
     * @param label  shown by {@code flowtap stats}.
     * @param source read at every {@link #publish()}.
     * @return this.
     */
    public CountersPublisher addGauge(final CountersFile file, final String label, final LongSupplier source)
    {
        counters.add(file.gauge(label));
        sources.add(source);
        return this;
    }

    /**
     * Copy every value into the file. One reporting thread.
     */
    public void publish()
    {
        for (int i = 0; i < counters.size(); i++)
        {
            counters.get(i).setOrdered(sources.get(i).getAsLong());
        }
    }

    private static ReassemblyEngine engineOf(final Worker worker)
    {
        return worker.engine();
    }
}
