package io.flowtap.pipeline.poll;

import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.linux.AfPacket;
import io.flowtap.linux.Errno;
import io.flowtap.linux.LinuxException;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A child process for live tests: sends TCP frames of many flows, both directions of each, in a shuffled order,
 * through an AF_PACKET socket. Arguments: interface, flows, frames per direction per flow, seed. Prints
 * {@code sent N} and exits 0, or prints the error and exits 2.
 */
public final class FlowFrameSender
{
    private static final int ENOBUFS = 105;

    private FlowFrameSender()
    {
    }

    /**
     * The frames, in send order: the same for the same arguments in every process.
     *
     * @param flows          flows.
     * @param framesEachWay  frames per direction of each flow.
     * @param seed           of the shuffle.
     * @return the frames.
     */
    public static List<byte[]> frames(final int flows, final int framesEachWay, final long seed)
    {
        final List<byte[]> frames = new ArrayList<>();
        for (int flow = 0; flow < flows; flow++)
        {
            final byte[] client = {10, (byte)201, (byte)(flow >>> 8), (byte)flow};
            final byte[] server = {10, (byte)202, 0, 1};
            final int clientPort = 30000 + flow;
            for (int i = 0; i < framesEachWay; i++)
            {
                frames.add(PacketBuilder.ethernet().ipv4(client, server).ports(clientPort, 80)
                    .seqAck(1000 + i, 5000).payload(new byte[] {(byte)i}).build());
                frames.add(PacketBuilder.ethernet().ipv4(server, client).ports(80, clientPort)
                    .seqAck(5000 + i, 1000).payload(new byte[] {(byte)i}).build());
            }
        }
        Collections.shuffle(frames, new Random(seed));
        return frames;
    }

    /**
     * @param args interface, flows, frames per direction, seed.
     * @throws InterruptedException if a pause is interrupted.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final List<byte[]> frames = frames(
            Integer.parseInt(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]));
        try
        {
            final int fd = AfPacket.open();
            AfPacket.bind(fd, AfPacket.interfaceIndex(args[0]), args[0]);
            final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048, 64));
            int sent = 0;
            for (final byte[] frame : frames)
            {
                buffer.putBytes(0, frame);
                int result;
                while ((result = AfPacket.send(fd, buffer.addressOffset(), frame.length)) == -ENOBUFS ||
                    result == -Errno.EAGAIN)
                {
                    Thread.sleep(1);
                }
                if (result != frame.length)
                {
                    System.err.println("send returned " + result);
                    System.exit(2);
                }
                if (++sent % 100 == 0)
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
