package io.flowtap.tools.sensor;

import io.flowtap.kafka.JournalShipper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * A {@link JournalShipper} beside a sensor's workers ({@code capture}/{@code read --kafka}), on a thread of its own:
 * it follows the journal the workers write and ships each excerpt as it is committed, exactly as {@code flowtap ship}
 * does from another process. The workers never wait for it: it only reads the journal, and the journal keeps what it
 * has not shipped yet.
 * <p>
 * At the end of the run, once the workers have journaled every flow's end and the journal is closed, {@link #drain}
 * lets it ship the rest while the broker keeps acknowledging (a file read faster than a broker takes it is shipped
 * whole), up to a limit; what the broker has not acknowledged when it stops answering, or at the limit, stays in the
 * journal, behind the position file, for {@code flowtap ship} to send later. A shipper that throws (its position file
 * cannot be written, a queue of a newer schema) stops shipping, says why once, and the run goes on.
 * <p>
 * Threading: made, started, drained and closed by the sensor's reporting thread; {@link #doWork} runs on the
 * shipper's own thread, and the two meet only in volatile fields.
 */
final class SensorShipper implements Agent
{
    /** How long the end of a run waits for the broker's next acknowledgement before it gives up. */
    static final long DRAIN_STALL_NS = TimeUnit.SECONDS.toNanos(10);
    /** How long the end of a live capture waits at most, well inside the minute a stop signal waits for the run. */
    static final long DRAIN_LIVE_LIMIT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final long DRAIN_POLL_MS = 10;

    private final JournalShipper shipper;
    private final AgentRunner runner;
    private final ErrorHandler errorHandler;
    private volatile boolean draining;
    private volatile boolean drained;
    private volatile String failure;
    private boolean refreshed;

    /**
     * @param shipper      to run.
     * @param errorHandler for what escapes the shipper's own handling.
     */
    SensorShipper(final JournalShipper shipper, final ErrorHandler errorHandler)
    {
        this.shipper = shipper;
        this.errorHandler = errorHandler;
        // Shipping is not latency-critical: a millisecond's sleep when idle keeps its core free for the workers.
        this.runner = new AgentRunner(new SleepingMillisIdleStrategy(1), errorHandler, null, this);
    }

    /**
     * Start its thread.
     */
    void start()
    {
        AgentRunner.startOnThread(runner);
    }

    @Override
    public String roleName()
    {
        return shipper.roleName();
    }

    @Override
    public void onStart()
    {
        shipper.onStart();
    }

    @Override
    public int doWork()
    {
        if (failure != null)
        {
            return 0;
        }
        try
        {
            if (draining && !refreshed)
            {
                // Queues a worker made late are looked for now, not at the next rescan.
                refreshed = true;
                shipper.refresh();
            }
            final int work = shipper.doWork();
            if (shipper.stopped() != null)
            {
                failure = shipper.stopped();
            }
            else if (draining && work == 0 && shipper.caughtUp())
            {
                drained = true;
            }
            return work;
        }
        catch (final RuntimeException ex)
        {
            failure = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            errorHandler.onError(ex);
            return 0;
        }
    }

    @Override
    public void onClose()
    {
        try
        {
            shipper.onClose();
        }
        catch (final RuntimeException ex)
        {
            if (failure == null)
            {
                failure = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            }
        }
    }

    /**
     * Let the shipper send what the journal holds until the broker has acknowledged all of it, then stop it (its
     * position file is written as it stops). Call once the journal is closed.
     *
     * @param stallNs to wait at most for the next acknowledgement.
     * @param limitNs to wait at most in all.
     * @return whether everything was acknowledged.
     */
    boolean drain(final long stallNs, final long limitNs)
    {
        draining = true;
        final long startNs = System.nanoTime();
        long lastProgressNs = startNs;
        long acknowledged = shipper.counters().bytesAcknowledged();
        while (!drained && failure == null)
        {
            final long nowNs = System.nanoTime();
            final long now = shipper.counters().bytesAcknowledged();
            if (now != acknowledged)
            {
                acknowledged = now;
                lastProgressNs = nowNs;
            }
            if (nowNs - lastProgressNs >= stallNs || nowNs - startNs >= limitNs)
            {
                break;
            }
            try
            {
                Thread.sleep(DRAIN_POLL_MS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        runner.close();
        return drained && failure == null;
    }

    /**
     * @return why shipping stopped before the end of the run, or null.
     */
    String failure()
    {
        return failure;
    }

    /**
     * @return the shipper.
     */
    JournalShipper shipper()
    {
        return shipper;
    }
}
