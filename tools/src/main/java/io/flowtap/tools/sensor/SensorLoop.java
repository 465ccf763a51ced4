package io.flowtap.tools.sensor;

import io.flowtap.pipeline.Pipeline;
import io.flowtap.tools.ExitCodes;

import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The one loop of a sensor run, for {@code capture} and {@code read} alike: while the pipeline runs, tick the sensor
 * (histogram intervals, counters published), stop when told to (a signal, a handler's error under
 * {@code --handler-errors stop}), when the journal stops for good, a worker fails or a live source goes, or when the
 * command's own limits are reached; then close the pipeline (every open flow ends) and the sensor (journals, counters
 * file, shipper), and finish the summary and the exit code. What differs between the commands is their
 * {@link SensorRun}.
 */
final class SensorLoop
{
    private static final long LOOP_WAIT_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private SensorLoop()
    {
    }

    static int run(
        final Sensor sensor,
        final Pipeline pipeline,
        final long startNs,
        final SensorRun run,
        final PrintWriter err,
        final BooleanSupplier running,
        final BooleanSupplier handlerStop)
    {
        int exitCode = ExitCodes.OK;
        final long endNs;
        try
        {
            sensor.attach(pipeline, startNs);
            SensorStop stop = null;
            while (running.getAsBoolean() && !handlerStop.getAsBoolean() &&
                !run.isDone(pipeline, System.nanoTime()) && !awaitEnd(pipeline, run))
            {
                final long nowNs = System.nanoTime();
                sensor.tick(nowNs);
                stop = stop(sensor, pipeline, running, handlerStop);
                if (stop.isForced() || run.isDone(pipeline, nowNs))
                {
                    break;
                }
                run.report(pipeline, nowNs);
            }
            if (stop == null || !stop.isForced())
            {
                // The input may have run out between the last look and the journal stopping: the reason is still to
                // be said.
                stop = stop(sensor, pipeline, running, handlerStop);
            }
            exitCode = run.onStop(pipeline, stop);
        }
        finally
        {
            try
            {
                pipeline.close();
            }
            catch (final IllegalStateException ex)
            {
                err.println(run.prefix() + ex.getMessage());
                exitCode = ExitCodes.INPUT_ERROR;
            }
            finally
            {
                // Read and reassembled: the rate is of that, not of the wait for --kafka's last acknowledgements.
                endNs = System.nanoTime();
                sensor.close();
            }
        }
        exitCode = run.summarize(pipeline, exitCode, endNs - startNs);
        sensor.printSummary(err);
        final String accounting = pipeline.accountingError();
        if (accounting != null)
        {
            err.println(run.prefix() + "accounting does not add up: " + accounting);
            exitCode = ExitCodes.INPUT_ERROR;
        }
        final boolean lost = sensor.journalLostAnything();
        if ((exitCode == ExitCodes.OK || run.outputLossOverrides() && lost) &&
            (lost || sensor.shipIncomplete() != null))
        {
            exitCode = ExitCodes.OUTPUT_ERROR;
        }
        err.flush();
        return exitCode;
    }

    private static boolean awaitEnd(final Pipeline pipeline, final SensorRun run)
    {
        return run.endsWhenDrained() ? pipeline.awaitDrained(LOOP_WAIT_NS) : pipeline.awaitInputFinished(LOOP_WAIT_NS);
    }

    private static SensorStop stop(
        final Sensor sensor, final Pipeline pipeline, final BooleanSupplier running, final BooleanSupplier handlerStop)
    {
        return new SensorStop(sensor.journalStopped(), pipeline.failure(), pipeline.sourceFailure(),
            !running.getAsBoolean(), handlerStop.getAsBoolean());
    }
}
