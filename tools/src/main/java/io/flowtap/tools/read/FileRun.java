package io.flowtap.tools.read;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.worker.WorkerCounter;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.EngineCounters;
import io.flowtap.tools.CounterReport;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.handler.UserHandlers;
import io.flowtap.tools.sensor.RunSummary;
import io.flowtap.tools.sensor.SensorRun;
import io.flowtap.tools.sensor.SensorStop;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What {@code read} adds to the sensor's loop: progress on a terminal (percent of the file, packets and MB per
 * second), the run ends when the workers have drained the file, what it says when it stops early (where in the file),
 * and its summary (the rate, the counters, the flows and bytes delivered).
 */
final class FileRun implements SensorRun
{
    private static final String PREFIX = "flowtap read: ";
    private static final long PROGRESS_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(500);

    private final Path file;
    private final CaptureFileSource source;
    private final UserHandlers user;
    private final boolean journaled;
    private final boolean showProgress;
    private final long startNs;
    private final PrintWriter err;
    private final PrintWriter out;
    private long nextProgressNs;

    FileRun(
        final Path file,
        final CaptureFileSource source,
        final UserHandlers user,
        final boolean journaled,
        final boolean showProgress,
        final long startNs,
        final PrintWriter err,
        final PrintWriter out)
    {
        this.file = file;
        this.source = source;
        this.user = user;
        this.journaled = journaled;
        this.showProgress = showProgress;
        this.startNs = startNs;
        this.err = err;
        this.out = out;
        this.nextProgressNs = startNs + PROGRESS_INTERVAL_NS;
    }

    @Override
    public String prefix()
    {
        return PREFIX;
    }

    @Override
    public boolean endsWhenDrained()
    {
        return true;
    }

    @Override
    public boolean isDone(final Pipeline pipeline, final long nowNs)
    {
        return false;
    }

    @Override
    public void report(final Pipeline pipeline, final long nowNs)
    {
        if (showProgress && nowNs >= nextProgressNs)
        {
            nextProgressNs = nowNs + PROGRESS_INTERVAL_NS;
            err.print("\r" + progress(pipeline, nowNs - startNs));
            err.flush();
        }
    }

    @Override
    public int onStop(final Pipeline pipeline, final SensorStop stop)
    {
        if (showProgress)
        {
            err.println("\r" + progress(pipeline, System.nanoTime() - startNs));
        }
        if (stop.failure() != null)
        {
            err.println(PREFIX + stop.failure() + "; stopped reading " + file + " at byte " + source.position() +
                " of " + source.size());
            return ExitCodes.INPUT_ERROR;
        }
        if (stop.journalStopped() != null)
        {
            err.println(PREFIX + stop.journalStopped());
            err.println(PREFIX + (source.position() < source.size() ?
                "stopped reading " + file + " at byte " + source.position() + " of " + source.size() :
                "read " + file + " to its end, but the workers had not journaled all of it") +
                "; the journal holds everything committed before it (flows still open were ended, not journaled)");
        }
        else if (stop.signalled())
        {
            err.println(PREFIX + "stopped by a signal at " + source.position() + " of " + source.size() +
                " bytes; every flow open was ended (shutdown) and journaled");
        }
        else if (stop.handlerStopped())
        {
            err.println(PREFIX + "stopping at " + source.position() + " of " + source.size() + " bytes: a " +
                "handler threw and --handler-errors is stop");
        }
        return ExitCodes.OK;
    }

    @Override
    public int summarize(final Pipeline pipeline, final int exitCode, final long elapsedNs)
    {
        int code = exitCode;
        out.flush();
        if (pipeline.damage() != null)
        {
            err.println(PREFIX + pipeline.damage().getMessage());
            code = ExitCodes.INPUT_ERROR;
        }
        if (user.errors().stopRequested())
        {
            // Also when the error came as the workers drained the end of the file: the policy is to stop on one.
            err.println(PREFIX + "stopped: a handler threw and --handler-errors is stop; every flow open was ended " +
                "(shutdown)" + (journaled ? " and journaled" : ""));
            code = ExitCodes.HANDLER_STOPPED;
        }
        final double seconds = elapsedNs / 1e9;
        final long segments = pipeline.total(WorkerCounter.SEGMENTS);
        final int workers = pipeline.workers().size();
        err.printf(Locale.ROOT, "%sread %s with %d worker%s in %.2f s: %d segments (%.0f/s)%n", PREFIX, file,
            workers, workers == 1 ? "" : "s", seconds, segments, segments / seconds);
        err.print(pipeline.counterSummary());
        final EngineCounters engine = pipeline.engineCounters();
        CounterReport.print(err, engine);
        err.printf("flows %d, stream bytes delivered %d%n", engine.get(EngineCounter.FLOWS_CREATED),
            engine.get(EngineCounter.DELIVERED_BYTES));
        err.print(RunSummary.activeResponse(pipeline));
        err.print(RunSummary.checksumsAndFragments(pipeline));
        err.print(user.summary());
        return code;
    }

    @Override
    public boolean outputLossOverrides()
    {
        return true;
    }

    private String progress(final Pipeline pipeline, final long elapsedNs)
    {
        final double seconds = Math.max(1e-9, elapsedNs / 1e9);
        final long position = source.position();
        final long frames = pipeline.total(DecodeCounter.FRAMES);
        return String.format(Locale.ROOT, "%5.1f%%  %d packets  %.0f packets/s  %.1f MB/s",
            100.0 * position / Math.max(1, source.size()), frames, frames / seconds, position / seconds / 1e6);
    }
}
