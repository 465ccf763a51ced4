package io.flowtap.perf.gen;

import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A classic pcap file (microsecond timestamps, Ethernet, little-endian), written through a 1 MiB buffer.
 * <p>
 * Not thread safe.
 */
final class PcapWriter implements AutoCloseable
{
    private static final int MAGIC_MICROSECONDS = 0xA1B2C3D4;
    private static final int LINKTYPE_ETHERNET = 1;
    private static final int SNAP_LENGTH = 262_144;
    private static final int RECORD_HEADER_LENGTH = 16;
    private static final int BUFFER_LENGTH = 1 << 20;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private final byte[] copy = new byte[SensorPath.MAX_FRAME_LENGTH];

    PcapWriter(final Path path) throws IOException
    {
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
        buffer.putInt(MAGIC_MICROSECONDS).putShort((short)2).putShort((short)4).putInt(0).putInt(0)
            .putInt(SNAP_LENGTH).putInt(LINKTYPE_ETHERNET);
    }

    void write(final long timestampNs, final DirectBuffer frame, final int length) throws IOException
    {
        if (buffer.remaining() < RECORD_HEADER_LENGTH + length)
        {
            flush();
        }
        buffer.putInt((int)(timestampNs / NANOS_PER_SECOND))
            .putInt((int)(timestampNs % NANOS_PER_SECOND / 1000))
            .putInt(length)
            .putInt(length);
        frame.getBytes(0, copy, 0, length);
        buffer.put(copy, 0, length);
    }

    private void flush() throws IOException
    {
        buffer.flip();
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
        buffer.clear();
    }

    @Override
    public void close() throws IOException
    {
        try
        {
            flush();
        }
        finally
        {
            channel.close();
        }
    }
}
