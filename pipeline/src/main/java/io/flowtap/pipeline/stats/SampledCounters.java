package io.flowtap.pipeline.stats;

import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Values no flowtap thread writes as a counter, sampled into the counters file by the reporting thread: the JVM's
 * memory, bytes a journal library has written. Everything the pipeline counts is written in place by its own thread
 * ({@link CounterTable}); this is only for what is owned elsewhere.
 */
public final class SampledCounters
{
    private final CountersFile file;
    private final List<AtomicCounter> counters = new ArrayList<>();
    private final List<LongSupplier> sources = new ArrayList<>();

    /**
     * @param file to sample into.
     */
    public SampledCounters(final CountersFile file)
    {
        this.file = file;
    }

    /**
     * Sample one more value (cold path).
     *
     * @param label  shown by {@code flowtap stats}.
     * @param source read at every {@link #sample()}.
     * @return this.
     */
    public SampledCounters add(final String label, final LongSupplier source)
    {
        counters.add(file.counter(label));
        sources.add(source);
        return this;
    }

    /**
     * Read every value into the file. One reporting thread.
     */
    public void sample()
    {
        for (int i = 0; i < counters.size(); i++)
        {
            counters.get(i).setRelease(sources.get(i).getAsLong());
        }
    }
}
