package io.flowtap.capture.codec;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Decodes a frame down to its TCP segment, in place, as sensors receive traffic: the link layer (Ethernet with up
 * to three VLAN tags, VN-Tag, E-Tag or FabricPath; Linux cooked v1/v2; BSD loopback; raw IP; PPP and Cisco HDLC;
 * 802.11 data frames with or without radiotap or PPI; NFLOG), tunnels opened one inside the other up to a bounded
 * depth (VXLAN, Geneve, GRE with its optional fields and transparent Ethernet bridging, ERSPAN types I to III, IP in
 * IP, GRE and MPLS in UDP, MPLS label stacks, PPPoE, PPTP's enhanced GRE, WCCP, GTP-U, Teredo, AYIYA), IPv4 with
 * options, IPv6 with its extension-header chain, and TCP.
 * <p>
 * The segment described is the innermost one: its IP headers and TCP header are what the accessors give, while the
 * outer layers are summed up by {@link #tunnelDepth()}, {@link #tunnelType()}, {@link #tunnelId()} and the outer
 * addresses of the innermost tunnel. A decoder made from a {@link DecoderContext} also reassembles IP fragments
 * ({@link IpDefragmenter}: the frame that completes a datagram decodes as the whole datagram, in a buffer of the
 * reassembler's, see {@link #isReassembled()}) and may drop the second copy of a packet ({@link DuplicateFilter}).
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
    /** VLAN tags followed before a frame counts as an unsupported encapsulation: QinQinQ is three. */
    public static final int MAX_VLAN_TAGS = 3;
    /** IPv6 extension headers followed before the chain counts as bad. */
    public static final int MAX_IPV6_EXTENSION_HEADERS = 8;
    /** MPLS labels followed before the stack counts as a bad tunnel. */
    public static final int MAX_MPLS_LABELS = 8;
    /** Returned by the VLAN accessors when there is no such tag. */
    public static final int NO_VLAN = -1;
    /** GTP-U's port. */
    public static final int GTP_U_PORT = 2152;
    /** Teredo's port. */
    public static final int TEREDO_PORT = 3544;
    /** AYIYA's port. */
    public static final int AYIYA_PORT = 5072;
    /** GRE in UDP (RFC 8086). */
    public static final int GRE_UDP_PORT = 4754;
    /** MPLS in UDP (RFC 7510). */
    public static final int MPLS_UDP_PORT = 6635;

    private static final int PPPOE_HEADER_LENGTH = 6;
    private static final byte PPPOE_VERSION_TYPE = 0x11;
    private static final int PPP_IPV4 = 0x0021;
    private static final int PPP_IPV6 = 0x0057;
    private static final int PPP_MPLS_UNICAST = 0x0281;
    private static final int PPP_MPLS_MULTICAST = 0x0283;
    private static final int HDLC_ADDRESS_CONTROL = 0xFF03;
    private static final int C_HDLC_HEADER_LENGTH = 4;

    private static final int IPV6_FRAGMENT_OFFSET_MASK = 0xFFF8;
    private static final int IPV6_MORE_FRAGMENTS = 0x0001;
    private static final int IPV4_FRAGMENT_OFFSET_MASK = 0x1FFF;
    private static final int IPV4_MORE_FRAGMENTS = 0x2000;
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

    private static final int UDP_HEADER_LENGTH = 8;
    private static final int VXLAN_HEADER_LENGTH = 8;
    private static final int VXLAN_FLAG_VNI = 0x08;
    private static final int GENEVE_HEADER_LENGTH = 8;
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
    private static final int MPLS_BOTTOM_OF_STACK = 0x100;
    private static final int MPLS_CONTROL_WORD_LENGTH = 4;
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
    private static final int FABRICPATH_HEADER_LENGTH = 16;
    private static final int VN_TAG_LENGTH = 6;
    private static final int E_TAG_LENGTH = 8;
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

    private static final int UDP_NONE = 0;
    private static final int UDP_VXLAN = 1;
    private static final int UDP_GENEVE = 2;
    private static final int UDP_GTP = 3;
    private static final int UDP_TEREDO = 4;
    private static final int UDP_AYIYA = 5;
    private static final int UDP_GRE = 6;
    private static final int UDP_MPLS = 7;
    private static final int MAX_REASSEMBLIES = 2;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final VlanTagFlyweight vlanTag = new VlanTagFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ipv6 = new Ipv6Flyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final DecodeCounters counters;
    private final ChecksumMode checksumMode;
    private final boolean checksumDeferred;
    /** By UDP port: the low nibble the tunnel a destination port carries, the high one what either port does. */
    private final byte[] udpTunnels = new byte[0x1_0000];
    private final int maxTunnelDepth;
    private final IpDefragmenter defragmenter;
    private final DuplicateFilter duplicates;

    private DirectBuffer buffer;
    private int linkOffset;
    private int linkType;
    private int frameEnd;
    private int captureEnd;
    private boolean snapTruncated;
    private int frameChecksumStatus;
    private int metadataVlanTci = Frame.NO_VLAN_TCI;
    private long timeNs;
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
    private int tunnelDepth;
    private int tunnelType;
    private int tunnelId;
    private boolean tunnelHasId;
    private int tunnelOuterIpOffset = -1;
    private int tunnelOuterIpVersion;
    private boolean encapsulated;
    private boolean reassembled;
    private int reassemblies;
    private int factsFrom;

    /**
     * A decoder that verifies checksums when the source has not ({@link ChecksumMode#AUTO}), opens tunnels with the
     * default ports and depth, and decodes each frame on its own (no fragment reassembly, no duplicate filter).
     */
    public PacketDecoder()
    {
        this(ChecksumMode.AUTO);
    }

    /**
     * A decoder that opens tunnels with the default ports and depth and decodes each frame on its own.
     *
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
        this(new DecoderContext().checksumMode(checksumMode).defragment(false), checksumDeferred);
    }

    /**
     * A decoder as a sensor's configuration asks: tunnel ports and depth, fragment reassembly, duplicate suppression.
     *
     * @param context          the configuration; concluded here if it was not.
     * @param checksumDeferred whether to leave checksums to {@link #resolveChecksum}.
     */
    public PacketDecoder(final DecoderContext context, final boolean checksumDeferred)
    {
        this(context, checksumDeferred, new DecodeCounters());
    }

    /**
     * A decoder as a sensor's configuration asks, counting into counters given (a poller's, in the counters file).
     *
     * @param context          the configuration; concluded here if it was not.
     * @param checksumDeferred whether to leave checksums to {@link #resolveChecksum}.
     * @param counters         where every frame's outcome is counted, by this decoder's thread only.
     */
    public PacketDecoder(final DecoderContext context, final boolean checksumDeferred, final DecodeCounters counters)
    {
        context.conclude();
        this.counters = counters;
        this.checksumMode = context.checksumMode();
        this.checksumDeferred = checksumDeferred;
        this.maxTunnelDepth = context.tunnelDepth();
        this.defragmenter = context.defragment() ? new IpDefragmenter(context, counters) : null;
        this.duplicates = context.dedupWindowNs() > 0 ?
            new DuplicateFilter(context.dedupWindowNs(), context.dedupSlots()) : null;
        for (final int port : context.vxlanPorts())
        {
            udpTunnels[port] = UDP_VXLAN;
        }
        for (final int port : context.genevePorts())
        {
            udpTunnels[port] = UDP_GENEVE;
        }
        udpTunnel(GRE_UDP_PORT, UDP_GRE, false);
        udpTunnel(MPLS_UDP_PORT, UDP_MPLS, false);
        udpTunnel(GTP_U_PORT, UDP_GTP, true);
        udpTunnel(TEREDO_PORT, UDP_TEREDO, true);
        udpTunnel(AYIYA_PORT, UDP_AYIYA, true);
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
            frame.vlanTci(),
            frame.timestampNs());
    }

    /**
     * Decode a frame given by its parts, without a time (fragments reassembled this way never time out, and the
     * duplicate filter sees every copy at time 0).
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
        return decode(buffer, offset, capturedLength, snapTruncated, linkType, frameChecksumStatus, metadataVlanTci,
            0);
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
     * @param timeNs         capture time, for fragment timeouts and the duplicate window.
     * @return true when the frame is a TCP segment; otherwise {@link #outcome()} says why not.
     */
    public boolean decode(
        final DirectBuffer buffer,
        final int offset,
        final int capturedLength,
        final boolean snapTruncated,
        final int linkType,
        final int frameChecksumStatus,
        final int metadataVlanTci,
        final long timeNs)
    {
        if (this.buffer != buffer)
        {
            this.buffer = buffer;
        }
        this.linkOffset = offset;
        this.linkType = linkType;
        this.metadataVlanTci = metadataVlanTci;
        this.frameEnd = offset + capturedLength;
        this.captureEnd = frameEnd;
        this.capturedLength = capturedLength;
        this.snapTruncated = snapTruncated;
        this.frameChecksumStatus = frameChecksumStatus;
        this.timeNs = timeNs;
        this.reassembled = false;
        this.reassemblies = 0;
        this.factsFrom = 0;
        resetLayers();

        final DecodeCounter result = decodeLink(offset, capturedLength, linkType);
        outcomeOrdinal = result.ordinal();
        counters.increment(result);
        if (vlanCount > 0)
        {
            counters.increment(DecodeCounter.VLAN_TAGGED);
        }
        return result == DecodeCounter.TCP_SEGMENT;
    }

    private void resetLayers()
    {
        outerVlanId = metadataVlanTci == Frame.NO_VLAN_TCI ? NO_VLAN : metadataVlanTci & 0x0FFF;
        vlanCount = outerVlanId == NO_VLAN ? 0 : 1;
        innerVlanId = NO_VLAN;
        ipVersion = 0;
        ipProtocol = -1;
        checksumStatus = TcpFlyweight.CHECKSUM_UNVERIFIED;
        if (tunnelDepth != 0 || encapsulated)
        {
            tunnelDepth = 0;
            tunnelType = TunnelType.NONE;
            tunnelId = 0;
            tunnelHasId = false;
            tunnelOuterIpOffset = -1;
            tunnelOuterIpVersion = 0;
            encapsulated = false;
        }
    }

    /**
     * Describe a segment another decoder has already decoded, from what it found ({@link #ipOffset()},
     * {@link #destinationAddressOffset()}, the TCP header's offset, the VLAN tags, the checksum verdict, the tunnel),
     * without decoding the frame again: the pipeline decodes each frame once, in its poller, and hands these on. The
     * IP version and the segment's length are read from the IP header, which the poller validated. No counter
     * moves. Afterwards the accessors and flyweights describe the segment as {@link #decode} would have.
     *
     * @param buffer             holding the frame.
     * @param offset             of the frame's link-layer header.
     * @param capturedLength     bytes of the frame in the buffer.
     * @param linkType           one of {@link LinkType}'s constants.
     * @param ipOffset           of the IP header that carries the segment.
     * @param destinationOffset  of the final destination address.
     * @param tcpOffset          of the TCP header.
     * @param vlanCount          VLAN tags found, metadata tag included.
     * @param outerVlanId        outermost VLAN id, or {@link #NO_VLAN}.
     * @param innerVlanId        second VLAN id, or {@link #NO_VLAN}.
     * @param checksumStatus     one of {@link TcpFlyweight}'s CHECKSUM_ constants.
     * @param tunnelType         one of {@link TunnelType}'s constants.
     * @param tunnelId           the tunnel's id, as {@link #tunnelId()} gives it.
     * @param encapsulated       what {@link #isEncapsulated()} said of the frame.
     * @return this decoder.
     */
    public PacketDecoder wrapDecoded(
        final DirectBuffer buffer,
        final int offset,
        final int capturedLength,
        final int linkType,
        final int ipOffset,
        final int destinationOffset,
        final int tcpOffset,
        final int vlanCount,
        final int outerVlanId,
        final int innerVlanId,
        final int checksumStatus,
        final int tunnelType,
        final int tunnelId,
        final boolean encapsulated)
    {
        if (this.buffer != buffer)
        {
            this.buffer = buffer;
        }
        this.linkOffset = offset;
        this.linkType = linkType;
        this.frameEnd = offset + capturedLength;
        this.captureEnd = frameEnd;
        this.capturedLength = capturedLength;
        this.ipOffset = ipOffset;
        this.ipProtocol = IpProtocol.TCP;
        this.finalDestinationOffset = destinationOffset;
        this.vlanCount = vlanCount;
        this.outerVlanId = outerVlanId;
        this.innerVlanId = innerVlanId;
        this.checksumStatus = checksumStatus;
        this.tunnelType = tunnelType;
        this.tunnelId = tunnelId;
        this.tunnelDepth = tunnelType == TunnelType.NONE ? 0 : 1;
        this.encapsulated = encapsulated;
        this.tunnelOuterIpOffset = -1;
        this.tunnelOuterIpVersion = 0;
        this.outcomeOrdinal = DecodeCounter.TCP_SEGMENT.ordinal();
        final int packetEnd;
        if ((buffer.getByte(ipOffset) & 0xF0) == 0x60)
        {
            ipVersion = 6;
            ipv6.wrap(buffer, ipOffset);
            final int payloadLength = ipv6.payloadLength();
            packetEnd = payloadLength == 0 ? frameEnd : ipOffset + Ipv6Flyweight.HEADER_LENGTH + payloadLength;
        }
        else
        {
            ipVersion = 4;
            ipv4.wrap(buffer, ipOffset);
            final int totalLength = ipv4.totalLength();
            packetEnd = totalLength == 0 ? frameEnd : ipOffset + totalLength;
        }
        final int segmentLength = packetEnd - tcpOffset;
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
     * @return what the source said of the last frame's checksums, one of {@link Frame}'s CHECKSUM_ constants
     * ({@link Frame#CHECKSUM_UNKNOWN} for a reassembled datagram).
     */
    public int frameChecksumStatus()
    {
        return frameChecksumStatus;
    }

    /**
     * @return bytes of the last frame in {@link #buffer()}: the captured frame, or the reassembled datagram's frame.
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
     * @return the fragment reassembler, or null when this decoder decodes each frame on its own.
     */
    public IpDefragmenter defragmenter()
    {
        return defragmenter;
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
     * @return 4 or 6 once an IP header was found in the last frame, else 0; the innermost one's.
     */
    public int ipVersion()
    {
        return ipVersion;
    }

    /**
     * @return offset of the (innermost) IP header of the last frame, or -1.
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
     * @return the buffer of the last frame: the source's, or the fragment reassembler's for a reassembled datagram.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return number of VLAN tags on the last frame's outermost Ethernet header, metadata tag included.
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

    /**
     * @return tunnel layers opened to reach the last frame's innermost packet, 0 for none.
     */
    public int tunnelDepth()
    {
        return tunnelDepth;
    }

    /**
     * @return the last frame's tunnel, one of {@link TunnelType}'s constants: the innermost layer that carries a
     * network identifier, or the innermost layer when none does; {@link TunnelType#NONE} without a tunnel.
     */
    public int tunnelType()
    {
        return tunnelType;
    }

    /**
     * @return the identifier of {@link #tunnelType()}'s network: a VXLAN or Geneve VNI, a GRE key, an ERSPAN or
     * PPPoE session; 0 when the tunnel carries none (see {@link TunnelType}).
     */
    public int tunnelId()
    {
        return tunnelId;
    }

    /**
     * @return 4 or 6: the IP version of the header that carries the innermost tunnel; 0 when that tunnel is not
     * carried by IP (MPLS or PPPoE on the link), or there is none.
     */
    public int tunnelIpVersion()
    {
        return tunnelOuterIpVersion;
    }

    /**
     * @return offset of the outer source address of the innermost tunnel (its destination follows it), or -1.
     */
    public int tunnelSourceAddressOffset()
    {
        if (tunnelOuterIpOffset < 0)
        {
            return -1;
        }
        return tunnelOuterIpOffset + (tunnelOuterIpVersion == 6 ?
            Ipv6Flyweight.SOURCE_ADDRESS_OFFSET : Ipv4Flyweight.SOURCE_ADDRESS_OFFSET);
    }

    /**
     * @return whether the last frame is wrapped in more than its link header and up to two VLAN tags (a tunnel, MPLS,
     * PPPoE, a third tag, VN-Tag, FabricPath): a frame answered on the same link would need the same wrapping.
     */
    public boolean isEncapsulated()
    {
        return encapsulated || tunnelDepth != 0;
    }

    /**
     * @return whether the last frame completed an IP datagram from fragments: {@link #buffer()} is then the
     * reassembler's, holding the datagram behind the first fragment's link and tunnel headers, from offset 0, for
     * {@link #capturedLength()} bytes, valid until the next {@link #decode}.
     */
    public boolean isReassembled()
    {
        return reassembled;
    }

    /**
     * Give up fragments that waited longer than the reassembly timeout at {@code nowNs}: a caller whose traffic stops
     * moves time on so they are counted.
     *
     * @param nowNs on the packets' clock.
     */
    public void expireFragments(final long nowNs)
    {
        if (defragmenter != null)
        {
            defragmenter.expire(nowNs);
        }
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
                final int etherType = ethernet.etherType();
                if (etherType == EtherType.FABRICPATH)
                {
                    return decodeFabricPath(offset, true);
                }
                return decodeEtherType(offset + EthernetFlyweight.HEADER_LENGTH, etherType, true);

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

            case LinkType.PPP:
            case LinkType.PPP_HDLC:
                return decodePpp(offset);

            case LinkType.C_HDLC:
                if (length < C_HDLC_HEADER_LENGTH)
                {
                    return DecodeCounter.TRUNCATED_FRAME;
                }
                return decodeEtherType(offset + C_HDLC_HEADER_LENGTH,
                    buffer.getShort(offset + 2, BIG_ENDIAN) & 0xFFFF, true);

            case LinkType.IEEE802_11:
                return decodeWlan(offset);

            case LinkType.IEEE802_11_RADIOTAP:
                return decodeRadiotap(offset, length);

            case LinkType.PPI:
                return decodePpi(offset, length);

            case LinkType.NFLOG:
                return decodeNflog(offset, length);

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
        return decodeEtherType(offset, protocol, true);
    }

    /**
     * An Ethernet frame inside a tunnel, or behind a radio or PPI header.
     */
    private DecodeCounter decodeEthernet(final int offset, final boolean outermost)
    {
        if (offset + EthernetFlyweight.HEADER_LENGTH > frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int etherType = buffer.getShort(offset + EthernetFlyweight.ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
        if (etherType == EtherType.FABRICPATH)
        {
            return decodeFabricPath(offset, outermost);
        }
        return decodeEtherType(offset + EthernetFlyweight.HEADER_LENGTH, etherType, outermost);
    }

    /**
     * Cisco FabricPath: outer addresses, the FabricPath EtherType, its tag and TTL, then the classical frame.
     */
    private DecodeCounter decodeFabricPath(final int offset, final boolean outermost)
    {
        final int inner = offset + FABRICPATH_HEADER_LENGTH;
        if (inner + EthernetFlyweight.HEADER_LENGTH > frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        encapsulated = true;
        countFact(DecodeCounter.FABRICPATH, offset);
        final int etherType = buffer.getShort(inner + EthernetFlyweight.ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
        return decodeEtherType(inner + EthernetFlyweight.HEADER_LENGTH, etherType, outermost);
    }

    /**
     * What follows an EtherType: VLAN tags (recorded when they are the outermost frame's), VN-Tag and E-Tag, then IP,
     * PPPoE or MPLS.
     */
    private DecodeCounter decodeEtherType(final int payloadOffset, final int firstEtherType, final boolean outermost)
    {
        int offset = payloadOffset;
        int etherType = firstEtherType;
        int tags = outermost ? vlanCount : 0;
        while (true)
        {
            if (etherType == EtherType.IPV4)
            {
                return decodeIpv4(offset);
            }
            if (etherType == EtherType.IPV6)
            {
                return decodeIpv6(offset);
            }
            if (EtherType.isVlanTag(etherType))
            {
                if (tags == MAX_VLAN_TAGS)
                {
                    return DecodeCounter.UNSUPPORTED_ENCAPSULATION;
                }
                if (offset + VlanTagFlyweight.LENGTH > frameEnd)
                {
                    return DecodeCounter.TRUNCATED_FRAME;
                }
                vlanTag.wrap(buffer, offset);
                if (outermost)
                {
                    if (vlanCount == 0)
                    {
                        outerVlanId = vlanTag.vlanId();
                    }
                    else if (vlanCount == 1)
                    {
                        innerVlanId = vlanTag.vlanId();
                    }
                    else
                    {
                        // A third tag is kept on the frame but not in the VLAN accessors, which name two.
                        encapsulated = true;
                    }
                    vlanCount++;
                }
                tags++;
                etherType = vlanTag.etherType();
                offset += VlanTagFlyweight.LENGTH;
                continue;
            }
            switch (etherType)
            {
                case EtherType.PPPOE_SESSION:
                    return decodePppoe(offset);
                case EtherType.MPLS_UNICAST:
                case EtherType.MPLS_MULTICAST:
                    return decodeMpls(offset);
                case EtherType.VN_TAG:
                case EtherType.E_TAG:
                {
                    final int tagLength = etherType == EtherType.VN_TAG ? VN_TAG_LENGTH : E_TAG_LENGTH;
                    if (offset + tagLength > frameEnd)
                    {
                        return DecodeCounter.TRUNCATED_FRAME;
                    }
                    encapsulated = true;
                    countFact(DecodeCounter.VN_TAG, offset);
                    etherType = buffer.getShort(offset + tagLength - 2, BIG_ENDIAN) & 0xFFFF;
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
        final int session = buffer.getShort(offset + 2, BIG_ENDIAN) & 0xFFFF;
        if (!enterTunnel(TunnelType.PPPOE, session, true, Integer.MAX_VALUE, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return decodePpp(offset + PPPOE_HEADER_LENGTH);
    }

    /**
     * PPP: the HDLC-like address and control bytes when present (RFC 1662), then the protocol field, one or two
     * bytes (RFC 1661 6.5: an odd first byte is the whole, one-byte protocol). IPv4, IPv6 and MPLS are opened; PPP's
     * control protocols are not IP.
     */
    private DecodeCounter decodePpp(final int offset)
    {
        int position = offset;
        if (position + 2 > frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        if ((buffer.getShort(position, BIG_ENDIAN) & 0xFFFF) == HDLC_ADDRESS_CONTROL)
        {
            position += 2;
            if (position + 1 > frameEnd)
            {
                return DecodeCounter.TRUNCATED_FRAME;
            }
        }
        final int firstByte = buffer.getByte(position) & 0xFF;
        final boolean compressed = (firstByte & 1) == 1;
        if (!compressed && position + 2 > frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int protocol = compressed ? firstByte : buffer.getShort(position, BIG_ENDIAN) & 0xFFFF;
        final int payload = position + (compressed ? 1 : 2);
        switch (protocol)
        {
            case PPP_IPV4:
                return decodeIp(payload, 4);
            case PPP_IPV6:
                return decodeIp(payload, 6);
            case PPP_MPLS_UNICAST:
            case PPP_MPLS_MULTICAST:
                return decodeMpls(payload);
            default:
                return DecodeCounter.NOT_IP;
        }
    }

    /**
     * An MPLS label stack (RFC 3032) down to its bottom entry, then what it carries, told by its first nibble as
     * Suricata tells it: IPv4, IPv6, or 0 for a pseudowire control word before an Ethernet frame; anything else is
     * taken for an Ethernet frame without a control word.
     */
    private DecodeCounter decodeMpls(final int offset)
    {
        if (!enterTunnel(TunnelType.MPLS, 0, false, Integer.MAX_VALUE, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        int position = offset;
        for (int labels = 0; ; labels++)
        {
            if (labels == MAX_MPLS_LABELS)
            {
                return DecodeCounter.BAD_TUNNEL;
            }
            if (position + 4 > frameEnd)
            {
                return DecodeCounter.TRUNCATED_FRAME;
            }
            final int entry = buffer.getInt(position, BIG_ENDIAN);
            position += 4;
            if ((entry & MPLS_BOTTOM_OF_STACK) != 0)
            {
                break;
            }
        }
        if (position + 1 > frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int nibble = (buffer.getByte(position) & 0xF0) >>> 4;
        if (nibble == 4)
        {
            return decodeIpv4(position);
        }
        if (nibble == 6)
        {
            return decodeIpv6(position);
        }
        return decodeEthernet(nibble == 0 ? position + MPLS_CONTROL_WORD_LENGTH : position, false);
    }

    /**
     * Radiotap (its length is little-endian, as every radiotap field), then an 802.11 frame.
     */
    private DecodeCounter decodeRadiotap(final int offset, final int length)
    {
        if (length < RADIOTAP_MIN_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int headerLength = buffer.getShort(offset + 2, LITTLE_ENDIAN) & 0xFFFF;
        if (headerLength < RADIOTAP_MIN_LENGTH || headerLength > length)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        return decodeWlan(offset + headerLength);
    }

    /**
     * PPI: version, flags, a little-endian length and the link type of what follows (802.11 or Ethernet).
     */
    private DecodeCounter decodePpi(final int offset, final int length)
    {
        if (length < PPI_MIN_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int headerLength = buffer.getShort(offset + 2, LITTLE_ENDIAN) & 0xFFFF;
        final int innerLinkType = buffer.getInt(offset + 4, LITTLE_ENDIAN);
        if (headerLength < PPI_MIN_LENGTH || headerLength > length)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        if (innerLinkType == LinkType.IEEE802_11)
        {
            return decodeWlan(offset + headerLength);
        }
        if (innerLinkType == LinkType.ETHERNET)
        {
            return decodeEthernet(offset + headerLength, true);
        }
        return DecodeCounter.UNSUPPORTED_LINK_TYPE;
    }

    /**
     * An 802.11 data frame: its header (three or four addresses, QoS control, HT control), then LLC/SNAP and an
     * EtherType. Management and control frames, frames without a body and protected (encrypted) frames are not IP
     * that can be read.
     */
    private DecodeCounter decodeWlan(final int offset)
    {
        if (offset + WLAN_HEADER_LENGTH > frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int frameControl = buffer.getByte(offset) & 0xFF;
        final int flags = buffer.getByte(offset + 1) & 0xFF;
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
        if (llc + LLC_SNAP_LENGTH > frameEnd)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        // LLC SNAP (AA AA 03) with the RFC 1042 or 802.1H (bridge tunnel) organisation code.
        final int dsapSsapControl = (buffer.getInt(llc, BIG_ENDIAN) >>> 8) & 0xFF_FFFF;
        final int organisation = buffer.getInt(llc + 2, BIG_ENDIAN) & 0xFF_FFFF;
        if (dsapSsapControl != 0xAA_AA03 || (organisation != 0 && organisation != 0x00_00F8))
        {
            return DecodeCounter.NOT_IP;
        }
        return decodeEtherType(llc + LLC_SNAP_LENGTH, buffer.getShort(llc + 6, BIG_ENDIAN) & 0xFFFF, false);
    }

    /**
     * NFLOG: address family, version and resource id, then type-length-value attributes in the capturing host's byte
     * order, padded to four bytes; the packet is the value of the payload attribute, from its IP header on.
     */
    private DecodeCounter decodeNflog(final int offset, final int length)
    {
        if (length < NFLOG_HEADER_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        final int family = buffer.getByte(offset) & 0xFF;
        int position = offset + NFLOG_HEADER_LENGTH;
        while (position + 4 <= frameEnd)
        {
            int tlvLength = buffer.getShort(position, LITTLE_ENDIAN) & 0xFFFF;
            int type = buffer.getShort(position + 2, LITTLE_ENDIAN) & 0x7FFF;
            if (type > 0xFF)
            {
                // Written by a big-endian host: attribute types are small numbers either way.
                tlvLength = buffer.getShort(position, BIG_ENDIAN) & 0xFFFF;
                type = buffer.getShort(position + 2, BIG_ENDIAN) & 0x7FFF;
            }
            if (tlvLength < 4)
            {
                return DecodeCounter.TRUNCATED_FRAME;
            }
            if (type == NFLOG_TLV_PAYLOAD)
            {
                final int payload = position + 4;
                frameEnd = Math.min(frameEnd, position + tlvLength);
                if (family == AF_INET)
                {
                    return decodeIp(payload, 4);
                }
                if (family == AF_INET6)
                {
                    return decodeIp(payload, 6);
                }
                return payload < frameEnd ? decodeIp(payload, (buffer.getByte(payload) & 0xF0) >>> 4) :
                    DecodeCounter.TRUNCATED_FRAME;
            }
            position += (tlvLength + 3) & ~3;
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
            // Captured on the sending host before segmentation offload filled the length in: take the frame's (the
            // whole captured frame's, as a stage that describes the segment again from its offsets will).
            totalLength = captureEnd - offset;
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
            return fragment4(offset, headerLength, offset + totalLength);
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

        final int payloadLength = ipv6.payloadLength();
        // A jumbogram or a segmentation-offload capture has no payload length: the captured frame holds the payload.
        final int packetEnd = payloadLength == 0 ? captureEnd : offset + Ipv6Flyweight.HEADER_LENGTH + payloadLength;
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
            return decodeTcp(payloadOffset, packetEnd);
        }
        return decodeIpv6ExtensionHeaders(payloadOffset, packetEnd, nextHeader);
    }

    private DecodeCounter decodeIpv6ExtensionHeaders(final int firstOffset, final int packetEnd, final int firstHeader)
    {
        // Headers must be within both what the packet claims and what was captured.
        final int headersEnd = Math.min(packetEnd, frameEnd);

        int nextHeader = firstHeader;
        int nextHeaderField = ipOffset + Ipv6Flyweight.NEXT_HEADER_OFFSET;
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
                    return fragment6(position, nextHeaderField, offsetAndFlags, packetEnd);
                }
            }
            nextHeader = buffer.getByte(position + Ipv6Flyweight.EXTENSION_NEXT_HEADER_OFFSET) & 0xFF;
            nextHeaderField = position + Ipv6Flyweight.EXTENSION_NEXT_HEADER_OFFSET;
            position += headerLength;
        }
    }

    /**
     * An IPv4 fragment: held for reassembly, or, when it completes its datagram, the datagram decoded on.
     */
    private DecodeCounter fragment4(final int offset, final int headerLength, final int packetEnd)
    {
        if (defragmenter == null || reassemblies == MAX_REASSEMBLIES)
        {
            return DecodeCounter.IP_FRAGMENT;
        }
        if (packetEnd > frameEnd)
        {
            // Cut by the snap length: the datagram can never be whole.
            counters.increment(DecodeCounter.FRAGMENTS_BAD);
            return DecodeCounter.IP_FRAGMENT;
        }
        if (duplicates != null && duplicates.isDuplicate(buffer, offset, 4, packetEnd,
            addressTag(ipv4.identification(), ipv4.identification()), timeNs))
        {
            return DecodeCounter.DUPLICATE;
        }
        final int field = buffer.getShort(offset + Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) & 0xFFFF;
        final int result = defragmenter.accept(
            buffer,
            linkOffset,
            offset,
            4,
            offset + headerLength,
            -1,
            offset + headerLength,
            packetEnd,
            (field & IPV4_FRAGMENT_OFFSET_MASK) << 3,
            (field & IPV4_MORE_FRAGMENTS) != 0,
            ipv4.identification(),
            ipv4.protocol(),
            fragmentContext(),
            timeNs);
        return result == IpDefragmenter.COMPLETE ? decodeReassembled() : DecodeCounter.IP_FRAGMENT;
    }

    /**
     * An IPv6 fragment (the fragment header at {@code fragmentHeader}): held, or its datagram decoded on.
     */
    private DecodeCounter fragment6(
        final int fragmentHeader, final int nextHeaderField, final int offsetAndFlags, final int packetEnd)
    {
        if (defragmenter == null || reassemblies == MAX_REASSEMBLIES)
        {
            return DecodeCounter.IP_FRAGMENT;
        }
        if (packetEnd > frameEnd)
        {
            counters.increment(DecodeCounter.FRAGMENTS_BAD);
            return DecodeCounter.IP_FRAGMENT;
        }
        final int id = buffer.getInt(fragmentHeader + 4, BIG_ENDIAN);
        if (duplicates != null && duplicates.isDuplicate(buffer, ipOffset, 6, packetEnd, addressTag(id, id), timeNs))
        {
            return DecodeCounter.DUPLICATE;
        }
        final int result = defragmenter.accept(
            buffer,
            linkOffset,
            ipOffset,
            6,
            fragmentHeader,
            nextHeaderField,
            fragmentHeader + Ipv6Flyweight.FRAGMENT_HEADER_LENGTH,
            packetEnd,
            offsetAndFlags & IPV6_FRAGMENT_OFFSET_MASK,
            (offsetAndFlags & IPV6_MORE_FRAGMENTS) != 0,
            id,
            buffer.getByte(fragmentHeader + Ipv6Flyweight.EXTENSION_NEXT_HEADER_OFFSET) & 0xFF,
            fragmentContext(),
            timeNs);
        return result == IpDefragmenter.COMPLETE ? decodeReassembled() : DecodeCounter.IP_FRAGMENT;
    }

    /**
     * Where a fragment was seen, so that datagrams of different VLANs and tunnels with the same addresses and
     * identification stay apart.
     */
    private long fragmentContext()
    {
        return ((long)(outerVlanId & 0xFFFF) << 48) | ((long)tunnelType << 32) | (tunnelId & 0xFFFF_FFFFL);
    }

    /**
     * The datagram the last fragment completed: its frame (the first fragment's outer headers, the whole datagram)
     * decoded from its link layer, as if captured so. The layers before the datagram were counted with the
     * fragment that completed it, so only those inside it count now.
     */
    private DecodeCounter decodeReassembled()
    {
        reassemblies++;
        final int length = defragmenter.outputLength();
        buffer = defragmenter.output();
        linkOffset = 0;
        frameEnd = length;
        captureEnd = length;
        capturedLength = length;
        snapTruncated = false;
        frameChecksumStatus = Frame.CHECKSUM_UNKNOWN;
        reassembled = true;
        factsFrom = defragmenter.outputIpOffset() + 1;
        resetLayers();
        return decodeLink(0, length, linkType);
    }

    /**
     * A symmetric tag of the innermost packet's addresses with a number from each side (ports, or an IPv4 or IPv6
     * identification): the duplicate filter's flow.
     */
    private long addressTag(final int sourceNumber, final int destinationNumber)
    {
        final int source = sourceAddressOffset();
        final int destination = headerDestinationAddressOffset();
        final long a;
        final long b;
        if (ipVersion == 6)
        {
            a = buffer.getLong(source, BIG_ENDIAN) * 31 + buffer.getLong(source + 8, BIG_ENDIAN);
            b = buffer.getLong(destination, BIG_ENDIAN) * 31 + buffer.getLong(destination + 8, BIG_ENDIAN);
        }
        else
        {
            a = buffer.getInt(source, BIG_ENDIAN);
            b = buffer.getInt(destination, BIG_ENDIAN);
        }
        return endpoint(a, sourceNumber) + endpoint(b, destinationNumber);
    }

    private static long endpoint(final long address, final int number)
    {
        long z = address * 0x9E37_79B9_7F4A_7C15L + number;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        return z ^ (z >>> 27);
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
        if (protocol == IpProtocol.TCP)
        {
            return decodeTcp(offset, packetEnd);
        }
        switch (protocol)
        {
            case IpProtocol.UDP:
                return decodeUdp(offset, packetEnd);
            case IpProtocol.GRE:
                return decodeGre(offset, packetEnd);
            case IpProtocol.IPIP:
            case IpProtocol.IPV6:
                if (!enterTunnel(TunnelType.IP_IN_IP, 0, false, packetEnd, offset))
                {
                    return DecodeCounter.TUNNEL;
                }
                return decodeIp(offset, protocol == IpProtocol.IPIP ? 4 : 6);
            case IpProtocol.AH:
                return ipVersion == 4 ? decodeIpv4AuthenticationHeader(offset, packetEnd) : DecodeCounter.NOT_TCP;
            default:
                return DecodeCounter.NOT_TCP;
        }
    }

    private DecodeCounter decodeTcp(final int offset, final int packetEnd)
    {
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
        if (duplicates != null && duplicates.isDuplicate(buffer, ipOffset, ipVersion, offset + capturedLength,
            addressTag(tcp.srcPort(), tcp.dstPort()), timeNs))
        {
            return DecodeCounter.DUPLICATE;
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

    /**
     * UDP: a tunnel when its destination port (or either port, for the tunnels whose both ends use it) names one;
     * otherwise not TCP.
     */
    private DecodeCounter decodeUdp(final int offset, final int packetEnd)
    {
        final int end = Math.min(packetEnd, frameEnd);
        if (offset + UDP_HEADER_LENGTH > end)
        {
            return DecodeCounter.NOT_TCP;
        }
        int kind = udpTunnels[buffer.getShort(offset + 2, BIG_ENDIAN) & 0xFFFF] & 0x0F;
        if (kind == UDP_NONE)
        {
            kind = (udpTunnels[buffer.getShort(offset, BIG_ENDIAN) & 0xFFFF] >>> 4) & 0x0F;
            if (kind == UDP_NONE)
            {
                return DecodeCounter.NOT_TCP;
            }
        }
        final int payload = offset + UDP_HEADER_LENGTH;
        switch (kind)
        {
            case UDP_VXLAN:
                return decodeVxlan(payload, packetEnd);
            case UDP_GENEVE:
                return decodeGeneve(payload, packetEnd);
            case UDP_GTP:
                return decodeGtp(payload, packetEnd);
            case UDP_TEREDO:
                return decodeTeredo(payload, packetEnd);
            case UDP_AYIYA:
                return decodeAyiya(payload, packetEnd);
            case UDP_GRE:
                return decodeGre(payload, packetEnd);
            case UDP_MPLS:
            default:
                // The label stack is the tunnel layer; the UDP packet bounds it.
                if (packetEnd < frameEnd && payload >= factsFrom)
                {
                    frameEnd = packetEnd;
                }
                return decodeMpls(payload);
        }
    }

    /**
     * VXLAN (RFC 7348): flags whose I bit says the VNI is valid, reserved bits (ignored, as receivers ignore them),
     * the 24-bit VNI, then an Ethernet frame.
     */
    private DecodeCounter decodeVxlan(final int offset, final int packetEnd)
    {
        if (offset + VXLAN_HEADER_LENGTH > Math.min(packetEnd, frameEnd))
        {
            return headerCutShort(offset + VXLAN_HEADER_LENGTH, packetEnd, DecodeCounter.BAD_TUNNEL);
        }
        if ((buffer.getByte(offset) & VXLAN_FLAG_VNI) == 0)
        {
            return DecodeCounter.BAD_TUNNEL;
        }
        final int vni = buffer.getInt(offset + 4, BIG_ENDIAN) >>> 8;
        if (!enterTunnel(TunnelType.VXLAN, vni, true, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return decodeEthernet(offset + VXLAN_HEADER_LENGTH, false);
    }

    /**
     * Geneve (RFC 8926): version 0, options skipped by their length, a protocol type (Ethernet, IPv4, IPv6) and the
     * VNI.
     */
    private DecodeCounter decodeGeneve(final int offset, final int packetEnd)
    {
        final int end = Math.min(packetEnd, frameEnd);
        if (offset + GENEVE_HEADER_LENGTH > end)
        {
            return headerCutShort(offset + GENEVE_HEADER_LENGTH, packetEnd, DecodeCounter.BAD_TUNNEL);
        }
        final int first = buffer.getByte(offset) & 0xFF;
        if ((first >>> 6) != 0)
        {
            return DecodeCounter.BAD_TUNNEL;
        }
        final int headerLength = GENEVE_HEADER_LENGTH + ((first & 0x3F) << 2);
        if (offset + headerLength > end)
        {
            return headerCutShort(offset + headerLength, packetEnd, DecodeCounter.BAD_TUNNEL);
        }
        final int protocol = buffer.getShort(offset + 2, BIG_ENDIAN) & 0xFFFF;
        final int vni = buffer.getInt(offset + 4, BIG_ENDIAN) >>> 8;
        if (!enterTunnel(TunnelType.GENEVE, vni, true, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return decodeTunneledProtocol(offset + headerLength, protocol);
    }

    /**
     * What a tunnel names by EtherType: an Ethernet frame, IPv4 or IPv6.
     */
    private DecodeCounter decodeTunneledProtocol(final int offset, final int protocol)
    {
        switch (protocol)
        {
            case EtherType.TRANSPARENT_ETHERNET:
                return decodeEthernet(offset, false);
            case EtherType.IPV4:
                return decodeIp(offset, 4);
            case EtherType.IPV6:
                return decodeIp(offset, 6);
            case EtherType.MPLS_UNICAST:
            case EtherType.MPLS_MULTICAST:
                return decodeMpls(offset);
            default:
                return DecodeCounter.TUNNEL;
        }
    }

    /**
     * GRE: version 0 (RFC 2784 and 2890: checksum, key and sequence number each present by its flag) carrying IP,
     * Ethernet (transparent bridging), MPLS, ERSPAN or WCCP; version 1, PPTP's enhanced GRE (RFC 2637), carrying PPP.
     */
    private DecodeCounter decodeGre(final int offset, final int packetEnd)
    {
        final int end = Math.min(packetEnd, frameEnd);
        if (offset + GRE_BASE_LENGTH > end)
        {
            return headerCutShort(offset + GRE_BASE_LENGTH, packetEnd, DecodeCounter.BAD_TUNNEL);
        }
        final int flags = buffer.getShort(offset, BIG_ENDIAN) & 0xFFFF;
        final int protocol = buffer.getShort(offset + 2, BIG_ENDIAN) & 0xFFFF;
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
                    return headerCutShort(offset + length + 4, packetEnd, DecodeCounter.BAD_TUNNEL);
                }
                key = buffer.getInt(offset + length, BIG_ENDIAN);
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
            return headerCutShort(payload, packetEnd, DecodeCounter.BAD_TUNNEL);
        }
        if (protocol == EtherType.ERSPAN_II || protocol == EtherType.ERSPAN_III)
        {
            return decodeErspan(payload, packetEnd, protocol, (flags & GRE_SEQUENCE) != 0);
        }
        if (!enterTunnel(TunnelType.GRE, key, hasKey, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        if (version == 1)
        {
            return payload == end ? DecodeCounter.NOT_TCP : decodePpp(payload);
        }
        if (protocol == EtherType.WCCP)
        {
            // WCCP v2 puts a 4-byte redirect header before the IP packet; v1 does not.
            if (payload >= end)
            {
                return DecodeCounter.TRUNCATED_FRAME;
            }
            final boolean bare = (buffer.getByte(payload) & 0xF0) == 0x40;
            return decodeIp(bare ? payload : payload + WCCP_REDIRECT_HEADER_LENGTH, 4);
        }
        return decodeTunneledProtocol(payload, protocol);
    }

    /**
     * ERSPAN over GRE: type I has no header of its own (GRE without a sequence number), type II an 8-byte one, type
     * III a 12-byte one and, when its O flag says so, an 8-byte platform subheader; then the mirrored Ethernet frame.
     */
    private DecodeCounter decodeErspan(
        final int offset, final int packetEnd, final int protocol, final boolean sequenced)
    {
        final int end = Math.min(packetEnd, frameEnd);
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
                return headerCutShort(offset + headerLength, packetEnd, DecodeCounter.BAD_TUNNEL);
            }
            final int version = (buffer.getByte(offset) & 0xF0) >>> 4;
            if (version != (protocol == EtherType.ERSPAN_III ? 2 : 1))
            {
                return DecodeCounter.BAD_TUNNEL;
            }
            session = buffer.getShort(offset + 2, BIG_ENDIAN) & ERSPAN_SESSION_MASK;
            hasSession = true;
            if (protocol == EtherType.ERSPAN_III && (buffer.getByte(offset + ERSPAN_III_HEADER_LENGTH - 1) & 1) != 0)
            {
                headerLength += ERSPAN_III_PLATFORM_LENGTH;
            }
        }
        if (!enterTunnel(TunnelType.ERSPAN, session, hasSession, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return decodeEthernet(offset + headerLength, false);
    }

    /**
     * GTP-U version 1: G-PDUs only (echo, error indication and end marker carry no user packet), optional fields and
     * extension headers skipped, then IPv4 or IPv6 by its version nibble.
     */
    private DecodeCounter decodeGtp(final int offset, final int packetEnd)
    {
        final int end = Math.min(packetEnd, frameEnd);
        if (offset + GTP_HEADER_LENGTH > end)
        {
            return headerCutShort(offset + GTP_HEADER_LENGTH, packetEnd, DecodeCounter.BAD_TUNNEL);
        }
        final int flags = buffer.getByte(offset) & 0xFF;
        if ((flags >>> 5) != 1 || (flags & 0x10) == 0)
        {
            return DecodeCounter.BAD_TUNNEL;
        }
        if ((buffer.getByte(offset + 1) & 0xFF) != GTP_G_PDU)
        {
            return DecodeCounter.NOT_TCP;
        }
        int headerLength = GTP_HEADER_LENGTH;
        if ((flags & 0x07) != 0)
        {
            headerLength += GTP_OPTIONAL_LENGTH;
            if (offset + headerLength > end)
            {
                return headerCutShort(offset + headerLength, packetEnd, DecodeCounter.BAD_TUNNEL);
            }
            int next = (flags & 0x04) != 0 ? buffer.getByte(offset + headerLength - 1) & 0xFF : 0;
            for (int extensions = 0; next != 0; extensions++)
            {
                if (extensions == GTP_MAX_EXTENSIONS || offset + headerLength + 1 > end)
                {
                    return DecodeCounter.BAD_TUNNEL;
                }
                final int extensionLength = (buffer.getByte(offset + headerLength) & 0xFF) << 2;
                if (extensionLength == 0 || offset + headerLength + extensionLength > end)
                {
                    return DecodeCounter.BAD_TUNNEL;
                }
                headerLength += extensionLength;
                next = buffer.getByte(offset + headerLength - 1) & 0xFF;
            }
        }
        final int inner = offset + headerLength;
        if (inner >= end)
        {
            return DecodeCounter.NOT_TCP;
        }
        final int nibble = (buffer.getByte(inner) & 0xF0) >>> 4;
        if (nibble != 4 && nibble != 6)
        {
            return DecodeCounter.TUNNEL;
        }
        if (!enterTunnel(TunnelType.GTP_U, 0, false, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return decodeIp(inner, nibble);
    }

    /**
     * Teredo (RFC 4380): an IPv6 packet in UDP, after an optional authentication and origin indication. Port 3544 is
     * also used for Teredo's own qualification traffic, so only a payload that is exactly one IPv6 packet counts.
     */
    private DecodeCounter decodeTeredo(final int offset, final int packetEnd)
    {
        final int end = Math.min(packetEnd, frameEnd);
        int position = offset;
        if (position + 4 <= end && (buffer.getShort(position, BIG_ENDIAN) & 0xFFFF) == TEREDO_AUTHENTICATION)
        {
            position += TEREDO_AUTHENTICATION_FIXED + (buffer.getByte(position + 2) & 0xFF) +
                (buffer.getByte(position + 3) & 0xFF);
        }
        if (position + 2 <= end && (buffer.getShort(position, BIG_ENDIAN) & 0xFFFF) == TEREDO_ORIGIN)
        {
            position += TEREDO_ORIGIN_LENGTH;
        }
        if (position + Ipv6Flyweight.HEADER_LENGTH > end || (buffer.getByte(position) & 0xF0) != 0x60 ||
            position + Ipv6Flyweight.HEADER_LENGTH +
            (buffer.getShort(position + Ipv6Flyweight.PAYLOAD_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF) != packetEnd)
        {
            return DecodeCounter.NOT_TCP;
        }
        if (!enterTunnel(TunnelType.TEREDO, 0, false, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return decodeIpv6(position);
    }

    /**
     * AYIYA: identity and signature lengths in the header, forward operations only, then IPv6 or IPv4.
     */
    private DecodeCounter decodeAyiya(final int offset, final int packetEnd)
    {
        final int end = Math.min(packetEnd, frameEnd);
        if (offset + AYIYA_FIXED_LENGTH > end)
        {
            return DecodeCounter.NOT_TCP;
        }
        final int identityLength = 1 << ((buffer.getByte(offset) & 0xF0) >>> 4);
        final int signatureLength = ((buffer.getByte(offset + 1) & 0xF0) >>> 4) << 2;
        final int operation = buffer.getByte(offset + 2) & 0x0F;
        final int nextHeader = buffer.getByte(offset + 3) & 0xFF;
        final int inner = offset + AYIYA_FIXED_LENGTH + identityLength + signatureLength;
        if (operation != AYIYA_FORWARD || inner > end ||
            (nextHeader != IpProtocol.IPV6 && nextHeader != IpProtocol.IPIP))
        {
            return DecodeCounter.NOT_TCP;
        }
        if (!enterTunnel(TunnelType.AYIYA, 0, false, packetEnd, offset))
        {
            return DecodeCounter.TUNNEL;
        }
        return decodeIp(inner, nextHeader == IpProtocol.IPV6 ? 6 : 4);
    }

    /**
     * One more tunnel layer: checked against the depth limit, counted, and bounded by the packet that carries it.
     *
     * @param type      of the layer.
     * @param id        its network identifier, if it has one.
     * @param networkId whether it has one (the innermost layer that does names the tunnel).
     * @param innerEnd  end of the packet carrying it: nothing inside may go past it.
     * @param at        offset of the layer, for counting only layers not counted with an earlier frame.
     * @return false when the layer is one too many.
     */
    private boolean enterTunnel(
        final int type, final int id, final boolean networkId, final int innerEnd, final int at)
    {
        if (tunnelDepth == maxTunnelDepth)
        {
            return false;
        }
        tunnelDepth++;
        countFact(TunnelType.counter(type), at);
        if (networkId)
        {
            tunnelType = type;
            tunnelId = id;
            tunnelHasId = true;
        }
        else if (!tunnelHasId)
        {
            tunnelType = type;
            tunnelId = 0;
        }
        tunnelOuterIpVersion = ipVersion;
        tunnelOuterIpOffset = ipVersion == 0 ? -1 : ipOffset;
        // In a reassembled datagram's frame, the layers before the datagram keep their first fragment's lengths.
        if (innerEnd < frameEnd && at >= factsFrom)
        {
            frameEnd = innerEnd;
        }
        return true;
    }

    /**
     * Count a fact about a layer: once per frame, so not again for the outer layers of a reassembled datagram.
     */
    private void countFact(final DecodeCounter counter, final int at)
    {
        if (at >= factsFrom)
        {
            counters.increment(counter);
        }
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
