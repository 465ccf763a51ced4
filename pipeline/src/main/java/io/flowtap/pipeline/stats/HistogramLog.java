package io.flowtap.pipeline.stats;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Writes {@link StageHistograms}' intervals in HdrHistogram's log format, one tagged histogram per stage per
 * interval, so HdrHistogram's own tools (HistogramLogProcessor, the plotter) and {@code flowtap journal histogram}
 * read it. Called from one reporting thread, off the packet path.
 */
public final class HistogramLog implements AutoCloseable
{
    private final PrintStream file;
    private final HistogramLogWriter writer;
    private final StageHistograms histograms;
    private final long startMs;
    private long intervalStartMs;

    /**
     * Start a log: header, start time and legend written at once.
     *
     * @param path       of the log file, replaced if it exists.
     * @param histograms to take intervals from.
     */
    public HistogramLog(final Path path, final StageHistograms histograms)
    {
        try
        {
            this.file = new PrintStream(path.toFile(), java.nio.charset.StandardCharsets.US_ASCII);
        }
        catch (final FileNotFoundException ex)
        {
            throw new UncheckedIOException("cannot write the histogram log " + path + ": " + ex.getMessage(), ex);
        }
        catch (final java.io.IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        this.histograms = histograms;
        this.writer = new HistogramLogWriter(file);
        this.startMs = System.currentTimeMillis();
        this.intervalStartMs = startMs;
        writer.outputLogFormatVersion();
        writer.outputComment("flowtap latency per pipeline stage, in nanoseconds");
        writer.outputStartTime(startMs);
        writer.setBaseTime(startMs);
        writer.outputLegend();
    }

    /**
     * Write one interval of every stage that recorded anything in it.
     */
    public void writeInterval()
    {
        final long nowMs = System.currentTimeMillis();
        for (final Stage stage : Stage.values())
        {
            final Histogram interval = histograms.interval(stage);
            if (interval.getTotalCount() > 0)
            {
                interval.setStartTimeStamp(intervalStartMs);
                interval.setEndTimeStamp(nowMs);
                interval.setTag(stage.tag());
                writer.outputIntervalHistogram(interval);
            }
        }
        intervalStartMs = nowMs;
        file.flush();
    }

    @Override
    public void close()
    {
        writeInterval();
        file.close();
    }
}
