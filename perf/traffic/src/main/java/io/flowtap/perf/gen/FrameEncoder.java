package io.flowtap.perf.gen;

import org.agrona.concurrent.UnsafeBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Writes a {@link PlannedSegment} as an Ethernet II, IPv4 and TCP frame with valid checksums.
 * <pre>
 *   0                   14                  34                  54        54 + options
 *   +-------------------+-------------------+-------------------+---------+---------------+
 *   | Ethernet II       | IPv4, no options  | TCP fixed header  | options | payload       |
 *   +-------------------+-------------------+-------------------+---------+---------------+
 * </pre>
 * SYNs carry MSS, SACK permitted, timestamps, NOP and window scale (Linux's order, 20 bytes); every other segment
 * carries NOP, NOP and timestamps (12 bytes), so a full segment is a 1514-byte frame.
 * <p>
 * Not thread safe: one encoder per generator; it reuses one buffer.
 */
final class FrameEncoder
{
    static final int ETHERNET_LENGTH = 14;
    static final int IPV4_LENGTH = 20;
    static final int TCP_FIXED_LENGTH = 20;
    static final int SYN_OPTIONS_LENGTH = 20;
    /** MSS, NOP, window scale, NOP, NOP, SACK permitted: a SYN's options without timestamps. */
    static final int SYN_OPTIONS_NO_TIMESTAMPS_LENGTH = 12;
    /** Ethernet, IPv4 and TCP headers without options. */
    static final int HEADERS_LENGTH = ETHERNET_LENGTH + IPV4_LENGTH + TCP_FIXED_LENGTH;
    static final int TIMESTAMP_OPTIONS_LENGTH = 12;
    static final int MAX_FRAME_LENGTH = 1514;
    private static final int IP_OFFSET = ETHERNET_LENGTH;
    private static final int TCP_OFFSET = IP_OFFSET + IPV4_LENGTH;
    private static final int OPTIONS_OFFSET = TCP_OFFSET + TCP_FIXED_LENGTH;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int PROTOCOL_TCP = 6;
    private static final int TTL = 64;
    private static final int DONT_FRAGMENT = 0x4000;
    private static final int MSS = 1460;
    private static final int WINDOW_SCALE = 7;
    private static final int WINDOW = 502;
    private static final int SYN_WINDOW = 64240;
    private static final long SEQUENCE_MASK = 0xFFFF_FFFFL;

    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[MAX_FRAME_LENGTH + 64]);
    private final int[] ipIds = new int[2];
    private final boolean timestamps;

    /**
     * @param timestamps whether segments carry the timestamp option (SYNs then carry it too).
     */
    FrameEncoder(final boolean timestamps)
    {
        this.timestamps = timestamps;
    }

    /**
     * @return the buffer each {@link #encode} writes to, from offset 0.
     */
    UnsafeBuffer buffer()
    {
        return frame;
    }

    /**
     * @param plan    the segment's connection.
     * @param segment to write.
     * @param timeMs  of the capture clock, for the timestamp option.
     * @return the frame's length.
     */
    int encode(final ConnectionPlan plan, final PlannedSegment segment, final long timeMs)
    {
        final boolean fromClient = segment.direction == PlannedSegment.CLIENT;
        final boolean syn = (segment.flags & PlannedSegment.SYN) != 0;
        final int optionsLength = timestamps ? (syn ? SYN_OPTIONS_LENGTH : TIMESTAMP_OPTIONS_LENGTH) :
            (syn ? SYN_OPTIONS_NO_TIMESTAMPS_LENGTH : 0);
        final int payloadLength = segment.payload == null ? 0 : segment.payload.length;
        final int tcpLength = TCP_FIXED_LENGTH + optionsLength + payloadLength;
        final int length = TCP_OFFSET + tcpLength;

        // Locally administered MACs that name the direction; no host owns them, so a receiving stack ignores them.
        frame.putInt(0, 0x0200_0000, BIG_ENDIAN);
        frame.putShort(4, (short)(fromClient ? 2 : 1), BIG_ENDIAN);
        frame.putInt(6, 0x0200_0000, BIG_ENDIAN);
        frame.putShort(10, (short)(fromClient ? 1 : 2), BIG_ENDIAN);
        frame.putShort(12, (short)ETHERTYPE_IPV4, BIG_ENDIAN);

        final int source = fromClient ? plan.clientAddress : plan.serverAddress;
        final int destination = fromClient ? plan.serverAddress : plan.clientAddress;
        frame.putByte(IP_OFFSET, (byte)0x45);
        frame.putByte(IP_OFFSET + 1, (byte)0);
        frame.putShort(IP_OFFSET + 2, (short)(IPV4_LENGTH + tcpLength), BIG_ENDIAN);
        frame.putShort(IP_OFFSET + 4, (short)ipIds[segment.direction]++, BIG_ENDIAN);
        frame.putShort(IP_OFFSET + 6, (short)DONT_FRAGMENT, BIG_ENDIAN);
        frame.putByte(IP_OFFSET + 8, (byte)TTL);
        frame.putByte(IP_OFFSET + 9, (byte)PROTOCOL_TCP);
        frame.putShort(IP_OFFSET + 10, (short)0);
        frame.putInt(IP_OFFSET + 12, source, BIG_ENDIAN);
        frame.putInt(IP_OFFSET + 16, destination, BIG_ENDIAN);
        frame.putShort(IP_OFFSET + 10, (short)checksum(sum(IP_OFFSET, IPV4_LENGTH)), BIG_ENDIAN);

        final long isn = fromClient ? plan.clientIsn : plan.serverIsn;
        final long peerIsn = fromClient ? plan.serverIsn : plan.clientIsn;
        frame.putShort(TCP_OFFSET, (short)(fromClient ? plan.clientPort : plan.serverPort), BIG_ENDIAN);
        frame.putShort(TCP_OFFSET + 2, (short)(fromClient ? plan.serverPort : plan.clientPort), BIG_ENDIAN);
        frame.putInt(TCP_OFFSET + 4, (int)((isn + 1 + segment.offset) & SEQUENCE_MASK), BIG_ENDIAN);
        frame.putInt(TCP_OFFSET + 8, segment.ackOffset < 0 ? 0 :
            (int)((peerIsn + 1 + segment.ackOffset) & SEQUENCE_MASK), BIG_ENDIAN);
        frame.putByte(TCP_OFFSET + 12, (byte)(((TCP_FIXED_LENGTH + optionsLength) / 4) << 4));
        frame.putByte(TCP_OFFSET + 13, (byte)segment.flags);
        frame.putShort(TCP_OFFSET + 14, (short)(syn ? SYN_WINDOW : WINDOW), BIG_ENDIAN);
        frame.putShort(TCP_OFFSET + 16, (short)0);
        frame.putShort(TCP_OFFSET + 18, (short)0);

        final int tsVal = (int)(plan.tsBase + timeMs + segment.direction);
        final int tsEcr = syn && segment.ackOffset < 0 ? 0 : (int)(plan.tsBase + timeMs - 1);
        int option = OPTIONS_OFFSET;
        if (timestamps)
        {
            option = timestampOptions(option, syn, tsVal, tsEcr);
        }
        else if (syn)
        {
            frame.putByte(option, (byte)2);
            frame.putByte(option + 1, (byte)4);
            frame.putShort(option + 2, (short)MSS, BIG_ENDIAN);
            frame.putByte(option + 4, (byte)1);
            frame.putByte(option + 5, (byte)3);
            frame.putByte(option + 6, (byte)3);
            frame.putByte(option + 7, (byte)WINDOW_SCALE);
            frame.putByte(option + 8, (byte)1);
            frame.putByte(option + 9, (byte)1);
            frame.putByte(option + 10, (byte)4);
            frame.putByte(option + 11, (byte)2);
            option += SYN_OPTIONS_NO_TIMESTAMPS_LENGTH;
        }
        if (payloadLength > 0)
        {
            frame.putBytes(option, segment.payload);
        }

        final long pseudo = ((source >>> 16) & 0xFFFF) + (source & 0xFFFF) + ((destination >>> 16) & 0xFFFF) +
            (destination & 0xFFFF) + PROTOCOL_TCP + tcpLength;
        frame.putShort(TCP_OFFSET + 16, (short)checksum(pseudo + sum(TCP_OFFSET, tcpLength)), BIG_ENDIAN);
        return length;
    }

    private int timestampOptions(final int start, final boolean syn, final int tsVal, final int tsEcr)
    {
        int option = start;
        if (syn)
        {
            frame.putByte(option, (byte)2);
            frame.putByte(option + 1, (byte)4);
            frame.putShort(option + 2, (short)MSS, BIG_ENDIAN);
            frame.putByte(option + 4, (byte)4);
            frame.putByte(option + 5, (byte)2);
            option += 6;
        }
        else
        {
            frame.putByte(option, (byte)1);
            frame.putByte(option + 1, (byte)1);
            option += 2;
        }
        frame.putByte(option, (byte)8);
        frame.putByte(option + 1, (byte)10);
        frame.putInt(option + 2, tsVal, BIG_ENDIAN);
        frame.putInt(option + 6, tsEcr, BIG_ENDIAN);
        option += 10;
        if (syn)
        {
            frame.putByte(option, (byte)1);
            frame.putByte(option + 1, (byte)3);
            frame.putByte(option + 2, (byte)3);
            frame.putByte(option + 3, (byte)WINDOW_SCALE);
            option += 4;
        }
        return option;
    }

    private long sum(final int offset, final int length)
    {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2)
        {
            sum += frame.getShort(offset + i, BIG_ENDIAN) & 0xFFFF;
        }
        if (i < length)
        {
            sum += (frame.getByte(offset + i) & 0xFF) << 8;
        }
        return sum;
    }

    private static int checksum(final long sum)
    {
        long folded = sum;
        while ((folded >>> 16) != 0)
        {
            folded = (folded & 0xFFFF) + (folded >>> 16);
        }
        return (int)(~folded & 0xFFFF);
    }
}
