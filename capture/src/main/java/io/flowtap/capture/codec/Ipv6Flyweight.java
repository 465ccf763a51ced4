package io.flowtap.capture.codec;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * IPv6 fixed header, read in place. The extension-header chain is walked by the {@link PacketDecoder}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Traffic Class |           Flow Label                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Source Address (16 bytes)                     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |               Destination Address (16 bytes)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class Ipv6Flyweight
{
    /** Offset of the version, traffic class and flow label word. */
    public static final int VERSION_CLASS_FLOW_OFFSET = 0;
    /** Offset of the payload length. */
    public static final int PAYLOAD_LENGTH_OFFSET = VERSION_CLASS_FLOW_OFFSET + 4;
    /** Offset of the next header. */
    public static final int NEXT_HEADER_OFFSET = PAYLOAD_LENGTH_OFFSET + 2;
    /** Offset of the hop limit. */
    public static final int HOP_LIMIT_OFFSET = NEXT_HEADER_OFFSET + 1;
    /** Offset of the source address. */
    public static final int SOURCE_ADDRESS_OFFSET = HOP_LIMIT_OFFSET + 1;
    /** Offset of the destination address. */
    public static final int DESTINATION_ADDRESS_OFFSET = SOURCE_ADDRESS_OFFSET + 16;
    /** Length of the fixed header. */
    public static final int HEADER_LENGTH = DESTINATION_ADDRESS_OFFSET + 16;
    /** Length of an address. */
    public static final int ADDRESS_LENGTH = 16;

    /** Offset of the next-header byte in every extension header. */
    public static final int EXTENSION_NEXT_HEADER_OFFSET = 0;
    /** Offset of the length byte in the generic extension headers. */
    public static final int EXTENSION_LENGTH_OFFSET = 1;
    /** Offset of the fragment offset and M flag in a fragment header. */
    public static final int FRAGMENT_OFFSET_FLAGS_OFFSET = 2;
    /** Length of a fragment header. */
    public static final int FRAGMENT_HEADER_LENGTH = 8;

    private DirectBuffer buffer;
    private int offset;

    /**
     * @param buffer holding the packet.
     * @param offset of the IPv6 header.
     * @return this flyweight.
     */
    public Ipv6Flyweight wrap(final DirectBuffer buffer, final int offset)
    {
        if (this.buffer != buffer)
        {
            // A reference store costs GC barriers on every frame; the buffer rarely changes between frames.
            this.buffer = buffer;
        }
        this.offset = offset;
        return this;
    }

    /**
     * @return the buffer the header is read from.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return offset of the header in the buffer.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * @return the version nibble (6 for a well-formed header).
     */
    public int version()
    {
        return (buffer.getByte(offset + VERSION_CLASS_FLOW_OFFSET) & 0xF0) >>> 4;
    }

    /**
     * @return the traffic class.
     */
    public int trafficClass()
    {
        return (buffer.getInt(offset + VERSION_CLASS_FLOW_OFFSET, BIG_ENDIAN) >>> 20) & 0xFF;
    }

    /**
     * @return the 20-bit flow label.
     */
    public int flowLabel()
    {
        return buffer.getInt(offset + VERSION_CLASS_FLOW_OFFSET, BIG_ENDIAN) & 0xF_FFFF;
    }

    /**
     * @return the payload length: everything after the fixed header, extension headers included.
     */
    public int payloadLength()
    {
        return buffer.getShort(offset + PAYLOAD_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @return the type of the first extension header or of the upper-layer protocol.
     */
    public int nextHeader()
    {
        return buffer.getByte(offset + NEXT_HEADER_OFFSET) & 0xFF;
    }

    /**
     * @return the hop limit.
     */
    public int hopLimit()
    {
        return buffer.getByte(offset + HOP_LIMIT_OFFSET) & 0xFF;
    }

    /**
     * @return offset of the source address in the buffer.
     */
    public int sourceAddressOffset()
    {
        return offset + SOURCE_ADDRESS_OFFSET;
    }

    /**
     * @return offset of the destination address in the buffer.
     */
    public int destinationAddressOffset()
    {
        return offset + DESTINATION_ADDRESS_OFFSET;
    }
}
