package io.flowtap.capture.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes classic pcap files for tests, field by field, so tests state the bytes they expect rather than trusting a
 * library to produce them.
 */
public final class PcapTestWriter
{
    public static final int MAGIC_MICROSECONDS = 0xA1B2C3D4;
    public static final int MAGIC_NANOSECONDS = 0xA1B23C4D;
    public static final int MAGIC_MODIFIED = 0xA1B2CD34;

    private ByteBuffer buffer;
    private final int magic;

    public PcapTestWriter(final ByteOrder order, final int magic, final int snapLength, final int linkTypeField)
    {
        this.magic = magic;
        buffer = ByteBuffer.allocate(1 << 16).order(order);
        buffer.putInt(magic);
        buffer.putShort((short)2).putShort((short)4);
        buffer.putInt(0).putInt(0);
        buffer.putInt(snapLength);
        buffer.putInt(linkTypeField);
    }

    public PcapTestWriter record(final long seconds, final long fraction, final byte[] data, final int originalLength)
    {
        return record(seconds, fraction, data, data.length, originalLength);
    }

    public PcapTestWriter record(
        final long seconds, final long fraction, final byte[] data, final int capturedLength, final int originalLength)
    {
        ensure(24 + data.length);
        buffer.putInt((int)seconds).putInt((int)fraction).putInt(capturedLength).putInt(originalLength);
        if (MAGIC_MODIFIED == magic)
        {
            // Interface index, protocol, packet type, padding: junk the reader must skip.
            buffer.putInt(0x01020304).putShort((short)0x0800).put((byte)4).put((byte)0x7F);
        }
        buffer.put(data);
        return this;
    }

    public PcapTestWriter raw(final byte[] bytes)
    {
        ensure(bytes.length);
        buffer.put(bytes);
        return this;
    }

    public long position()
    {
        return buffer.position();
    }

    public byte[] toBytes()
    {
        return Arrays.copyOf(buffer.array(), buffer.position());
    }

    public Path writeTo(final Path path) throws IOException
    {
        return Files.write(path, toBytes());
    }

    private void ensure(final int more)
    {
        if (buffer.remaining() < more)
        {
            final ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + more))
                .order(buffer.order());
            bigger.put(buffer.array(), 0, buffer.position());
            buffer = bigger;
        }
    }
}
