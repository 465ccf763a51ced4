package io.flowtap.pipeline.stats;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.Arrays;
import java.util.Locale;

/**
 * The latency histograms in the counters file, as Prometheus keeps a histogram: per {@link Stage}, cumulative counts
 * of the values at or below fixed bounds (1 us to 10 s, in a 1-2.5-5 series, and everything), the count and the sum.
 * So that anything that reads the counters file ({@code flowtap stats}, {@code /metrics}) has the latencies as well as
 * the counts, without asking the running sensor.
 * <p>
 * The values are the run's totals, taken from {@link StageHistograms#total}, which drains the recorders into the
 * interval log's pending histograms as well as into the totals: publishing never takes anything from the interval
 * log. The sum is the histogram's mean times its count (HdrHistogram keeps no exact sum): within its three
 * significant digits. One reporting thread publishes.
 */
public final class LatencyCounters
{
    /** The buckets' upper bounds, in nanoseconds; the last bucket, for every value, follows them. */
    public static final long[] BOUNDS_NS = {
        1_000L, 2_500L, 5_000L, 10_000L, 25_000L, 50_000L, 100_000L, 250_000L, 500_000L,
        1_000_000L, 2_500_000L, 5_000_000L, 10_000_000L, 25_000_000L, 50_000_000L, 100_000_000L, 250_000_000L,
        500_000_000L, 1_000_000_000L, 2_500_000_000L, 5_000_000_000L, 10_000_000_000L};
    /** The label prefix of every latency counter: {@code "latency end-to-end: ..."}. */
    public static final String LABEL_PREFIX = "latency ";

    private final StageHistograms histograms;
    private final AtomicCounter[][] buckets = new AtomicCounter[Stage.values().length][BOUNDS_NS.length + 1];
    private final AtomicCounter[] counts = new AtomicCounter[Stage.values().length];
    private final AtomicCounter[] sums = new AtomicCounter[Stage.values().length];
    private final long[] scratch = new long[BOUNDS_NS.length + 1];

    /**
     * Allocate every stage's counters (cold path).
     *
     * @param histograms to publish.
     * @param file       to publish into.
     */
    public LatencyCounters(final StageHistograms histograms, final CountersFile file)
    {
        this.histograms = histograms;
        for (final Stage stage : Stage.values())
        {
            final String prefix = LABEL_PREFIX + stage.tag() + ": ";
            for (int i = 0; i < BOUNDS_NS.length; i++)
            {
                buckets[stage.ordinal()][i] = file.counter(prefix + "at most " + describe(BOUNDS_NS[i]),
                    CountersFile.TYPE_HISTOGRAM_BUCKET, BOUNDS_NS[i]);
            }
            buckets[stage.ordinal()][BOUNDS_NS.length] = file.counter(prefix + "any",
                CountersFile.TYPE_HISTOGRAM_BUCKET, Long.MAX_VALUE);
            counts[stage.ordinal()] = file.counter(prefix + "count", CountersFile.TYPE_HISTOGRAM_COUNT, 0);
            sums[stage.ordinal()] = file.counter(prefix + "sum ns", CountersFile.TYPE_HISTOGRAM_SUM_NS, 0);
        }
    }

    /**
     * Copy every stage's totals into the file. One reporting thread, the one that writes the interval log.
     */
    public void publish()
    {
        for (final Stage stage : Stage.values())
        {
            final Histogram total = histograms.total(stage);
            final AtomicCounter[] stageBuckets = buckets[stage.ordinal()];
            // One pass over the values recorded (a few thousand distinct ones at most), not one query per bound.
            Arrays.fill(scratch, 0);
            for (final HistogramIterationValue value : total.recordedValues())
            {
                final long at = value.getValueIteratedTo();
                int bucket = 0;
                while (bucket < BOUNDS_NS.length && at > BOUNDS_NS[bucket])
                {
                    bucket++;
                }
                scratch[bucket] += value.getCountAtValueIteratedTo();
            }
            long cumulative = 0;
            for (int i = 0; i <= BOUNDS_NS.length; i++)
            {
                cumulative += scratch[i];
                stageBuckets[i].setOrdered(cumulative);
            }
            final long count = total.getTotalCount();
            counts[stage.ordinal()].setOrdered(count);
            sums[stage.ordinal()].setOrdered(count == 0 ? 0 : (long)(total.getMean() * count));
        }
    }

    private static String describe(final long ns)
    {
        if (ns >= 1_000_000_000L)
        {
            return String.format(Locale.ROOT, "%s s", trim(ns / 1e9));
        }
        if (ns >= 1_000_000L)
        {
            return String.format(Locale.ROOT, "%s ms", trim(ns / 1e6));
        }
        return String.format(Locale.ROOT, "%s us", trim(ns / 1e3));
    }

    private static String trim(final double value)
    {
        return value == Math.rint(value) ? Long.toString((long)value) : Double.toString(value);
    }
}
