package io.flowtap.capture.codec.layer;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.EthernetFlyweight;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TunnelType;
import io.flowtap.capture.codec.VlanTagFlyweight;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * An Ethernet frame and what an EtherType names before IP: up to {@link PacketDecoder#MAX_VLAN_TAGS} VLAN tags
 * (recorded when they are the outermost frame's), VN-Tag and E-Tag, Cisco FabricPath, PPPoE sessions and MPLS label
 * stacks; and the protocol a tunnel names by EtherType (an Ethernet frame, IP, MPLS).
 * <p>
 * Not thread safe: one per decoder.
 */
final class EthernetDecoder
{
    private static final int PPPOE_HEADER_LENGTH = 6;
    private static final byte PPPOE_VERSION_TYPE = 0x11;
    private static final int MPLS_BOTTOM_OF_STACK = 0x100;
    private static final int MPLS_CONTROL_WORD_LENGTH = 4;
    private static final int FABRICPATH_HEADER_LENGTH = 16;
    private static final int VN_TAG_LENGTH = 6;
    private static final int E_TAG_LENGTH = 8;

    private IpLayerDecoder ip;
    private LinkLayerDecoder link;

    void connect(final IpLayerDecoder ip, final LinkLayerDecoder link)
    {
        this.ip = ip;
        this.link = link;
    }

    /**
     * An Ethernet frame inside a tunnel, or behind a radio or PPI header.
     */
    DecodeCounter decodeEthernet(final DecodedFrame f, final int offset, final boolean outermost)
    {
        if (offset + EthernetFlyweight.HEADER_LENGTH > f.frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int etherType = f.buffer.getShort(offset + EthernetFlyweight.ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
        if (etherType == EtherType.FABRICPATH)
        {
            return decodeFabricPath(f, offset, outermost);
        }
        return decodeEtherType(f, offset + EthernetFlyweight.HEADER_LENGTH, etherType, outermost);
    }

    /**
     * Cisco FabricPath: outer addresses, the FabricPath EtherType, its tag and TTL, then the classical f.
     */
    DecodeCounter decodeFabricPath(final DecodedFrame f, final int offset, final boolean outermost)
    {
        final int inner = offset + FABRICPATH_HEADER_LENGTH;
        if (inner + EthernetFlyweight.HEADER_LENGTH > f.frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        f.encapsulated = true;
        f.countFact(DecodeCounter.FABRICPATH, offset);
        final int etherType = f.buffer.getShort(inner + EthernetFlyweight.ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
        return decodeEtherType(f, inner + EthernetFlyweight.HEADER_LENGTH, etherType, outermost);
    }

    /**
     * What follows an EtherType: VLAN tags (recorded when they are the outermost frame's), VN-Tag and E-Tag, then IP,
     * PPPoE or MPLS.
     */
    DecodeCounter decodeEtherType(
        final DecodedFrame f, final int payloadOffset, final int firstEtherType, final boolean outermost)
    {
        int offset = payloadOffset;
        int etherType = firstEtherType;
        int tags = outermost ? f.vlanCount : 0;
        while (true)
        {
            if (etherType == EtherType.IPV4)
            {
                return ip.decodeIpv4(f, offset);
            }
            if (etherType == EtherType.IPV6)
            {
                return ip.decodeIpv6(f, offset);
            }
            if (EtherType.isVlanTag(etherType))
            {
                if (tags == PacketDecoder.MAX_VLAN_TAGS)
                {
                    return DecodeCounter.UNSUPPORTED_ENCAPSULATION;
                }
                if (offset + VlanTagFlyweight.LENGTH > f.frameEnd)
                {
                    return DecodeCounter.TRUNCATED_FRAME;
                }
                f.vlanTag.wrap(f.buffer, offset);
                if (outermost)
                {
                    if (f.vlanCount == 0)
                    {
                        f.outerVlanId = f.vlanTag.vlanId();
                    }
                    else if (f.vlanCount == 1)
                    {
                        f.innerVlanId = f.vlanTag.vlanId();
                    }
                    else
                    {
                        // A third tag is kept on the frame but not in the VLAN accessors, which name two.
                        f.encapsulated = true;
                    }
                    f.vlanCount++;
                }
                tags++;
                etherType = f.vlanTag.etherType();
                offset += VlanTagFlyweight.LENGTH;
                continue;
            }
            switch (etherType)
            {
                case EtherType.PPPOE_SESSION:
                    return decodePppoe(f, offset);
                case EtherType.MPLS_UNICAST:
                case EtherType.MPLS_MULTICAST:
                    return decodeMpls(f, offset);
                case EtherType.VN_TAG:
                case EtherType.E_TAG:
                {
                    final int tagLength = etherType == EtherType.VN_TAG ? VN_TAG_LENGTH : E_TAG_LENGTH;
                    if (offset + tagLength > f.frameEnd)
                    {
                        return DecodeCounter.TRUNCATED_FRAME;
                    }
                    f.encapsulated = true;
                    f.countFact(DecodeCounter.VN_TAG, offset);
                    etherType = f.buffer.getShort(offset + tagLength - 2, BIG_ENDIAN) & 0xFFFF;
                    offset += tagLength;
                    continue;
                }
                default:
                    return DecodeCounter.NOT_IP;
            }
        }
    }

    /**
     * PPPoE session data (RFC 2516): version/type, code 0, session id and length, then PPP.
     */
    private DecodeCounter decodePppoe(final DecodedFrame f, final int offset)
    {
        if (offset + PPPOE_HEADER_LENGTH > f.frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        if (f.buffer.getByte(offset) != PPPOE_VERSION_TYPE || f.buffer.getByte(offset + 1) != 0)
        {
            return DecodeCounter.UNSUPPORTED_ENCAPSULATION;
        }
        final int session = f.buffer.getShort(offset + 2, BIG_ENDIAN) & 0xFFFF;
        if (!f.enterTunnel(TunnelType.PPPOE, session, true, Integer.MAX_VALUE, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return link.decodePpp(f, offset + PPPOE_HEADER_LENGTH);
    }

    /**
     * An MPLS label stack (RFC 3032) down to its bottom entry, then what it carries, told by its first nibble as
     * Suricata tells it: IPv4, IPv6, or 0 for a pseudowire control word before an Ethernet frame; anything else is
     * taken for an Ethernet frame without a control word.
     */
    DecodeCounter decodeMpls(final DecodedFrame f, final int offset)
    {
        if (!f.enterTunnel(TunnelType.MPLS, 0, false, Integer.MAX_VALUE, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        int position = offset;
        for (int labels = 0; ; labels++)
        {
            if (labels == PacketDecoder.MAX_MPLS_LABELS)
            {
                return DecodeCounter.BAD_TUNNEL;
            }
            if (position + 4 > f.frameEnd)
            {
                return DecodeCounter.TRUNCATED_FRAME;
            }
            final int entry = f.buffer.getInt(position, BIG_ENDIAN);
            position += 4;
            if ((entry & MPLS_BOTTOM_OF_STACK) != 0)
            {
                break;
            }
        }
        if (position + 1 > f.frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int nibble = (f.buffer.getByte(position) & 0xF0) >>> 4;
        if (nibble == 4)
        {
            return ip.decodeIpv4(f, position);
        }
        if (nibble == 6)
        {
            return ip.decodeIpv6(f, position);
        }
        return decodeEthernet(f, nibble == 0 ? position + MPLS_CONTROL_WORD_LENGTH : position, false);
    }

    /**
     * What a tunnel names by EtherType: an Ethernet frame, IPv4 or IPv6.
     */
    DecodeCounter decodeTunneledProtocol(final DecodedFrame f, final int offset, final int protocol)
    {
        switch (protocol)
        {
            case EtherType.TRANSPARENT_ETHERNET:
                return decodeEthernet(f, offset, false);
            case EtherType.IPV4:
                return ip.decodeIp(f, offset, 4);
            case EtherType.IPV6:
                return ip.decodeIp(f, offset, 6);
            case EtherType.MPLS_UNICAST:
            case EtherType.MPLS_MULTICAST:
                return decodeMpls(f, offset);
            default:
                return DecodeCounter.TUNNEL;
        }
    }
}
