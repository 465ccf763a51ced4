package io.flowtap.tools.capture;

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

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What {@code capture} adds to the sensor's loop: its limits (a count of segments, a duration), the counters every
 * interval, what it says when the journal, a worker or the interface stops it, and its final counters.
 */
final class LiveRun implements SensorRun
{
    private static final String PREFIX = "flowtap capture: ";

    private final String interfaceName;
    private final long count;
    private final long durationNs;
    private final long intervalNs;
    private final long startNs;
    private final UserHandlers user;
    private final PrintStream err;
    private final PrintWriter out;
    private long nextStatsNs;

    LiveRun(
        final String interfaceName,
        final long count,
        final long durationSeconds,
        final long statsIntervalSeconds,
        final long startNs,
        final UserHandlers user,
        final PrintStream err,
        final PrintWriter out)
    {
        this.interfaceName = interfaceName;
        this.count = count;
        this.durationNs = TimeUnit.SECONDS.toNanos(durationSeconds);
        this.intervalNs = TimeUnit.SECONDS.toNanos(statsIntervalSeconds);
        this.startNs = startNs;
        this.user = user;
        this.err = err;
        this.out = out;
        this.nextStatsNs = startNs + intervalNs;
    }

    @Override
    public String prefix()
    {
        return PREFIX;
    }

    @Override
    public boolean endsWhenDrained()
    {
        return false;
    }

    @Override
    public boolean isDone(final Pipeline pipeline, final long nowNs)
    {
        return pipeline.total(WorkerCounter.SEGMENTS) >= count || durationNs > 0 && nowNs - startNs >= durationNs;
    }

    @Override
    public void report(final Pipeline pipeline, final long nowNs)
    {
        if (intervalNs > 0 && nowNs - nextStatsNs >= 0)
        {
            nextStatsNs = nowNs + intervalNs;
            err.printf(Locale.ROOT, PREFIX + "counters on %s after %.1f s%n", interfaceName, (nowNs - startNs) / 1e9);
            err.print(pipeline.counterSummary());
            err.print(user.summary());
        }
    }

    @Override
    public int onStop(final Pipeline pipeline, final SensorStop stop)
    {
        final String stopped = stop.journalStopped() != null ?
            stop.journalStopped() + "; stopped capturing (flows still open were ended, not journaled)" :
            stop.failure() != null ? stop.failure() + "; stopped capturing" :
            stop.sourceLost() != null ?
            stop.sourceLost() + "; stopped capturing, every open flow was ended (shutdown)" : null;
        if (stopped != null)
        {
            err.println(PREFIX + stopped);
        }
        if (stop.handlerStopped())
        {
            err.println(PREFIX + "stopping: a handler threw and --handler-errors is stop");
        }
        return stopped == null ? ExitCodes.OK : stop.journalStopped() != null ? ExitCodes.OUTPUT_ERROR :
            ExitCodes.INPUT_ERROR;
    }

    @Override
    public int summarize(final Pipeline pipeline, final int exitCode, final long elapsedNs)
    {
        err.println(PREFIX + "final counters on " + interfaceName);
        err.print(pipeline.counterSummary());
        final EngineCounters engine = pipeline.engineCounters();
        CounterReport.print(err, engine);
        err.println("flows " + engine.get(EngineCounter.FLOWS_CREATED));
        err.print(RunSummary.activeResponse(pipeline));
        err.print(RunSummary.checksumsAndFragments(pipeline));
        err.print(user.summary());
        out.flush();
        if (user.errors().stopRequested())
        {
            err.println(PREFIX + "stopped: a handler threw and --handler-errors is stop; every flow open was ended " +
                "(shutdown)");
            return ExitCodes.HANDLER_STOPPED;
        }
        return exitCode;
    }
}
