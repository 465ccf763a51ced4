package io.flowtap.pipeline.shard;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The link between one poller and one worker: a ring of pre-allocated {@link SegmentDescriptor} records off-heap, a
 * producer position (tail) the poller advances as it fills records, and a consumer position (head) the worker
 * advances as it finishes them. A segment travels as its record; the frame's bytes stay where the source put them.
 * <p>
 * The worker finishes records in order, so a slot is free again exactly when the head has passed it: there is no free
 * list to send records back through, and no per-record state word. The poller publishes each record with one release
 * store of the tail; the worker reads the tail once per batch and releases the whole batch with one release store of
 * the head.
 * <p>
 * Memory that has to go while records still point into it (a ring block the kernel wants back, a file window about to
 * move) is dealt with by {@link #copyOut}: the records not yet taken by the worker have their frames copied into their
 * slots' own buffers, and the worker reads those copies instead. Who reads what is decided by one 64-bit word that both
 * sides compare-and-set, once per batch on the worker's side: the position up to which the worker has claimed records
 * to read in place, and the position below which records are to be read from their copies. Whichever of the worker's
 * claim and the poller's copy-out lands first, the other sees it and works around it; nobody waits on the hot path.
 * <pre>
 *   claim word:  [ claimed (worker) : 32 ][ copied below (poller) : 32 ]
 *   records below "claimed" are the worker's: read in place unless below "copied below" then
 *   the poller copies only records at or above both, then raises "copied below" over them
 * </pre>
 * Positions are 32-bit counters compared by subtraction, so they may wrap; capacity is at most 2^24 records.
 * <p>
 * Thread safe for one producer (the poller: {@link #claimRecord}, {@link #publish}, {@link #copyOut}) and one
 * consumer (the worker: {@link #claimBatch}, {@link #releaseBatch}); the depth may be read from any thread.
 */
public final class SegmentRing
{
    /** Largest capacity a ring may have. */
    public static final int MAX_CAPACITY = 1 << 24;
    /** {@link #claimRecord()} result when every slot is taken. */
    public static final int FULL = -1;

    private static final int PAD = 128;
    private static final int TAIL_OFFSET = 0;
    private static final int HEAD_OFFSET = TAIL_OFFSET + PAD;
    private static final int CLAIM_OFFSET = HEAD_OFFSET + PAD;
    private static final int POSITIONS_LENGTH = CLAIM_OFFSET + PAD;
    private static final long LOW_HALF = 0xFFFF_FFFFL;

    private final int poller;
    private final int worker;
    private final int capacity;
    private final int mask;
    private final UnsafeBuffer records;
    private final UnsafeBuffer positions;
    private final UnsafeBuffer copies;
    private final int copyLength;
    private final UnsafeBuffer[] grownCopies;
    private final UnsafeBuffer sourceView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer copyView = new UnsafeBuffer(0, 0);
    private final Watermark watermark;

    private int tail;
    private int headCache;
    private int lastCopied;

    private int batchStart;
    private int batchEnd;
    private int batchCopiedBelow;

    /**
     * @param poller     index of the producing poller.
     * @param worker     index of the consuming worker.
     * @param capacity   records in flight at most, rounded up to a power of two.
     * @param copyLength bytes of each slot's copy buffer (a larger frame gets a buffer of its own, on a cold path).
     * @param watermark  the poller's time watermark, shared by its rings.
     */
    public SegmentRing(
        final int poller, final int worker, final int capacity, final int copyLength, final Watermark watermark)
    {
        this(poller, worker, capacity, copyLength, watermark,
            new UnsafeBuffer(BufferUtil.allocateDirectAligned(POSITIONS_LENGTH, PAD)));
    }

    /**
     * A ring whose positions live in the given buffer: a test passes one that runs the other side's step inside a
     * compare-and-set, to step the protocol through the interleavings two threads would rarely hit.
     */
    SegmentRing(
        final int poller,
        final int worker,
        final int capacity,
        final int copyLength,
        final Watermark watermark,
        final UnsafeBuffer positions)
    {
        if (capacity < 1 || capacity > MAX_CAPACITY)
        {
            throw new IllegalArgumentException("ring capacity must be 1 to " + MAX_CAPACITY + ": " + capacity);
        }
        this.poller = poller;
        this.worker = worker;
        this.capacity = BitUtil.findNextPositivePowerOfTwo(capacity);
        this.mask = this.capacity - 1;
        this.copyLength = BitUtil.align(Math.max(copyLength, 64), 64);
        this.records = new UnsafeBuffer(
            BufferUtil.allocateDirectAligned(this.capacity * SegmentDescriptor.LENGTH, SegmentDescriptor.LENGTH));
        if (positions.capacity() < POSITIONS_LENGTH)
        {
            throw new IllegalArgumentException(
                "positions need " + POSITIONS_LENGTH + " bytes: " + positions.capacity());
        }
        this.positions = positions;
        this.copies = new UnsafeBuffer(BufferUtil.allocateDirectAligned(this.capacity * this.copyLength, 64));
        this.grownCopies = new UnsafeBuffer[this.capacity];
        this.watermark = watermark;
    }

    /**
     * @return index of the producing poller.
     */
    public int poller()
    {
        return poller;
    }

    /**
     * @return index of the consuming worker.
     */
    public int worker()
    {
        return worker;
    }

    /**
     * @return records the ring holds at most.
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * @return records published and not yet finished (approximate while both sides run); any thread.
     */
    public int depth()
    {
        return positions.getIntVolatile(TAIL_OFFSET) - positions.getIntVolatile(HEAD_OFFSET);
    }

    /**
     * @return the producing poller's time watermark.
     */
    public Watermark watermark()
    {
        return watermark;
    }

    /**
     * @return the records, for the side that owns a record's slot to read or write with
     * {@link SegmentDescriptor}'s offsets.
     */
    public UnsafeBuffer records()
    {
        return records;
    }

    // Producer side.

    /**
     * Take the next free record to fill. Producer only.
     *
     * @return its offset in {@link #records()}, or {@link #FULL}.
     */
    public int claimRecord()
    {
        if (tail - headCache >= capacity)
        {
            headCache = positions.getIntVolatile(HEAD_OFFSET);
            if (tail - headCache >= capacity)
            {
                return FULL;
            }
        }
        return (tail & mask) * SegmentDescriptor.LENGTH;
    }

    /**
     * Copy the frame of the record being filled into its slot's buffer, for a source whose memory may move (a heap
     * buffer). Producer only, between {@link #claimRecord()} and {@link #publish()}.
     *
     * @param buffer holding the frame.
     * @param offset of its first byte.
     * @param length of the frame.
     * @return whether the slot's buffer had to grow.
     */
    public boolean copyAtHandOff(final DirectBuffer buffer, final int offset, final int length)
    {
        final int slot = tail & mask;
        final boolean grown = ensureCopyCapacity(slot, length);
        copyView.wrap(copyAddress(slot), length);
        copyView.putBytes(0, buffer, offset, length);
        copyView.wrap(0, 0);
        return grown;
    }

    /**
     * Make the filled record visible to the worker. Producer only.
     */
    public void publish()
    {
        positions.putIntOrdered(TAIL_OFFSET, ++tail);
    }

    /**
     * @return records that can be filled now without the ring filling. Producer only.
     */
    public int freeRecords()
    {
        headCache = positions.getIntVolatile(HEAD_OFFSET);
        return capacity - (tail - headCache);
    }

    /**
     * @return the producer position: one past the last record published. Producer only.
     */
    public int tail()
    {
        return tail;
    }

    /**
     * @return the consumer position: records below it are finished with. Any thread.
     */
    public int head()
    {
        return positions.getIntVolatile(HEAD_OFFSET);
    }

    /**
     * Copy every record below {@code upTo} that the worker has not taken yet out of its source memory, and see that the
     * worker reads those copies. Producer only, cold path, while the source memory is still there.
     * <p>
     * Records the worker has already taken are read in place until it finishes them: the memory may go once
     * {@link #head()} has reached the returned position.
     *
     * @param upTo one past the last record whose frame is in the memory that is to go.
     * @return the position the head must reach before the memory may go.
     */
    public int copyOut(final int upTo)
    {
        lastCopied = 0;
        while (true)
        {
            final long word = positions.getLongVolatile(CLAIM_OFFSET);
            final int claimed = (int)(word >>> 32);
            final int copiedBelow = (int)word;
            final int from = copiedBelow - claimed > 0 ? copiedBelow : claimed;
            if (upTo - from <= 0)
            {
                return claimed;
            }
            int copied = 0;
            for (int position = from; position != upTo; position++)
            {
                final int at = (position & mask) * SegmentDescriptor.LENGTH;
                if ((records.getByte(at + SegmentDescriptor.FLAGS_OFFSET) &
                    SegmentDescriptor.FLAG_COPIED_AT_HAND_OFF) == 0)
                {
                    final int length = records.getInt(at + SegmentDescriptor.CAPTURED_LENGTH_OFFSET);
                    final int slot = position & mask;
                    ensureCopyCapacity(slot, length);
                    sourceView.wrap(records.getLong(at + SegmentDescriptor.ADDRESS_OFFSET), length);
                    copyView.wrap(copyAddress(slot), length);
                    copyView.putBytes(0, sourceView, 0, length);
                    copied++;
                }
            }
            sourceView.wrap(0, 0);
            copyView.wrap(0, 0);
            if (positions.compareAndSetLong(CLAIM_OFFSET, word, pack(claimed, upTo)))
            {
                lastCopied = copied;
                return claimed;
            }
            // The worker took more records meanwhile: it reads those in place; copy what is still left.
        }
    }

    /**
     * @return frames the last {@link #copyOut} copied and the worker will read from their copies.
     */
    public int lastCopied()
    {
        return lastCopied;
    }

    // Consumer side.

    /**
     * Take up to {@code limit} published records, oldest first, to process in order. Consumer only; the previous
     * batch must have been released.
     *
     * @param limit most records to take.
     * @return records taken: positions {@link #batchStart()} to {@link #batchStart()} plus this, exclusive.
     */
    public int claimBatch(final int limit)
    {
        final int published = positions.getIntVolatile(TAIL_OFFSET);
        while (true)
        {
            final long word = positions.getLongVolatile(CLAIM_OFFSET);
            final int claimed = (int)(word >>> 32);
            final int count = Math.min(published - claimed, limit);
            if (count <= 0)
            {
                return 0;
            }
            if (positions.compareAndSetLong(CLAIM_OFFSET, word, pack(claimed + count, (int)word)))
            {
                batchStart = claimed;
                batchEnd = claimed + count;
                batchCopiedBelow = (int)word;
                return count;
            }
        }
    }

    /**
     * @return position of the first record of the current batch.
     */
    public int batchStart()
    {
        return batchStart;
    }

    /**
     * @param position of a record.
     * @return its offset in {@link #records()}.
     */
    public int recordOffset(final int position)
    {
        return (position & mask) * SegmentDescriptor.LENGTH;
    }

    /**
     * @param position of a record of the current batch.
     * @return whether its frame is read where the source put it (false: from its slot's copy).
     */
    public boolean isInPlace(final int position)
    {
        return position - batchCopiedBelow >= 0 &&
            (records.getByte(recordOffset(position) + SegmentDescriptor.FLAGS_OFFSET) &
            SegmentDescriptor.FLAG_COPIED_AT_HAND_OFF) == 0;
    }

    /**
     * @param position of a record of the current batch.
     * @param inPlace  what {@link #isInPlace(int)} said of it.
     * @return the address of its frame's first byte, in the source memory or its copy.
     */
    public long frameAddress(final int position, final boolean inPlace)
    {
        if (inPlace)
        {
            return records.getLong(recordOffset(position) + SegmentDescriptor.ADDRESS_OFFSET);
        }
        return copyAddress(position & mask);
    }

    /**
     * Finish the current batch: its slots go back to the poller, and memory its frames were read from in place may go.
     * Consumer only; nothing of the batch's frames is read afterwards.
     */
    public void releaseBatch()
    {
        if (batchEnd != batchStart)
        {
            positions.putIntOrdered(HEAD_OFFSET, batchEnd);
            batchStart = batchEnd;
        }
    }

    /**
     * @return whether every published record has been taken (acquire loads: call after reading the
     * {@link #watermark()}). Consumer only.
     */
    public boolean isDrained()
    {
        return positions.getIntVolatile(TAIL_OFFSET) == batchEnd;
    }

    private long copyAddress(final int slot)
    {
        final UnsafeBuffer grown = grownCopies[slot];
        return grown != null ? grown.addressOffset() : copies.addressOffset() + (long)slot * copyLength;
    }

    private boolean ensureCopyCapacity(final int slot, final int length)
    {
        final UnsafeBuffer grown = grownCopies[slot];
        if (length <= (grown != null ? grown.capacity() : copyLength))
        {
            return false;
        }
        // Cold path: a frame larger than the slots were sized for (GRO super-frames, jumbo frames).
        grownCopies[slot] = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            BitUtil.findNextPositivePowerOfTwo(Math.max(length, copyLength * 2)), 64));
        return true;
    }

    private static long pack(final int claimed, final int copiedBelow)
    {
        return ((long)claimed << 32) | (copiedBelow & LOW_HALF);
    }
}
