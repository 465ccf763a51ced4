package io.flowtap.capture.codec;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * IPv4 header, read in place.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |    DSCP   |ECN|          Total Length         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Identification        |R|D|M|     Fragment Offset     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Source Address                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Destination Address                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options (IHL > 5)                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The decoder checks {@link #MIN_HEADER_LENGTH} bytes are there before any read, and {@link #headerLength()} bytes
 * before options are read.
 */
public final class Ipv4Flyweight
{
    /** Offset of the version and IHL byte. */
    public static final int VERSION_IHL_OFFSET = 0;
    /** Offset of the DSCP and ECN byte. */
    public static final int TOS_OFFSET = VERSION_IHL_OFFSET + 1;
    /** Offset of the total length. */
    public static final int TOTAL_LENGTH_OFFSET = TOS_OFFSET + 1;
    /** Offset of the identification. */
    public static final int IDENTIFICATION_OFFSET = TOTAL_LENGTH_OFFSET + 2;
    /** Offset of the flags and fragment offset. */
    public static final int FLAGS_FRAGMENT_OFFSET = IDENTIFICATION_OFFSET + 2;
    /** Offset of the time to live. */
    public static final int TTL_OFFSET = FLAGS_FRAGMENT_OFFSET + 2;
    /** Offset of the protocol. */
    public static final int PROTOCOL_OFFSET = TTL_OFFSET + 1;
    /** Offset of the header checksum. */
    public static final int CHECKSUM_OFFSET = PROTOCOL_OFFSET + 1;
    /** Offset of the source address. */
    public static final int SOURCE_ADDRESS_OFFSET = CHECKSUM_OFFSET + 2;
    /** Offset of the destination address. */
    public static final int DESTINATION_ADDRESS_OFFSET = SOURCE_ADDRESS_OFFSET + 4;
    /** Length of a header without options. */
    public static final int MIN_HEADER_LENGTH = DESTINATION_ADDRESS_OFFSET + 4;
    /** Length of an address. */
    public static final int ADDRESS_LENGTH = 4;

    private static final int FLAG_DONT_FRAGMENT = 0x4000;
    private static final int FLAG_MORE_FRAGMENTS = 0x2000;
    private static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    private DirectBuffer buffer;
    private int offset;

    /**
     * @param buffer holding the packet.
     * @param offset of the IPv4 header.
     * @return this flyweight.
     */
    public Ipv4Flyweight wrap(final DirectBuffer buffer, final int offset)
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
     * @return the version nibble (4 for a well-formed header).
     */
    public int version()
    {
        return (buffer.getByte(offset + VERSION_IHL_OFFSET) & 0xF0) >>> 4;
    }

    /**
     * @return header length in bytes (IHL × 4).
     */
    public int headerLength()
    {
        return (buffer.getByte(offset + VERSION_IHL_OFFSET) & 0x0F) << 2;
    }

    /**
     * @return the DSCP and ECN byte.
     */
    public int tos()
    {
        return buffer.getByte(offset + TOS_OFFSET) & 0xFF;
    }

    /**
     * @return the total length of the packet as the header states it.
     */
    public int totalLength()
    {
        return buffer.getShort(offset + TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @return the identification.
     */
    public int identification()
    {
        return buffer.getShort(offset + IDENTIFICATION_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @return whether the don't-fragment flag is set.
     */
    public boolean dontFragment()
    {
        return (flagsAndFragmentOffset() & FLAG_DONT_FRAGMENT) != 0;
    }

    /**
     * @return whether the more-fragments flag is set.
     */
    public boolean moreFragments()
    {
        return (flagsAndFragmentOffset() & FLAG_MORE_FRAGMENTS) != 0;
    }

    /**
     * @return the fragment offset in bytes.
     */
    public int fragmentOffset()
    {
        return (flagsAndFragmentOffset() & FRAGMENT_OFFSET_MASK) << 3;
    }

    /**
     * @return whether this packet is a fragment of a larger one (more fragments follow, or it is not the first).
     */
    public boolean isFragment()
    {
        return (flagsAndFragmentOffset() & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    /**
     * @return time to live.
     */
    public int ttl()
    {
        return buffer.getByte(offset + TTL_OFFSET) & 0xFF;
    }

    /**
     * @return the protocol of the payload.
     */
    public int protocol()
    {
        return buffer.getByte(offset + PROTOCOL_OFFSET) & 0xFF;
    }

    /**
     * @return the header checksum as carried.
     */
    public int headerChecksum()
    {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @return the source address as an int in network order (the first octet in the high byte).
     */
    public int sourceAddress()
    {
        return buffer.getInt(offset + SOURCE_ADDRESS_OFFSET, BIG_ENDIAN);
    }

    /**
     * @return the destination address as an int in network order.
     */
    public int destinationAddress()
    {
        return buffer.getInt(offset + DESTINATION_ADDRESS_OFFSET, BIG_ENDIAN);
    }

    /**
     * @return offset of the options in the buffer; there are {@code headerLength() - 20} bytes of them.
     */
    public int optionsOffset()
    {
        return offset + MIN_HEADER_LENGTH;
    }

    /**
     * Verify the header checksum. The whole header ({@link #headerLength()} bytes) must be in the buffer.
     *
     * @return whether the header checksum is right.
     */
    public boolean verifyHeaderChecksum()
    {
        return InternetChecksum.fold(InternetChecksum.sum(buffer, offset, headerLength())) == 0xFFFF;
    }

    private int flagsAndFragmentOffset()
    {
        return buffer.getShort(offset + FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }
}
