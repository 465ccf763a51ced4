package io.flowtap.reassembly.store;

/**
 * Records of the segments a stream holds: where each began and ended (stream offsets, as it arrived, before any
 * overlap was resolved, because the overlap policies judge by original boundaries) and when it arrived (for
 * {@code acked} delivery, whose time is the earliest arrival of the bytes delivered). The bytes themselves are in the
 * {@link PageStore}.
 * <p>
 * Records live in primitive arrays sized at construction; a stream keeps the {@code int} head of its list, sorted by
 * start, and every method that may change a list returns its new head. {@link #NONE} is the empty list.
 * <p>
 * Not thread safe: one pool belongs to one engine, on one thread.
 */
public final class SegmentPool
{
    /** The empty list, and the end of every list. */
    public static final int NONE = -1;
    /** {@link #lastKept()} after a release that did not reach the end of the chain: its last segment stays. */
    public static final int TAIL_UNCHANGED = -2;

    private final long[] starts;
    private final long[] ends;
    private final long[] times;
    private final int[] next;
    private final int capacity;
    private int freeHead;
    private int free;
    private int lastKept = TAIL_UNCHANGED;

    /**
     * @param capacity records in the pool, shared by every stream of the engine.
     */
    public SegmentPool(final int capacity)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("segment pool capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.starts = new long[capacity];
        this.ends = new long[capacity];
        this.times = new long[capacity];
        this.next = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            next[i] = i + 1 < capacity ? i + 1 : NONE;
        }
        freeHead = 0;
        free = capacity;
    }

    /**
     * @return records in the pool.
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * @return records not held by any stream.
     */
    public int free()
    {
        return free;
    }

    /**
     * Move every segment of a chain by the same distance (its stream's offsets were renumbered). Cold path.
     *
     * @param head  of the chain.
     * @param delta added to each start and end.
     */
    public void shift(final int head, final long delta)
    {
        for (int segment = head; segment != NONE; segment = next[segment])
        {
            starts[segment] += delta;
            ends[segment] += delta;
        }
    }

    /**
     * @param segment a record.
     * @return its start offset.
     */
    public long start(final int segment)
    {
        return starts[segment];
    }

    /**
     * @param segment a record.
     * @return its end offset, exclusive.
     */
    public long end(final int segment)
    {
        return ends[segment];
    }

    /**
     * @param segment a record.
     * @return when it arrived, in nanoseconds.
     */
    public long time(final int segment)
    {
        return times[segment];
    }

    /**
     * @param segment a record.
     * @return the next record of its list, or {@link #NONE}.
     */
    public int next(final int segment)
    {
        return next[segment];
    }

    /**
     * Insert a record in start order (after records that start at the same offset). The caller checks
     * {@link #free()} first.
     *
     * @param head   of the stream's list.
     * @param start  offset of the segment's first byte.
     * @param end    offset after its last byte.
     * @param timeNs arrival time.
     * @return the list's new head.
     */
    public int insert(final int head, final long start, final long end, final long timeNs)
    {
        final int segment = take(start, end, timeNs);
        if (head == NONE || starts[head] > start)
        {
            next[segment] = head;
            return segment;
        }
        int previous = head;
        while (next[previous] != NONE && starts[next[previous]] <= start)
        {
            previous = next[previous];
        }
        next[segment] = next[previous];
        next[previous] = segment;
        return head;
    }

    /**
     * Add a segment after the last one of a chain, in O(1): the caller knows it starts at or after every segment
     * held (a stream's common out-of-order case: the bytes after a hole keep arriving in order).
     *
     * @param tail   last segment of the chain, or {@link #NONE} for an empty chain.
     * @param start  stream offset of its first byte.
     * @param end    stream offset after its last byte.
     * @param timeNs arrival time.
     * @return the new segment, the chain's new last one.
     * @throws IllegalStateException when the pool is exhausted.
     */
    public int append(final int tail, final long start, final long end, final long timeNs)
    {
        final int segment = take(start, end, timeNs);
        next[segment] = NONE;
        if (tail != NONE)
        {
            next[tail] = segment;
        }
        return segment;
    }

    /**
     * @param from a segment of a chain, or {@link #NONE}.
     * @return the chain's last segment from there on, or {@link #NONE}.
     */
    public int tailFrom(final int from)
    {
        int segment = from;
        if (segment == NONE)
        {
            return NONE;
        }
        while (next[segment] != NONE)
        {
            segment = next[segment];
        }
        return segment;
    }

    /**
     * @return after {@link #releaseBelow}: the chain's last segment if the release went through to the end of the
     * chain (or {@link #NONE} if it kept nothing), else {@link #TAIL_UNCHANGED}.
     */
    public int lastKept()
    {
        return lastKept;
    }

    /**
     * @param head  of the stream's list.
     * @param start offset.
     * @param end   offset.
     * @return whether the list holds a record with exactly these boundaries.
     */
    public boolean contains(final int head, final long start, final long end)
    {
        for (int segment = head; segment != NONE && starts[segment] <= start; segment = next[segment])
        {
            if (starts[segment] == start && ends[segment] == end)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Give back the records that end at or before an offset (their bytes have been delivered and consumed).
     *
     * @param head  of the stream's list.
     * @param below offset.
     * @return the list's new head.
     */
    public int releaseBelow(final int head, final long below)
    {
        int newHead = head;
        int previous = NONE;
        int segment = head;
        lastKept = TAIL_UNCHANGED;
        while (segment != NONE && starts[segment] < below)
        {
            final int following = next[segment];
            if (ends[segment] <= below)
            {
                if (previous == NONE)
                {
                    newHead = following;
                }
                else
                {
                    next[previous] = following;
                }
                release(segment);
            }
            else
            {
                previous = segment;
            }
            segment = following;
        }
        if (segment == NONE)
        {
            lastKept = previous;
        }
        return newHead;
    }

    /**
     * Give back every record of a list.
     *
     * @param head of the list.
     * @return {@link #NONE}.
     */
    public int releaseAll(final int head)
    {
        int segment = head;
        while (segment != NONE)
        {
            final int following = next[segment];
            release(segment);
            segment = following;
        }
        return NONE;
    }

    private int take(final long start, final long end, final long timeNs)
    {
        if (freeHead == NONE)
        {
            throw new IllegalStateException("segment pool exhausted: " + capacity + " records");
        }
        final int segment = freeHead;
        freeHead = next[segment];
        free--;
        starts[segment] = start;
        ends[segment] = end;
        times[segment] = timeNs;
        return segment;
    }

    private void release(final int segment)
    {
        next[segment] = freeHead;
        freeHead = segment;
        free++;
    }
}
