package io.flowtap.capture.codec.layer;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.TunnelType;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * GRE, in IP or in UDP: version 0 with its optional checksum, key and sequence number, carrying IP, Ethernet
 * (transparent bridging), MPLS or WCCP's redirected packets; version 1, PPTP's enhanced GRE, carrying PPP; and ERSPAN
 * types I to III, the mirrored Ethernet frame behind GRE.
 * <p>
 * Not thread safe: one per decoder.
 */
final class GreDecoder
{
    private static final int GRE_BASE_LENGTH = 4;
    private static final int GRE_CHECKSUM = 0x8000;
    private static final int GRE_ROUTING = 0x4000;
    private static final int GRE_KEY = 0x2000;
    private static final int GRE_SEQUENCE = 0x1000;
    private static final int GRE_ACK = 0x0080;
    private static final int GRE_VERSION_MASK = 0x0007;
    private static final int ERSPAN_II_HEADER_LENGTH = 8;
    private static final int ERSPAN_III_HEADER_LENGTH = 12;
    private static final int ERSPAN_III_PLATFORM_LENGTH = 8;
    private static final int ERSPAN_SESSION_MASK = 0x03FF;
    private static final int WCCP_REDIRECT_HEADER_LENGTH = 4;

    private EthernetDecoder ether;
    private IpLayerDecoder ip;
    private LinkLayerDecoder link;

    void connect(final EthernetDecoder ether, final IpLayerDecoder ip, final LinkLayerDecoder link)
    {
        this.ether = ether;
        this.ip = ip;
        this.link = link;
    }

    /**
     * GRE: version 0 (RFC 2784 and 2890: checksum, key and sequence number each present by its flag) carrying IP,
     * Ethernet (transparent bridging), MPLS, ERSPAN or WCCP; version 1, PPTP's enhanced GRE (RFC 2637), carrying PPP.
     */
    DecodeCounter decodeGre(final DecodedFrame f, final int offset, final int packetEnd)
    {
        final int end = Math.min(packetEnd, f.frameEnd);
        if (offset + GRE_BASE_LENGTH > end)
        {
            return f.headerCutShort(offset + GRE_BASE_LENGTH, packetEnd, DecodeCounter.BAD_TUNNEL);
        }
        final int flags = f.buffer.getShort(offset, BIG_ENDIAN) & 0xFFFF;
        final int protocol = f.buffer.getShort(offset + 2, BIG_ENDIAN) & 0xFFFF;
        final int version = flags & GRE_VERSION_MASK;
        int length = GRE_BASE_LENGTH;
        int key = 0;
        boolean hasKey = false;
        if (version == 0)
        {
            if ((flags & GRE_ROUTING) != 0)
            {
                // RFC 1701 source routing, long deprecated: its entries are not walked.
                return DecodeCounter.TUNNEL;
            }
            if ((flags & GRE_CHECKSUM) != 0)
            {
                length += 4;
            }
            if ((flags & GRE_KEY) != 0)
            {
                if (offset + length + 4 > end)
                {
                    return f.headerCutShort(offset + length + 4, packetEnd, DecodeCounter.BAD_TUNNEL);
                }
                key = f.buffer.getInt(offset + length, BIG_ENDIAN);
                hasKey = true;
                length += 4;
            }
            if ((flags & GRE_SEQUENCE) != 0)
            {
                length += 4;
            }
        }
        else if (version == 1)
        {
            // The key is the payload length and the call id, which differs by direction: not the tunnel's id.
            if (protocol != EtherType.PPP || (flags & GRE_KEY) == 0)
            {
                return DecodeCounter.BAD_TUNNEL;
            }
            length += 4 + ((flags & GRE_SEQUENCE) != 0 ? 4 : 0) + ((flags & GRE_ACK) != 0 ? 4 : 0);
        }
        else
        {
            return DecodeCounter.BAD_TUNNEL;
        }
        final int payload = offset + length;
        if (payload > end)
        {
            return f.headerCutShort(payload, packetEnd, DecodeCounter.BAD_TUNNEL);
        }
        if (protocol == EtherType.ERSPAN_II || protocol == EtherType.ERSPAN_III)
        {
            return decodeErspan(f, payload, packetEnd, protocol, (flags & GRE_SEQUENCE) != 0);
        }
        if (!f.enterTunnel(TunnelType.GRE, key, hasKey, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        if (version == 1)
        {
            return payload == end ? DecodeCounter.NOT_TCP : link.decodePpp(f, payload);
        }
        if (protocol == EtherType.WCCP)
        {
            // WCCP v2 puts a 4-byte redirect header before the IP packet; v1 does not.
            if (payload >= end)
            {
                return DecodeCounter.TRUNCATED_FRAME;
            }
            final boolean bare = (f.buffer.getByte(payload) & 0xF0) == 0x40;
            return ip.decodeIp(f, bare ? payload : payload + WCCP_REDIRECT_HEADER_LENGTH, 4);
        }
        return ether.decodeTunneledProtocol(f, payload, protocol);
    }

    /**
     * ERSPAN over GRE: type I has no header of its own (GRE without a sequence number), type II an 8-byte one, type
     * III a 12-byte one and, when its O flag says so, an 8-byte platform subheader; then the mirrored Ethernet f.
     */
    private DecodeCounter decodeErspan(
        final DecodedFrame f, final int offset, final int packetEnd, final int protocol, final boolean sequenced)
    {
        final int end = Math.min(packetEnd, f.frameEnd);
        int headerLength = 0;
        int session = 0;
        boolean hasSession = false;
        if (protocol == EtherType.ERSPAN_III)
        {
            headerLength = ERSPAN_III_HEADER_LENGTH;
        }
        else if (sequenced)
        {
            headerLength = ERSPAN_II_HEADER_LENGTH;
        }
        if (headerLength > 0)
        {
            if (offset + headerLength > end)
            {
                return f.headerCutShort(offset + headerLength, packetEnd, DecodeCounter.BAD_TUNNEL);
            }
            final int version = (f.buffer.getByte(offset) & 0xF0) >>> 4;
            if (version != (protocol == EtherType.ERSPAN_III ? 2 : 1))
            {
                return DecodeCounter.BAD_TUNNEL;
            }
            session = f.buffer.getShort(offset + 2, BIG_ENDIAN) & ERSPAN_SESSION_MASK;
            hasSession = true;
            if (protocol == EtherType.ERSPAN_III && (f.buffer.getByte(offset + ERSPAN_III_HEADER_LENGTH - 1) & 1) != 0)
            {
                headerLength += ERSPAN_III_PLATFORM_LENGTH;
            }
        }
        if (!f.enterTunnel(TunnelType.ERSPAN, session, hasSession, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return ether.decodeEthernet(f, offset + headerLength, false);
    }
}
