package io.flowtap.capture.codec;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.layer.DecodedFrame;
import io.flowtap.capture.codec.layer.LinkLayerDecoder;
import io.flowtap.capture.codec.layer.TcpLayerDecoder;
import org.agrona.DirectBuffer;

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

    private final DecodeCounters counters;
    private final ChecksumMode checksumMode;
    private final boolean checksumDeferred;
    private final IpDefragmenter defragmenter;
    private final DecodedFrame frame;
    private final LinkLayerDecoder linkLayer;
    private final TcpLayerDecoder tcpLayer;
    private final TcpFlyweight tcp;
    private final Ipv4Flyweight ipv4;
    private final Ipv6Flyweight ipv6;
    private int outcomeOrdinal = DecodeCounter.FRAMES.ordinal();

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
        this.defragmenter = context.defragment() ? new IpDefragmenter(context, counters) : null;
        final DuplicateFilter duplicates = context.dedupWindowNs() > 0 ?
            new DuplicateFilter(context.dedupWindowNs(), context.dedupSlots()) : null;
        this.frame = new DecodedFrame(counters, context.tunnelDepth());
        this.tcpLayer = new TcpLayerDecoder(checksumMode, checksumDeferred, duplicates);
        this.linkLayer = new LinkLayerDecoder(tcpLayer, context, defragmenter, duplicates);
        this.tcp = frame.tcp();
        this.ipv4 = frame.ipv4();
        this.ipv6 = frame.ipv6();
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
        frame.begin(buffer, offset, capturedLength, snapTruncated, linkType, frameChecksumStatus, metadataVlanTci,
            timeNs);
        final DecodeCounter result = linkLayer.decode(frame, offset, capturedLength, linkType);
        outcomeOrdinal = result.ordinal();
        counters.increment(result);
        if (frame.vlanCount() > 0)
        {
            counters.increment(DecodeCounter.VLAN_TAGGED);
        }
        return result == DecodeCounter.TCP_SEGMENT;
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
        frame.describe(buffer, offset, capturedLength, linkType, ipOffset, destinationOffset, tcpOffset, vlanCount,
            outerVlanId, innerVlanId, checksumStatus, tunnelType, tunnelId, encapsulated);
        outcomeOrdinal = DecodeCounter.TCP_SEGMENT.ordinal();
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
        return tcpLayer.resolveChecksum(frame, frameChecksumStatus);
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
        return frame.frameChecksumStatus();
    }

    /**
     * @return bytes of the last frame in {@link #buffer()}: the captured frame, or the reassembled datagram's frame.
     */
    public int capturedLength()
    {
        return frame.capturedLength();
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
        return frame.linkOffset();
    }

    /**
     * @return the last frame's {@link LinkType}.
     */
    public int linkType()
    {
        return frame.linkType();
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
        return frame.ipVersion();
    }

    /**
     * @return offset of the (innermost) IP header of the last frame, or -1.
     */
    public int ipOffset()
    {
        return frame.ipOffset();
    }

    /**
     * @return the upper-layer protocol of the last IP packet (after IPv6 extension headers), or -1.
     */
    public int ipProtocol()
    {
        return frame.ipProtocol();
    }

    /**
     * @return offset of the source address; the destination address follows it.
     */
    public int sourceAddressOffset()
    {
        return frame.sourceAddressOffset();
    }

    /**
     * @return offset of the address the packet is finally for: the header's destination, or the last hop of a
     * source route still under way (IPv4 LSRR/SSRR, IPv6 routing header), as the TCP pseudo-header and tshark use.
     */
    public int destinationAddressOffset()
    {
        return frame.destinationAddressOffset();
    }

    /**
     * @return offset of the destination address field of the IP header, the next hop when a source route is under way.
     */
    public int headerDestinationAddressOffset()
    {
        return frame.headerDestinationAddressOffset();
    }

    /**
     * @return 4 for IPv4, 16 for IPv6.
     */
    public int addressLength()
    {
        return frame.addressLength();
    }

    /**
     * @return the buffer of the last frame: the source's, or the fragment reassembler's for a reassembled datagram.
     */
    public DirectBuffer buffer()
    {
        return frame.buffer();
    }

    /**
     * @return number of VLAN tags on the last frame's outermost Ethernet header, metadata tag included.
     */
    public int vlanCount()
    {
        return frame.vlanCount();
    }

    /**
     * @return the outermost VLAN id of the last frame, or {@link #NO_VLAN}.
     */
    public int outerVlanId()
    {
        return frame.outerVlanId();
    }

    /**
     * @return the second VLAN id (QinQ's customer tag) of the last frame, or {@link #NO_VLAN}.
     */
    public int innerVlanId()
    {
        return frame.innerVlanId();
    }

    /**
     * @return the checksum status of the last segment: one of {@link TcpFlyweight}'s CHECKSUM_ constants.
     */
    public int checksumStatus()
    {
        return frame.checksumStatus();
    }

    /**
     * @return tunnel layers opened to reach the last frame's innermost packet, 0 for none.
     */
    public int tunnelDepth()
    {
        return frame.tunnelDepth();
    }

    /**
     * @return the last frame's tunnel, one of {@link TunnelType}'s constants: the innermost layer that carries a
     * network identifier, or the innermost layer when none does; {@link TunnelType#NONE} without a tunnel.
     */
    public int tunnelType()
    {
        return frame.tunnelType();
    }

    /**
     * @return the identifier of {@link #tunnelType()}'s network: a VXLAN or Geneve VNI, a GRE key, an ERSPAN or
     * PPPoE session; 0 when the tunnel carries none (see {@link TunnelType}).
     */
    public int tunnelId()
    {
        return frame.tunnelId();
    }

    /**
     * @return 4 or 6: the IP version of the header that carries the innermost tunnel; 0 when that tunnel is not
     * carried by IP (MPLS or PPPoE on the link), or there is none.
     */
    public int tunnelIpVersion()
    {
        return frame.tunnelIpVersion();
    }

    /**
     * @return offset of the outer source address of the innermost tunnel (its destination follows it), or -1.
     */
    public int tunnelSourceAddressOffset()
    {
        return frame.tunnelSourceAddressOffset();
    }

    /**
     * @return whether the last frame is wrapped in more than its link header and up to two VLAN tags (a tunnel, MPLS,
     * PPPoE, a third tag, VN-Tag, FabricPath): a frame answered on the same link would need the same wrapping.
     */
    public boolean isEncapsulated()
    {
        return frame.isEncapsulated();
    }

    /**
     * @return whether the last frame completed an IP datagram from fragments: {@link #buffer()} is then the
     * reassembler's, holding the datagram behind the first fragment's link and tunnel headers, from offset 0, for
     * {@link #capturedLength()} bytes, valid until the next {@link #decode}.
     */
    public boolean isReassembled()
    {
        return frame.isReassembled();
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
}
