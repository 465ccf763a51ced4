package io.flowtap.capture.codec;

import org.agrona.BitUtil;

/**
 * The datagrams an {@link IpDefragmenter} is reassembling, by slot: each slot's key (addresses, identification and
 * protocol, where it was seen), an open-addressing index from key to slot, the free slots, and the slots in the order
 * they were created, oldest first, which is the order they time out in and the order they are given up when the
 * table or the page pool is full.
 * <p>
 * Arrays are taken on {@link #allocate()}, once, and never again. Not thread safe: owned by its reassembler.
 */
final class DatagramTable
{
    /** No slot. */
    static final int NONE = -1;

    /** Longs in a key: two addresses of two longs each, identification and protocol, where it was seen. */
    static final int KEY_WORDS = 6;

    private final int maxDatagrams;
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

    DatagramTable(final int maxDatagrams)
    {
        this.maxDatagrams = maxDatagrams;
    }

    void allocate()
    {
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
    }

    /**
     * @return whether no slot is free: a new datagram needs the oldest one given up first.
     */
    boolean isFull()
    {
        return freeTrackerCount == 0;
    }

    /**
     * @return slots in use.
     */
    int size()
    {
        return maxDatagrams - freeTrackerCount;
    }

    /**
     * @return the slot of the datagram created first, or {@link #NONE}.
     */
    int oldest()
    {
        return lruHead;
    }

    /**
     * @param tracker a slot in use.
     * @return the slot created after it, or {@link #NONE}.
     */
    int newer(final int tracker)
    {
        return lruNext[tracker];
    }

    /**
     * @param tracker a slot in use.
     * @return when its datagram's first fragment came, on the packets' clock.
     */
    long createdNs(final int tracker)
    {
        return createdNs[tracker];
    }

    int find(
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

    /**
     * Take a free slot (the caller has made one free) for a new datagram, the newest.
     *
     * @return the slot.
     */
    int add(
        final int hash,
        final long srcHigh,
        final long srcLow,
        final long dstHigh,
        final long dstLow,
        final long meta,
        final long context,
        final long timeNs)
    {
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

    /**
     * Free a slot: out of the index and the age order.
     */
    void remove(final int tracker)
    {
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
}
