package io.flowtap.capture.codec;

import org.agrona.DirectBuffer;

/**
 * Which bytes of each datagram an {@link IpDefragmenter} holds, and from which fragment: per datagram a sorted list of
 * disjoint intervals {@code [start, end)}, each remembering the range of the fragment that owns its bytes. A new
 * fragment is merged in one pass: where it covers nothing its bytes are written to the {@link FragmentPages}; where
 * it overlaps held bytes the destination's {@link FragmentPolicy} decides whose bytes stay, and bytes that differ are
 * a conflict. The holes are what the list does not cover.
 * <pre>
 *   datagram offset:  0 ....................................... total
 *   intervals:        [a,b) owned by fragment F1 | [b,c) by F2 | ...
 * </pre>
 * Arrays are taken on {@link #allocate()}, once. Not thread safe: owned by its reassembler.
 */
final class FragmentIntervals
{
    /** Ints per interval: start, end, and the owning fragment's start and end. */
    static final int INTERVAL_INTS = 4;
    /** {@link #insert} result: a page was needed and none could be had. */
    static final int NO_PAGE = -1;
    /** {@link #insert} result: the datagram would need more intervals than its fragment limit allows. */
    static final int TOO_MANY = -2;
    /** {@link #insert} result bit: the fragment overlapped held bytes. */
    static final int OVERLAPPED = 1;
    /** {@link #insert} result bit: overlapped bytes differed. */
    static final int CONFLICT = 2;

    private final FragmentPages pages;
    private final int maxDatagrams;
    private final int maxIntervals;
    private int[] intervals;
    private int[] intervalCount;
    private int[] scratch;

    /**
     * @param pages        where the bytes go.
     * @param maxDatagrams datagrams at once.
     * @param maxFragments fragments a datagram may have: it needs at most two intervals per fragment and one.
     */
    FragmentIntervals(final FragmentPages pages, final int maxDatagrams, final int maxFragments)
    {
        this.pages = pages;
        this.maxDatagrams = maxDatagrams;
        this.maxIntervals = 2 * maxFragments + 1;
    }

    void allocate()
    {
        intervals = new int[maxDatagrams * maxIntervals * INTERVAL_INTS];
        intervalCount = new int[maxDatagrams];
        scratch = new int[(maxIntervals + 4) * INTERVAL_INTS];
    }

    /**
     * Forget a datagram's intervals: a new datagram in its slot.
     */
    void clear(final int tracker)
    {
        intervalCount[tracker] = 0;
    }

    /**
     * @return the end of the highest byte held, 0 for none.
     */
    int highestEnd(final int tracker)
    {
        final int count = intervalCount[tracker];
        return count == 0 ? 0 : intervals[(tracker * maxIntervals + count - 1) * INTERVAL_INTS + 1];
    }

    /**
     * @return whether every byte from 0 to {@code totalLength} is held: no hole left.
     */
    boolean isWhole(final int tracker, final int totalLength)
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
        return covered >= totalLength;
    }

    /**
     * Merge the fragment's bytes into the datagram's intervals: where it covers nothing, its bytes are written;
     * where it overlaps a held fragment's bytes, the policy decides whose stay, and differing bytes are a conflict.
     *
     * @return {@link #NO_PAGE} or {@link #TOO_MANY} when the fragment could not be taken (the datagram is then to be
     * given up), else {@link #OVERLAPPED} and {@link #CONFLICT} bits.
     */
    int insert(
        final int tracker,
        final FragmentPolicy policy,
        final DirectBuffer buffer,
        final int dataOffset,
        final int start,
        final int end)
    {
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
                    if (!pages.write(tracker, cursor, buffer, dataOffset + cursor - start, end - cursor))
                    {
                        return NO_PAGE;
                    }
                    out = emit(out, cursor, end, start, end);
                    cursor = end;
                }
                out = emit(out, heldStart, heldEnd, ownerStart, ownerEnd);
                continue;
            }
            if (heldStart > cursor)
            {
                if (!pages.write(tracker, cursor, buffer, dataOffset + cursor - start, heldStart - cursor))
                {
                    return NO_PAGE;
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
            if (!pages.equal(tracker, cursor, buffer, dataOffset + cursor - start, length))
            {
                conflict = true;
            }
            if (policy.newWins(start, end, ownerStart, ownerEnd))
            {
                pages.write(tracker, cursor, buffer, dataOffset + cursor - start, length);
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
            if (!pages.write(tracker, cursor, buffer, dataOffset + cursor - start, end - cursor))
            {
                return NO_PAGE;
            }
            out = emit(out, cursor, end, start, end);
        }
        if (out > maxIntervals)
        {
            return TOO_MANY;
        }
        System.arraycopy(scratch, 0, intervals, base, out * INTERVAL_INTS);
        intervalCount[tracker] = out;
        return (overlapped ? OVERLAPPED : 0) | (conflict ? CONFLICT : 0);
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
}
