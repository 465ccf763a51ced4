package io.flowtap.capture.codec;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Recognises the second copy of a packet that a SPAN port or a pair of taps delivers: an IP packet identical to the
 * last one seen in its flow (IP header less the TTL or hop limit and the header checksum, which a router between the
 * two copy points changes, then every byte after it), seen within a short window. A real retransmission comes later
 * than that, or after some other packet of the flow, and is kept.
 * <p>
 * Memory is bounded: one slot per flow hash, the last packet's content hash, length and time. Two flows sharing a
 * slot evict each other, so a copy may be missed (it then reaches reassembly as a retransmission); two different
 * packets are never taken for copies unless their 64-bit content hashes and lengths collide.
 * <p>
 * Not thread safe: owned by its decoder's thread. Allocates only when made.
 */
public final class DuplicateFilter
{
    private static final long IPV4_SECOND_WORD_MASK = 0x00FF_0000_FFFF_FFFFL;
    private static final long IPV6_FIRST_WORD_MASK = 0xFFFF_FFFF_FFFF_FF00L;
    private static final long K0 = 0x9E37_79B9_7F4A_7C15L;
    private static final long K1 = 0xC2B2_AE3D_27D4_EB4FL;

    private final long windowNs;
    private final int mask;
    private final long[] flowTags;
    private final long[] contentHashes;
    private final long[] times;
    private final int[] lengths;

    /**
     * @param windowNs how close in time the copies must be.
     * @param slots    flows remembered (rounded up to a power of two).
     */
    public DuplicateFilter(final long windowNs, final int slots)
    {
        this.windowNs = windowNs;
        final int capacity = BitUtil.findNextPositivePowerOfTwo(slots);
        this.mask = capacity - 1;
        this.flowTags = new long[capacity];
        this.contentHashes = new long[capacity];
        this.times = new long[capacity];
        this.lengths = new int[capacity];
    }

    /**
     * Check a packet and remember it as its flow's last one unless it is a copy.
     *
     * @param buffer   holding the packet.
     * @param ipOffset of its IP header.
     * @param version  4 or 6.
     * @param end      end of what was captured of it.
     * @param flowTag  the same for every packet of a flow, either way (the decoder's symmetric address and port
     *                 hash).
     * @param timeNs   capture time.
     * @return whether it is a copy of the flow's last packet within the window.
     */
    public boolean isDuplicate(
        final DirectBuffer buffer, final int ipOffset, final int version, final int end, final long flowTag,
        final long timeNs)
    {
        final int length = end - ipOffset;
        final long content = contentHash(buffer, ipOffset, version, length);
        final int slot = (int)mix(flowTag) & mask;
        if (flowTags[slot] == flowTag && contentHashes[slot] == content && lengths[slot] == length &&
            timeNs - times[slot] <= windowNs && timeNs >= times[slot])
        {
            // The first copy's time stays: a third copy must be within the window of the first too.
            return true;
        }
        flowTags[slot] = flowTag;
        contentHashes[slot] = content;
        lengths[slot] = length;
        times[slot] = timeNs;
        return false;
    }

    private static long contentHash(final DirectBuffer buffer, final int offset, final int version, final int length)
    {
        long h = length * K1;
        int i = 0;
        if (length >= 16)
        {
            final long first = buffer.getLong(offset, BIG_ENDIAN);
            final long second = buffer.getLong(offset + 8, BIG_ENDIAN);
            h = step(h, version == 4 ? first : first & IPV6_FIRST_WORD_MASK);
            h = step(h, version == 4 ? second & IPV4_SECOND_WORD_MASK : second);
            i = 16;
        }
        for (; i + 8 <= length; i += 8)
        {
            h = step(h, buffer.getLong(offset + i, LITTLE_ENDIAN));
        }
        long tail = 0;
        for (int shift = 0; i < length; i++, shift += 8)
        {
            tail |= (buffer.getByte(offset + i) & 0xFFL) << shift;
        }
        return mix(step(h, tail));
    }

    private static long step(final long h, final long word)
    {
        return Long.rotateLeft(h ^ (word * K0), 29) * K1;
    }

    private static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
