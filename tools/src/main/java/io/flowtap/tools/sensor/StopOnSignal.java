package io.flowtap.tools.sensor;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns Ctrl-C and SIGTERM into a clean stop of a long-running command: a shutdown hook runs the stop action (which
 * clears the command's running flag) and waits for the command to finish its work (drain the pipeline, end every flow,
 * close the journal, print its counters). A JVM that a signal shuts down would exit 128 + the signal's number once the
 * hooks return; a stop on request is a success, so the hook ends the JVM itself with the command's exit code.
 * <p>
 * Made when the command starts its work, closed when it has finished (normally or not): closing removes the hook.
 */
public final class StopOnSignal implements AutoCloseable
{
    private static final long FINISH_WAIT_MS = 60_000;

    private final Runnable stop;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;
    private volatile int exitCode;

    /**
     * Install the hook.
     *
     * @param stop asks the command to stop; runs on the hook's thread.
     */
    public StopOnSignal(final Runnable stop)
    {
        this.stop = stop;
        this.hook = new Thread(this::onSignal, "flowtap-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * @param code the command's exit code, used if a signal is waiting for it.
     */
    public void exitCode(final int code)
    {
        this.exitCode = code;
    }

    @Override
    public void close()
    {
        finished.countDown();
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException ex)
        {
            // Shutting down already: the hook is running and now sees the command finished.
        }
    }

    private void onSignal()
    {
        stop.run();
        try
        {
            if (finished.await(FINISH_WAIT_MS, TimeUnit.MILLISECONDS))
            {
                System.err.flush();
                System.out.flush();
                Runtime.getRuntime().halt(exitCode);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
