package io.flowtap.pipeline.stats;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.PrintStream;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latency per {@link Stage}, recorded in nanoseconds by any number of threads without locks or allocation (an
 * HdrHistogram {@link Recorder} per stage, three significant digits, up to an hour), and read as interval histograms
 * by one reporting thread, which also keeps the run's totals for the summary printed on exit.
 */
public final class StageHistograms
{
    /** Largest latency tracked: an hour, in nanoseconds; larger values are clamped to it and counted. */
    public static final long HIGHEST_TRACKABLE_NS = 3_600_000_000_000L;
    private static final int SIGNIFICANT_DIGITS = 3;

    private final Map<Stage, Recorder> recorders = new EnumMap<>(Stage.class);
    private final Map<Stage, Histogram> totals = new EnumMap<>(Stage.class);
    private final Map<Stage, Histogram> recycled = new EnumMap<>(Stage.class);
    private final AtomicLongArray clamped = new AtomicLongArray(Stage.values().length);

    /**
     * Histograms for every stage, empty.
     */
    public StageHistograms()
    {
        for (final Stage stage : Stage.values())
        {
            recorders.put(stage, new Recorder(1, HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS));
            totals.put(stage, new Histogram(1, HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS));
        }
    }

    /**
     * Record one latency. Wait-free and allocation-free. Values below 1 ns (clocks that disagree by a little) are
     * recorded as 1 ns; values above {@link #HIGHEST_TRACKABLE_NS} as that, and counted ({@link #clamped}).
     *
     * @param stage     measured.
     * @param latencyNs the latency.
     */
    public void record(final Stage stage, final long latencyNs)
    {
        long value = latencyNs < 1 ? 1 : latencyNs;
        if (value > HIGHEST_TRACKABLE_NS)
        {
            value = HIGHEST_TRACKABLE_NS;
            clamped.incrementAndGet(stage.ordinal());
        }
        recorders.get(stage).recordValue(value);
    }

    /**
     * Take what was recorded since the last call (for the interval log); also added to the run's totals. Call from
     * one reporting thread.
     *
     * @param stage to take.
     * @return the interval histogram, valid until the next call for the same stage.
     */
    public Histogram interval(final Stage stage)
    {
        final Histogram interval = recorders.get(stage).getIntervalHistogram(recycled.get(stage));
        recycled.put(stage, interval);
        totals.get(stage).add(interval);
        return interval;
    }

    /**
     * @param stage measured.
     * @return everything taken through {@link #interval} so far.
     */
    public Histogram total(final Stage stage)
    {
        return totals.get(stage);
    }

    /**
     * @param stage measured.
     * @return latencies above {@link #HIGHEST_TRACKABLE_NS}, recorded as that.
     */
    public long clamped(final Stage stage)
    {
        return clamped.get(stage.ordinal());
    }

    /**
     * Print the run's percentiles, one line per stage that recorded anything: count, p50, p90, p99, p99.9, max, in
     * microseconds.
     *
     * @param out to print to.
     */
    public void printSummary(final PrintStream out)
    {
        for (final Stage stage : Stage.values())
        {
            interval(stage);
            final Histogram total = totals.get(stage);
            if (total.getTotalCount() == 0)
            {
                continue;
            }
            out.printf(Locale.ROOT,
                "%-18s count %d  p50 %.1f us  p90 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us%n",
                stage.tag(), total.getTotalCount(),
                total.getValueAtPercentile(50) / 1e3, total.getValueAtPercentile(90) / 1e3,
                total.getValueAtPercentile(99) / 1e3, total.getValueAtPercentile(99.9) / 1e3,
                total.getMaxValue() / 1e3);
        }
    }
}
