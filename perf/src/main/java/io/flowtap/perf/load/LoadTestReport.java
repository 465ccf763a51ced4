package io.flowtap.perf.load;

import io.flowtap.pipeline.stats.Stage;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a {@link LoadTest} measured: a row per capturer per step, the highest zero-drop rate of each capturer, and
 * where the histogram log went. Printed as Markdown tables, so it can go into {@code perf/RESULTS.md} as it is.
 */
public final class LoadTestReport
{
    private final List<StepResult> steps = new ArrayList<>();
    private final Path histogramLog;
    private final String traffic;

    LoadTestReport(final Path histogramLog, final String traffic)
    {
        this.histogramLog = histogramLog;
        this.traffic = traffic;
    }

    void add(final StepResult step)
    {
        steps.add(step);
    }

    /**
     * @return every step, in the order run.
     */
    public List<StepResult> steps()
    {
        return List.copyOf(steps);
    }

    /**
     * @return the HdrHistogram interval log of flowtap's stage latencies.
     */
    public Path histogramLog()
    {
        return histogramLog;
    }

    /**
     * @return the traffic sent, in words.
     */
    public String traffic()
    {
        return traffic;
    }

    /**
     * @return for each capturer, the highest offered rate (frames per second achieved by the blaster) at which it
     * captured everything and dropped nothing, or 0 when it dropped at every rate.
     */
    public Map<String, Double> highestZeroDropPps()
    {
        final Map<String, Double> highest = new LinkedHashMap<>();
        for (final StepResult step : steps)
        {
            highest.putIfAbsent(step.capturer(), 0.0);
            if (step.zeroDrop() && step.sent().pps() > highest.get(step.capturer()))
            {
                highest.put(step.capturer(), step.sent().pps());
            }
        }
        return highest;
    }

    /**
     * Print the step table, the latency table and the summary.
     *
     * @param out to print to.
     */
    public void print(final PrintStream out)
    {
        out.println();
        out.println("traffic: " + traffic);
        out.println();
        out.println("| target pps | capturer | offered pps | captured pps | sent | captured | kernel drops | " +
            "flowtap drops | lost before ring | CPU ns/pkt | poller / worker ns/pkt | process ns/pkt | zero drop |");
        out.println("|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|:-:|");
        for (final StepResult step : steps)
        {
            out.println(row(step));
        }
        out.println();
        out.println("flowtap stage latency per step, microseconds (p50 / p99 / p99.9 / max):");
        out.println();
        final StringBuilder header = new StringBuilder("| target pps | offered pps |");
        final StringBuilder rule = new StringBuilder("|---:|---:|");
        for (final Stage stage : Stage.values())
        {
            header.append(' ').append(stage.tag()).append(" |");
            rule.append("---|");
        }
        out.println(header);
        out.println(rule);
        for (final StepResult step : steps)
        {
            if (step.latency() == null)
            {
                continue;
            }
            final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "| %s | %,.0f |",
                target(step), step.sent().pps()));
            for (final Stage stage : Stage.values())
            {
                line.append(' ').append(percentiles(step.latency().get(stage))).append(" |");
            }
            out.println(line);
        }
        out.println();
        out.println("highest zero-drop rate (frames/s offered, captured in full, nothing dropped):");
        final Map<String, Double> highest = highestZeroDropPps();
        for (final Map.Entry<String, Double> entry : highest.entrySet())
        {
            final StepResult at = stepAt(entry.getKey(), entry.getValue());
            out.printf(Locale.ROOT, "  %-12s %s%n", entry.getKey(), at == null ? "none: it dropped at every rate" :
                String.format(Locale.ROOT, "%,.0f pps, %.0f CPU ns/pkt (process %.0f)", entry.getValue(),
                at.cpuNsPerPacket(), at.processNsPerPacket()));
        }
        out.println("histogram log: " + histogramLog + " (percentiles and a plot: flowtap journal histogram " +
            histogramLog + " --plot latency.svg)");
    }

    private StepResult stepAt(final String capturer, final double pps)
    {
        for (final StepResult step : steps)
        {
            if (step.capturer().equals(capturer) && step.zeroDrop() && step.sent().pps() == pps)
            {
                return step;
            }
        }
        return null;
    }

    private static String row(final StepResult step)
    {
        final StringBuilder drops = new StringBuilder();
        for (final Map.Entry<String, Long> drop : step.drops().entrySet())
        {
            drops.append(drops.length() == 0 ? "" : ", ").append(drop.getKey()).append(' ').append(drop.getValue());
        }
        final double poller = step.perPacket(step.pollerCpuNs());
        final double worker = step.perPacket(step.workerCpuNs());
        final String split = step.latency() == null ? "-" : poller < 0 ? "shared" :
            String.format(Locale.ROOT, "%.0f / %.0f", poller, worker);
        return String.format(Locale.ROOT,
            "| %s | %s | %,.0f | %,.0f | %,d | %,d | %,d | %s | %s | %.0f | %s | %.0f | %s |",
            target(step), step.capturer(), step.sent().pps(), step.capturedPps(), step.sent().frames(),
            step.captured(), step.kernelDrops(), step.latency() == null ? "-" : drops.toString(),
            step.backlogDrops() == 0 ? String.format(Locale.ROOT, "%,d", step.lostBeforeRing()) :
                String.format(Locale.ROOT, "%,d (backlog %,d)", step.lostBeforeRing(), step.backlogDrops()),
            step.cpuNsPerPacket(), split, step.processNsPerPacket(), step.zeroDrop() ? "yes" : "no");
    }

    private static String target(final StepResult step)
    {
        return step.targetPps() == 0 ? "top" : String.format(Locale.ROOT, "%,d", step.targetPps());
    }

    private static String percentiles(final Histogram histogram)
    {
        if (histogram == null || histogram.getTotalCount() == 0)
        {
            return "-";
        }
        return String.format(Locale.ROOT, "%.1f / %.1f / %.1f / %.1f", histogram.getValueAtPercentile(50) / 1e3,
            histogram.getValueAtPercentile(99) / 1e3, histogram.getValueAtPercentile(99.9) / 1e3,
            histogram.getMaxValue() / 1e3);
    }
}
