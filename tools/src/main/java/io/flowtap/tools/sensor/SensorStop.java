package io.flowtap.tools.sensor;

/**
 * Why a sensor's loop ended, as {@link SensorRun#onStop} is told: each reason that holds, null or false for those that
 * do not; none at all when the command's own limit was reached or the input ended by itself.
 *
 * @param journalStopped why journaling stopped for good (a full disk under {@code --journal-full stop}), or null.
 * @param failure        the worker that failed and why, or null.
 * @param sourceLost     why a live source stopped on its own (its interface went), or null.
 * @param signalled      whether a signal asked the run to stop.
 * @param handlerStopped whether a handler threw under {@code --handler-errors stop}.
 */
public record SensorStop(
    String journalStopped, String failure, String sourceLost, boolean signalled, boolean handlerStopped)
{
    /**
     * @return whether the pipeline or the journal ended the run (rather than the command, a signal or the input).
     */
    public boolean isForced()
    {
        return journalStopped != null || failure != null || sourceLost != null;
    }
}
