package io.flowtap.capture.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * TCP header and payload, read in place, with the fields Haka's {@code tcp} dissector names.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sequence Number                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Acknowledgment Number                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Data |  Res  |C|E|U|A|P|R|S|F|                               |
 *  | Offset|       |W|C|R|C|S|S|Y|I|            Window             |
 *  |       |       |R|E|G|K|H|T|N|N|                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Checksum            |         Urgent Pointer        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options (data offset > 5)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * {@link #wrap} also takes where the IP addresses are, so the segment can check and compute its own checksum over
 * the pseudo-header; the destination there is the final one (RFC 1122 §4.2.2.7, RFC 8200 §8.1), which a source
 * route puts in an IPv4 option or an IPv6 routing header rather than in the header's own destination field.
 * The {@link PacketDecoder} has validated every length before a segment reaches users: {@link #headerLength()}
 * bytes are readable, and {@link #capturedPayloadLength()} bytes of payload.
 */
public final class TcpFlyweight
{
    /** Offset of the source port. */
    public static final int SOURCE_PORT_OFFSET = 0;
    /** Offset of the destination port. */
    public static final int DESTINATION_PORT_OFFSET = SOURCE_PORT_OFFSET + 2;
    /** Offset of the sequence number. */
    public static final int SEQ_OFFSET = DESTINATION_PORT_OFFSET + 2;
    /** Offset of the acknowledgment number. */
    public static final int ACK_OFFSET = SEQ_OFFSET + 4;
    /** Offset of the data offset and reserved bits. */
    public static final int DATA_OFFSET_OFFSET = ACK_OFFSET + 4;
    /** Offset of the flags. */
    public static final int FLAGS_OFFSET = DATA_OFFSET_OFFSET + 1;
    /** Offset of the window. */
    public static final int WINDOW_OFFSET = FLAGS_OFFSET + 1;
    /** Offset of the checksum. */
    public static final int CHECKSUM_OFFSET = WINDOW_OFFSET + 2;
    /** Offset of the urgent pointer. */
    public static final int URGENT_POINTER_OFFSET = CHECKSUM_OFFSET + 2;
    /** Length of a header without options. */
    public static final int MIN_HEADER_LENGTH = URGENT_POINTER_OFFSET + 2;
    /** Longest header: data offset 15. */
    public static final int MAX_HEADER_LENGTH = 60;

    /** FIN flag. */
    public static final int FIN = 0x01;
    /** SYN flag. */
    public static final int SYN = 0x02;
    /** RST flag. */
    public static final int RST = 0x04;
    /** PSH flag. */
    public static final int PSH = 0x08;
    /** ACK flag. */
    public static final int ACK = 0x10;
    /** URG flag. */
    public static final int URG = 0x20;
    /** ECN-Echo flag (Haka's {@code ecn}). */
    public static final int ECE = 0x40;
    /** Congestion Window Reduced flag. */
    public static final int CWR = 0x80;

    /** Checksum verified wrong (tshark's {@code tcp.checksum.status} 0). */
    public static final int CHECKSUM_BAD = 0;
    /** Checksum verified right (status 1). */
    public static final int CHECKSUM_GOOD = 1;
    /** Checksum not verified: payload cut by the snap length, checking turned off, or left to the NIC (status 2). */
    public static final int CHECKSUM_UNVERIFIED = 2;

    private static final int PSEUDO_PROTOCOL_LE = InternetChecksum.swap16(IpProtocol.TCP);

    private DirectBuffer buffer;
    private int offset;
    private int segmentLength;
    private int capturedLength;
    private int sourceAddressOffset;
    private int destinationAddressOffset;
    private int addressLength;

    /**
     * @param buffer          holding the packet.
     * @param offset          of the TCP header.
     * @param segmentLength   header plus payload as the IP header states it.
     * @param capturedLength  bytes of the segment that are in the buffer (less than segmentLength when cut short).
     * @param sourceAddressOffset      offset of the IP source address.
     * @param destinationAddressOffset offset of the final destination address.
     * @param addressLength            4 for IPv4, 16 for IPv6.
     * @return this flyweight.
     */
    public TcpFlyweight wrap(
        final DirectBuffer buffer,
        final int offset,
        final int segmentLength,
        final int capturedLength,
        final int sourceAddressOffset,
        final int destinationAddressOffset,
        final int addressLength)
    {
        if (this.buffer != buffer)
        {
            // A reference store costs GC barriers on every frame; the buffer rarely changes between frames.
            this.buffer = buffer;
        }
        this.offset = offset;
        this.segmentLength = segmentLength;
        this.capturedLength = capturedLength;
        this.sourceAddressOffset = sourceAddressOffset;
        this.destinationAddressOffset = destinationAddressOffset;
        this.addressLength = addressLength;
        return this;
    }

    /**
     * @return the buffer the segment is read from.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return offset of the TCP header in the buffer.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * @return the source port ({@code srcport}).
     */
    public int srcPort()
    {
        return buffer.getShort(offset + SOURCE_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @return the destination port ({@code dstport}).
     */
    public int dstPort()
    {
        return buffer.getShort(offset + DESTINATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @return the sequence number, unsigned ({@code seq}).
     */
    public long seq()
    {
        return buffer.getInt(offset + SEQ_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    /**
     * @return the acknowledgment number, unsigned ({@code ack_seq}).
     */
    public long ackSeq()
    {
        return buffer.getInt(offset + ACK_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    /**
     * @return the data offset in 32-bit words.
     */
    public int dataOffset()
    {
        return (buffer.getByte(offset + DATA_OFFSET_OFFSET) & 0xF0) >>> 4;
    }

    /**
     * @return the header length in bytes, options included ({@code hdr_len}).
     */
    public int hdrLen()
    {
        return dataOffset() << 2;
    }

    /**
     * @return the header length in bytes; the same as {@link #hdrLen()}.
     */
    public int headerLength()
    {
        return hdrLen();
    }

    /**
     * @return the four reserved bits after the data offset ({@code res}); the lowest is RFC 3540's NS/AE bit.
     */
    public int res()
    {
        return buffer.getByte(offset + DATA_OFFSET_OFFSET) & 0x0F;
    }

    /**
     * @return the eight flag bits as one number (Haka's {@code flags.all}).
     */
    public int flags()
    {
        return buffer.getByte(offset + FLAGS_OFFSET) & 0xFF;
    }

    /**
     * @param mask one or more of the flag constants.
     * @return whether every flag in the mask is set.
     */
    public boolean hasFlags(final int mask)
    {
        return (flags() & mask) == mask;
    }

    /**
     * @return FIN.
     */
    public boolean fin()
    {
        return (flags() & FIN) != 0;
    }

    /**
     * @return SYN.
     */
    public boolean syn()
    {
        return (flags() & SYN) != 0;
    }

    /**
     * @return RST.
     */
    public boolean rst()
    {
        return (flags() & RST) != 0;
    }

    /**
     * @return PSH.
     */
    public boolean psh()
    {
        return (flags() & PSH) != 0;
    }

    /**
     * @return ACK.
     */
    public boolean ack()
    {
        return (flags() & ACK) != 0;
    }

    /**
     * @return URG.
     */
    public boolean urg()
    {
        return (flags() & URG) != 0;
    }

    /**
     * @return ECN-Echo (Haka's {@code ecn}).
     */
    public boolean ecn()
    {
        return (flags() & ECE) != 0;
    }

    /**
     * @return CWR.
     */
    public boolean cwr()
    {
        return (flags() & CWR) != 0;
    }

    /**
     * @return the window as carried, before any scaling ({@code window_size}).
     */
    public int windowSize()
    {
        return buffer.getShort(offset + WINDOW_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @return the checksum as carried ({@code checksum}).
     */
    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @return the urgent pointer ({@code urgent_pointer}).
     */
    public int urgentPointer()
    {
        return buffer.getShort(offset + URGENT_POINTER_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @return offset of the options in the buffer; there are {@code hdrLen() - 20} bytes of them.
     */
    public int optionsOffset()
    {
        return offset + MIN_HEADER_LENGTH;
    }

    /**
     * @return length of the options in bytes.
     */
    public int optionsLength()
    {
        return hdrLen() - MIN_HEADER_LENGTH;
    }

    /**
     * @return header plus payload as the IP header states it.
     */
    public int segmentLength()
    {
        return segmentLength;
    }

    /**
     * @return offset of the payload in the buffer ({@code payload} is a view: buffer, this offset, a length).
     */
    public int payloadOffset()
    {
        return offset + hdrLen();
    }

    /**
     * @return payload length as the IP header states it: the sequence space this segment covers, SYN/FIN aside.
     */
    public int payloadLength()
    {
        return segmentLength - hdrLen();
    }

    /**
     * @return payload bytes actually in the buffer; less than {@link #payloadLength()} when a snap length cut it.
     */
    public int capturedPayloadLength()
    {
        return capturedLength - hdrLen();
    }

    /**
     * @return whether the whole segment was captured, so its checksum can be verified.
     */
    public boolean isComplete()
    {
        return capturedLength >= segmentLength;
    }

    /**
     * Verify the checksum over pseudo-header, header and payload ({@code verify_checksum()}).
     *
     * @return whether the checksum is right; false when the segment was not captured whole.
     */
    public boolean verifyChecksum()
    {
        return isComplete() && InternetChecksum.fold(pseudoHeaderSum() + segmentSum()) == 0xFFFF;
    }

    /**
     * Compute the checksum the segment should carry, ignoring what it carries now. The whole segment must be in the
     * buffer ({@link #isComplete()}).
     *
     * @return the checksum, in network order as {@link #checksum()} returns it.
     */
    public int computeChecksum()
    {
        // Take the carried checksum back out of the sum: adding its ones' complement subtracts it.
        final int carriedLittleEndian = InternetChecksum.swap16(checksum());
        final int sum = InternetChecksum.fold(pseudoHeaderSum() + segmentSum() + (~carriedLittleEndian & 0xFFFF));
        return InternetChecksum.swap16(~sum & 0xFFFF);
    }

    /**
     * Compute the checksum and write it into the segment ({@code compute_checksum()}). The buffer must be mutable.
     *
     * @return the checksum written.
     */
    public int updateChecksum()
    {
        final int checksum = computeChecksum();
        ((MutableDirectBuffer)buffer).putShort(offset + CHECKSUM_OFFSET, (short)checksum, BIG_ENDIAN);
        return checksum;
    }

    private long pseudoHeaderSum()
    {
        // The TCP length is 16 bits in IPv4's pseudo-header and 32 in IPv6's: adding both halves as words covers
        // either, the high half being 0 for IPv4.
        return InternetChecksum.sum(buffer, sourceAddressOffset, addressLength) +
            InternetChecksum.sum(buffer, destinationAddressOffset, addressLength) +
            PSEUDO_PROTOCOL_LE +
            InternetChecksum.swap16(segmentLength & 0xFFFF) +
            InternetChecksum.swap16(segmentLength >>> 16);
    }

    private long segmentSum()
    {
        return InternetChecksum.sum(buffer, offset, segmentLength);
    }
}
