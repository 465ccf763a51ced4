package io.flowtap.capture.codec.layer;

import io.flowtap.capture.Frame;
import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.DecodeCounters;
import io.flowtap.capture.codec.EthernetFlyweight;
import io.flowtap.capture.codec.IpProtocol;
import io.flowtap.capture.codec.Ipv4Flyweight;
import io.flowtap.capture.codec.Ipv6Flyweight;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.capture.codec.TunnelType;
import io.flowtap.capture.codec.VlanTagFlyweight;
import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * What the decode of one frame has found so far, written by each layer decoder as it goes down and read by
 * {@link PacketDecoder}'s accessors: the frame's bounds (which a tunnel narrows to the packet that carries it), the
 * VLAN tags, the innermost IP header, the tunnel that names the segment, the checksum verdict, and the flyweights over
 * each header. It also keeps the facts every layer shares: entering one more tunnel, counting a layer once per frame,
 * telling a header cut by the snap length from a malformed one.
 * <p>
 * Fields are package-private so the layer decoders read and write them as plainly as the one class they once were.
 * Not thread safe: one per decoder.
 */
public final class DecodedFrame
{
    final EthernetFlyweight ethernet = new EthernetFlyweight();
    final VlanTagFlyweight vlanTag = new VlanTagFlyweight();
    final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    final Ipv6Flyweight ipv6 = new Ipv6Flyweight();
    final TcpFlyweight tcp = new TcpFlyweight();
    final DecodeCounters counters;
    final int maxTunnelDepth;

    DirectBuffer buffer;
    int linkOffset;
    int linkType;
    /** End of the bytes the current layer may read: the captured frame, or the packet carrying the tunnel. */
    int frameEnd;
    /** End of the captured frame, for a length the headers leave to it. */
    int captureEnd;
    int capturedLength;
    boolean snapTruncated;
    int frameChecksumStatus;
    int metadataVlanTci = Frame.NO_VLAN_TCI;
    long timeNs;
    int vlanCount;
    int outerVlanId;
    int innerVlanId;
    int ipVersion;
    int ipOffset;
    int ipProtocol;
    int finalDestinationOffset;
    int checksumStatus;
    int tunnelDepth;
    int tunnelType;
    int tunnelId;
    boolean tunnelHasId;
    int tunnelOuterIpOffset = -1;
    int tunnelOuterIpVersion;
    boolean encapsulated;
    boolean reassembled;
    int reassemblies;
    /** Layers before this offset were counted with an earlier frame (the fragment that completed a datagram). */
    int factsFrom;

    /**
     * The state of one decoder.
     *
     * @param counters       where every layer counts what it found.
     * @param maxTunnelDepth tunnel layers opened before a frame counts as a tunnel not opened.
     */
    public DecodedFrame(final DecodeCounters counters, final int maxTunnelDepth)
    {
        this.counters = counters;
        this.maxTunnelDepth = maxTunnelDepth;
    }

    /**
     * Start the decode of a frame: its bounds and what the source knows of it, no layer found yet.
     *
     * @param buffer              holding the frame.
     * @param offset              of the link-layer header.
     * @param capturedLength      bytes of the frame in the buffer.
     * @param snapTruncated       whether a snap length cut the frame.
     * @param linkType            one of {@link io.flowtap.capture.LinkType}'s constants.
     * @param frameChecksumStatus what the source knows of checksums, one of {@link Frame}'s CHECKSUM_ constants.
     * @param metadataVlanTci     a VLAN tag the capture stripped from the frame, or {@link Frame#NO_VLAN_TCI}.
     * @param timeNs              capture time.
     */
    public void begin(
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
    }

    /**
     * Describe a segment another decoder has already decoded, from what it found, without decoding the frame again;
     * see {@link PacketDecoder#wrapDecoded}.
     *
     * @param buffer            holding the frame.
     * @param offset            of the frame's link-layer header.
     * @param capturedLength    bytes of the frame in the buffer.
     * @param linkType          one of {@link io.flowtap.capture.LinkType}'s constants.
     * @param ipOffset          of the IP header that carries the segment.
     * @param destinationOffset of the final destination address.
     * @param tcpOffset         of the TCP header.
     * @param vlanCount         VLAN tags found, metadata tag included.
     * @param outerVlanId       outermost VLAN id, or {@link PacketDecoder#NO_VLAN}.
     * @param innerVlanId       second VLAN id, or {@link PacketDecoder#NO_VLAN}.
     * @param checksumStatus    one of {@link TcpFlyweight}'s CHECKSUM_ constants.
     * @param tunnelType        one of {@link TunnelType}'s constants.
     * @param tunnelId          the tunnel's id.
     * @param encapsulated      whether the frame was encapsulated.
     */
    public void describe(
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
    }

    /**
     * @return the TCP header flyweight.
     */
    public TcpFlyweight tcp()
    {
        return tcp;
    }

    /**
     * @return the IPv4 header flyweight.
     */
    public Ipv4Flyweight ipv4()
    {
        return ipv4;
    }

    /**
     * @return the IPv6 header flyweight.
     */
    public Ipv6Flyweight ipv6()
    {
        return ipv6;
    }

    /**
     * @return the buffer of the frame: the source's, or the reassembler's for a datagram.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return offset of the frame's link-layer header.
     */
    public int linkOffset()
    {
        return linkOffset;
    }

    /**
     * @return the frame's link type.
     */
    public int linkType()
    {
        return linkType;
    }

    /**
     * @return bytes of the frame in {@link #buffer()}.
     */
    public int capturedLength()
    {
        return capturedLength;
    }

    /**
     * @return what the source said of the frame's checksums.
     */
    public int frameChecksumStatus()
    {
        return frameChecksumStatus;
    }

    /**
     * @return 4 or 6 once an IP header was found, else 0.
     */
    public int ipVersion()
    {
        return ipVersion;
    }

    /**
     * @return offset of the innermost IP header, or -1.
     */
    public int ipOffset()
    {
        return ipVersion == 0 ? -1 : ipOffset;
    }

    /**
     * @return the upper-layer protocol of the innermost IP packet, or -1.
     */
    public int ipProtocol()
    {
        return ipProtocol;
    }

    /**
     * @return offset of the address the packet is finally for.
     */
    public int destinationAddressOffset()
    {
        return finalDestinationOffset;
    }

    /**
     * @return VLAN tags on the outermost Ethernet header, metadata tag included.
     */
    public int vlanCount()
    {
        return vlanCount;
    }

    /**
     * @return the outermost VLAN id, or {@link PacketDecoder#NO_VLAN}.
     */
    public int outerVlanId()
    {
        return outerVlanId;
    }

    /**
     * @return the second VLAN id, or {@link PacketDecoder#NO_VLAN}.
     */
    public int innerVlanId()
    {
        return innerVlanId;
    }

    /**
     * @return the segment's checksum status, one of {@link TcpFlyweight}'s CHECKSUM_ constants.
     */
    public int checksumStatus()
    {
        return checksumStatus;
    }

    /**
     * @return tunnel layers opened, 0 for none.
     */
    public int tunnelDepth()
    {
        return tunnelDepth;
    }

    /**
     * @return the tunnel that names the segment, one of {@link TunnelType}'s constants.
     */
    public int tunnelType()
    {
        return tunnelType;
    }

    /**
     * @return the identifier of {@link #tunnelType()}'s network, or 0.
     */
    public int tunnelId()
    {
        return tunnelId;
    }

    /**
     * @return the IP version of the header carrying the innermost tunnel, or 0.
     */
    public int tunnelIpVersion()
    {
        return tunnelOuterIpVersion;
    }

    /**
     * @return whether the frame is wrapped in more than its link header and two VLAN tags.
     */
    public boolean isEncapsulated()
    {
        return encapsulated || tunnelDepth != 0;
    }

    /**
     * @return whether the frame completed an IP datagram from fragments.
     */
    public boolean isReassembled()
    {
        return reassembled;
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
     * One more tunnel layer: checked against the depth limit, counted, and bounded by the packet that carries it.
     *
     * @param type      of the layer.
     * @param id        its network identifier, if it has one.
     * @param networkId whether it has one (the innermost layer that does names the tunnel).
     * @param innerEnd  end of the packet carrying it: nothing inside may go past it.
     * @param at        offset of the layer, for counting only layers not counted with an earlier frame.
     * @return false when the layer is one too many.
     */
    boolean enterTunnel(
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
    void countFact(final DecodeCounter counter, final int at)
    {
        if (at >= factsFrom)
        {
            counters.increment(counter);
        }
    }

    /**
     * A header that does not fit: cut by the snap length if the packet really is longer than what was captured,
     * otherwise the packet is lying about its own structure.
     */
    DecodeCounter headerCutShort(final int headerEnd, final int packetEnd, final DecodeCounter malformed)
    {
        return headerEnd <= packetEnd && headerEnd > frameEnd ? DecodeCounter.TRUNCATED_FRAME : malformed;
    }

    /**
     * A symmetric tag of the innermost packet's addresses with a number from each side (ports, or an IPv4 or IPv6
     * identification): the duplicate filter's flow.
     */
    long addressTag(final int sourceNumber, final int destinationNumber)
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

    /**
     * Forget the layers found so far: a new frame, or a reassembled datagram decoded again from its link layer.
     */
    void resetLayers()
    {
        outerVlanId = metadataVlanTci == Frame.NO_VLAN_TCI ? PacketDecoder.NO_VLAN : metadataVlanTci & 0x0FFF;
        vlanCount = outerVlanId == PacketDecoder.NO_VLAN ? 0 : 1;
        innerVlanId = PacketDecoder.NO_VLAN;
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
     * @return offset of the source address; the destination address follows it.
     */
    public int sourceAddressOffset()
    {
        return ipVersion == 6 ? ipv6.sourceAddressOffset() : ipOffset + Ipv4Flyweight.SOURCE_ADDRESS_OFFSET;
    }

    /**
     * @return 4 for IPv4, 16 for IPv6.
     */
    public int addressLength()
    {
        return ipVersion == 6 ? Ipv6Flyweight.ADDRESS_LENGTH : Ipv4Flyweight.ADDRESS_LENGTH;
    }

    /**
     * @return offset of the destination address field of the IP header, the next hop when a source route is under way.
     */
    public int headerDestinationAddressOffset()
    {
        return sourceAddressOffset() + addressLength();
    }

    private static long endpoint(final long address, final int number)
    {
        long z = address * 0x9E37_79B9_7F4A_7C15L + number;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        return z ^ (z >>> 27);
    }
}
