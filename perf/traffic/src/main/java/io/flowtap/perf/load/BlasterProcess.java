package io.flowtap.perf.load;

import io.flowtap.perf.blast.BlastReport;
import io.flowtap.perf.blast.Blaster;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.capture.ring.AfPacketTransmitter;
import io.flowtap.linux.Affinity;
import io.flowtap.linux.LinuxException;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The load test's sender, run as a child process inside the namespace (a thread cannot send from another network
 * namespace than its process's): loops a capture through a {@link Blaster} for a duration and prints the
 * {@link BlastReport} as {@code key=value} pairs.
 * <p>
 * Arguments: interface, capture file, packets per second (0 for top speed), duration in milliseconds, CPU (-1 for
 * none). Exits 0, or prints the error and exits 2.
 */
public final class BlasterProcess
{
    private BlasterProcess()
    {
    }

    /**
     * @param args interface, file, pps, duration ms, cpu.
     */
    public static void main(final String[] args)
    {
        final String interfaceName = args[0];
        final Path file = Paths.get(args[1]);
        final long pps = Long.parseLong(args[2]);
        final long durationMs = Long.parseLong(args[3]);
        final int cpu = Integer.parseInt(args[4]);
        try (AfPacketTransmitter transmitter = AfPacketTransmitter.open(interfaceName,
            AfPacketTransmitter.FRAME_SIZE_DEFAULT, AfPacketTransmitter.FRAME_COUNT_DEFAULT, false))
        {
            if (cpu >= 0)
            {
                Affinity.pinCurrentThread(cpu);
            }
            final Blaster blaster = new Blaster(transmitter);
            if (pps > 0)
            {
                blaster.pps(pps);
            }
            final BlastReport report = blaster.blast(() -> CaptureFiles.open(file), Long.MAX_VALUE,
                durationMs * 1_000_000L);
            System.out.println(report.toKeyValues());
        }
        catch (final LinuxException | IllegalArgumentException ex)
        {
            System.err.println(ex.getMessage());
            System.exit(2);
        }
    }
}
