package io.flowtap.capture.filter;

import io.flowtap.linux.AfPacket;
import io.flowtap.linux.Errno;
import io.flowtap.linux.LinuxException;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * A child process for live tests: sends the frames of a file, each a big-endian u16 length then the frame, on an
 * interface through an AF_PACKET socket, in order. Arguments: interface, file. Prints {@code sent N} and exits 0, or
 * prints the error and exits 2.
 */
public final class FrameFileSender
{
    private static final int ENOBUFS = 105;
    private static final int MAX_FRAME = 2048;

    private FrameFileSender()
    {
    }

    /**
     * @param args interface, file.
     * @throws IOException when the file cannot be read.
     * @throws InterruptedException if a pause is interrupted.
     */
    public static void main(final String[] args) throws IOException, InterruptedException
    {
        final String interfaceName = args[0];
        try (DataInputStream in = new DataInputStream(Files.newInputStream(Paths.get(args[1]))))
        {
            final int fd = AfPacket.open();
            AfPacket.bind(fd, AfPacket.interfaceIndex(interfaceName), interfaceName);
            final UnsafeBuffer frame = new UnsafeBuffer(BufferUtil.allocateDirectAligned(MAX_FRAME, 64));
            final byte[] bytes = new byte[MAX_FRAME];
            int sent = 0;
            while (true)
            {
                final int length;
                try
                {
                    length = in.readUnsignedShort();
                }
                catch (final EOFException ex)
                {
                    break;
                }
                in.readFully(bytes, 0, length);
                frame.putBytes(0, bytes, 0, length);
                int result;
                while ((result = AfPacket.send(fd, frame.addressOffset(), length)) == -ENOBUFS ||
                    result == -Errno.EAGAIN)
                {
                    Thread.sleep(1);
                }
                if (result != length)
                {
                    System.err.println("send of frame " + sent + " returned " + result);
                    System.exit(2);
                }
                sent++;
                if (sent % 100 == 0)
                {
                    // Keep the veth backlog short: every loss must be the filter's doing.
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
