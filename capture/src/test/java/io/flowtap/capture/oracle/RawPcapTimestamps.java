package io.flowtap.capture.oracle;

import io.flowtap.capture.Frame;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a classic pcap record's timestamp straight from the file, independently of flowtap's source, to judge
 * records whose fraction is out of range (a microsecond field of a million or more), which tshark cannot show.
 */
final class RawPcapTimestamps
{
    private static final int MAGIC_MICRO = 0xA1B2C3D4;
    private static final int MAGIC_NANO = 0xA1B23C4D;

    private final Path file;
    private ByteOrder order;
    private long unitNs;

    RawPcapTimestamps(final Path file)
    {
        this.file = file;
        final ByteBuffer magic = read(0, 4);
        if (magic == null)
        {
            return;
        }
        for (final ByteOrder candidate : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN})
        {
            final int value = magic.order(candidate).getInt(0);
            if (value == MAGIC_MICRO || value == MAGIC_NANO)
            {
                order = candidate;
                unitNs = value == MAGIC_MICRO ? 1000 : 1;
            }
        }
    }

    boolean isOutOfRangeFraction(final Frame frame)
    {
        final ByteBuffer header = order == null ? null : read(frame.sourcePosition(), 8);
        return header != null && Integer.toUnsignedLong(header.order(order).getInt(4)) * unitNs >= 1_000_000_000L;
    }

    long carried(final Frame frame)
    {
        final ByteBuffer header = read(frame.sourcePosition(), 8).order(order);
        return Integer.toUnsignedLong(header.getInt(0)) * 1_000_000_000L +
            Integer.toUnsignedLong(header.getInt(4)) * unitNs;
    }

    private ByteBuffer read(final long position, final int length)
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final ByteBuffer buffer = ByteBuffer.allocate(length);
            channel.read(buffer, position);
            return buffer.hasRemaining() ? null : buffer;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
