package io.flowtap.capture.codec.layer;

import io.flowtap.capture.Frame;
import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.DuplicateFilter;
import io.flowtap.capture.codec.IpDefragmenter;
import io.flowtap.capture.codec.Ipv4Flyweight;
import io.flowtap.capture.codec.Ipv6Flyweight;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Hands IP fragments to the {@link IpDefragmenter} (after the duplicate filter, keyed by where the fragment was seen
 * so tenants stay apart) and, when one completes its datagram, decodes the datagram's frame from its link layer again,
 * counting only the layers inside the datagram. A datagram inside a reassembled datagram is followed once more, no
 * deeper.
 * <p>
 * Not thread safe: one per decoder.
 */
final class FragmentHandOff
{
    static final int IPV6_FRAGMENT_OFFSET_MASK = 0xFFF8;
    static final int IPV6_MORE_FRAGMENTS = 0x0001;
    private static final int IPV4_FRAGMENT_OFFSET_MASK = 0x1FFF;
    private static final int IPV4_MORE_FRAGMENTS = 0x2000;
    private static final int MAX_REASSEMBLIES = 2;

    private final IpDefragmenter defragmenter;
    private final DuplicateFilter duplicates;
    private LinkLayerDecoder link;

    FragmentHandOff(final IpDefragmenter defragmenter, final DuplicateFilter duplicates)
    {
        this.defragmenter = defragmenter;
        this.duplicates = duplicates;
    }

    void connect(final LinkLayerDecoder link)
    {
        this.link = link;
    }

    /**
     * An IPv4 fragment: held for reassembly, or, when it completes its datagram, the datagram decoded on.
     */
    DecodeCounter fragment4(final DecodedFrame f, final int offset, final int headerLength, final int packetEnd)
    {
        if (defragmenter == null || f.reassemblies == MAX_REASSEMBLIES)
        {
            return DecodeCounter.IP_FRAGMENT;
        }
        if (packetEnd > f.frameEnd)
        {
            // Cut by the snap length: the datagram can never be whole.
            f.counters.increment(DecodeCounter.FRAGMENTS_BAD);
            return DecodeCounter.IP_FRAGMENT;
        }
        if (duplicates != null && duplicates.isDuplicate(f.buffer, offset, 4, packetEnd,
            f.addressTag(f.ipv4.identification(), f.ipv4.identification()), f.timeNs))
        {
            return DecodeCounter.DUPLICATE;
        }
        final int field = f.buffer.getShort(offset + Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) & 0xFFFF;
        final int result = defragmenter.accept(
            f.buffer,
            f.linkOffset,
            offset,
            4,
            offset + headerLength,
            -1,
            offset + headerLength,
            packetEnd,
            (field & IPV4_FRAGMENT_OFFSET_MASK) << 3,
            (field & IPV4_MORE_FRAGMENTS) != 0,
            f.ipv4.identification(),
            f.ipv4.protocol(),
            fragmentContext(f),
            f.timeNs);
        return result == IpDefragmenter.COMPLETE ? decodeReassembled(f) : DecodeCounter.IP_FRAGMENT;
    }

    /**
     * An IPv6 fragment (the fragment header at {@code fragmentHeader}): held, or its datagram decoded on.
     */
    DecodeCounter fragment6(
        final DecodedFrame f,
        final int fragmentHeader,
        final int nextHeaderField,
        final int offsetAndFlags,
        final int packetEnd)
    {
        if (defragmenter == null || f.reassemblies == MAX_REASSEMBLIES)
        {
            return DecodeCounter.IP_FRAGMENT;
        }
        if (packetEnd > f.frameEnd)
        {
            f.counters.increment(DecodeCounter.FRAGMENTS_BAD);
            return DecodeCounter.IP_FRAGMENT;
        }
        final int id = f.buffer.getInt(fragmentHeader + 4, BIG_ENDIAN);
        if (duplicates != null &&
            duplicates.isDuplicate(f.buffer, f.ipOffset, 6, packetEnd, f.addressTag(id, id), f.timeNs))
        {
            return DecodeCounter.DUPLICATE;
        }
        final int result = defragmenter.accept(
            f.buffer,
            f.linkOffset,
            f.ipOffset,
            6,
            fragmentHeader,
            nextHeaderField,
            fragmentHeader + Ipv6Flyweight.FRAGMENT_HEADER_LENGTH,
            packetEnd,
            offsetAndFlags & IPV6_FRAGMENT_OFFSET_MASK,
            (offsetAndFlags & IPV6_MORE_FRAGMENTS) != 0,
            id,
            f.buffer.getByte(fragmentHeader + Ipv6Flyweight.EXTENSION_NEXT_HEADER_OFFSET) & 0xFF,
            fragmentContext(f),
            f.timeNs);
        return result == IpDefragmenter.COMPLETE ? decodeReassembled(f) : DecodeCounter.IP_FRAGMENT;
    }

    /**
     * Where a fragment was seen, so that datagrams of different VLANs and tunnels with the same addresses and
     * identification stay apart.
     */
    private long fragmentContext(final DecodedFrame f)
    {
        return ((long)(f.outerVlanId & 0xFFFF) << 48) | ((long)f.tunnelType << 32) | (f.tunnelId & 0xFFFF_FFFFL);
    }

    /**
     * The datagram the last fragment completed: its frame (the first fragment's outer headers, the whole datagram)
     * decoded from its link layer, as if captured so. The layers before the datagram were counted with the
     * fragment that completed it, so only those inside it count now.
     */
    private DecodeCounter decodeReassembled(final DecodedFrame f)
    {
        f.reassemblies++;
        final int length = defragmenter.outputLength();
        f.buffer = defragmenter.output();
        f.linkOffset = 0;
        f.frameEnd = length;
        f.captureEnd = length;
        f.capturedLength = length;
        f.snapTruncated = false;
        f.frameChecksumStatus = Frame.CHECKSUM_UNKNOWN;
        f.reassembled = true;
        f.factsFrom = defragmenter.outputIpOffset() + 1;
        f.resetLayers();
        return link.decode(f, 0, length, f.linkType);
    }
}
