package io.flowtap.capture.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes pcapng files for tests block by block, each section in the byte order it is opened with.
 */
final class PcapngTestWriter
{
    static final int SHB = 0x0A0D0D0A;
    static final int IDB = 1;
    static final int PB = 2;
    static final int SPB = 3;
    static final int NRB = 4;
    static final int ISB = 5;
    static final int EPB = 6;
    static final int DSB = 0x0A;
    static final int CUSTOM = 0x00000BAD;

    static final int TSRESOL_BINARY = 0x80;

    private ByteBuffer buffer = ByteBuffer.allocate(1 << 16);

    PcapngTestWriter sectionHeader(final ByteOrder order)
    {
        buffer.order(order);
        final ByteBuffer body = body(64);
        body.putInt(0x1A2B3C4D).putShort((short)1).putShort((short)0).putLong(-1L);
        // shb_userappl, to make sure options are skipped.
        option(body, 4, "flowtap-test".getBytes(StandardCharsets.US_ASCII));
        endOfOptions(body);
        return block(SHB, body);
    }

    PcapngTestWriter interfaceDescription(final int linkType, final int snapLength)
    {
        return interfaceDescription(linkType, snapLength, -1, 0);
    }

    /**
     * @param tsresol  the if_tsresol byte, or -1 for none.
     * @param tsoffset if_tsoffset seconds, written only when not 0.
     */
    PcapngTestWriter interfaceDescription(
        final int linkType, final int snapLength, final int tsresol, final long tsoffset)
    {
        final ByteBuffer body = body(64);
        body.putShort((short)linkType).putShort((short)0).putInt(snapLength);
        // if_name first, so the reader has to walk past an option it ignores.
        option(body, 2, "eth0".getBytes(StandardCharsets.US_ASCII));
        if (tsresol >= 0)
        {
            option(body, 9, new byte[]{(byte)tsresol});
        }
        if (0 != tsoffset)
        {
            final ByteBuffer value = ByteBuffer.allocate(8).order(buffer.order()).putLong(tsoffset);
            option(body, 14, value.array());
        }
        endOfOptions(body);
        return block(IDB, body);
    }

    PcapngTestWriter enhancedPacket(
        final int interfaceId, final long timestampUnits, final byte[] data, final int originalLength)
    {
        return enhancedPacket(interfaceId, timestampUnits, data, data.length, originalLength);
    }

    PcapngTestWriter enhancedPacket(
        final int interfaceId,
        final long timestampUnits,
        final byte[] data,
        final int capturedLength,
        final int originalLength)
    {
        final ByteBuffer body = body(64 + data.length);
        body.putInt(interfaceId)
            .putInt((int)(timestampUnits >>> 32))
            .putInt((int)timestampUnits)
            .putInt(capturedLength)
            .putInt(originalLength);
        body.put(data);
        pad(body);
        // epb_flags: inbound.
        option(body, 2, ByteBuffer.allocate(4).order(buffer.order()).putInt(1).array());
        endOfOptions(body);
        return block(EPB, body);
    }

    PcapngTestWriter simplePacket(final int originalLength, final byte[] data)
    {
        final ByteBuffer body = body(8 + data.length);
        body.putInt(originalLength).put(data);
        pad(body);
        return block(SPB, body);
    }

    PcapngTestWriter obsoletePacket(
        final int interfaceId, final long timestampUnits, final byte[] data, final int originalLength)
    {
        final ByteBuffer body = body(32 + data.length);
        body.putShort((short)interfaceId)
            .putShort((short)7)
            .putInt((int)(timestampUnits >>> 32))
            .putInt((int)timestampUnits)
            .putInt(data.length)
            .putInt(originalLength);
        body.put(data);
        pad(body);
        return block(PB, body);
    }

    PcapngTestWriter nameResolution()
    {
        final ByteBuffer body = body(64);
        final byte[] record = new byte[]{10, 0, 0, 1, 'h', 'o', 's', 't', 0};
        body.putShort((short)1).putShort((short)record.length).put(record);
        pad(body);
        body.putShort((short)0).putShort((short)0);
        return block(NRB, body);
    }

    PcapngTestWriter interfaceStatistics(final int interfaceId)
    {
        final ByteBuffer body = body(64);
        body.putInt(interfaceId).putInt(0).putInt(12345);
        // isb_ifrecv
        option(body, 4, ByteBuffer.allocate(8).order(buffer.order()).putLong(99).array());
        endOfOptions(body);
        return block(ISB, body);
    }

    PcapngTestWriter opaqueBlock(final int type, final int bodyLength)
    {
        final ByteBuffer body = body(bodyLength);
        for (int i = 0; i < bodyLength; i++)
        {
            body.put((byte)(0xEE - i));
        }
        return block(type, body);
    }

    /**
     * A block written with whatever leading and trailing lengths a damage test wants.
     */
    PcapngTestWriter rawBlock(final int type, final int leadingLength, final byte[] body, final int trailingLength)
    {
        ensure(12 + body.length);
        buffer.putInt(type).putInt(leadingLength).put(body).putInt(trailingLength);
        return this;
    }

    PcapngTestWriter raw(final byte[] bytes)
    {
        ensure(bytes.length);
        buffer.put(bytes);
        return this;
    }

    long position()
    {
        return buffer.position();
    }

    byte[] toBytes()
    {
        return Arrays.copyOf(buffer.array(), buffer.position());
    }

    Path writeTo(final Path path) throws IOException
    {
        return Files.write(path, toBytes());
    }

    private ByteBuffer body(final int capacity)
    {
        return ByteBuffer.allocate(capacity + 64).order(buffer.order());
    }

    private PcapngTestWriter block(final int type, final ByteBuffer body)
    {
        final int totalLength = 12 + body.position();
        ensure(totalLength);
        buffer.putInt(type).putInt(totalLength).put(body.array(), 0, body.position()).putInt(totalLength);
        return this;
    }

    private static void option(final ByteBuffer body, final int code, final byte[] value)
    {
        body.putShort((short)code).putShort((short)value.length).put(value);
        pad(body);
    }

    private static void endOfOptions(final ByteBuffer body)
    {
        body.putShort((short)0).putShort((short)0);
    }

    private static void pad(final ByteBuffer body)
    {
        while (0 != (body.position() & 3))
        {
            body.put((byte)0);
        }
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
