package io.flowtap.tools.text;

import io.flowtap.capture.Frame;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.capture.codec.TunnelType;

/**
 * Renders one decoded TCP segment as a line of text or a JSON object, into a reused {@link StringBuilder}.
 * JSON field names are Haka's ({@code srcport}, {@code ack_seq}, {@code window_size} ...). Shared by every command
 * that prints segments ({@code inspect}, {@code capture}), so that their lines are the same.
 * <p>
 * Not thread safe: one formatter per printing thread.
 */
public final class SegmentFormatter
{
    private static final char[] FLAG_LETTERS = {'F', 'S', 'R', 'P', '.', 'U', 'E', 'W'};
    private static final String[] FLAG_NAMES = {"fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr"};
    private static final String[] CHECKSUM_WORDS = {"bad", "ok", "unverified"};

    private final StringBuilder line = new StringBuilder(512);

    /**
     * A formatter with its line buffer allocated once.
     */
    public SegmentFormatter()
    {
    }

    /**
     * @param frame   the segment came in.
     * @param decoder that decoded it.
     * @return the text line, without a line break; valid until the next call.
     */
    public StringBuilder text(final Frame frame, final PacketDecoder decoder)
    {
        return text(frame.frameNumber(), frame.timestampNs(), decoder);
    }

    /**
     * @param frameNumber of the frame the segment came in, in its source.
     * @param timeNs      the frame's capture time.
     * @param decoder     that decoded it.
     * @return the text line, without a line break; valid until the next call.
     */
    public StringBuilder text(final long frameNumber, final long timeNs, final PacketDecoder decoder)
    {
        final TcpFlyweight tcp = decoder.tcp();
        line.setLength(0);
        line.append(frameNumber).append(' ');
        TextFormat.appendTimestamp(line, timeNs).append(' ');
        endpoint(decoder, decoder.sourceAddressOffset(), tcp.srcPort()).append(" > ");
        endpoint(decoder, decoder.destinationAddressOffset(), tcp.dstPort());
        line.append(" flags [");
        for (int bit = 0; bit < FLAG_LETTERS.length; bit++)
        {
            if ((tcp.flags() & (1 << bit)) != 0)
            {
                line.append(FLAG_LETTERS[bit]);
            }
        }
        line.append("] seq ").append(tcp.seq())
            .append(" ack ").append(tcp.ackSeq())
            .append(" win ").append(tcp.windowSize())
            .append(" hlen ").append(tcp.hdrLen())
            .append(" len ").append(tcp.payloadLength());
        if (tcp.urg())
        {
            line.append(" urp ").append(tcp.urgentPointer());
        }
        if (decoder.outerVlanId() != PacketDecoder.NO_VLAN)
        {
            line.append(" vlan ").append(decoder.outerVlanId());
            if (decoder.innerVlanId() != PacketDecoder.NO_VLAN)
            {
                line.append('.').append(decoder.innerVlanId());
            }
        }
        if (decoder.tunnelType() != TunnelType.NONE)
        {
            line.append(" tunnel ").append(TunnelType.name(decoder.tunnelType())).append(' ')
                .append(decoder.tunnelId() & 0xFFFF_FFFFL);
        }
        line.append(" csum ").append(CHECKSUM_WORDS[decoder.checksumStatus()]);
        return line;
    }

    /**
     * @param frame   the segment came in.
     * @param decoder that decoded it.
     * @return the JSON object, without a line break; valid until the next call.
     */
    public StringBuilder json(final Frame frame, final PacketDecoder decoder)
    {
        return json(frame.frameNumber(), frame.timestampNs(), decoder);
    }

    /**
     * @param frameNumber of the frame the segment came in, in its source.
     * @param timeNs      the frame's capture time.
     * @param decoder     that decoded it.
     * @return the JSON object, without a line break; valid until the next call.
     */
    public StringBuilder json(final long frameNumber, final long timeNs, final PacketDecoder decoder)
    {
        final TcpFlyweight tcp = decoder.tcp();
        line.setLength(0);
        line.append("{\"frame\":").append(frameNumber);
        line.append(",\"ts\":\"");
        TextFormat.appendTimestamp(line, timeNs).append('"');
        line.append(",\"ts_ns\":").append(timeNs);
        line.append(",\"ip_version\":").append(decoder.ipVersion());
        line.append(",\"srcip\":\"");
        TextFormat.appendAddress(line, decoder.buffer(), decoder.sourceAddressOffset(), decoder.addressLength());
        line.append("\",\"dstip\":\"");
        TextFormat.appendAddress(line, decoder.buffer(), decoder.destinationAddressOffset(), decoder.addressLength());
        line.append('"');
        if (decoder.outerVlanId() != PacketDecoder.NO_VLAN)
        {
            line.append(",\"vlan\":").append(decoder.outerVlanId());
            if (decoder.innerVlanId() != PacketDecoder.NO_VLAN)
            {
                line.append(",\"inner_vlan\":").append(decoder.innerVlanId());
            }
        }
        if (decoder.tunnelType() != TunnelType.NONE)
        {
            line.append(",\"tunnel\":\"").append(TunnelType.name(decoder.tunnelType())).append("\",\"tunnel_id\":")
                .append(decoder.tunnelId() & 0xFFFF_FFFFL);
        }
        line.append(",\"srcport\":").append(tcp.srcPort())
            .append(",\"dstport\":").append(tcp.dstPort())
            .append(",\"seq\":").append(tcp.seq())
            .append(",\"ack_seq\":").append(tcp.ackSeq())
            .append(",\"res\":").append(tcp.res())
            .append(",\"hdr_len\":").append(tcp.hdrLen())
            .append(",\"window_size\":").append(tcp.windowSize())
            .append(",\"checksum\":").append(tcp.checksum())
            .append(",\"urgent_pointer\":").append(tcp.urgentPointer())
            .append(",\"flags\":{");
        for (int bit = 0; bit < FLAG_NAMES.length; bit++)
        {
            line.append('"').append(FLAG_NAMES[bit]).append("\":").append((tcp.flags() & (1 << bit)) != 0).append(',');
        }
        line.append("\"all\":").append(tcp.flags()).append('}')
            .append(",\"payload_len\":").append(tcp.payloadLength())
            .append(",\"captured_payload_len\":").append(tcp.capturedPayloadLength())
            .append(",\"checksum_status\":\"").append(CHECKSUM_WORDS[decoder.checksumStatus()]).append("\"}");
        return line;
    }

    private StringBuilder endpoint(final PacketDecoder decoder, final int addressOffset, final int port)
    {
        if (decoder.ipVersion() == 6)
        {
            line.append('[');
            TextFormat.appendAddress(line, decoder.buffer(), addressOffset, decoder.addressLength()).append(']');
        }
        else
        {
            TextFormat.appendAddress(line, decoder.buffer(), addressOffset, decoder.addressLength());
        }
        return line.append(':').append(port);
    }
}
