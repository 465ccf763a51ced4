package io.flowtap.capture.codec;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Ethernet II header, read in place.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Destination MAC (6 bytes)                    |
 *  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  |                    Source MAC (6 bytes)                       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           EtherType           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The caller checks that {@link #HEADER_LENGTH} bytes are there before reading.
 */
public final class EthernetFlyweight
{
    /** Offset of the destination MAC address. */
    public static final int DESTINATION_OFFSET = 0;
    /** Offset of the source MAC address. */
    public static final int SOURCE_OFFSET = DESTINATION_OFFSET + 6;
    /** Offset of the EtherType. */
    public static final int ETHER_TYPE_OFFSET = SOURCE_OFFSET + 6;
    /** Length of the header. */
    public static final int HEADER_LENGTH = ETHER_TYPE_OFFSET + 2;

    private DirectBuffer buffer;
    private int offset;

    /**
     * @param buffer holding the frame.
     * @param offset of the header.
     * @return this flyweight.
     */
    public EthernetFlyweight wrap(final DirectBuffer buffer, final int offset)
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
     * @return offset of the header in the buffer.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * @return the EtherType, or an 802.3 length when it is at most 1500.
     */
    public int etherType()
    {
        return buffer.getShort(offset + ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @return the destination MAC address as the low 48 bits of a long.
     */
    public long destination()
    {
        return mac(offset + DESTINATION_OFFSET);
    }

    /**
     * @return the source MAC address as the low 48 bits of a long.
     */
    public long source()
    {
        return mac(offset + SOURCE_OFFSET);
    }

    private long mac(final int at)
    {
        return ((buffer.getShort(at, BIG_ENDIAN) & 0xFFFFL) << 32) | (buffer.getInt(at + 2, BIG_ENDIAN) & 0xFFFF_FFFFL);
    }
}
