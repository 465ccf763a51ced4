package io.flowtap.capture.codec.layer;

import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.codec.DuplicateFilter;
import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.EthernetFlyweight;
import io.flowtap.capture.codec.IpDefragmenter;
import io.flowtap.capture.codec.LinuxCookedDescriptor;
import io.flowtap.capture.codec.LoopbackDescriptor;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * The outermost layer of a frame, by its link type: Ethernet (handed to {@link EthernetDecoder}), Linux cooked v1 and
 * v2, BSD loopback, raw IP, PPP and Cisco HDLC, 802.11 data frames bare or behind radiotap or PPI, and NFLOG.
 * <p>
 * It is where a decode starts, so it builds the layer decoders inside it and connects them: layers nest both ways (an
 * Ethernet frame in VXLAN in IP in Ethernet), so each decoder is handed the others once, here, rather than at
 * construction. All are final classes called directly: the decode stays one monomorphic descent through the f.
 * <p>
 * Not thread safe: one per decoder. The layer decoders hold no state of the frame: each call is given the
 * {@link DecodedFrame} it writes what it finds in.
 */
public final class LinkLayerDecoder
{
    private static final int PPP_IPV4 = 0x0021;
    private static final int PPP_IPV6 = 0x0057;
    private static final int PPP_MPLS_UNICAST = 0x0281;
    private static final int PPP_MPLS_MULTICAST = 0x0283;
    private static final int HDLC_ADDRESS_CONTROL = 0xFF03;
    private static final int C_HDLC_HEADER_LENGTH = 4;
    private static final int SLL_PROTOCOL_LLC_MAX = 0x00FF;
    private static final int RADIOTAP_MIN_LENGTH = 8;
    private static final int PPI_MIN_LENGTH = 8;
    private static final int WLAN_HEADER_LENGTH = 24;
    private static final int WLAN_TYPE_DATA = 2;
    private static final int WLAN_SUBTYPE_NO_DATA = 0x4;
    private static final int WLAN_SUBTYPE_QOS = 0x8;
    private static final int WLAN_TO_FROM_DS = 0x03;
    private static final int WLAN_PROTECTED = 0x40;
    private static final int WLAN_ORDER = 0x80;
    private static final int LLC_SNAP_LENGTH = 8;
    private static final int NFLOG_HEADER_LENGTH = 4;
    private static final int NFLOG_TLV_PAYLOAD = 9;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    private final EthernetDecoder ether;
    private final IpLayerDecoder ip;

    /**
     * The link layer and, connected behind it, every layer a frame may carry.
     *
     * @param tcpLayer     the TCP layer, which the decoder also asks to settle deferred checksums.
     * @param context      the tunnel ports.
     * @param defragmenter the fragment reassembler, or null to count fragments and go on.
     * @param duplicates   the duplicate filter, or null.
     */
    public LinkLayerDecoder(
        final TcpLayerDecoder tcpLayer,
        final DecoderContext context,
        final IpDefragmenter defragmenter,
        final DuplicateFilter duplicates)
    {
        ether = new EthernetDecoder();
        ip = new IpLayerDecoder(tcpLayer);
        final UdpTunnelDecoder udp = new UdpTunnelDecoder(context);
        final GreDecoder gre = new GreDecoder();
        final FragmentHandOff fragments = new FragmentHandOff(defragmenter, duplicates);
        ether.connect(ip, this);
        ip.connect(udp, gre, fragments);
        udp.connect(ether, ip, gre);
        gre.connect(ether, ip, this);
        fragments.connect(this);
    }

    /**
     * Decode the frame the {@link DecodedFrame} was begun with, or a reassembled datagram's frame, from its link
     * layer down to its TCP segment.
     *
     * @param f        the frame, begun.
     * @param offset   of the link-layer header.
     * @param length   captured bytes from there.
     * @param linkType one of {@link LinkType}'s constants.
     * @return {@link DecodeCounter#TCP_SEGMENT}, or why the frame is not one.
     */
    public DecodeCounter decode(final DecodedFrame f, final int offset, final int length, final int linkType)
    {
        switch (linkType)
        {
            case LinkType.ETHERNET:
                if (length < EthernetFlyweight.HEADER_LENGTH)
                {
                    return DecodeCounter.TRUNCATED_FRAME;
                }
                f.ethernet.wrap(f.buffer, offset);
                final int etherType = f.ethernet.etherType();
                if (etherType == EtherType.FABRICPATH)
                {
                    return ether.decodeFabricPath(f, offset, true);
                }
                return ether.decodeEtherType(f, offset + EthernetFlyweight.HEADER_LENGTH, etherType, true);

            case LinkType.LINUX_SLL:
                if (length < LinuxCookedDescriptor.SLL_HEADER_LENGTH)
                {
                    return DecodeCounter.TRUNCATED_FRAME;
                }
                return decodeCookedProtocol(f, 
                    offset + LinuxCookedDescriptor.SLL_HEADER_LENGTH,
                    f.buffer.getShort(offset + LinuxCookedDescriptor.SLL_PROTOCOL_OFFSET, BIG_ENDIAN) & 0xFFFF);

            case LinkType.LINUX_SLL2:
                if (length < LinuxCookedDescriptor.SLL2_HEADER_LENGTH)
                {
                    return DecodeCounter.TRUNCATED_FRAME;
                }
                return decodeCookedProtocol(f, 
                    offset + LinuxCookedDescriptor.SLL2_HEADER_LENGTH,
                    f.buffer.getShort(offset + LinuxCookedDescriptor.SLL2_PROTOCOL_OFFSET, BIG_ENDIAN) & 0xFFFF);

            case LinkType.NULL:
            case LinkType.LOOP:
                return decodeLoopback(f, offset, length, linkType);

            case LinkType.RAW:
            case LinkType.RAW_DLT_12:
            case LinkType.RAW_DLT_14:
                if (length < 1)
                {
                    return DecodeCounter.TRUNCATED_FRAME;
                }
                return ip.decodeIp(f, offset, (f.buffer.getByte(offset) & 0xF0) >>> 4);

            case LinkType.IPV4:
                return ip.decodeIp(f, offset, 4);

            case LinkType.IPV6:
                return ip.decodeIp(f, offset, 6);

            case LinkType.PPP:
            case LinkType.PPP_HDLC:
                return decodePpp(f, offset);

            case LinkType.C_HDLC:
                if (length < C_HDLC_HEADER_LENGTH)
                {
                    return DecodeCounter.TRUNCATED_FRAME;
                }
                return ether.decodeEtherType(f, offset + C_HDLC_HEADER_LENGTH,
                    f.buffer.getShort(offset + 2, BIG_ENDIAN) & 0xFFFF, true);

            case LinkType.IEEE802_11:
                return decodeWlan(f, offset);

            case LinkType.IEEE802_11_RADIOTAP:
                return decodeRadiotap(f, offset, length);

            case LinkType.PPI:
                return decodePpi(f, offset, length);

            case LinkType.NFLOG:
                return decodeNflog(f, offset, length);

            default:
                return DecodeCounter.UNSUPPORTED_LINK_TYPE;
        }
    }

    private DecodeCounter decodeLoopback(final DecodedFrame f, final int offset, final int length, final int linkType)
    {
        if (length < LoopbackDescriptor.HEADER_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        int family;
        if (linkType == LinkType.LOOP)
        {
            family = f.buffer.getInt(offset, BIG_ENDIAN);
        }
        else
        {
            // LINKTYPE_NULL is in the writer's byte order, which the file does not record: families are small, so
            // a value with high bits set was written the other way round.
            family = f.buffer.getInt(offset, LITTLE_ENDIAN);
            if ((family & 0xFFFF_0000) != 0)
            {
                family = Integer.reverseBytes(family);
            }
        }
        final int ipOffset = offset + LoopbackDescriptor.HEADER_LENGTH;
        if (family == LoopbackDescriptor.AF_INET)
        {
            return ip.decodeIp(f, ipOffset, 4);
        }
        if (LoopbackDescriptor.isInet6(family))
        {
            return ip.decodeIp(f, ipOffset, 6);
        }
        return DecodeCounter.NOT_IP;
    }

    private DecodeCounter decodeCookedProtocol(final DecodedFrame f, final int offset, final int protocol)
    {
        // Values below 0x0100 are Linux's pseudo protocols (802.2 LLC, Novell 802.3, CAN ...), never IP.
        if (protocol <= SLL_PROTOCOL_LLC_MAX)
        {
            return DecodeCounter.NOT_IP;
        }
        return ether.decodeEtherType(f, offset, protocol, true);
    }

    /**
     * PPP: the HDLC-like address and control bytes when present (RFC 1662), then the protocol field, one or two
     * bytes (RFC 1661 6.5: an odd first byte is the whole, one-byte protocol). IPv4, IPv6 and MPLS are opened; PPP's
     * control protocols are not IP.
     */
    DecodeCounter decodePpp(final DecodedFrame f, final int offset)
    {
        int position = offset;
        if (position + 2 > f.frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        if ((f.buffer.getShort(position, BIG_ENDIAN) & 0xFFFF) == HDLC_ADDRESS_CONTROL)
        {
            position += 2;
            if (position + 1 > f.frameEnd)
            {
                return DecodeCounter.TRUNCATED_FRAME;
            }
        }
        final int firstByte = f.buffer.getByte(position) & 0xFF;
        final boolean compressed = (firstByte & 1) == 1;
        if (!compressed && position + 2 > f.frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int protocol = compressed ? firstByte : f.buffer.getShort(position, BIG_ENDIAN) & 0xFFFF;
        final int payload = position + (compressed ? 1 : 2);
        switch (protocol)
        {
            case PPP_IPV4:
                return ip.decodeIp(f, payload, 4);
            case PPP_IPV6:
                return ip.decodeIp(f, payload, 6);
            case PPP_MPLS_UNICAST:
            case PPP_MPLS_MULTICAST:
                return ether.decodeMpls(f, payload);
            default:
                return DecodeCounter.NOT_IP;
        }
    }

    /**
     * Radiotap (its length is little-endian, as every radiotap field), then an 802.11 f.
     */
    private DecodeCounter decodeRadiotap(final DecodedFrame f, final int offset, final int length)
    {
        if (length < RADIOTAP_MIN_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int headerLength = f.buffer.getShort(offset + 2, LITTLE_ENDIAN) & 0xFFFF;
        if (headerLength < RADIOTAP_MIN_LENGTH || headerLength > length)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        return decodeWlan(f, offset + headerLength);
    }

    /**
     * PPI: version, flags, a little-endian length and the link type of what follows (802.11 or Ethernet).
     */
    private DecodeCounter decodePpi(final DecodedFrame f, final int offset, final int length)
    {
        if (length < PPI_MIN_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int headerLength = f.buffer.getShort(offset + 2, LITTLE_ENDIAN) & 0xFFFF;
        final int innerLinkType = f.buffer.getInt(offset + 4, LITTLE_ENDIAN);
        if (headerLength < PPI_MIN_LENGTH || headerLength > length)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        if (innerLinkType == LinkType.IEEE802_11)
        {
            return decodeWlan(f, offset + headerLength);
        }
        if (innerLinkType == LinkType.ETHERNET)
        {
            return ether.decodeEthernet(f, offset + headerLength, true);
        }
        return DecodeCounter.UNSUPPORTED_LINK_TYPE;
    }

    /**
     * An 802.11 data frame: its header (three or four addresses, QoS control, HT control), then LLC/SNAP and an
     * EtherType. Management and control frames, frames without a body and protected (encrypted) frames are not IP
     * that can be read.
     */
    private DecodeCounter decodeWlan(final DecodedFrame f, final int offset)
    {
        if (offset + WLAN_HEADER_LENGTH > f.frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int frameControl = f.buffer.getByte(offset) & 0xFF;
        final int flags = f.buffer.getByte(offset + 1) & 0xFF;
        final int type = (frameControl >>> 2) & 0x3;
        final int subtype = (frameControl >>> 4) & 0xF;
        if (type != WLAN_TYPE_DATA || (subtype & WLAN_SUBTYPE_NO_DATA) != 0 || (flags & WLAN_PROTECTED) != 0)
        {
            return DecodeCounter.NOT_IP;
        }
        int headerLength = WLAN_HEADER_LENGTH;
        if ((flags & WLAN_TO_FROM_DS) == WLAN_TO_FROM_DS)
        {
            headerLength += 6;
        }
        if ((subtype & WLAN_SUBTYPE_QOS) != 0)
        {
            headerLength += 2;
            if ((flags & WLAN_ORDER) != 0)
            {
                headerLength += 4;
            }
        }
        final int llc = offset + headerLength;
        if (llc + LLC_SNAP_LENGTH > f.frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        // LLC SNAP (AA AA 03) with the RFC 1042 or 802.1H (bridge tunnel) organisation code.
        final int dsapSsapControl = (f.buffer.getInt(llc, BIG_ENDIAN) >>> 8) & 0xFF_FFFF;
        final int organisation = f.buffer.getInt(llc + 2, BIG_ENDIAN) & 0xFF_FFFF;
        if (dsapSsapControl != 0xAA_AA03 || (organisation != 0 && organisation != 0x00_00F8))
        {
            return DecodeCounter.NOT_IP;
        }
        return ether.decodeEtherType(f, llc + LLC_SNAP_LENGTH, f.buffer.getShort(llc + 6, BIG_ENDIAN) & 0xFFFF, false);
    }

    /**
     * NFLOG: address family, version and resource id, then type-length-value attributes in the capturing host's byte
     * order, padded to four bytes; the packet is the value of the payload attribute, from its IP header on.
     */
    private DecodeCounter decodeNflog(final DecodedFrame f, final int offset, final int length)
    {
        if (length < NFLOG_HEADER_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int family = f.buffer.getByte(offset) & 0xFF;
        int position = offset + NFLOG_HEADER_LENGTH;
        while (position + 4 <= f.frameEnd)
        {
            int tlvLength = f.buffer.getShort(position, LITTLE_ENDIAN) & 0xFFFF;
            int type = f.buffer.getShort(position + 2, LITTLE_ENDIAN) & 0x7FFF;
            if (type > 0xFF)
            {
                // Written by a big-endian host: attribute types are small numbers either way.
                tlvLength = f.buffer.getShort(position, BIG_ENDIAN) & 0xFFFF;
                type = f.buffer.getShort(position + 2, BIG_ENDIAN) & 0x7FFF;
            }
            if (tlvLength < 4)
            {
                return DecodeCounter.TRUNCATED_FRAME;
            }
            if (type == NFLOG_TLV_PAYLOAD)
            {
                final int payload = position + 4;
                f.frameEnd = Math.min(f.frameEnd, position + tlvLength);
                if (family == AF_INET)
                {
                    return ip.decodeIp(f, payload, 4);
                }
                if (family == AF_INET6)
                {
                    return ip.decodeIp(f, payload, 6);
                }
                return payload < f.frameEnd ? ip.decodeIp(f, payload, (f.buffer.getByte(payload) & 0xF0) >>> 4) :
                    DecodeCounter.TRUNCATED_FRAME;
            }
            position += (tlvLength + 3) & ~3;
        }
        return DecodeCounter.NOT_IP;
    }
}
