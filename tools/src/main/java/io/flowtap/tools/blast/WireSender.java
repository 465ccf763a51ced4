package io.flowtap.tools.blast;

import io.flowtap.perf.blast.BlastReport;
import io.flowtap.perf.blast.Blaster;
import io.flowtap.capture.ring.AfPacketTransmitter;
import io.flowtap.linux.Affinity;
import io.flowtap.linux.LinuxException;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What {@code blast} and {@code journal replay-wire} share: open a transmit ring, pin the sending thread, let Ctrl-C
 * or SIGTERM stop the blast after the frame in hand (the shutdown hook waits for the report), and print the report.
 * <p>
 * Not thread safe: one run, on the calling thread.
 */
public final class WireSender
{
    private static final long SHUTDOWN_WAIT_MS = 5_000;

    private WireSender()
    {
    }

    /**
     * Pacing asked on the command line.
     *
     * @param pps   frames per second, or 0.
     * @param speed times the recorded pace, or 0.
     */
    public record Pace(long pps, double speed)
    {
        /** As fast as the ring drains. */
        public static final Pace TOP = new Pace(0, 0);

        void applyTo(final Blaster blaster)
        {
            if (pps > 0)
            {
                blaster.pps(pps);
            }
            else if (speed > 0)
            {
                blaster.recordedPace(speed);
            }
            else
            {
                blaster.topSpeed();
            }
        }
    }

    /**
     * Run a blast.
     *
     * @param interfaceName to send on.
     * @param ringFrames    slots of the transmit ring.
     * @param qdiscBypass   whether to bypass the qdisc layer.
     * @param cpu           to pin the sending thread to, or negative for none.
     * @param pace          the pacing.
     * @param body          sends through the blaster it is given and returns the report.
     * @param out           for the report.
     * @param prefix        of error messages, such as {@code "flowtap blast: "}.
     * @param keyValues     whether to print the report as {@code key=value} pairs (for a parent process).
     * @return the report, or null when the interface could not be used (the error was printed).
     */
    public static BlastReport run(
        final String interfaceName,
        final int ringFrames,
        final boolean qdiscBypass,
        final int cpu,
        final Pace pace,
        final Function<Blaster, BlastReport> body,
        final PrintStream out,
        final String prefix,
        final boolean keyValues)
    {
        final AfPacketTransmitter transmitter;
        try
        {
            transmitter = AfPacketTransmitter.open(interfaceName, AfPacketTransmitter.FRAME_SIZE_DEFAULT, ringFrames,
                qdiscBypass);
        }
        catch (final LinuxException ex)
        {
            out.println(prefix + ex.getMessage());
            return null;
        }
        final Blaster blaster = new Blaster(transmitter);
        pace.applyTo(blaster);
        final CountDownLatch done = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            blaster.stop();
            try
            {
                done.await(SHUTDOWN_WAIT_MS, TimeUnit.MILLISECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "flowtap-blast-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try
        {
            if (cpu >= 0)
            {
                Affinity.pinCurrentThread(cpu);
            }
            final BlastReport report = body.apply(blaster);
            out.println(keyValues ? report.toKeyValues() : "blast: " + interfaceName + ": " + report.describe());
            return report;
        }
        catch (final LinuxException ex)
        {
            out.println(prefix + ex.getMessage());
            return null;
        }
        finally
        {
            transmitter.close();
            done.countDown();
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ex)
            {
                // Shutting down already: the hook is running and waits on the latch just released.
            }
        }
    }
}
