package io.flowtap.pipeline.shard;

import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

import java.util.function.Consumer;

/**
 * The link between one poller and one worker: a bounded single-producer single-consumer queue of
 * {@link FrameHandOff}s, a second one that brings them back, and the pool of hand-offs itself, all allocated here
 * once. A segment travels as a reference to a hand-off filled in place; nothing is allocated per segment.
 * <p>
 * The queues are Agrona's {@link OneToOneConcurrentArrayQueue}: a Fast-Flow style array queue (the algorithm of
 * JCTools' {@code SpscArrayQueue}), with padded head and tail, a release store to publish and {@code drain(consumer,
 * limit)} to consume in batches, already on the classpath. A queue of references to descriptor objects was chosen over
 * a byte ring buffer ({@code OneToOneRingBuffer} with {@code tryClaim}/{@code commit}) because the zero-copy hand-off
 * needs a per-segment state word that poller and worker both compare-and-set, and a copy-out buffer the poller fills
 * while the segment is still queued; records inside a byte ring cannot give either without racing the consumer.
 * <p>
 * The pool holds exactly as many hand-offs as the queue has slots, so the forward queue can never refuse one: the
 * queue is full exactly when the free queue is empty, which is what the poller checks.
 * <p>
 * Thread safe for one poller (which fills, publishes and copies out) and one worker (which drains and recycles).
 */
public final class HandOffQueue
{
    private final int poller;
    private final int worker;
    private final OneToOneConcurrentArrayQueue<FrameHandOff> queue;
    private final OneToOneConcurrentArrayQueue<FrameHandOff> free;
    private final FrameHandOff[] pool;
    private final Watermark watermark;

    /**
     * @param poller           index of the producing poller.
     * @param worker           index of the consuming worker.
     * @param capacity         hand-offs in flight at most, rounded up to a power of two.
     * @param copyBufferLength bytes of each hand-off's own copy buffer (grown on a cold path when a frame is larger).
     * @param watermark        the poller's time watermark, shared by its queues.
     */
    public HandOffQueue(
        final int poller, final int worker, final int capacity, final int copyBufferLength, final Watermark watermark)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("queue capacity must be at least 1: " + capacity);
        }
        this.poller = poller;
        this.worker = worker;
        this.queue = new OneToOneConcurrentArrayQueue<>(capacity);
        this.free = new OneToOneConcurrentArrayQueue<>(queue.capacity());
        this.pool = new FrameHandOff[queue.capacity()];
        this.watermark = watermark;
        for (int i = 0; i < pool.length; i++)
        {
            pool[i] = new FrameHandOff(this, copyBufferLength);
            free.offer(pool[i]);
        }
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
     * @return hand-offs in the pool, the most that can be queued.
     */
    public int capacity()
    {
        return pool.length;
    }

    /**
     * @return hand-offs queued now (approximate while both sides run).
     */
    public int depth()
    {
        return queue.size();
    }

    /**
     * @return whether nothing is queued (acquire loads: call after reading the {@link #watermark()}).
     */
    public boolean isEmpty()
    {
        return queue.peek() == null;
    }

    /**
     * @return the producing poller's time watermark.
     */
    public Watermark watermark()
    {
        return watermark;
    }

    /**
     * Take a free hand-off to fill. Poller only.
     *
     * @return a hand-off, or null when every one is queued or being worked on: the queue is full.
     */
    FrameHandOff claim()
    {
        return free.poll();
    }

    /**
     * @return free hand-offs, at least: what may be published without the queue filling. Poller only.
     */
    int freeCount()
    {
        return free.size();
    }

    /**
     * Queue a filled hand-off for the worker. Poller only; never fails, since the pool is no larger than the queue.
     *
     * @param handOff from {@link #claim()}, filled.
     */
    void publish(final FrameHandOff handOff)
    {
        if (!queue.offer(handOff))
        {
            throw new IllegalStateException("hand-off queue " + poller + "->" + worker + " refused a pooled hand-off");
        }
    }

    /**
     * Copy out every queued frame still read in place from the given block (or every one, when {@code ledger} is
     * null and {@code block} is -1). Poller only, cold path: scans the pool.
     *
     * @param ledger   of the ring the block is in, or null for frames of a file window.
     * @param block    index, or -1 with a null ledger.
     * @param counters to count copies in.
     * @return frames taken over by their copy, whose ledger count the caller takes off.
     */
    int copyOut(final BlockLedger ledger, final int block, final DispatchCounters counters)
    {
        int copied = 0;
        for (final FrameHandOff handOff : pool)
        {
            if (handOff.isInPlaceIn(ledger, block))
            {
                final int result = handOff.copyOut();
                if ((result & FrameHandOff.COPY_GREW) != 0)
                {
                    counters.increment(DispatchCounter.COPY_BUFFERS_GROWN);
                }
                if ((result & ~FrameHandOff.COPY_GREW) == FrameHandOff.COPIED)
                {
                    copied++;
                }
            }
        }
        counters.add(DispatchCounter.COPIED_OUT, copied);
        return copied;
    }

    /**
     * @param ledger of the memory (null for a file window).
     * @return hand-offs a worker is reading in place right now from that memory. Poller only, cold path.
     */
    int inUse(final BlockLedger ledger)
    {
        int inUse = 0;
        for (final FrameHandOff handOff : pool)
        {
            if (handOff.isInUseIn(ledger))
            {
                inUse++;
            }
        }
        return inUse;
    }

    /**
     * Take up to {@code limit} queued hand-offs, oldest first. Worker only.
     *
     * @param handler for each, which must end with {@link FrameHandOff#done()}; a field, not a capturing lambda.
     * @param limit   most to take.
     * @return hand-offs taken.
     */
    public int drain(final Consumer<FrameHandOff> handler, final int limit)
    {
        return queue.drain(handler, limit);
    }

    /**
     * Give a hand-off back to the poller's free pool. Called by {@link FrameHandOff#done()}.
     */
    void recycle(final FrameHandOff handOff)
    {
        if (!free.offer(handOff))
        {
            throw new IllegalStateException("free pool " + poller + "->" + worker + " overflowed");
        }
    }
}
