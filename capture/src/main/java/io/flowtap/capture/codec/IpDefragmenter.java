package io.flowtap.capture.codec;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

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
 * <pre>
 *   datagram offset:  0 ....................................... total
 *   intervals:        [a,b) owned by fragment F1 | [b,c) by F2 | ...  (sorted, disjoint; each remembers its
 *                     fragment's own range, which the policy compares with a newcomer's)
 *   pages:            page table per datagram: offset / PAGE_LENGTH to a page of the pool, or none
 * </pre>
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

    private static final int PAGE_SHIFT = 11;
    private static final int MAX_DATA = 65_535;
    private static final int PAGES_PER_DATAGRAM = (MAX_DATA + PAGE_LENGTH - 1) >> PAGE_SHIFT;
    private static final int KEY_WORDS = 6;
    private static final int INTERVAL_INTS = 4;
    private static final int NONE = -1;
    private static final int UNKNOWN = -1;
    private static final int IPV4_MORE_FRAGMENTS = 0x2000;
    private static final int IPV4_DONT_FRAGMENT = 0x4000;

    private final DecodeCounters counters;
    private final FragmentPolicy.Resolver policies;
    private final int maxDatagrams;
    private final int maxFragments;
    private final int maxIntervals;
    private final int datagramPages;
    private final int poolPages;
    private final long timeoutNs;
    private final FragmentPolicy[] policyValues = FragmentPolicy.values();

    private boolean allocated;
    private long[] keys;
    private int[] hashes;
    private long[] createdNs;
    private int[] lruPrevious;
    private int[] lruNext;
    private int lruHead = NONE;
    private int lruTail = NONE;
    private int[] index;
    private int indexMask;
    private int[] freeTrackers;
    private int freeTrackerCount;
    private int[] pageTable;
    private int[] pagesHeld;
    private int[] intervals;
    private int[] intervalCount;
    private int[] scratch;
    private int[] fragments;
    private int[] totalLength;
    private byte[] policyOf;
    private byte[] versionOf;
    private UnsafeBuffer prefixes;
    private int[] prefixLength;
    private int[] prefixIpOffset;
    private int[] prefixNextHeaderOffset;
    private int[] fragmentNextHeader;
    private UnsafeBuffer pages;
    private int[] freePages;
    private int freePageCount;
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
        this.maxIntervals = 2 * maxFragments + 1;
        this.datagramPages = (context.defragDatagramMemcapBytes() + PAGE_LENGTH - 1) >> PAGE_SHIFT;
        this.poolPages = (int)Math.max(1, Math.min(Integer.MAX_VALUE >> PAGE_SHIFT,
            context.defragMemcapBytes() >> PAGE_SHIFT));
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
        final long perDatagram = KEY_WORDS * Long.BYTES + 2L * Long.BYTES + 14L * Integer.BYTES +
            PAGES_PER_DATAGRAM * Integer.BYTES + (2L * maxFragments + 1) * INTERVAL_INTS * Integer.BYTES;
        return maxDatagrams * perDatagram + (2L * maxFragments + 5) * INTERVAL_INTS * Integer.BYTES;
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
        final long pages = Math.max(1, Math.min(Integer.MAX_VALUE >> PAGE_SHIFT, memcapBytes >> PAGE_SHIFT));
        return (long)maxDatagrams * MAX_PREFIX_LENGTH + pages * PAGE_LENGTH;
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
        int tracker = find(hash, srcHigh, srcLow, dstHigh, dstLow, meta, context);
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
            if (total == UNKNOWN && end >= highestEnd(tracker))
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
        if (totalLength[tracker] == UNKNOWN || prefixLength[tracker] == UNKNOWN || !isWhole(tracker))
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
        return allocated ? maxDatagrams - freeTrackerCount : 0;
    }

    /**
     * Give up every datagram that has waited longer than the timeout at {@code nowNs} (counted as timed out).
     *
     * @param nowNs on the packets' clock.
     */
    public void expire(final long nowNs)
    {
        while (lruHead != NONE && nowNs - createdNs[lruHead] >= timeoutNs)
        {
            counters.add(DecodeCounter.FRAGMENTS_TIMED_OUT, fragments[lruHead]);
            release(lruHead);
        }
    }

    private void allocate()
    {
        // Cold path, once: the first fragment this decoder ever sees.
        allocated = true;
        keys = new long[maxDatagrams * KEY_WORDS];
        hashes = new int[maxDatagrams];
        createdNs = new long[maxDatagrams];
        lruPrevious = new int[maxDatagrams];
        lruNext = new int[maxDatagrams];
        final int indexLength = BitUtil.findNextPositivePowerOfTwo(maxDatagrams * 2);
        index = new int[indexLength];
        indexMask = indexLength - 1;
        freeTrackers = new int[maxDatagrams];
        for (int i = 0; i < maxDatagrams; i++)
        {
            freeTrackers[i] = maxDatagrams - 1 - i;
        }
        freeTrackerCount = maxDatagrams;
        pageTable = new int[maxDatagrams * PAGES_PER_DATAGRAM];
        Arrays.fill(pageTable, NONE);
        pagesHeld = new int[maxDatagrams];
        intervals = new int[maxDatagrams * maxIntervals * INTERVAL_INTS];
        intervalCount = new int[maxDatagrams];
        scratch = new int[(maxIntervals + 4) * INTERVAL_INTS];
        fragments = new int[maxDatagrams];
        totalLength = new int[maxDatagrams];
        policyOf = new byte[maxDatagrams];
        versionOf = new byte[maxDatagrams];
        prefixes = new UnsafeBuffer(BufferUtil.allocateDirectAligned(maxDatagrams * MAX_PREFIX_LENGTH, 64));
        prefixLength = new int[maxDatagrams];
        prefixIpOffset = new int[maxDatagrams];
        prefixNextHeaderOffset = new int[maxDatagrams];
        fragmentNextHeader = new int[maxDatagrams];
        pages = new UnsafeBuffer(BufferUtil.allocateDirectAligned(poolPages * PAGE_LENGTH, 64));
        freePages = new int[poolPages];
        for (int i = 0; i < poolPages; i++)
        {
            freePages[i] = poolPages - 1 - i;
        }
        freePageCount = poolPages;
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
        if (freeTrackerCount == 0)
        {
            // Every slot taken: the datagram waiting longest is the least likely to complete.
            counters.add(DecodeCounter.FRAGMENTS_MEMCAP, fragments[lruHead]);
            release(lruHead);
        }
        final int tracker = freeTrackers[--freeTrackerCount];
        final int base = tracker * KEY_WORDS;
        keys[base] = srcHigh;
        keys[base + 1] = srcLow;
        keys[base + 2] = dstHigh;
        keys[base + 3] = dstLow;
        keys[base + 4] = meta;
        keys[base + 5] = context;
        hashes[tracker] = hash;
        createdNs[tracker] = timeNs;
        fragments[tracker] = 0;
        totalLength[tracker] = UNKNOWN;
        prefixLength[tracker] = UNKNOWN;
        intervalCount[tracker] = 0;
        pagesHeld[tracker] = 0;
        versionOf[tracker] = (byte)version;
        policyOf[tracker] = (byte)policies.policyFor(version, dstHigh, dstLow).ordinal();
        lruPrevious[tracker] = lruTail;
        lruNext[tracker] = NONE;
        if (lruTail != NONE)
        {
            lruNext[lruTail] = tracker;
        }
        else
        {
            lruHead = tracker;
        }
        lruTail = tracker;
        int slot = hash & indexMask;
        while (index[slot] != 0)
        {
            slot = (slot + 1) & indexMask;
        }
        index[slot] = tracker + 1;
        return tracker;
    }

    private int find(
        final int hash,
        final long srcHigh,
        final long srcLow,
        final long dstHigh,
        final long dstLow,
        final long meta,
        final long context)
    {
        for (int slot = hash & indexMask; index[slot] != 0; slot = (slot + 1) & indexMask)
        {
            final int tracker = index[slot] - 1;
            final int base = tracker * KEY_WORDS;
            if (hashes[tracker] == hash && keys[base] == srcHigh && keys[base + 1] == srcLow &&
                keys[base + 2] == dstHigh && keys[base + 3] == dstLow && keys[base + 4] == meta &&
                keys[base + 5] == context)
            {
                return tracker;
            }
        }
        return NONE;
    }

    private void release(final int tracker)
    {
        fragmentsHeld -= fragments[tracker];
        final int pageBase = tracker * PAGES_PER_DATAGRAM;
        for (int p = 0; p < PAGES_PER_DATAGRAM; p++)
        {
            final int page = pageTable[pageBase + p];
            if (page != NONE)
            {
                freePages[freePageCount++] = page;
                pageTable[pageBase + p] = NONE;
            }
        }
        pagesHeld[tracker] = 0;
        fragments[tracker] = 0;

        // Linear probing: delete by shifting back the entries that probed past the hole.
        int hole = hashes[tracker] & indexMask;
        while (index[hole] != tracker + 1)
        {
            hole = (hole + 1) & indexMask;
        }
        int next = hole;
        while (true)
        {
            next = (next + 1) & indexMask;
            if (index[next] == 0)
            {
                break;
            }
            final int home = hashes[index[next] - 1] & indexMask;
            final boolean movable = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
            if (movable)
            {
                index[hole] = index[next];
                hole = next;
            }
        }
        index[hole] = 0;

        final int previous = lruPrevious[tracker];
        final int following = lruNext[tracker];
        if (previous != NONE)
        {
            lruNext[previous] = following;
        }
        else
        {
            lruHead = following;
        }
        if (following != NONE)
        {
            lruPrevious[following] = previous;
        }
        else
        {
            lruTail = previous;
        }
        freeTrackers[freeTrackerCount++] = tracker;
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

    private int highestEnd(final int tracker)
    {
        final int count = intervalCount[tracker];
        return count == 0 ? 0 : intervals[(tracker * maxIntervals + count - 1) * INTERVAL_INTS + 1];
    }

    /**
     * Merge the fragment's bytes into the datagram's intervals: where it covers nothing, its bytes are written;
     * where it overlaps a held fragment's bytes, the policy decides whose stay, and differing bytes are a conflict.
     */
    private boolean insert(
        final int tracker, final DirectBuffer buffer, final int dataOffset, final int start, final int end)
    {
        final FragmentPolicy policy = policyValues[policyOf[tracker]];
        final int base = tracker * maxIntervals * INTERVAL_INTS;
        final int count = intervalCount[tracker];
        int out = 0;
        int cursor = start;
        boolean overlapped = false;
        boolean conflict = false;
        for (int i = 0; i < count; i++)
        {
            final int at = base + i * INTERVAL_INTS;
            final int heldStart = intervals[at];
            final int heldEnd = intervals[at + 1];
            final int ownerStart = intervals[at + 2];
            final int ownerEnd = intervals[at + 3];
            if (heldEnd <= cursor || heldStart >= end)
            {
                if (heldStart >= end && cursor < end)
                {
                    if (!write(tracker, cursor, buffer, dataOffset + cursor - start, end - cursor))
                    {
                        return memcap(tracker);
                    }
                    out = emit(out, cursor, end, start, end);
                    cursor = end;
                }
                out = emit(out, heldStart, heldEnd, ownerStart, ownerEnd);
                continue;
            }
            if (heldStart > cursor)
            {
                if (!write(tracker, cursor, buffer, dataOffset + cursor - start, heldStart - cursor))
                {
                    return memcap(tracker);
                }
                out = emit(out, cursor, heldStart, start, end);
                cursor = heldStart;
            }
            if (heldStart < cursor)
            {
                out = emit(out, heldStart, cursor, ownerStart, ownerEnd);
            }
            final int overlapEnd = Math.min(heldEnd, end);
            overlapped = true;
            final int length = overlapEnd - cursor;
            if (!equal(tracker, cursor, buffer, dataOffset + cursor - start, length))
            {
                conflict = true;
            }
            if (policy.newWins(start, end, ownerStart, ownerEnd))
            {
                write(tracker, cursor, buffer, dataOffset + cursor - start, length);
                out = emit(out, cursor, overlapEnd, start, end);
            }
            else
            {
                out = emit(out, cursor, overlapEnd, ownerStart, ownerEnd);
            }
            if (heldEnd > overlapEnd)
            {
                out = emit(out, overlapEnd, heldEnd, ownerStart, ownerEnd);
            }
            cursor = overlapEnd;
            if (out > maxIntervals)
            {
                break;
            }
        }
        if (cursor < end && out <= maxIntervals)
        {
            if (!write(tracker, cursor, buffer, dataOffset + cursor - start, end - cursor))
            {
                return memcap(tracker);
            }
            out = emit(out, cursor, end, start, end);
        }
        if (out > maxIntervals)
        {
            counters.add(DecodeCounter.FRAGMENTS_TOO_MANY, fragments[tracker] + 1);
            release(tracker);
            return false;
        }
        if (overlapped)
        {
            counters.increment(DecodeCounter.FRAGMENT_OVERLAPS);
        }
        if (conflict)
        {
            counters.increment(DecodeCounter.FRAGMENT_OVERLAP_CONFLICTS);
        }
        System.arraycopy(scratch, 0, intervals, base, out * INTERVAL_INTS);
        intervalCount[tracker] = out;
        return true;
    }

    private int emit(final int out, final int start, final int end, final int ownerStart, final int ownerEnd)
    {
        if (out > maxIntervals || start >= end)
        {
            return out;
        }
        if (out > 0)
        {
            final int last = (out - 1) * INTERVAL_INTS;
            if (scratch[last + 1] == start && scratch[last + 2] == ownerStart && scratch[last + 3] == ownerEnd)
            {
                scratch[last + 1] = end;
                return out;
            }
        }
        final int at = out * INTERVAL_INTS;
        scratch[at] = start;
        scratch[at + 1] = end;
        scratch[at + 2] = ownerStart;
        scratch[at + 3] = ownerEnd;
        return out + 1;
    }

    private boolean memcap(final int tracker)
    {
        counters.add(DecodeCounter.FRAGMENTS_MEMCAP, fragments[tracker] + 1);
        release(tracker);
        return false;
    }

    private boolean write(
        final int tracker, final int datagramOffset, final DirectBuffer buffer, final int offset, final int length)
    {
        int done = 0;
        while (done < length)
        {
            final int position = datagramOffset + done;
            final int pageIndex = position >> PAGE_SHIFT;
            final int within = position & (PAGE_LENGTH - 1);
            final int chunk = Math.min(length - done, PAGE_LENGTH - within);
            final int entry = tracker * PAGES_PER_DATAGRAM + pageIndex;
            int page = pageTable[entry];
            if (page == NONE)
            {
                if (pagesHeld[tracker] == datagramPages || !takePage(tracker))
                {
                    return false;
                }
                page = freePages[--freePageCount];
                pageTable[entry] = page;
                pagesHeld[tracker]++;
            }
            pages.putBytes(page * PAGE_LENGTH + within, buffer, offset + done, chunk);
            done += chunk;
        }
        return true;
    }

    /**
     * A page is free, or can be made free by giving up the oldest other datagrams.
     */
    private boolean takePage(final int tracker)
    {
        while (freePageCount == 0)
        {
            final int oldest = lruHead != tracker ? lruHead : lruNext[tracker];
            if (oldest == NONE)
            {
                return false;
            }
            counters.add(DecodeCounter.FRAGMENTS_MEMCAP, fragments[oldest]);
            release(oldest);
        }
        return true;
    }

    private boolean equal(
        final int tracker, final int datagramOffset, final DirectBuffer buffer, final int offset, final int length)
    {
        int done = 0;
        while (done < length)
        {
            final int position = datagramOffset + done;
            final int within = position & (PAGE_LENGTH - 1);
            final int chunk = Math.min(length - done, PAGE_LENGTH - within);
            final int page = pageTable[tracker * PAGES_PER_DATAGRAM + (position >> PAGE_SHIFT)];
            final int pageOffset = page * PAGE_LENGTH + within;
            for (int i = 0; i < chunk; i++)
            {
                if (pages.getByte(pageOffset + i) != buffer.getByte(offset + done + i))
                {
                    return false;
                }
            }
            done += chunk;
        }
        return true;
    }

    private boolean isWhole(final int tracker)
    {
        final int base = tracker * maxIntervals * INTERVAL_INTS;
        final int count = intervalCount[tracker];
        int covered = 0;
        for (int i = 0; i < count; i++)
        {
            final int at = base + i * INTERVAL_INTS;
            if (intervals[at] != covered)
            {
                return false;
            }
            covered = intervals[at + 1];
        }
        return covered >= totalLength[tracker];
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
        final int pageBase = tracker * PAGES_PER_DATAGRAM;
        for (int position = 0; position < total; position += PAGE_LENGTH)
        {
            final int page = pageTable[pageBase + (position >> PAGE_SHIFT)];
            out.putBytes(prefix + position, pages, page * PAGE_LENGTH, Math.min(PAGE_LENGTH, total - position));
        }
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
