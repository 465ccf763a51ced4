package io.flowtap.tools.stats;

import io.flowtap.metrics.MetricsEndpoint;
import io.flowtap.pipeline.stats.CountersFileReader;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.OptionRanges;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code flowtap stats FILE}: the counters of a running appliance, read from its counters file without stopping or
 * asking it.
 */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description = {
        "Print the counters of a running flowtap from its counters file (shared memory): every drop reason, queue "
            + "depths, journal bytes, flows active; then the distinct errors its threads met, if any (how often, first "
            + "and last time, and what). The appliance keeps running; nothing is reset."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap stats /var/run/flowtap/counters.dat",
        "  flowtap stats counters.dat --interval 1 --count 10"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:no counters file, or not one flowtap wrote", "2:bad command line"})
public final class StatsCommand implements Callable<Integer>
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the appliance's counters file")
    private Path file;

    @Option(names = "--interval", paramLabel = "SECONDS",
        description = "print again every SECONDS, more than 0 and at most 86400 (default: once)")
    private double intervalSeconds;

    @Option(names = {"-c", "--count"}, paramLabel = "N",
        description = "with --interval, stop after N prints, 1 or more")
    private long count = Long.MAX_VALUE;

    @Option(names = "--prometheus",
        description = "print the counters in the Prometheus text format, as a sensor's /metrics serves them "
            + "(--metrics-listen): for node_exporter's textfile collector or a push gateway")
    private boolean prometheus;

    @Override
    public Integer call() throws InterruptedException
    {
        if (intervalSeconds != 0)
        {
            OptionRanges.check(spec.commandLine(), "--interval", intervalSeconds, 0, true, 86400);
        }
        OptionRanges.check(spec.commandLine(), "--count", count, 1, Long.MAX_VALUE);
        final java.io.PrintWriter out = spec.commandLine().getOut();
        final CountersFileReader reader;
        try
        {
            reader = CountersFileReader.open(file);
        }
        catch (final IllegalArgumentException | java.io.UncheckedIOException ex)
        {
            spec.commandLine().getErr().println("flowtap stats: " + ex.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
        try (reader)
        {
            long printed = 0;
            do
            {
                if (printed > 0)
                {
                    Thread.sleep((long)(intervalSeconds * 1000));
                }
                if (prometheus)
                {
                    out.print(prometheusText(reader));
                    out.flush();
                    printed++;
                    continue;
                }
                out.println("flowtap pid " + reader.pid() + ", started " + Instant.ofEpochMilli(reader.startTimeMs()));
                for (final Map.Entry<String, Long> entry : reader.values().entrySet())
                {
                        out.printf("  %-48s %d%n", entry.getKey(), entry.getValue());
                }
                printErrors(reader, out);
                out.flush();
                printed++;
            }
            while (intervalSeconds > 0 && printed < count);
        }
        return ExitCodes.OK;
    }

    /**
     * The distinct errors the sensor's threads met, after the counters, only when there are any: how often each was
     * seen, first and last, and the first line of its stack trace (the exception and its message).
     */
    private static void printErrors(final CountersFileReader reader, final java.io.PrintWriter out)
    {
        final StringBuilder errors = new StringBuilder();
        final int distinct = reader.errors((count, firstMs, lastMs, trace) ->
        {
            final int end = trace.indexOf('\n');
            errors.append(String.format("  %d time%s, first %s, last %s: %s%n", count, count == 1 ? "" : "s",
                Instant.ofEpochMilli(firstMs), Instant.ofEpochMilli(lastMs),
                (end < 0 ? trace : trace.substring(0, end)).stripTrailing()));
        });
        if (distinct > 0)
        {
            out.println("errors: " + distinct + " distinct");
            out.print(errors);
        }
    }

    private static String prometheusText(final CountersFileReader reader)
    {
        final ByteArrayOutputStream text = new ByteArrayOutputStream();
        try
        {
            MetricsEndpoint.write(reader.counters(), text);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return text.toString(StandardCharsets.UTF_8);
    }
}
