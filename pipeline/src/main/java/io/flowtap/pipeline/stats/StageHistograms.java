package io.flowtap.pipeline.stats;

import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Latency per {@link Stage}, in nanoseconds (three significant digits, up to an hour): each recording thread gets its
 * own {@link StageRecorder} ({@link #newRecorder()}), written without atomics or allocation, and one reporting thread
 * drains them all into interval histograms and keeps the run's totals for the summary printed on exit.
 */
public final class StageHistograms
{
    /** Largest latency tracked: an hour, in nanoseconds; larger values are clamped to it and counted. */
    public static final long HIGHEST_TRACKABLE_NS = 3_600_000_000_000L;
    static final int SIGNIFICANT_DIGITS = 3;

    private final List<StageRecorder> recorders = new CopyOnWriteArrayList<>();
    private final Histogram[] pending = StageRecorder.newHistograms();
    private final Histogram[] totals = StageRecorder.newHistograms();
    private final Histogram[] sampled = StageRecorder.newHistograms();
    private final Histogram[] scratch = StageRecorder.newHistograms();
    private final StageRecorder direct;

    /**
     * Histograms for every stage, empty.
     */
    public StageHistograms()
    {
        direct = newRecorder();
    }

    /**
     * A recorder for one more writing thread, drained with the others. Call while setting up, not per packet.
     *
     * @return the recorder, for one thread to write.
     */
    public StageRecorder newRecorder()
    {
        final StageRecorder recorder = new StageRecorder();
        recorders.add(recorder);
        return recorder;
    }

    /**
     * Record one latency through the histograms' own recorder: for one thread outside the pipeline's (tests and
     * tools); pipeline threads record through {@link #newRecorder()}'s.
     *
     * @param stage     measured.
     * @param latencyNs the latency.
     */
    public synchronized void record(final Stage stage, final long latencyNs)
    {
        direct.begin();
        direct.record(stage, latencyNs);
        direct.end();
    }

    /**
     * Take what was recorded in a stage since the last call for that stage (for the interval log); every recorder is
     * drained, and what it held also goes into the run's totals. Call from one reporting thread.
     *
     * @param stage measured.
     * @return the interval's histogram, reused by the next call for the same stage.
     */
    public synchronized Histogram interval(final Stage stage)
    {
        drain();
        final Histogram interval = sampled[stage.ordinal()];
        interval.reset();
        interval.add(pending[stage.ordinal()]);
        pending[stage.ordinal()].reset();
        return interval;
    }

    /**
     * @param stage measured.
     * @return everything recorded in that stage so far, all recorders drained first.
     */
    public synchronized Histogram total(final Stage stage)
    {
        drain();
        return totals[stage.ordinal()];
    }

    /**
     * @param stage measured.
     * @return values clamped to {@link #HIGHEST_TRACKABLE_NS} so far.
     */
    public long clamped(final Stage stage)
    {
        long sum = 0;
        for (final StageRecorder recorder : recorders)
        {
            sum += recorder.clamped(stage);
        }
        return sum;
    }

    /**
     * Print the run's percentiles, one line per stage that recorded anything: count, p50, p90, p99, p99.9, max, in
     * microseconds.
     *
     * @param out where to print.
     */
    public synchronized void printSummary(final PrintStream out)
    {
        drain();
        for (final Stage stage : Stage.values())
        {
            final Histogram total = totals[stage.ordinal()];
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

    private void drain()
    {
        final Histogram[] drained = scratch;
        for (final StageRecorder recorder : recorders)
        {
            recorder.drainInto(drained);
        }
        for (int i = 0; i < drained.length; i++)
        {
            pending[i].add(drained[i]);
            totals[i].add(drained[i]);
            drained[i].reset();
        }
    }
}
