package io.flowtap.capture.codec.layer;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.IpProtocol;
import io.flowtap.capture.codec.Ipv4Flyweight;
import io.flowtap.capture.codec.Ipv6Flyweight;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TunnelType;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * IPv4 with its options checked and IPv6 with its extension-header chain, as far as the transport: TCP to
 * {@link TcpLayerDecoder}, UDP and GRE to the tunnel decoders, IP in IP on down, fragments to
 * {@link FragmentHandOff}. It records the innermost packet's version, offset, protocol and final destination (the
 * last hop of a source route under way) in the {@link DecodedFrame}.
 * <p>
 * Not thread safe: one per decoder.
 */
final class IpLayerDecoder
{
    private static final int AH_LENGTH_UNITS_SHIFT = 2;
    private static final int EXTENSION_LENGTH_UNITS_SHIFT = 3;
    private static final int IPV4_OPTION_END = 0;
    private static final int IPV4_OPTION_NOP = 1;
    private static final int IPV4_OPTION_RR = 7;
    private static final int IPV4_OPTION_QUICK_START = 25;
    private static final int IPV4_OPTION_TIMESTAMP = 68;
    private static final int IPV4_OPTION_SECURITY = 130;
    private static final int IPV4_OPTION_LSRR = 131;
    private static final int IPV4_OPTION_STREAM_ID = 136;
    private static final int IPV4_OPTION_SSRR = 137;
    private static final int IPV4_OPTION_ROUTER_ALERT = 148;
    private static final int IPV4_ROUTE_MIN_LENGTH = 3 + Ipv4Flyweight.ADDRESS_LENGTH;
    private static final int IPV6_ROUTING_TYPE_OFFSET = 2;
    private static final int IPV6_SEGMENTS_LEFT_OFFSET = 3;
    private static final int IPV6_ROUTING_ADDRESSES_OFFSET = 8;
    private static final int IPV6_ROUTING_TYPE_0 = 0;
    private static final int IPV6_ROUTING_TYPE_2 = 2;
    private static final int IPV6_ROUTING_TYPE_SEGMENT = 4;

    private final TcpLayerDecoder tcpLayer;
    private UdpTunnelDecoder udp;
    private GreDecoder gre;
    private FragmentHandOff fragments;

    IpLayerDecoder(final TcpLayerDecoder tcpLayer)
    {
        this.tcpLayer = tcpLayer;
    }

    void connect(final UdpTunnelDecoder udp, final GreDecoder gre, final FragmentHandOff fragments)
    {
        this.udp = udp;
        this.gre = gre;
        this.fragments = fragments;
    }

    DecodeCounter decodeIp(final DecodedFrame f, final int offset, final int expectedVersion)
    {
        if (expectedVersion == 4)
        {
            return decodeIpv4(f, offset);
        }
        if (expectedVersion == 6)
        {
            return decodeIpv6(f, offset);
        }
        return DecodeCounter.BAD_IP_VERSION;
    }

    DecodeCounter decodeIpv4(final DecodedFrame f, final int offset)
    {
        final int available = f.frameEnd - offset;
        if (available < Ipv4Flyweight.MIN_HEADER_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        f.ipv4.wrap(f.buffer, offset);
        if (f.ipv4.version() != 4)
        {
            return DecodeCounter.BAD_IP_VERSION;
        }
        f.ipVersion = 4;
        f.ipOffset = offset;

        final int headerLength = f.ipv4.headerLength();
        if (headerLength < Ipv4Flyweight.MIN_HEADER_LENGTH)
        {
            return DecodeCounter.BAD_IP_HEADER_LENGTH;
        }
        if (headerLength > available)
        {
            return f.snapTruncated ? DecodeCounter.TRUNCATED_FRAME : DecodeCounter.BAD_IP_HEADER_LENGTH;
        }

        int totalLength = f.ipv4.totalLength();
        if (totalLength == 0)
        {
            // Captured on the sending host before segmentation offload filled the length in: take the frame's (the
            // whole captured frame's, as a stage that describes the segment again from its offsets will).
            totalLength = f.captureEnd - offset;
        }
        if (totalLength < headerLength)
        {
            return DecodeCounter.BAD_IP_LENGTH;
        }
        if (totalLength > available && !f.snapTruncated)
        {
            return DecodeCounter.BAD_IP_LENGTH;
        }

        f.finalDestinationOffset = offset + Ipv4Flyweight.DESTINATION_ADDRESS_OFFSET;
        if (headerLength > Ipv4Flyweight.MIN_HEADER_LENGTH &&
            !checkIpv4Options(f, f.ipv4.optionsOffset(), offset + headerLength))
        {
            return DecodeCounter.BAD_IP_OPTIONS;
        }

        f.ipProtocol = f.ipv4.protocol();
        if (f.ipv4.isFragment())
        {
            return fragments.fragment4(f, offset, headerLength, offset + totalLength);
        }
        return decodeTransport(f, offset + headerLength, offset + totalLength, f.ipProtocol);
    }

    DecodeCounter decodeIpv6(final DecodedFrame f, final int offset)
    {
        final int available = f.frameEnd - offset;
        if (available < Ipv6Flyweight.HEADER_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        f.ipv6.wrap(f.buffer, offset);
        if (f.ipv6.version() != 6)
        {
            return DecodeCounter.BAD_IP_VERSION;
        }
        f.ipVersion = 6;
        f.ipOffset = offset;
        f.finalDestinationOffset = f.ipv6.destinationAddressOffset();

        final int payloadLength = f.ipv6.payloadLength();
        // A jumbogram or a segmentation-offload capture has no payload length: the captured frame holds the payload.
        final int packetEnd = payloadLength == 0 ? f.captureEnd : offset + Ipv6Flyweight.HEADER_LENGTH + payloadLength;
        if (packetEnd > f.frameEnd && !f.snapTruncated)
        {
            return DecodeCounter.BAD_IP_LENGTH;
        }
        final int nextHeader = f.ipv6.nextHeader();
        final int payloadOffset = offset + Ipv6Flyweight.HEADER_LENGTH;
        if (nextHeader == IpProtocol.TCP)
        {
            // Most packets have no extension headers: keep this path small enough for the JIT to inline.
            f.ipProtocol = IpProtocol.TCP;
            return tcpLayer.decodeTcp(f, payloadOffset, packetEnd);
        }
        return decodeIpv6ExtensionHeaders(f, payloadOffset, packetEnd, nextHeader);
    }

    private DecodeCounter decodeIpv6ExtensionHeaders(
        final DecodedFrame f, final int firstOffset, final int packetEnd, final int firstHeader)
    {
        // Headers must be within both what the packet claims and what was captured.
        final int headersEnd = Math.min(packetEnd, f.frameEnd);

        int nextHeader = firstHeader;
        int nextHeaderField = f.ipOffset + Ipv6Flyweight.NEXT_HEADER_OFFSET;
        int position = firstOffset;
        for (int headers = 0; ; headers++)
        {
            switch (nextHeader)
            {
                case IpProtocol.HOP_BY_HOP:
                case IpProtocol.ROUTING:
                case IpProtocol.DESTINATION_OPTIONS:
                case IpProtocol.MOBILITY:
                case IpProtocol.HIP:
                case IpProtocol.SHIM6:
                case IpProtocol.AH:
                case IpProtocol.FRAGMENT:
                    break;
                default:
                    f.ipProtocol = nextHeader;
                    return decodeTransport(f, position, packetEnd, nextHeader);
            }

            if (headers == PacketDecoder.MAX_IPV6_EXTENSION_HEADERS)
            {
                return DecodeCounter.BAD_IPV6_EXTENSION_HEADER;
            }
            if (position + 2 > headersEnd)
            {
                return f.headerCutShort(position + 2, packetEnd, DecodeCounter.BAD_IPV6_EXTENSION_HEADER);
            }

            final int headerLength;
            if (nextHeader == IpProtocol.FRAGMENT)
            {
                headerLength = Ipv6Flyweight.FRAGMENT_HEADER_LENGTH;
            }
            else if (nextHeader == IpProtocol.AH)
            {
                headerLength = ((f.buffer.getByte(position + Ipv6Flyweight.EXTENSION_LENGTH_OFFSET) & 0xFF) + 2)
                    << AH_LENGTH_UNITS_SHIFT;
            }
            else
            {
                headerLength = ((f.buffer.getByte(position + Ipv6Flyweight.EXTENSION_LENGTH_OFFSET) & 0xFF) + 1)
                    << EXTENSION_LENGTH_UNITS_SHIFT;
            }
            if (position + headerLength > headersEnd)
            {
                return f.headerCutShort(position + headerLength, packetEnd, DecodeCounter.BAD_IPV6_EXTENSION_HEADER);
            }

            if (nextHeader == IpProtocol.ROUTING)
            {
                findIpv6RoutingDestination(f, position, headerLength);
            }
            else if (nextHeader == IpProtocol.FRAGMENT)
            {
                final int offsetAndFlags = f.buffer.getShort(
                    position + Ipv6Flyweight.FRAGMENT_OFFSET_FLAGS_OFFSET, BIG_ENDIAN) & 0xFFFF;
                // An atomic fragment (offset 0, no more fragments) is a whole packet and decodes on.
                if ((offsetAndFlags &
                    (FragmentHandOff.IPV6_FRAGMENT_OFFSET_MASK | FragmentHandOff.IPV6_MORE_FRAGMENTS)) != 0)
                {
                    f.ipProtocol = f.buffer.getByte(position + Ipv6Flyweight.EXTENSION_NEXT_HEADER_OFFSET) & 0xFF;
                    return fragments.fragment6(f, position, nextHeaderField, offsetAndFlags, packetEnd);
                }
            }
            nextHeader = f.buffer.getByte(position + Ipv6Flyweight.EXTENSION_NEXT_HEADER_OFFSET) & 0xFF;
            nextHeaderField = position + Ipv6Flyweight.EXTENSION_NEXT_HEADER_OFFSET;
            position += headerLength;
        }
    }

    /**
     * Check every option's length, as Suricata's decoder does (its {@code opt_invalid_len}), and find the final
     * destination: a loose or strict source route still under way carries it as its last address; once the pointer
     * has passed the end the route is done and the header's destination is the final one.
     *
     * @return false when an option's length is impossible.
     */
    private boolean checkIpv4Options(final DecodedFrame f, final int optionsOffset, final int optionsEnd)
    {
        int position = optionsOffset;
        while (position < optionsEnd)
        {
            final int kind = f.buffer.getByte(position) & 0xFF;
            if (kind == IPV4_OPTION_END)
            {
                return true;
            }
            if (kind == IPV4_OPTION_NOP)
            {
                position++;
                continue;
            }
            if (position + 1 >= optionsEnd)
            {
                return false;
            }
            final int length = f.buffer.getByte(position + 1) & 0xFF;
            if (length < 2 || position + length > optionsEnd || !isValidIpv4OptionLength(kind, length))
            {
                return false;
            }
            if (kind == IPV4_OPTION_LSRR || kind == IPV4_OPTION_SSRR)
            {
                final int pointer = f.buffer.getByte(position + 2) & 0xFF;
                if (pointer <= length - Ipv4Flyweight.ADDRESS_LENGTH + 1 && length >= IPV4_ROUTE_MIN_LENGTH)
                {
                    f.finalDestinationOffset = position + length - Ipv4Flyweight.ADDRESS_LENGTH;
                }
            }
            position += length;
        }
        return true;
    }

    private static boolean isValidIpv4OptionLength(final int kind, final int length)
    {
        switch (kind)
        {
            case IPV4_OPTION_RR:
            case IPV4_OPTION_LSRR:
            case IPV4_OPTION_SSRR:
                // Type, length, pointer, then whole addresses.
                return length >= 3 && (length - 3) % Ipv4Flyweight.ADDRESS_LENGTH == 0;
            case IPV4_OPTION_TIMESTAMP:
                return length >= 4;
            case IPV4_OPTION_SECURITY:
                return length == 11;
            case IPV4_OPTION_STREAM_ID:
            case IPV4_OPTION_ROUTER_ALERT:
                return length == 4;
            case IPV4_OPTION_QUICK_START:
                return length == 8;
            default:
                return true;
        }
    }

    /**
     * Routing headers with segments left name the final destination: the last address for type 0 (deprecated but
     * still seen) and type 2 (Mobile IPv6 home address), the first segment for type 4 (segment routing).
     */
    private void findIpv6RoutingDestination(final DecodedFrame f, final int headerOffset, final int headerLength)
    {
        final int routingType = f.buffer.getByte(headerOffset + IPV6_ROUTING_TYPE_OFFSET) & 0xFF;
        final int segmentsLeft = f.buffer.getByte(headerOffset + IPV6_SEGMENTS_LEFT_OFFSET) & 0xFF;
        if (segmentsLeft == 0 || headerLength < IPV6_ROUTING_ADDRESSES_OFFSET + Ipv6Flyweight.ADDRESS_LENGTH)
        {
            return;
        }
        if (routingType == IPV6_ROUTING_TYPE_0 || routingType == IPV6_ROUTING_TYPE_2)
        {
            f.finalDestinationOffset = headerOffset + headerLength - Ipv6Flyweight.ADDRESS_LENGTH;
        }
        else if (routingType == IPV6_ROUTING_TYPE_SEGMENT)
        {
            f.finalDestinationOffset = headerOffset + IPV6_ROUTING_ADDRESSES_OFFSET;
        }
    }

    /**
     * IPsec AH in IPv4 (RFC 4302): authenticated, not encrypted, so what it protects decodes on. IPv6 meets AH in
     * its extension-header chain instead.
     */
    private DecodeCounter decodeIpv4AuthenticationHeader(final DecodedFrame f, final int offset, final int packetEnd)
    {
        final int headersEnd = Math.min(packetEnd, f.frameEnd);
        if (offset + 2 > headersEnd)
        {
            return f.headerCutShort(offset + 2, packetEnd, DecodeCounter.BAD_IP_LENGTH);
        }
        final int length = ((f.buffer.getByte(offset + Ipv6Flyweight.EXTENSION_LENGTH_OFFSET) & 0xFF) + 2)
            << AH_LENGTH_UNITS_SHIFT;
        if (offset + length > headersEnd)
        {
            return f.headerCutShort(offset + length, packetEnd, DecodeCounter.BAD_IP_LENGTH);
        }
        final int nextProtocol = f.buffer.getByte(offset + Ipv6Flyweight.EXTENSION_NEXT_HEADER_OFFSET) & 0xFF;
        if (nextProtocol == IpProtocol.AH)
        {
            // One AH per packet is all RFC 4302 allows; a chain of them is a loop an attacker could lengthen.
            return DecodeCounter.BAD_IP_LENGTH;
        }
        f.ipProtocol = nextProtocol;
        return decodeTransport(f, offset + length, packetEnd, nextProtocol);
    }

    private DecodeCounter decodeTransport(
        final DecodedFrame f, final int offset, final int packetEnd, final int protocol)
    {
        if (protocol == IpProtocol.TCP)
        {
            return tcpLayer.decodeTcp(f, offset, packetEnd);
        }
        switch (protocol)
        {
            case IpProtocol.UDP:
                return udp.decodeUdp(f, offset, packetEnd);
            case IpProtocol.GRE:
                return gre.decodeGre(f, offset, packetEnd);
            case IpProtocol.IPIP:
            case IpProtocol.IPV6:
                if (!f.enterTunnel(TunnelType.IP_IN_IP, 0, false, packetEnd, offset))
                {
                    return DecodeCounter.TUNNEL;
                }
                return decodeIp(f, offset, protocol == IpProtocol.IPIP ? 4 : 6);
            case IpProtocol.AH:
                return f.ipVersion == 4 ? decodeIpv4AuthenticationHeader(f, offset, packetEnd) : DecodeCounter.NOT_TCP;
            default:
                return DecodeCounter.NOT_TCP;
        }
    }
}
