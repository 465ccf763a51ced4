package io.flowtap.capture.ring;

import io.flowtap.linux.LinuxException;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.locks.LockSupport;

/**
 * A child process for live tests: sends {@link TestFrames} on an interface through an {@link AfPacketTransmitter}.
 * <p>
 * Arguments: interface, first sequence, count, fixed length (0 for varied), frames per flush. Waits until the ring
 * is drained, prints {@code sent N} and the transmitter's counters, and exits 0; or prints the error and exits 2.
 */
public final class RingFrameSender
{
    private RingFrameSender()
    {
    }

    /**
     * @param args interface, first sequence, count, fixed length, frames per flush.
     */
    public static void main(final String[] args)
    {
        final String interfaceName = args[0];
        final int first = Integer.parseInt(args[1]);
        final int count = Integer.parseInt(args[2]);
        final int fixedLength = Integer.parseInt(args[3]);
        final int batch = Integer.parseInt(args[4]);
        try (AfPacketTransmitter transmitter = AfPacketTransmitter.open(interfaceName,
            AfPacketTransmitter.FRAME_SIZE_DEFAULT, 256, false))
        {
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[TestFrames.MAX_LENGTH]);
            for (int i = 0; i < count; i++)
            {
                final int length = TestFrames.write(frame, first + i, fixedLength);
                int result;
                while ((result = transmitter.offer(frame, 0, length)) == AfPacketTransmitter.RING_FULL)
                {
                    transmitter.flush();
                    LockSupport.parkNanos(10_000);
                }
                if (result != length)
                {
                    System.err.println("offer of frame " + (first + i) + " returned " + result);
                    System.exit(2);
                }
                if ((i + 1) % batch == 0)
                {
                    transmitter.flush();
                }
            }
            transmitter.flushAndWait();
            while (!transmitter.isDrained())
            {
                transmitter.flushAndWait();
                LockSupport.parkNanos(1_000_000);
            }
            final StringBuilder counters = new StringBuilder();
            for (final TransmitCounter counter : TransmitCounter.values())
            {
                counters.append(' ').append(counter.label()).append('=').append(transmitter.counter(counter));
            }
            System.out.println("sent " + transmitter.counter(TransmitCounter.FRAMES) + counters);
        }
        catch (final LinuxException ex)
        {
            System.err.println(ex.getMessage());
            System.exit(2);
        }
    }
}
