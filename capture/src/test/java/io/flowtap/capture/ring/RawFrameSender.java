package io.flowtap.capture.ring;

import io.flowtap.linux.AfPacket;
import io.flowtap.linux.Errno;
import io.flowtap.linux.LinuxException;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A child process for live tests: sends {@link TestFrames} on an interface through a second AF_PACKET socket.
 * <p>
 * Arguments: interface, first sequence, count, fixed length (0 for varied), frames per burst (a 1 ms pause follows
 * each burst, to keep the rate moderate; 0 for no pause). Prints {@code sent N} and exits 0, or prints the error and
 * exits 2.
 */
public final class RawFrameSender
{
    private static final int ENOBUFS = 105;

    private RawFrameSender()
    {
    }

    /**
     * @param args interface, first sequence, count, fixed length, burst.
     * @throws InterruptedException if the pause is interrupted.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final String interfaceName = args[0];
        final int first = Integer.parseInt(args[1]);
        final int count = Integer.parseInt(args[2]);
        final int fixedLength = Integer.parseInt(args[3]);
        final int burst = Integer.parseInt(args[4]);
        try
        {
            final int fd = AfPacket.open();
            AfPacket.bind(fd, AfPacket.interfaceIndex(interfaceName), interfaceName);
            final UnsafeBuffer frame = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048, 64));
            int sent = 0;
            for (int i = 0; i < count; i++)
            {
                final int length = TestFrames.write(frame, first + i, fixedLength);
                int result;
                while ((result = AfPacket.send(fd, frame.addressOffset(), length)) == -ENOBUFS ||
                    result == -Errno.EAGAIN)
                {
                    Thread.sleep(1);
                }
                if (result != length)
                {
                    System.err.println("send of frame " + (first + i) + " returned " + result);
                    System.exit(2);
                }
                sent++;
                if (burst > 0 && sent % burst == 0)
                {
                    Thread.sleep(1);
                }
            }
            System.out.println("sent " + sent);
        }
        catch (final LinuxException ex)
        {
            System.err.println(ex.getMessage());
            System.exit(2);
        }
    }
}
