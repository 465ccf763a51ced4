package io.flowtap.tools.sensor;

import io.flowtap.pipeline.Pipeline;

/**
 * What a command that runs a sensor ({@code capture} live, {@code read} a file) gives {@link Sensor#run}: the
 * differences between them, while the loop, the stop conditions they share, the close and the end of the summary are
 * the sensor's. Called on the command's thread.
 */
public interface SensorRun
{
    /**
     * @return the command's prefix for its lines, such as {@code "flowtap read: "}.
     */
    String prefix();

    /**
     * @return whether the run is over when the workers have drained the input (a file: a journal may fill while they
     *         finish what the poller read ahead), rather than when the pollers finish (live: only when the interface
     *         goes).
     */
    boolean endsWhenDrained();

    /**
     * @param pipeline running.
     * @param nowNs    now on {@link System#nanoTime()}.
     * @return whether the command's own limits are reached (a count of segments, a duration).
     */
    boolean isDone(Pipeline pipeline, long nowNs);

    /**
     * Every turn of the loop (about every 50 ms): counters or progress when due.
     *
     * @param pipeline running.
     * @param nowNs    now on {@link System#nanoTime()}.
     */
    void report(Pipeline pipeline, long nowNs);

    /**
     * The loop is over, the pipeline still open: say why it stopped.
     *
     * @param pipeline still running.
     * @param stop     why.
     * @return the exit code so far.
     */
    int onStop(Pipeline pipeline, SensorStop stop);

    /**
     * The pipeline and the sensor are closed: print the run's counters, before the sensor's journal and latency
     * summary.
     *
     * @param pipeline  closed.
     * @param exitCode  so far.
     * @param elapsedNs from the start to the pipeline closed.
     * @return the exit code so far.
     */
    int summarize(Pipeline pipeline, int exitCode, long elapsedNs);

    /**
     * @return whether anything not journaled (or not shipped) makes the exit code say so even when it already says
     *         something else went wrong ({@code read}), rather than only when all else went well ({@code capture}).
     */
    default boolean outputLossOverrides()
    {
        return false;
    }
}
