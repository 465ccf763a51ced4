package io.flowtap.capture.codec;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Decodes a frame down to its TCP segment, in place: link layer (Ethernet with up to two VLAN tags, Linux cooked
 * v1/v2, BSD loopback, raw IP), IPv4 with options, IPv6 with its extension-header chain, and TCP.
 * <p>
 * Every frame ends in exactly one outcome, counted in {@link #counters()}: a TCP segment, or a named reason why
 * not. Lengths are validated here, once, against the captured bytes, so the flyweights never read outside the frame
 * and malformed input never throws. After {@link #decode} returns true the {@link #tcp()} flyweight and the
 * IP accessors describe the segment until the next call.
 * <p>
 * Not thread safe: one decoder per thread. Allocates nothing per frame.
 */
public final class PacketDecoder
{
    /** VLAN tags followed before a frame counts as an unsupported encapsulation: QinQ is two. */
    public static final int MAX_VLAN_TAGS = 2;
    /** IPv6 extension headers followed before the chain counts as bad. */
    public static final int MAX_IPV6_EXTENSION_HEADERS = 8;
    /** Returned by the VLAN accessors when there is no such tag. */
    public static final int NO_VLAN = -1;

    private static final int PPPOE_HEADER_LENGTH = 8;
    private static final byte PPPOE_VERSION_TYPE = 0x11;
    private static final int PPP_IPV4 = 0x0021;
    private static final int PPP_IPV6 = 0x0057;

    private static final int IPV6_FRAGMENT_OFFSET_MASK = 0xFFF8;
    private static final int IPV6_MORE_FRAGMENTS = 0x0001;
    private static final int AH_LENGTH_UNITS_SHIFT = 2;
    private static final int EXTENSION_LENGTH_UNITS_SHIFT = 3;
    private static final int SLL_PROTOCOL_LLC_MAX = 0x00FF;
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
    /** Type, length, pointer and one address. */
    private static final int IPV4_ROUTE_MIN_LENGTH = 3 + Ipv4Flyweight.ADDRESS_LENGTH;
    private static final int IPV6_ROUTING_TYPE_OFFSET = 2;
    private static final int IPV6_SEGMENTS_LEFT_OFFSET = 3;
    private static final int IPV6_ROUTING_ADDRESSES_OFFSET = 8;
    private static final int IPV6_ROUTING_TYPE_0 = 0;
    private static final int IPV6_ROUTING_TYPE_2 = 2;
    private static final int IPV6_ROUTING_TYPE_SEGMENT = 4;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final VlanTagFlyweight vlanTag = new VlanTagFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ipv6 = new Ipv6Flyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final DecodeCounters counters = new DecodeCounters();
    private final ChecksumMode checksumMode;
    private final boolean checksumDeferred;

    private DirectBuffer buffer;
    private int linkOffset;
    private int linkType;
    private int frameEnd;
    private boolean snapTruncated;
    private int frameChecksumStatus;
    private int outcomeOrdinal = DecodeCounter.FRAMES.ordinal();
    private int vlanCount;
    private int outerVlanId;
    private int innerVlanId;
    private int ipVersion;
    private int ipOffset;
    private int ipProtocol;
    private int finalDestinationOffset;
    private int checksumStatus;
    private int capturedLength;

    /**
     * A decoder that verifies checksums when the source has not ({@link ChecksumMode#AUTO}).
     */
    public PacketDecoder()
    {
        this(ChecksumMode.AUTO);
    }

    /**
     * @param checksumMode how TCP checksums are treated.
     */
    public PacketDecoder(final ChecksumMode checksumMode)
    {
        this(checksumMode, false);
    }

    /**
     * A decoder that may leave the checksum to another stage: a pipeline's poller decodes each frame once, and the
     * worker that reassembles it verifies the checksum when that is where it costs less ({@link #resolveChecksum}).
     *
     * @param checksumMode     how TCP checksums are treated.
     * @param checksumDeferred whether to leave every segment {@link TcpFlyweight#CHECKSUM_UNVERIFIED}, uncounted, for
     *                         {@link #resolveChecksum} to settle where the segment goes.
     */
    public PacketDecoder(final ChecksumMode checksumMode, final boolean checksumDeferred)
    {
        this.checksumMode = checksumMode;
        this.checksumDeferred = checksumDeferred;
    }

    /**
     * Decode a frame from a source.
     *
     * @param frame to decode.
     * @return true when the frame is a TCP segment; otherwise {@link #outcome()} says why not.
     */
    public boolean decode(final Frame frame)
    {
        return decode(
            frame.buffer(),
            frame.offset(),
            frame.capturedLength(),
            frame.isSnapTruncated(),
            frame.linkType(),
            frame.checksumStatus(),
            frame.vlanTci());
    }

    /**
     * Decode a frame given by its parts.
     *
     * @param buffer         holding the frame.
     * @param offset         of the link-layer header.
     * @param capturedLength bytes of the frame in the buffer.
     * @param snapTruncated  whether a snap length cut the frame (its IP lengths may then exceed what was captured).
     * @param linkType       one of {@link LinkType}'s constants.
     * @param frameChecksumStatus what the source knows of checksums, one of {@link Frame}'s CHECKSUM_ constants.
     * @param metadataVlanTci     a VLAN tag the capture stripped from the frame, or {@link Frame#NO_VLAN_TCI}.
     * @return true when the frame is a TCP segment; otherwise {@link #outcome()} says why not.
     */
    public boolean decode(
        final DirectBuffer buffer,
        final int offset,
        final int capturedLength,
        final boolean snapTruncated,
        final int linkType,
        final int frameChecksumStatus,
        final int metadataVlanTci)
    {
        if (this.buffer != buffer)
        {
            this.buffer = buffer;
        }
        this.linkOffset = offset;
        this.linkType = linkType;
        this.outerVlanId = metadataVlanTci == Frame.NO_VLAN_TCI ? NO_VLAN : metadataVlanTci & 0x0FFF;
        this.vlanCount = outerVlanId == NO_VLAN ? 0 : 1;
        this.frameEnd = offset + capturedLength;
        this.capturedLength = capturedLength;
        this.snapTruncated = snapTruncated;
        this.frameChecksumStatus = frameChecksumStatus;
        this.innerVlanId = NO_VLAN;
        this.ipVersion = 0;
        this.ipProtocol = -1;
        this.checksumStatus = TcpFlyweight.CHECKSUM_UNVERIFIED;

        final DecodeCounter result = decodeLink(offset, capturedLength, linkType);
        outcomeOrdinal = result.ordinal();
        counters.increment(result);
        if (vlanCount > 0)
        {
            counters.increment(DecodeCounter.VLAN_TAGGED);
        }
        return result == DecodeCounter.TCP_SEGMENT;
    }

    /**
     * Describe a segment another decoder has already decoded, from what it found ({@link #ipOffset()},
     * {@link #destinationAddressOffset()}, the TCP header's offset and length, the VLAN tags, the checksum verdict),
     * without reading the headers again: the pipeline decodes each frame once, in its poller, and hands these on. No
     * counter moves. Afterwards the accessors and flyweights describe the segment as {@link #decode} would have.
     *
     * @param buffer             holding the frame.
     * @param offset             of the frame's link-layer header.
     * @param capturedLength     bytes of the frame in the buffer.
     * @param linkType           one of {@link LinkType}'s constants.
     * @param ipVersion          4 or 6.
     * @param ipOffset           of the IP header that carries the segment.
     * @param destinationOffset  of the final destination address.
     * @param tcpOffset          of the TCP header.
     * @param segmentLength      TCP header plus payload as the IP header states it.
     * @param vlanCount          VLAN tags found, metadata tag included.
     * @param outerVlanId        outermost VLAN id, or {@link #NO_VLAN}.
     * @param innerVlanId        second VLAN id, or {@link #NO_VLAN}.
     * @param checksumStatus     one of {@link TcpFlyweight}'s CHECKSUM_ constants.
     * @return this decoder.
     */
    public PacketDecoder wrapDecoded(
        final DirectBuffer buffer,
        final int offset,
        final int capturedLength,
        final int linkType,
        final int ipVersion,
        final int ipOffset,
        final int destinationOffset,
        final int tcpOffset,
        final int segmentLength,
        final int vlanCount,
        final int outerVlanId,
        final int innerVlanId,
        final int checksumStatus)
    {
        if (this.buffer != buffer)
        {
            this.buffer = buffer;
        }
        this.linkOffset = offset;
        this.linkType = linkType;
        this.frameEnd = offset + capturedLength;
        this.capturedLength = capturedLength;
        this.ipVersion = ipVersion;
        this.ipOffset = ipOffset;
        this.ipProtocol = IpProtocol.TCP;
        this.finalDestinationOffset = destinationOffset;
        this.vlanCount = vlanCount;
        this.outerVlanId = outerVlanId;
        this.innerVlanId = innerVlanId;
        this.checksumStatus = checksumStatus;
        this.outcomeOrdinal = DecodeCounter.TCP_SEGMENT.ordinal();
        if (ipVersion == 6)
        {
            ipv6.wrap(buffer, ipOffset);
        }
        else
        {
            ipv4.wrap(buffer, ipOffset);
        }
        tcp.wrap(buffer, tcpOffset, segmentLength, Math.min(segmentLength, frameEnd - tcpOffset),
            sourceAddressOffset(), destinationOffset, addressLength());
        return this;
    }

    /**
     * Settle the checksum of the segment described last, as {@link #decode} would have with this decoder's mode, and
     * count the verdict: for a segment whose decoder deferred it.
     *
     * @param frameChecksumStatus what the source knew of the frame's checksums, one of {@link Frame}'s CHECKSUM_
     *                            constants.
     * @return one of {@link TcpFlyweight}'s CHECKSUM_ constants, also what {@link #checksumStatus()} returns now.
     */
    public int resolveChecksum(final int frameChecksumStatus)
    {
        this.frameChecksumStatus = frameChecksumStatus;
        checksumStatus = checksumStatusOfSegment();
        countChecksum(checksumStatus);
        return checksumStatus;
    }

    /**
     * @return whether this decoder leaves checksums to {@link #resolveChecksum}.
     */
    public boolean isChecksumDeferred()
    {
        return checksumDeferred;
    }

    /**
     * @return what the source said of the last frame's checksums, one of {@link Frame}'s CHECKSUM_ constants.
     */
    public int frameChecksumStatus()
    {
        return frameChecksumStatus;
    }

    /**
     * @return bytes of the last frame in the buffer.
     */
    public int capturedLength()
    {
        return capturedLength;
    }

    /**
     * @return what the last frame came to: {@link DecodeCounter#TCP_SEGMENT} or a drop reason.
     */
    public DecodeCounter outcome()
    {
        return DecodeCounter.get(outcomeOrdinal);
    }

    /**
     * @return the counters of every frame decoded so far.
     */
    public DecodeCounters counters()
    {
        return counters;
    }

    /**
     * @return the checksum mode.
     */
    public ChecksumMode checksumMode()
    {
        return checksumMode;
    }

    /**
     * @return offset in {@link #buffer()} of the last frame's link-layer header (its Ethernet header, for instance),
     * for a caller that answers the frame on the same link (an active-response RST).
     */
    public int linkOffset()
    {
        return linkOffset;
    }

    /**
     * @return the last frame's {@link LinkType}.
     */
    public int linkType()
    {
        return linkType;
    }

    /**
     * @return the decoded TCP segment; valid after {@link #decode} returned true.
     */
    public TcpFlyweight tcp()
    {
        return tcp;
    }

    /**
     * @return the IPv4 header; valid when {@link #ipVersion()} is 4.
     */
    public Ipv4Flyweight ipv4()
    {
        return ipv4;
    }

    /**
     * @return the IPv6 header; valid when {@link #ipVersion()} is 6.
     */
    public Ipv6Flyweight ipv6()
    {
        return ipv6;
    }

    /**
     * @return 4 or 6 once an IP header was found in the last frame, else 0.
     */
    public int ipVersion()
    {
        return ipVersion;
    }

    /**
     * @return offset of the IP header of the last frame, or -1.
     */
    public int ipOffset()
    {
        return ipVersion == 0 ? -1 : ipOffset;
    }

    /**
     * @return the upper-layer protocol of the last IP packet (after IPv6 extension headers), or -1.
     */
    public int ipProtocol()
    {
        return ipProtocol;
    }

    /**
     * @return offset of the source address; the destination address follows it.
     */
    public int sourceAddressOffset()
    {
        return ipVersion == 6 ? ipv6.sourceAddressOffset() : ipOffset + Ipv4Flyweight.SOURCE_ADDRESS_OFFSET;
    }

    /**
     * @return offset of the address the packet is finally for: the header's destination, or the last hop of a
     * source route still under way (IPv4 LSRR/SSRR, IPv6 routing header), as the TCP pseudo-header and tshark use.
     */
    public int destinationAddressOffset()
    {
        return finalDestinationOffset;
    }

    /**
     * @return offset of the destination address field of the IP header, the next hop when a source route is under way.
     */
    public int headerDestinationAddressOffset()
    {
        return sourceAddressOffset() + addressLength();
    }

    /**
     * @return 4 for IPv4, 16 for IPv6.
     */
    public int addressLength()
    {
        return ipVersion == 6 ? Ipv6Flyweight.ADDRESS_LENGTH : Ipv4Flyweight.ADDRESS_LENGTH;
    }

    /**
     * @return the buffer of the last frame.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return number of VLAN tags on the last frame, metadata tag included.
     */
    public int vlanCount()
    {
        return vlanCount;
    }

    /**
     * @return the outermost VLAN id of the last frame, or {@link #NO_VLAN}.
     */
    public int outerVlanId()
    {
        return outerVlanId;
    }

    /**
     * @return the second VLAN id (QinQ's customer tag) of the last frame, or {@link #NO_VLAN}.
     */
    public int innerVlanId()
    {
        return innerVlanId;
    }

    /**
     * @return the checksum status of the last segment: one of {@link TcpFlyweight}'s CHECKSUM_ constants.
     */
    public int checksumStatus()
    {
        return checksumStatus;
    }

    private DecodeCounter decodeLink(final int offset, final int length, final int linkType)
    {
        switch (linkType)
        {
            case LinkType.ETHERNET:
                if (length < EthernetFlyweight.HEADER_LENGTH)
                {
                    return DecodeCounter.TRUNCATED_FRAME;
                }
                ethernet.wrap(buffer, offset);
                return decodeEtherType(offset + EthernetFlyweight.HEADER_LENGTH, ethernet.etherType());

            case LinkType.LINUX_SLL:
                if (length < LinuxCookedDescriptor.SLL_HEADER_LENGTH)
                {
                    return DecodeCounter.TRUNCATED_FRAME;
                }
                return decodeCookedProtocol(
                    offset + LinuxCookedDescriptor.SLL_HEADER_LENGTH,
                    buffer.getShort(offset + LinuxCookedDescriptor.SLL_PROTOCOL_OFFSET, BIG_ENDIAN) & 0xFFFF);

            case LinkType.LINUX_SLL2:
                if (length < LinuxCookedDescriptor.SLL2_HEADER_LENGTH)
                {
                    return DecodeCounter.TRUNCATED_FRAME;
                }
                return decodeCookedProtocol(
                    offset + LinuxCookedDescriptor.SLL2_HEADER_LENGTH,
                    buffer.getShort(offset + LinuxCookedDescriptor.SLL2_PROTOCOL_OFFSET, BIG_ENDIAN) & 0xFFFF);

            case LinkType.NULL:
            case LinkType.LOOP:
                return decodeLoopback(offset, length, linkType);

            case LinkType.RAW:
            case LinkType.RAW_DLT_12:
            case LinkType.RAW_DLT_14:
                if (length < 1)
                {
                    return DecodeCounter.TRUNCATED_FRAME;
                }
                return decodeIp(offset, (buffer.getByte(offset) & 0xF0) >>> 4);

            case LinkType.IPV4:
                return decodeIp(offset, 4);

            case LinkType.IPV6:
                return decodeIp(offset, 6);

            default:
                return DecodeCounter.UNSUPPORTED_LINK_TYPE;
        }
    }

    private DecodeCounter decodeLoopback(final int offset, final int length, final int linkType)
    {
        if (length < LoopbackDescriptor.HEADER_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        int family;
        if (linkType == LinkType.LOOP)
        {
            family = buffer.getInt(offset, BIG_ENDIAN);
        }
        else
        {
            // LINKTYPE_NULL is in the writer's byte order, which the file does not record: families are small, so
            // a value with high bits set was written the other way round.
            family = buffer.getInt(offset, LITTLE_ENDIAN);
            if ((family & 0xFFFF_0000) != 0)
            {
                family = Integer.reverseBytes(family);
            }
        }
        final int ipOffset = offset + LoopbackDescriptor.HEADER_LENGTH;
        if (family == LoopbackDescriptor.AF_INET)
        {
            return decodeIp(ipOffset, 4);
        }
        if (LoopbackDescriptor.isInet6(family))
        {
            return decodeIp(ipOffset, 6);
        }
        return DecodeCounter.NOT_IP;
    }

    private DecodeCounter decodeCookedProtocol(final int offset, final int protocol)
    {
        // Values below 0x0100 are Linux's pseudo protocols (802.2 LLC, Novell 802.3, CAN ...), never IP.
        if (protocol <= SLL_PROTOCOL_LLC_MAX)
        {
            return DecodeCounter.NOT_IP;
        }
        return decodeEtherType(offset, protocol);
    }

    private DecodeCounter decodeEtherType(final int payloadOffset, final int firstEtherType)
    {
        int offset = payloadOffset;
        int etherType = firstEtherType;
        while (EtherType.isVlanTag(etherType))
        {
            if (vlanCount == MAX_VLAN_TAGS)
            {
                return DecodeCounter.UNSUPPORTED_ENCAPSULATION;
            }
            if (offset + VlanTagFlyweight.LENGTH > frameEnd)
            {
                return DecodeCounter.TRUNCATED_FRAME;
            }
            vlanTag.wrap(buffer, offset);
            if (vlanCount == 0)
            {
                outerVlanId = vlanTag.vlanId();
            }
            else
            {
                innerVlanId = vlanTag.vlanId();
            }
            vlanCount++;
            etherType = vlanTag.etherType();
            offset += VlanTagFlyweight.LENGTH;
        }

        if (etherType == EtherType.IPV4)
        {
            return decodeIp(offset, 4);
        }
        if (etherType == EtherType.IPV6)
        {
            return decodeIp(offset, 6);
        }
        if (etherType == EtherType.PPPOE_SESSION)
        {
            return decodePppoe(offset);
        }
        if (EtherType.isUnsupportedEncapsulation(etherType))
        {
            return DecodeCounter.UNSUPPORTED_ENCAPSULATION;
        }
        return DecodeCounter.NOT_IP;
    }

    /**
     * PPPoE session data (RFC 2516): version/type, code 0, session id and length, then the PPP protocol field (one or
     * two bytes). Only IPv4 and IPv6 inside are opened; PPP control traffic is not IP.
     */
    private DecodeCounter decodePppoe(final int offset)
    {
        if (offset + PPPOE_HEADER_LENGTH > frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        if (buffer.getByte(offset) != PPPOE_VERSION_TYPE || buffer.getByte(offset + 1) != 0)
        {
            return DecodeCounter.UNSUPPORTED_ENCAPSULATION;
        }
        final int protocolOffset = offset + PPPOE_HEADER_LENGTH - 2;
        final int firstByte = buffer.getByte(protocolOffset) & 0xFF;
        // Protocol-field compression (RFC 1661 6.5): an odd first byte is the whole, one-byte protocol.
        final boolean compressed = (firstByte & 1) == 1;
        final int pppProtocol = compressed ? firstByte : buffer.getShort(protocolOffset, BIG_ENDIAN) & 0xFFFF;
        final int ipOffset = protocolOffset + (compressed ? 1 : 2);
        if (pppProtocol == PPP_IPV4)
        {
            return decodeIp(ipOffset, 4);
        }
        if (pppProtocol == PPP_IPV6)
        {
            return decodeIp(ipOffset, 6);
        }
        return DecodeCounter.NOT_IP;
    }

    private DecodeCounter decodeIp(final int offset, final int expectedVersion)
    {
        if (expectedVersion == 4)
        {
            return decodeIpv4(offset);
        }
        if (expectedVersion == 6)
        {
            return decodeIpv6(offset);
        }
        return DecodeCounter.BAD_IP_VERSION;
    }

    private DecodeCounter decodeIpv4(final int offset)
    {
        final int available = frameEnd - offset;
        if (available < Ipv4Flyweight.MIN_HEADER_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        ipv4.wrap(buffer, offset);
        if (ipv4.version() != 4)
        {
            return DecodeCounter.BAD_IP_VERSION;
        }
        ipVersion = 4;
        ipOffset = offset;

        final int headerLength = ipv4.headerLength();
        if (headerLength < Ipv4Flyweight.MIN_HEADER_LENGTH)
        {
            return DecodeCounter.BAD_IP_HEADER_LENGTH;
        }
        if (headerLength > available)
        {
            return snapTruncated ? DecodeCounter.TRUNCATED_FRAME : DecodeCounter.BAD_IP_HEADER_LENGTH;
        }

        int totalLength = ipv4.totalLength();
        if (totalLength == 0)
        {
            // Captured on the sending host before segmentation offload filled the length in: take the frame's.
            totalLength = available;
        }
        if (totalLength < headerLength)
        {
            return DecodeCounter.BAD_IP_LENGTH;
        }
        if (totalLength > available && !snapTruncated)
        {
            return DecodeCounter.BAD_IP_LENGTH;
        }

        finalDestinationOffset = offset + Ipv4Flyweight.DESTINATION_ADDRESS_OFFSET;
        if (headerLength > Ipv4Flyweight.MIN_HEADER_LENGTH &&
            !checkIpv4Options(ipv4.optionsOffset(), offset + headerLength))
        {
            return DecodeCounter.BAD_IP_OPTIONS;
        }

        ipProtocol = ipv4.protocol();
        if (ipv4.isFragment())
        {
            return DecodeCounter.IP_FRAGMENT;
        }
        return decodeTransport(offset + headerLength, offset + totalLength, ipProtocol);
    }

    private DecodeCounter decodeIpv6(final int offset)
    {
        final int available = frameEnd - offset;
        if (available < Ipv6Flyweight.HEADER_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        ipv6.wrap(buffer, offset);
        if (ipv6.version() != 6)
        {
            return DecodeCounter.BAD_IP_VERSION;
        }
        ipVersion = 6;
        ipOffset = offset;
        finalDestinationOffset = ipv6.destinationAddressOffset();

        int payloadLength = ipv6.payloadLength();
        if (payloadLength == 0)
        {
            // A jumbogram or a segmentation-offload capture: the frame holds the payload.
            payloadLength = available - Ipv6Flyweight.HEADER_LENGTH;
        }
        final int packetEnd = offset + Ipv6Flyweight.HEADER_LENGTH + payloadLength;
        if (packetEnd > frameEnd && !snapTruncated)
        {
            return DecodeCounter.BAD_IP_LENGTH;
        }
        final int nextHeader = ipv6.nextHeader();
        final int payloadOffset = offset + Ipv6Flyweight.HEADER_LENGTH;
        if (nextHeader == IpProtocol.TCP)
        {
            // Most packets have no extension headers: keep this path small enough for the JIT to inline.
            ipProtocol = IpProtocol.TCP;
            return decodeTransport(payloadOffset, packetEnd, IpProtocol.TCP);
        }
        return decodeIpv6ExtensionHeaders(payloadOffset, packetEnd, nextHeader);
    }

    private DecodeCounter decodeIpv6ExtensionHeaders(final int firstOffset, final int packetEnd, final int firstHeader)
    {
        // Headers must be within both what the packet claims and what was captured.
        final int headersEnd = Math.min(packetEnd, frameEnd);

        int nextHeader = firstHeader;
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
                    ipProtocol = nextHeader;
                    return decodeTransport(position, packetEnd, nextHeader);
            }

            if (headers == MAX_IPV6_EXTENSION_HEADERS)
            {
                return DecodeCounter.BAD_IPV6_EXTENSION_HEADER;
            }
            if (position + 2 > headersEnd)
            {
                return headerCutShort(position + 2, packetEnd, DecodeCounter.BAD_IPV6_EXTENSION_HEADER);
            }

            final int headerLength;
            if (nextHeader == IpProtocol.FRAGMENT)
            {
                headerLength = Ipv6Flyweight.FRAGMENT_HEADER_LENGTH;
            }
            else if (nextHeader == IpProtocol.AH)
            {
                headerLength = ((buffer.getByte(position + Ipv6Flyweight.EXTENSION_LENGTH_OFFSET) & 0xFF) + 2)
                    << AH_LENGTH_UNITS_SHIFT;
            }
            else
            {
                headerLength = ((buffer.getByte(position + Ipv6Flyweight.EXTENSION_LENGTH_OFFSET) & 0xFF) + 1)
                    << EXTENSION_LENGTH_UNITS_SHIFT;
            }
            if (position + headerLength > headersEnd)
            {
                return headerCutShort(position + headerLength, packetEnd, DecodeCounter.BAD_IPV6_EXTENSION_HEADER);
            }

            if (nextHeader == IpProtocol.ROUTING)
            {
                findIpv6RoutingDestination(position, headerLength);
            }
            else if (nextHeader == IpProtocol.FRAGMENT)
            {
                final int offsetAndFlags = buffer.getShort(
                    position + Ipv6Flyweight.FRAGMENT_OFFSET_FLAGS_OFFSET, BIG_ENDIAN) & 0xFFFF;
                // An atomic fragment (offset 0, no more fragments) is a whole packet and decodes on.
                if ((offsetAndFlags & (IPV6_FRAGMENT_OFFSET_MASK | IPV6_MORE_FRAGMENTS)) != 0)
                {
                    ipProtocol = buffer.getByte(position + Ipv6Flyweight.EXTENSION_NEXT_HEADER_OFFSET) & 0xFF;
                    return DecodeCounter.IP_FRAGMENT;
                }
            }
            nextHeader = buffer.getByte(position + Ipv6Flyweight.EXTENSION_NEXT_HEADER_OFFSET) & 0xFF;
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
    private boolean checkIpv4Options(final int optionsOffset, final int optionsEnd)
    {
        int position = optionsOffset;
        while (position < optionsEnd)
        {
            final int kind = buffer.getByte(position) & 0xFF;
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
            final int length = buffer.getByte(position + 1) & 0xFF;
            if (length < 2 || position + length > optionsEnd || !isValidIpv4OptionLength(kind, length))
            {
                return false;
            }
            if (kind == IPV4_OPTION_LSRR || kind == IPV4_OPTION_SSRR)
            {
                final int pointer = buffer.getByte(position + 2) & 0xFF;
                if (pointer <= length - Ipv4Flyweight.ADDRESS_LENGTH + 1 && length >= IPV4_ROUTE_MIN_LENGTH)
                {
                    finalDestinationOffset = position + length - Ipv4Flyweight.ADDRESS_LENGTH;
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
    private void findIpv6RoutingDestination(final int headerOffset, final int headerLength)
    {
        final int routingType = buffer.getByte(headerOffset + IPV6_ROUTING_TYPE_OFFSET) & 0xFF;
        final int segmentsLeft = buffer.getByte(headerOffset + IPV6_SEGMENTS_LEFT_OFFSET) & 0xFF;
        if (segmentsLeft == 0 || headerLength < IPV6_ROUTING_ADDRESSES_OFFSET + Ipv6Flyweight.ADDRESS_LENGTH)
        {
            return;
        }
        if (routingType == IPV6_ROUTING_TYPE_0 || routingType == IPV6_ROUTING_TYPE_2)
        {
            finalDestinationOffset = headerOffset + headerLength - Ipv6Flyweight.ADDRESS_LENGTH;
        }
        else if (routingType == IPV6_ROUTING_TYPE_SEGMENT)
        {
            finalDestinationOffset = headerOffset + IPV6_ROUTING_ADDRESSES_OFFSET;
        }
    }

    /**
     * IPsec AH in IPv4 (RFC 4302): authenticated, not encrypted, so what it protects decodes on. IPv6 meets AH in
     * its extension-header chain instead.
     */
    private DecodeCounter decodeIpv4AuthenticationHeader(final int offset, final int packetEnd)
    {
        final int headersEnd = Math.min(packetEnd, frameEnd);
        if (offset + 2 > headersEnd)
        {
            return headerCutShort(offset + 2, packetEnd, DecodeCounter.BAD_IP_LENGTH);
        }
        final int length = ((buffer.getByte(offset + Ipv6Flyweight.EXTENSION_LENGTH_OFFSET) & 0xFF) + 2)
            << AH_LENGTH_UNITS_SHIFT;
        if (offset + length > headersEnd)
        {
            return headerCutShort(offset + length, packetEnd, DecodeCounter.BAD_IP_LENGTH);
        }
        final int nextProtocol = buffer.getByte(offset + Ipv6Flyweight.EXTENSION_NEXT_HEADER_OFFSET) & 0xFF;
        if (nextProtocol == IpProtocol.AH)
        {
            // One AH per packet is all RFC 4302 allows; a chain of them is a loop an attacker could lengthen.
            return DecodeCounter.BAD_IP_LENGTH;
        }
        ipProtocol = nextProtocol;
        return decodeTransport(offset + length, packetEnd, nextProtocol);
    }

    /**
     * A header that does not fit: cut by the snap length if the packet really is longer than what was captured,
     * otherwise the packet is lying about its own structure.
     */
    private DecodeCounter headerCutShort(final int headerEnd, final int packetEnd, final DecodeCounter malformed)
    {
        return headerEnd <= packetEnd && headerEnd > frameEnd ? DecodeCounter.TRUNCATED_FRAME : malformed;
    }

    private DecodeCounter decodeTransport(final int offset, final int packetEnd, final int protocol)
    {
        if (protocol == IpProtocol.AH && ipVersion == 4)
        {
            return decodeIpv4AuthenticationHeader(offset, packetEnd);
        }
        if (protocol != IpProtocol.TCP)
        {
            return IpProtocol.isTunnel(protocol) ? DecodeCounter.TUNNEL : DecodeCounter.NOT_TCP;
        }

        final int segmentLength = packetEnd - offset;
        final int capturedLength = Math.min(packetEnd, frameEnd) - offset;
        if (segmentLength < TcpFlyweight.MIN_HEADER_LENGTH)
        {
            return DecodeCounter.BAD_IP_LENGTH;
        }
        if (capturedLength < TcpFlyweight.MIN_HEADER_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }

        tcp.wrap(buffer, offset, segmentLength, capturedLength, sourceAddressOffset(), finalDestinationOffset,
            addressLength());
        final int headerLength = tcp.hdrLen();
        if (headerLength < TcpFlyweight.MIN_HEADER_LENGTH || headerLength > segmentLength)
        {
            return DecodeCounter.BAD_TCP_DATA_OFFSET;
        }
        if (headerLength > capturedLength)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }

        if (capturedLength < segmentLength)
        {
            counters.increment(DecodeCounter.TCP_PAYLOAD_TRUNCATED);
        }
        if (!checksumDeferred)
        {
            checksumStatus = checksumStatusOfSegment();
            countChecksum(checksumStatus);
        }
        return DecodeCounter.TCP_SEGMENT;
    }

    private void countChecksum(final int status)
    {
        if (status == TcpFlyweight.CHECKSUM_BAD)
        {
            counters.increment(DecodeCounter.TCP_CHECKSUM_BAD);
        }
        else if (status == TcpFlyweight.CHECKSUM_UNVERIFIED)
        {
            counters.increment(DecodeCounter.TCP_CHECKSUM_UNVERIFIED);
        }
    }

    private int checksumStatusOfSegment()
    {
        if (checksumMode == ChecksumMode.OFF || !tcp.isComplete())
        {
            return TcpFlyweight.CHECKSUM_UNVERIFIED;
        }
        if (checksumMode == ChecksumMode.AUTO)
        {
            if (frameChecksumStatus == Frame.CHECKSUM_VALID)
            {
                return TcpFlyweight.CHECKSUM_GOOD;
            }
            if (frameChecksumStatus == Frame.CHECKSUM_NOT_READY)
            {
                return TcpFlyweight.CHECKSUM_UNVERIFIED;
            }
        }
        return tcp.verifyChecksum() ? TcpFlyweight.CHECKSUM_GOOD : TcpFlyweight.CHECKSUM_BAD;
    }
}
