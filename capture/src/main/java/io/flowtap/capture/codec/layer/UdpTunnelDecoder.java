package io.flowtap.capture.codec.layer;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.codec.IpProtocol;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.Ipv6Flyweight;
import io.flowtap.capture.codec.TunnelType;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Tunnels in UDP, told by port: VXLAN and Geneve (ports configurable), GRE in UDP, MPLS in UDP, GTP-U, Teredo and
 * AYIYA. A table indexed by port says which tunnel a destination port carries, and which tunnels either port names
 * (those whose both ends use the well-known port), so a UDP packet costs one or two array reads to tell.
 * <p>
 * Not thread safe: one per decoder.
 */
final class UdpTunnelDecoder
{
    private static final int UDP_HEADER_LENGTH = 8;
    private static final int VXLAN_HEADER_LENGTH = 8;
    private static final int VXLAN_FLAG_VNI = 0x08;
    private static final int GENEVE_HEADER_LENGTH = 8;
    private static final int GTP_HEADER_LENGTH = 8;
    private static final int GTP_OPTIONAL_LENGTH = 4;
    private static final int GTP_G_PDU = 0xFF;
    private static final int GTP_MAX_EXTENSIONS = 8;
    private static final int TEREDO_AUTHENTICATION = 0x0001;
    private static final int TEREDO_ORIGIN = 0x0000;
    private static final int TEREDO_ORIGIN_LENGTH = 8;
    private static final int TEREDO_AUTHENTICATION_FIXED = 4 + 8 + 1;
    private static final int AYIYA_FIXED_LENGTH = 8;
    private static final int AYIYA_FORWARD = 1;
    private static final int UDP_NONE = 0;
    private static final int UDP_VXLAN = 1;
    private static final int UDP_GENEVE = 2;
    private static final int UDP_GTP = 3;
    private static final int UDP_TEREDO = 4;
    private static final int UDP_AYIYA = 5;
    private static final int UDP_GRE = 6;
    private static final int UDP_MPLS = 7;

    /** By UDP port: the low nibble the tunnel a destination port carries, the high one what either port does. */
    private final byte[] udpTunnels = new byte[0x1_0000];
    private EthernetDecoder ether;
    private IpLayerDecoder ip;
    private GreDecoder gre;

    UdpTunnelDecoder(final DecoderContext context)
    {
        for (final int port : context.vxlanPorts())
        {
            udpTunnels[port] = UDP_VXLAN;
        }
        for (final int port : context.genevePorts())
        {
            udpTunnels[port] = UDP_GENEVE;
        }
        udpTunnel(PacketDecoder.GRE_UDP_PORT, UDP_GRE, false);
        udpTunnel(PacketDecoder.MPLS_UDP_PORT, UDP_MPLS, false);
        udpTunnel(PacketDecoder.GTP_U_PORT, UDP_GTP, true);
        udpTunnel(PacketDecoder.TEREDO_PORT, UDP_TEREDO, true);
        udpTunnel(PacketDecoder.AYIYA_PORT, UDP_AYIYA, true);
    }

    void connect(final EthernetDecoder ether, final IpLayerDecoder ip, final GreDecoder gre)
    {
        this.ether = ether;
        this.ip = ip;
        this.gre = gre;
    }

    private void udpTunnel(final int port, final int kind, final boolean eitherPort)
    {
        if ((udpTunnels[port] & 0x0F) == UDP_NONE)
        {
            udpTunnels[port] = (byte)((udpTunnels[port] & 0xF0) | kind);
        }
        if (eitherPort)
        {
            udpTunnels[port] = (byte)((udpTunnels[port] & 0x0F) | (kind << 4));
        }
    }

    /**
     * UDP: a tunnel when its destination port (or either port, for the tunnels whose both ends use it) names one;
     * otherwise not TCP.
     */
    DecodeCounter decodeUdp(final DecodedFrame f, final int offset, final int packetEnd)
    {
        final int end = Math.min(packetEnd, f.frameEnd);
        if (offset + UDP_HEADER_LENGTH > end)
        {
            return DecodeCounter.NOT_TCP;
        }
        int kind = udpTunnels[f.buffer.getShort(offset + 2, BIG_ENDIAN) & 0xFFFF] & 0x0F;
        if (kind == UDP_NONE)
        {
            kind = (udpTunnels[f.buffer.getShort(offset, BIG_ENDIAN) & 0xFFFF] >>> 4) & 0x0F;
            if (kind == UDP_NONE)
            {
                return DecodeCounter.NOT_TCP;
            }
        }
        final int payload = offset + UDP_HEADER_LENGTH;
        switch (kind)
        {
            case UDP_VXLAN:
                return decodeVxlan(f, payload, packetEnd);
            case UDP_GENEVE:
                return decodeGeneve(f, payload, packetEnd);
            case UDP_GTP:
                return decodeGtp(f, payload, packetEnd);
            case UDP_TEREDO:
                return decodeTeredo(f, payload, packetEnd);
            case UDP_AYIYA:
                return decodeAyiya(f, payload, packetEnd);
            case UDP_GRE:
                return gre.decodeGre(f, payload, packetEnd);
            case UDP_MPLS:
            default:
                // The label stack is the tunnel layer; the UDP packet bounds it.
                if (packetEnd < f.frameEnd && payload >= f.factsFrom)
                {
                    f.frameEnd = packetEnd;
                }
                return ether.decodeMpls(f, payload);
        }
    }

    /**
     * VXLAN (RFC 7348): flags whose I bit says the VNI is valid, reserved bits (ignored, as receivers ignore them),
     * the 24-bit VNI, then an Ethernet f.
     */
    private DecodeCounter decodeVxlan(final DecodedFrame f, final int offset, final int packetEnd)
    {
        if (offset + VXLAN_HEADER_LENGTH > Math.min(packetEnd, f.frameEnd))
        {
            return f.headerCutShort(offset + VXLAN_HEADER_LENGTH, packetEnd, DecodeCounter.BAD_TUNNEL);
        }
        if ((f.buffer.getByte(offset) & VXLAN_FLAG_VNI) == 0)
        {
            return DecodeCounter.BAD_TUNNEL;
        }
        final int vni = f.buffer.getInt(offset + 4, BIG_ENDIAN) >>> 8;
        if (!f.enterTunnel(TunnelType.VXLAN, vni, true, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return ether.decodeEthernet(f, offset + VXLAN_HEADER_LENGTH, false);
    }

    /**
     * Geneve (RFC 8926): version 0, options skipped by their length, a protocol type (Ethernet, IPv4, IPv6) and the
     * VNI.
     */
    private DecodeCounter decodeGeneve(final DecodedFrame f, final int offset, final int packetEnd)
    {
        final int end = Math.min(packetEnd, f.frameEnd);
        if (offset + GENEVE_HEADER_LENGTH > end)
        {
            return f.headerCutShort(offset + GENEVE_HEADER_LENGTH, packetEnd, DecodeCounter.BAD_TUNNEL);
        }
        final int first = f.buffer.getByte(offset) & 0xFF;
        if ((first >>> 6) != 0)
        {
            return DecodeCounter.BAD_TUNNEL;
        }
        final int headerLength = GENEVE_HEADER_LENGTH + ((first & 0x3F) << 2);
        if (offset + headerLength > end)
        {
            return f.headerCutShort(offset + headerLength, packetEnd, DecodeCounter.BAD_TUNNEL);
        }
        final int protocol = f.buffer.getShort(offset + 2, BIG_ENDIAN) & 0xFFFF;
        final int vni = f.buffer.getInt(offset + 4, BIG_ENDIAN) >>> 8;
        if (!f.enterTunnel(TunnelType.GENEVE, vni, true, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return ether.decodeTunneledProtocol(f, offset + headerLength, protocol);
    }

    /**
     * GTP-U version 1: G-PDUs only (echo, error indication and end marker carry no user packet), optional fields and
     * extension headers skipped, then IPv4 or IPv6 by its version nibble.
     */
    private DecodeCounter decodeGtp(final DecodedFrame f, final int offset, final int packetEnd)
    {
        final int end = Math.min(packetEnd, f.frameEnd);
        if (offset + GTP_HEADER_LENGTH > end)
        {
            return f.headerCutShort(offset + GTP_HEADER_LENGTH, packetEnd, DecodeCounter.BAD_TUNNEL);
        }
        final int flags = f.buffer.getByte(offset) & 0xFF;
        if ((flags >>> 5) != 1 || (flags & 0x10) == 0)
        {
            return DecodeCounter.BAD_TUNNEL;
        }
        if ((f.buffer.getByte(offset + 1) & 0xFF) != GTP_G_PDU)
        {
            return DecodeCounter.NOT_TCP;
        }
        int headerLength = GTP_HEADER_LENGTH;
        if ((flags & 0x07) != 0)
        {
            headerLength += GTP_OPTIONAL_LENGTH;
            if (offset + headerLength > end)
            {
                return f.headerCutShort(offset + headerLength, packetEnd, DecodeCounter.BAD_TUNNEL);
            }
            int next = (flags & 0x04) != 0 ? f.buffer.getByte(offset + headerLength - 1) & 0xFF : 0;
            for (int extensions = 0; next != 0; extensions++)
            {
                if (extensions == GTP_MAX_EXTENSIONS || offset + headerLength + 1 > end)
                {
                    return DecodeCounter.BAD_TUNNEL;
                }
                final int extensionLength = (f.buffer.getByte(offset + headerLength) & 0xFF) << 2;
                if (extensionLength == 0 || offset + headerLength + extensionLength > end)
                {
                    return DecodeCounter.BAD_TUNNEL;
                }
                headerLength += extensionLength;
                next = f.buffer.getByte(offset + headerLength - 1) & 0xFF;
            }
        }
        final int inner = offset + headerLength;
        if (inner >= end)
        {
            return DecodeCounter.NOT_TCP;
        }
        final int nibble = (f.buffer.getByte(inner) & 0xF0) >>> 4;
        if (nibble != 4 && nibble != 6)
        {
            return DecodeCounter.TUNNEL;
        }
        if (!f.enterTunnel(TunnelType.GTP_U, 0, false, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return ip.decodeIp(f, inner, nibble);
    }

    /**
     * Teredo (RFC 4380): an IPv6 packet in UDP, after an optional authentication and origin indication. Port 3544 is
     * also used for Teredo's own qualification traffic, so only a payload that is exactly one IPv6 packet counts.
     */
    private DecodeCounter decodeTeredo(final DecodedFrame f, final int offset, final int packetEnd)
    {
        final int end = Math.min(packetEnd, f.frameEnd);
        int position = offset;
        if (position + 4 <= end && (f.buffer.getShort(position, BIG_ENDIAN) & 0xFFFF) == TEREDO_AUTHENTICATION)
        {
            position += TEREDO_AUTHENTICATION_FIXED + (f.buffer.getByte(position + 2) & 0xFF) +
                (f.buffer.getByte(position + 3) & 0xFF);
        }
        if (position + 2 <= end && (f.buffer.getShort(position, BIG_ENDIAN) & 0xFFFF) == TEREDO_ORIGIN)
        {
            position += TEREDO_ORIGIN_LENGTH;
        }
        if (position + Ipv6Flyweight.HEADER_LENGTH > end || (f.buffer.getByte(position) & 0xF0) != 0x60 ||
            position + Ipv6Flyweight.HEADER_LENGTH +
            (f.buffer.getShort(position + Ipv6Flyweight.PAYLOAD_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF) != packetEnd)
        {
            return DecodeCounter.NOT_TCP;
        }
        if (!f.enterTunnel(TunnelType.TEREDO, 0, false, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return ip.decodeIpv6(f, position);
    }

    /**
     * AYIYA: identity and signature lengths in the header, forward operations only, then IPv6 or IPv4.
     */
    private DecodeCounter decodeAyiya(final DecodedFrame f, final int offset, final int packetEnd)
    {
        final int end = Math.min(packetEnd, f.frameEnd);
        if (offset + AYIYA_FIXED_LENGTH > end)
        {
            return DecodeCounter.NOT_TCP;
        }
        final int identityLength = 1 << ((f.buffer.getByte(offset) & 0xF0) >>> 4);
        final int signatureLength = ((f.buffer.getByte(offset + 1) & 0xF0) >>> 4) << 2;
        final int operation = f.buffer.getByte(offset + 2) & 0x0F;
        final int nextHeader = f.buffer.getByte(offset + 3) & 0xFF;
        final int inner = offset + AYIYA_FIXED_LENGTH + identityLength + signatureLength;
        if (operation != AYIYA_FORWARD || inner > end ||
            (nextHeader != IpProtocol.IPV6 && nextHeader != IpProtocol.IPIP))
        {
            return DecodeCounter.NOT_TCP;
        }
        if (!f.enterTunnel(TunnelType.AYIYA, 0, false, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return ip.decodeIp(f, inner, nextHeader == IpProtocol.IPV6 ? 6 : 4);
    }
}
