package io.flowtap.tools.journal;

import io.flowtap.tools.ExitCodes;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.FileNotFoundException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code flowtap journal histogram FILE}: an HdrHistogram interval log, as {@code --histogram-log} writes it, summed
 * per stage (tag): the percentile distribution, and a percentile plot with a logarithmic percentile axis.
 */
@Command(
    name = "histogram",
    mixinStandardHelpOptions = true,
    description = "Print the latency percentiles per stage of an HdrHistogram log written with --histogram-log, and "
        + "plot them (SVG or PNG, by the file's extension) with a log-scale percentile axis.",
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap journal histogram latency.hlog",
        "  flowtap journal histogram latency.hlog --plot latency.svg",
        "  flowtap journal histogram latency.hlog --plot latency.png --unit ms"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:the log is missing, unreadable or empty, or the plot cannot be written",
        "2:bad command line",
        "3:standard output or the plot cannot be written"})
public final class JournalHistogramCommand implements Callable<Integer>
{
    /** Percentiles printed. */
    static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};
    private static final String PREFIX = "flowtap journal histogram: ";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "an HdrHistogram interval log")
    private Path file;

    @Option(names = "--plot", paramLabel = "OUT", description = "write a percentile plot, OUT.svg or OUT.png")
    private Path plot;

    @Option(names = "--unit", paramLabel = "UNIT", description = "ns, us or ms (default: ${DEFAULT-VALUE})")
    private String unit = "us";

    @Override
    public Integer call()
    {
        final double divisor = switch (unit)
        {
            case "ns" -> 1;
            case "us" -> 1e3;
            case "ms" -> 1e6;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--unit takes ns, us or ms");
        };
        if (plot != null && !PercentilePlot.supports(plot))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--plot writes .svg or .png files");
        }
        final PrintWriter err = spec.commandLine().getErr();
        final Map<String, Histogram> stages;
        try
        {
            stages = read(file);
        }
        catch (final FileNotFoundException ex)
        {
            err.println(PREFIX + file + ": no such file");
            return ExitCodes.INPUT_ERROR;
        }
        catch (final RuntimeException ex)
        {
            err.println(PREFIX + file + ": not an HdrHistogram log: " + ex.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
        if (stages.isEmpty())
        {
            err.println(PREFIX + file + ": holds no histograms");
            return ExitCodes.INPUT_ERROR;
        }
        final PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%-18s %12s", "stage (" + unit + ")", "count");
        for (final double percentile : PERCENTILES)
        {
            out.printf(Locale.ROOT, " %10s", "p" + format(percentile));
        }
        out.printf(Locale.ROOT, " %10s%n", "max");
        for (final Map.Entry<String, Histogram> stage : stages.entrySet())
        {
            final Histogram histogram = stage.getValue();
            out.printf(Locale.ROOT, "%-18s %12d", stage.getKey(), histogram.getTotalCount());
            for (final double percentile : PERCENTILES)
            {
                out.printf(Locale.ROOT, " %10.1f", histogram.getValueAtPercentile(percentile) / divisor);
            }
            out.printf(Locale.ROOT, " %10.1f%n", histogram.getMaxValue() / divisor);
        }
        out.flush();
        if (plot != null)
        {
            try
            {
                PercentilePlot.write(plot, stages, divisor, unit);
            }
            catch (final java.io.IOException | java.io.UncheckedIOException ex)
            {
                err.println(PREFIX + plot + ": cannot write the plot: " + ex.getMessage());
                return ExitCodes.INPUT_ERROR;
            }
            err.println(PREFIX + "plot written to " + plot);
        }
        return ExitCodes.OK;
    }

    /**
     * @param log an HdrHistogram interval log.
     * @return each tag's intervals added up, in tag order (untagged as "all").
     * @throws FileNotFoundException when the file is missing.
     */
    static Map<String, Histogram> read(final Path log) throws FileNotFoundException
    {
        if (!Files.isRegularFile(log))
        {
            throw new FileNotFoundException(log.toString());
        }
        final Map<String, Histogram> stages = new TreeMap<>();
        final HistogramLogReader reader = new HistogramLogReader(log.toFile());
        try
        {
            EncodableHistogram interval;
            while ((interval = reader.nextIntervalHistogram()) != null)
            {
                if (interval instanceof Histogram histogram)
                {
                    final String tag = histogram.getTag() == null ? "all" : histogram.getTag();
                    stages.computeIfAbsent(tag, t -> new Histogram(histogram.getNumberOfSignificantValueDigits()))
                        .add(histogram);
                }
            }
        }
        finally
        {
            reader.close();
        }
        return stages;
    }

    static String format(final double percentile)
    {
        return percentile == Math.rint(percentile) ? Long.toString((long)percentile) : Double.toString(percentile);
    }
}
