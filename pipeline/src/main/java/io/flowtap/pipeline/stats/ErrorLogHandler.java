package io.flowtap.pipeline.stats;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.errors.DistinctErrorLog;

/**
 * The sensor's error handler: every exception its threads meet (a handler's bug, a journal that fails) goes into the
 * counters file's {@link DistinctErrorLog}, which counts each distinct error and keeps its first and last time, so that
 * {@code flowtap stats} shows them while the sensor runs; then to the next handler (the command line's prints each kind
 * once). When the log is full, the error is printed instead, so that nothing is lost silently.
 * <p>
 * Thread safe: called from any agent's thread.
 */
public final class ErrorLogHandler implements ErrorHandler
{
    private final DistinctErrorLog log;
    private final ErrorHandler next;

    /**
     * @param log  to record each error in.
     * @param next to hand each error on to.
     */
    public ErrorLogHandler(final DistinctErrorLog log, final ErrorHandler next)
    {
        this.log = log;
        this.next = next;
    }

    @Override
    public void onError(final Throwable throwable)
    {
        if (!log.record(throwable))
        {
            throwable.printStackTrace();
        }
        next.onError(throwable);
    }
}
