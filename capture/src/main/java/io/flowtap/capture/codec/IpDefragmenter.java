package io.flowtap.capture.codec;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Reassembles IPv4 and IPv6 datagrams from their fragments, for {@link PacketDecoder}: each fragment's bytes are
 * copied into fixed pages, overlaps are resolved byte range by byte range with the destination host's
 * {@link FragmentPolicy}, and once a datagram is whole it is written out as a frame of its own (the first fragment's
 * link and tunnel headers, its IP header made whole again, then the datagram's payload), which the decoder decodes
 * as if it had been captured so.
 * <p>
 * A datagram is identified as its receiver identifies it (addresses, identification, protocol for IPv4) and by where
 * it was seen (outer VLAN, tunnel), so tenants' fragments with the same identification do not mix. Limits, each
 * with its counter: fragments per datagram, bytes per datagram and over all datagrams (pages of
 * {@value #PAGE_LENGTH} bytes), datagrams at once (the oldest is given up for a new one), and a timeout from a
 * datagram's first fragment on the packets' clock.
 * <p>
 * Memory is taken on the first fragment and never again: a decoder that never sees a fragment costs nothing, and the
 * steady state allocates nothing. Not thread safe: owned by its decoder's thread.
 * <p>
 * Its parts: a {@link DatagramTable} of the datagrams under way (key index, age order), {@link FragmentPages} for
 * their bytes, and {@link FragmentIntervals}, which bytes each holds and from which fragment; this class applies the
 * limits, keeps the first fragment's headers and writes the datagram out.
 */
public final class IpDefragmenter
{
    /** Bytes per page of fragment storage. */
    public static final int PAGE_LENGTH = 2048;
    /** Most datagrams reassembled at once. */
    public static final int MAX_DATAGRAMS = 1 << 20;
    /** Most fragments a datagram may be configured to have. */
    public static final int MAX_FRAGMENTS = 1024;
    /** Most bytes in front of the fragmented data kept from the first fragment: link, tunnels and IP headers. */
    public static final int MAX_PREFIX_LENGTH = 512;
    /** {@link #accept} result: the fragment is held, its datagram is not whole yet. */
    public static final int HELD = 0;
    /** {@link #accept} result: the datagram is whole; {@link #output()} holds it. */
    public static final int COMPLETE = 1;
    /** {@link #accept} result: the fragment was given up (counted under its reason). */
    public static final int DROPPED = 2;

    private static final int MAX_DATA = FragmentPages.MAX_DATA;
    private static final int NONE = DatagramTable.NONE;
    private static final int UNKNOWN = -1;
    private static final int IPV4_MORE_FRAGMENTS = 0x2000;
    private static final int IPV4_DONT_FRAGMENT = 0x4000;

    private final DecodeCounters counters;
    private final FragmentPolicy.Resolver policies;
    private final int maxDatagrams;
    private final int maxFragments;
    private final long timeoutNs;
    private final FragmentPolicy[] policyValues = FragmentPolicy.values();

    private final DatagramTable table;
    private final FragmentPages pages;
    private final FragmentIntervals intervals;

    private boolean allocated;
    private int[] fragments;
    private int[] totalLength;
    private byte[] policyOf;
    private byte[] versionOf;
    private UnsafeBuffer prefixes;
    private int[] prefixLength;
    private int[] prefixIpOffset;
    private int[] prefixNextHeaderOffset;
    private int[] fragmentNextHeader;
    private final UnsafeBuffer[] outputs = new UnsafeBuffer[2];
    private int outputIndex;
    private int outputLength;
    private int outputIpOffset;
    private long fragmentsHeld;

    /**
     * @param context  limits, timeout and policies; concluded.
     * @param counters to count outcomes in (the decoder's).
     */
    public IpDefragmenter(final DecoderContext context, final DecodeCounters counters)
    {
        this.counters = counters;
        this.policies = context.fragmentPolicies();
        this.maxDatagrams = context.defragMaxDatagrams();
        this.maxFragments = context.defragMaxFragments();
        this.table = new DatagramTable(maxDatagrams);
        this.pages = new FragmentPages(
            this, maxDatagrams, context.defragDatagramMemcapBytes(), context.defragMemcapBytes());
        this.intervals = new FragmentIntervals(pages, maxDatagrams, maxFragments);
        this.timeoutNs = context.defragTimeoutNs();
    }

    /**
     * What a reassembler with these settings allocates when its first fragment comes, in the Java heap: the
     * per-datagram bookkeeping, its page table and its intervals (two per fragment and one, four ints each).
     *
     * @param maxDatagrams datagrams reassembled at once.
     * @param maxFragments fragments per datagram.
     * @return bytes, about.
     */
    public static long heapBytes(final int maxDatagrams, final int maxFragments)
    {
        final long perDatagram = DatagramTable.KEY_WORDS * Long.BYTES + 2L * Long.BYTES + 14L * Integer.BYTES +
            FragmentPages.PAGES_PER_DATAGRAM * Integer.BYTES +
            (2L * maxFragments + 1) * FragmentIntervals.INTERVAL_INTS * Integer.BYTES;
        return maxDatagrams * perDatagram + (2L * maxFragments + 5) * FragmentIntervals.INTERVAL_INTS * Integer.BYTES;
    }

    /**
     * What a reassembler with these settings allocates off the heap when its first fragment comes: the first
     * fragments' headers and the page pool.
     *
     * @param maxDatagrams datagrams reassembled at once.
     * @param memcapBytes  bytes of fragments held over every datagram.
     * @return bytes, about.
     */
    public static long directBytes(final int maxDatagrams, final long memcapBytes)
    {
        return (long)maxDatagrams * MAX_PREFIX_LENGTH + (long)FragmentPages.poolPages(memcapBytes) * PAGE_LENGTH;
    }

    /**
     * Take one fragment: the caller has checked that its headers and data are within the frame as captured.
     *
     * @param buffer                holding the frame.
     * @param linkOffset            of the frame's first byte.
     * @param ipOffset              of the fragmented packet's IP header.
     * @param version               4 or 6.
     * @param prefixEnd             end of what a reassembled datagram keeps from its first fragment: the IPv4
     *                              header's end, or the start of the IPv6 fragment header.
     * @param nextHeaderFieldOffset IPv6: the byte that names the fragment header, to name what it carried instead;
     *                              IPv4: unused.
     * @param dataOffset            of the fragment's data.
     * @param dataEnd               end of its data.
     * @param fragmentOffset        of its data in the datagram, in bytes.
     * @param moreFragments         whether more fragments follow it.
     * @param id                    the datagram's identification.
     * @param nextProtocol          IPv4: the protocol; IPv6: the fragment header's next header.
     * @param context               where the datagram was seen (VLAN, tunnel), so that datagrams of different
     *                              networks stay apart.
     * @param timeNs                capture time, which also expires datagrams that waited too long.
     * @return {@link #HELD}, {@link #COMPLETE} or {@link #DROPPED}.
     */
    public int accept(
        final DirectBuffer buffer,
        final int linkOffset,
        final int ipOffset,
        final int version,
        final int prefixEnd,
        final int nextHeaderFieldOffset,
        final int dataOffset,
        final int dataEnd,
        final int fragmentOffset,
        final boolean moreFragments,
        final long id,
        final int nextProtocol,
        final long context,
        final long timeNs)
    {
        if (!allocated)
        {
            allocate();
        }
        expire(timeNs);
        final int length = dataEnd - dataOffset;
        final int end = fragmentOffset + length;
        if (end > MAX_DATA || (moreFragments && (length & 7) != 0) || (length == 0 && moreFragments))
        {
            counters.increment(DecodeCounter.FRAGMENTS_BAD);
            return DROPPED;
        }

        final long srcHigh;
        final long srcLow;
        final long dstHigh;
        final long dstLow;
        if (version == 4)
        {
            srcHigh = 0;
            srcLow = buffer.getInt(ipOffset + Ipv4Flyweight.SOURCE_ADDRESS_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
            dstHigh = 0;
            dstLow = buffer.getInt(ipOffset + Ipv4Flyweight.DESTINATION_ADDRESS_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
        }
        else
        {
            srcHigh = buffer.getLong(ipOffset + Ipv6Flyweight.SOURCE_ADDRESS_OFFSET, BIG_ENDIAN);
            srcLow = buffer.getLong(ipOffset + Ipv6Flyweight.SOURCE_ADDRESS_OFFSET + 8, BIG_ENDIAN);
            dstHigh = buffer.getLong(ipOffset + Ipv6Flyweight.DESTINATION_ADDRESS_OFFSET, BIG_ENDIAN);
            dstLow = buffer.getLong(ipOffset + Ipv6Flyweight.DESTINATION_ADDRESS_OFFSET + 8, BIG_ENDIAN);
        }
        final long meta = version | ((long)(version == 4 ? nextProtocol : 0) << 8) | ((id & 0xFFFF_FFFFL) << 16);
        final int hash = hash(srcHigh, srcLow, dstHigh, dstLow, meta, context);
        int tracker = table.find(hash, srcHigh, srcLow, dstHigh, dstLow, meta, context);
        if (tracker == NONE)
        {
            tracker = create(hash, srcHigh, srcLow, dstHigh, dstLow, meta, context, version, timeNs);
        }

        if (fragments[tracker] == maxFragments)
        {
            counters.add(DecodeCounter.FRAGMENTS_TOO_MANY, fragments[tracker] + 1);
            release(tracker);
            return DROPPED;
        }
        final int total = totalLength[tracker];
        if (!moreFragments)
        {
            if (total == UNKNOWN && end >= intervals.highestEnd(tracker))
            {
                totalLength[tracker] = end;
            }
            else if (total != end)
            {
                // A second "last" fragment that disagrees, or one before bytes already held: not this datagram's.
                counters.increment(DecodeCounter.FRAGMENTS_BAD);
                return DROPPED;
            }
        }
        else if (total != UNKNOWN && end > total)
        {
            counters.increment(DecodeCounter.FRAGMENTS_BAD);
            return DROPPED;
        }
        if (fragmentOffset == 0 && prefixLength[tracker] == UNKNOWN)
        {
            if (!keepPrefix(tracker, buffer, linkOffset, ipOffset, prefixEnd, nextHeaderFieldOffset, nextProtocol))
            {
                counters.increment(DecodeCounter.FRAGMENTS_BAD);
                return DROPPED;
            }
        }
        if (!insert(tracker, buffer, dataOffset, fragmentOffset, end))
        {
            return DROPPED;
        }
        fragments[tracker]++;
        fragmentsHeld++;
        if (totalLength[tracker] == UNKNOWN || prefixLength[tracker] == UNKNOWN ||
            !intervals.isWhole(tracker, totalLength[tracker]))
        {
            return HELD;
        }
        final boolean written = writeOutput(tracker);
        if (written)
        {
            counters.increment(DecodeCounter.DATAGRAMS_REASSEMBLED);
        }
        else
        {
            counters.add(DecodeCounter.FRAGMENTS_BAD, fragments[tracker]);
        }
        release(tracker);
        return written ? COMPLETE : DROPPED;
    }

    /**
     * @return the datagram {@link #accept} last completed, as a frame from offset 0; valid until the next call but
     * one (two buffers alternate, so that a datagram reassembled from fragments inside a reassembled one can be).
     */
    public UnsafeBuffer output()
    {
        return outputs[outputIndex];
    }

    /**
     * @return bytes of {@link #output()}.
     */
    public int outputLength()
    {
        return outputLength;
    }

    /**
     * @return offset in {@link #output()} of the reassembled datagram's IP header.
     */
    public int outputIpOffset()
    {
        return outputIpOffset;
    }

    /**
     * @return fragments held now, waiting for the rest of their datagrams.
     */
    public long fragmentsHeld()
    {
        return fragmentsHeld;
    }

    /**
     * @return datagrams being reassembled now.
     */
    public int datagramsHeld()
    {
        return allocated ? table.size() : 0;
    }

    /**
     * Give up every datagram that has waited longer than the timeout at {@code nowNs} (counted as timed out).
     *
     * @param nowNs on the packets' clock.
     */
    public void expire(final long nowNs)
    {
        for (int oldest = table.oldest(); oldest != NONE && nowNs - table.createdNs(oldest) >= timeoutNs;
            oldest = table.oldest())
        {
            counters.add(DecodeCounter.FRAGMENTS_TIMED_OUT, fragments[oldest]);
            release(oldest);
        }
    }

    private void allocate()
    {
        // Cold path, once: the first fragment this decoder ever sees.
        allocated = true;
        table.allocate();
        pages.allocate();
        intervals.allocate();
        fragments = new int[maxDatagrams];
        totalLength = new int[maxDatagrams];
        policyOf = new byte[maxDatagrams];
        versionOf = new byte[maxDatagrams];
        prefixes = new UnsafeBuffer(BufferUtil.allocateDirectAligned(maxDatagrams * MAX_PREFIX_LENGTH, 64));
        prefixLength = new int[maxDatagrams];
        prefixIpOffset = new int[maxDatagrams];
        prefixNextHeaderOffset = new int[maxDatagrams];
        fragmentNextHeader = new int[maxDatagrams];
        for (int i = 0; i < outputs.length; i++)
        {
            outputs[i] = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
                BitUtil.findNextPositivePowerOfTwo(MAX_PREFIX_LENGTH + MAX_DATA + 1), 64));
        }
    }

    private int create(
        final int hash,
        final long srcHigh,
        final long srcLow,
        final long dstHigh,
        final long dstLow,
        final long meta,
        final long context,
        final int version,
        final long timeNs)
    {
        if (table.isFull())
        {
            // Every slot taken: the datagram waiting longest is the least likely to complete.
            final int oldest = table.oldest();
            counters.add(DecodeCounter.FRAGMENTS_MEMCAP, fragments[oldest]);
            release(oldest);
        }
        final int tracker = table.add(hash, srcHigh, srcLow, dstHigh, dstLow, meta, context, timeNs);
        fragments[tracker] = 0;
        totalLength[tracker] = UNKNOWN;
        prefixLength[tracker] = UNKNOWN;
        intervals.clear(tracker);
        versionOf[tracker] = (byte)version;
        policyOf[tracker] = (byte)policies.policyFor(version, dstHigh, dstLow).ordinal();
        return tracker;
    }

    private void release(final int tracker)
    {
        fragmentsHeld -= fragments[tracker];
        pages.release(tracker);
        fragments[tracker] = 0;
        table.remove(tracker);
    }

    /**
     * The page pool is empty: give up the oldest datagrams other than {@code tracker} until a page is free.
     *
     * @return false when there is no other datagram to give up.
     */
    boolean makeRoom(final int tracker)
    {
        while (!pages.hasFreePage())
        {
            final int oldest = table.oldest() != tracker ? table.oldest() : table.newer(tracker);
            if (oldest == NONE)
            {
                return false;
            }
            counters.add(DecodeCounter.FRAGMENTS_MEMCAP, fragments[oldest]);
            release(oldest);
        }
        return true;
    }

    private boolean keepPrefix(
        final int tracker,
        final DirectBuffer buffer,
        final int linkOffset,
        final int ipOffset,
        final int prefixEnd,
        final int nextHeaderFieldOffset,
        final int nextProtocol)
    {
        final int length = prefixEnd - linkOffset;
        if (length > MAX_PREFIX_LENGTH)
        {
            return false;
        }
        prefixes.putBytes(tracker * MAX_PREFIX_LENGTH, buffer, linkOffset, length);
        prefixLength[tracker] = length;
        prefixIpOffset[tracker] = ipOffset - linkOffset;
        prefixNextHeaderOffset[tracker] = nextHeaderFieldOffset - linkOffset;
        fragmentNextHeader[tracker] = nextProtocol;
        return true;
    }

    /**
     * Merge the fragment into its datagram, counting overlaps and conflicts, or give the datagram up when it cannot be.
     */
    private boolean insert(
        final int tracker, final DirectBuffer buffer, final int dataOffset, final int start, final int end)
    {
        final int result = intervals.insert(tracker, policyValues[policyOf[tracker]], buffer, dataOffset, start, end);
        if (result < 0)
        {
            counters.add(result == FragmentIntervals.NO_PAGE ?
                DecodeCounter.FRAGMENTS_MEMCAP : DecodeCounter.FRAGMENTS_TOO_MANY, fragments[tracker] + 1);
            release(tracker);
            return false;
        }
        if ((result & FragmentIntervals.OVERLAPPED) != 0)
        {
            counters.increment(DecodeCounter.FRAGMENT_OVERLAPS);
        }
        if ((result & FragmentIntervals.CONFLICT) != 0)
        {
            counters.increment(DecodeCounter.FRAGMENT_OVERLAP_CONFLICTS);
        }
        return true;
    }

    /**
     * The first fragment's headers, made whole (lengths, no fragment fields), then the datagram's bytes.
     */
    private boolean writeOutput(final int tracker)
    {
        final int prefix = prefixLength[tracker];
        final int ipOffset = prefixIpOffset[tracker];
        final int total = totalLength[tracker];
        final int ipLength = prefix - ipOffset + total;
        final boolean v4 = versionOf[tracker] == 4;
        if ((v4 ? ipLength : ipLength - Ipv6Flyweight.HEADER_LENGTH) > MAX_DATA)
        {
            // Larger than any IP datagram can be: the "ping of death".
            return false;
        }
        outputIndex ^= 1;
        final UnsafeBuffer out = outputs[outputIndex];
        out.putBytes(0, prefixes, tracker * MAX_PREFIX_LENGTH, prefix);
        if (v4)
        {
            out.putShort(ipOffset + Ipv4Flyweight.TOTAL_LENGTH_OFFSET, (short)ipLength, BIG_ENDIAN);
            final int flags = out.getShort(ipOffset + Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN);
            out.putShort(ipOffset + Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET, (short)(flags & IPV4_DONT_FRAGMENT &
                ~IPV4_MORE_FRAGMENTS), BIG_ENDIAN);
            out.putShort(ipOffset + Ipv4Flyweight.CHECKSUM_OFFSET, (short)0);
            final int headerLength = (out.getByte(ipOffset) & 0x0F) << 2;
            out.putShort(ipOffset + Ipv4Flyweight.CHECKSUM_OFFSET,
                (short)~InternetChecksum.fold(InternetChecksum.sum(out, ipOffset, headerLength)), LITTLE_ENDIAN);
        }
        else
        {
            out.putShort(ipOffset + Ipv6Flyweight.PAYLOAD_LENGTH_OFFSET,
                (short)(ipLength - Ipv6Flyweight.HEADER_LENGTH), BIG_ENDIAN);
            out.putByte(prefixNextHeaderOffset[tracker], (byte)fragmentNextHeader[tracker]);
        }
        pages.copyOut(tracker, out, prefix, total);
        outputLength = prefix + total;
        outputIpOffset = ipOffset;
        return true;
    }

    private static int hash(
        final long srcHigh, final long srcLow, final long dstHigh, final long dstLow, final long meta,
        final long context)
    {
        long h = srcHigh * 0x9E37_79B9_7F4A_7C15L + srcLow * 0xC2B2_AE3D_27D4_EB4FL +
            dstHigh * 0x1656_67B1_9E37_79F9L + dstLow * 0x85EB_CA77_C2B2_AE63L + meta * 0x27D4_EB2F_1656_67C5L +
            context * 0x94D0_49BB_1331_11EBL;
        h ^= h >>> 31;
        h *= 0xBF58_476D_1CE4_E5B9L;
        return (int)(h ^ (h >>> 32));
    }
}
