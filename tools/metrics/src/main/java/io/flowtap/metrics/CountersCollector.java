package io.flowtap.metrics;

import io.flowtap.pipeline.stats.CountersFile;
import io.flowtap.pipeline.stats.CountersFileReader;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.agrona.concurrent.status.CountersReader;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every counter of a counters file as a Prometheus metric, read afresh at each scrape: counts as counters, levels
 * (queue depths, flows active, lag) as gauges, the latency histograms as histograms in seconds. Names are made from
 * the counters' labels: {@code "worker: packets"} (the sum over the workers) is {@code flowtap_workers_packets_total},
 * a worker's own counter ({@code "worker 1: queue depth"}) is one series of a metric with a {@code worker} label
 * ({@code flowtap_worker_queue_depth{worker="1"}}), {@code "latency end-to-end: ..."} is
 * {@code flowtap_latency_seconds{stage="end-to-end"}}; the label itself is the metric's help.
 * <p>
 * Cold path (a scrape every few seconds): allocates its snapshots.
 */
public final class CountersCollector implements MultiCollector
{
    /** Every metric's name starts with this. */
    public static final String PREFIX = "flowtap_";
    private static final Pattern WORKER = Pattern.compile("worker (\\d+): (.*)");
    private static final String[] RESERVED_SUFFIXES = {"_created", "_bucket", "_info", "_count", "_sum"};
    private static final Pattern LATENCY = Pattern.compile("latency ([^:]+): .*");

    private final CountersReader counters;

    /**
     * @param counters of this process's counters file, or of another's.
     */
    public CountersCollector(final CountersReader counters)
    {
        this.counters = counters;
    }

    @Override
    public MetricSnapshots collect()
    {
        final Map<String, Family> families = new LinkedHashMap<>();
        final Map<String, Latency> latencies = new LinkedHashMap<>();
        CountersFileReader.forEach(counters, (label, typeId, key, value) ->
        {
            switch (typeId)
            {
                case CountersFile.TYPE_HISTOGRAM_BUCKET, CountersFile.TYPE_HISTOGRAM_COUNT,
                    CountersFile.TYPE_HISTOGRAM_SUM_NS -> latency(latencies, label, typeId, key, value);
                default -> scalar(families, label, typeId == CountersFile.TYPE_GAUGE, value);
            }
        });
        final List<MetricSnapshot> snapshots = new ArrayList<>();
        for (final Family family : families.values())
        {
            snapshots.add(family.snapshot());
        }
        if (!latencies.isEmpty())
        {
            final HistogramSnapshot.Builder histogram = HistogramSnapshot.builder()
                .name(PREFIX + "latency_seconds")
                .help("latency of each stage of the pipeline, from the frame's capture");
            for (final Map.Entry<String, Latency> stage : latencies.entrySet())
            {
                histogram.dataPoint(stage.getValue().dataPoint(stage.getKey()));
            }
            snapshots.add(histogram.build());
        }
        return new MetricSnapshots(snapshots);
    }

    /**
     * @param label a counter's label.
     * @return the name of its metric, without the prefix's worker.
     */
    static String metricName(final String label)
    {
        String name = label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
        // The text format's writer adds _total to a counter's name itself; the other suffixes are the client's own.
        if (name.endsWith("_total"))
        {
            name = name.substring(0, name.length() - "_total".length());
        }
        for (final String reserved : RESERVED_SUFFIXES)
        {
            if (name.endsWith(reserved))
            {
                name = name + "_value";
            }
        }
        return PREFIX + name;
    }

    private static void scalar(
        final Map<String, Family> families, final String label, final boolean gauge, final long value)
    {
        final Matcher worker = WORKER.matcher(label);
        final String name = worker.matches() ? metricName("worker " + worker.group(2)) :
            metricName(label.startsWith("worker: ") ? "workers " + label.substring("worker: ".length()) : label);
        final Labels labels = worker.matches() ? Labels.of("worker", worker.group(1)) : Labels.EMPTY;
        // One family per name, of the type of its first counter: a later counter of the same name is one more series.
        families.computeIfAbsent(name, k -> new Family(name, gauge,
            worker.matches() ? "per worker: " + worker.group(2) : label)).add(labels, value);
    }

    private static void latency(
        final Map<String, Latency> latencies, final String label, final int typeId, final long key, final long value)
    {
        final Matcher matcher = LATENCY.matcher(label);
        if (!matcher.matches())
        {
            return;
        }
        final Latency latency = latencies.computeIfAbsent(matcher.group(1), stage -> new Latency());
        if (typeId == CountersFile.TYPE_HISTOGRAM_BUCKET)
        {
            latency.bounds.add(key);
            latency.cumulative.add(value);
        }
        else if (typeId == CountersFile.TYPE_HISTOGRAM_SUM_NS)
        {
            latency.sumNs = value;
        }
    }

    /** The series of one metric. */
    private static final class Family
    {
        final String name;
        final boolean gauge;
        final String help;
        final List<Labels> labels = new ArrayList<>();
        final List<Long> values = new ArrayList<>();

        Family(final String name, final boolean gauge, final String help)
        {
            this.name = name;
            this.gauge = gauge;
            this.help = help;
        }

        void add(final Labels series, final long value)
        {
            if (!labels.contains(series))
            {
                labels.add(series);
                values.add(value);
            }
        }

        MetricSnapshot snapshot()
        {
            if (gauge)
            {
                final GaugeSnapshot.Builder builder = GaugeSnapshot.builder().name(name).help(help);
                for (int i = 0; i < labels.size(); i++)
                {
                    builder.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels.get(i))
                        .value(values.get(i)).build());
                }
                return builder.build();
            }
            final CounterSnapshot.Builder builder = CounterSnapshot.builder().name(name).help(help);
            for (int i = 0; i < labels.size(); i++)
            {
                builder.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels.get(i))
                    .value(values.get(i)).build());
            }
            return builder.build();
        }
    }

    /** One stage's histogram as the counters file keeps it: cumulative buckets, their bounds in ns, the sum. */
    private static final class Latency
    {
        final List<Long> bounds = new ArrayList<>();
        final List<Long> cumulative = new ArrayList<>();
        long sumNs;

        HistogramSnapshot.HistogramDataPointSnapshot dataPoint(final String stage)
        {
            final double[] upperBounds = new double[bounds.size()];
            final long[] counts = new long[bounds.size()];
            long previous = 0;
            for (int i = 0; i < bounds.size(); i++)
            {
                final long bound = bounds.get(i);
                upperBounds[i] = bound == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : bound / 1e9;
                // The file's buckets are cumulative; the client's model takes each bucket's own count.
                counts[i] = Math.max(0, cumulative.get(i) - previous);
                previous = Math.max(previous, cumulative.get(i));
            }
            return HistogramSnapshot.HistogramDataPointSnapshot.builder()
                .labels(Labels.of("stage", stage))
                .classicHistogramBuckets(ClassicHistogramBuckets.of(upperBounds, counts))
                .sum(sumNs / 1e9)
                .build();
        }
    }
}
