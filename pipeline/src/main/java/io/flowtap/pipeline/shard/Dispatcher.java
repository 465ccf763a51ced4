package io.flowtap.pipeline.shard;

import io.flowtap.capture.BatchAware;
import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.filter.FlowFilter;
import io.flowtap.pipeline.stats.Stage;
import io.flowtap.pipeline.stats.StageHistograms;
import io.flowtap.reassembly.flow.FlowKey;
import org.agrona.concurrent.NanoClock;

/**
 * A poller's side of the shard: decodes each frame far enough to know its flow, hashes the flow symmetrically
 * ({@link FlowKey#hash()}, the same for both directions, on every run and machine), picks the flow's worker from the
 * hash, and hands the segment over through that worker's {@link HandOffQueue} as a reference to where the frame is.
 * <p>
 * The decoder here never verifies checksums (the worker's does, once): it only needs the flow. Frames that are not
 * TCP segments are counted by {@link #decoder()} under their reason and go no further.
 * <p>
 * Not thread safe: owned by one poller's thread. Counters may be read from any thread.
 */
public final class Dispatcher
{
    /** {@link #dispatch} result: the frame is not a TCP segment (the decoder counted why). */
    public static final int NOT_A_SEGMENT = 0;
    /** {@link #dispatch} result: the segment's queue was full, and it was dropped (counted). */
    public static final int DROPPED = 1;
    /** {@link #dispatch} result: handed off by reference to the frame in its source memory. */
    public static final int IN_PLACE = 2;
    /** {@link #dispatch} result: handed off as a copy (the frame was not in off-heap memory). */
    public static final int COPIED = 3;
    /** {@link #readAt} value of a source whose timestamps are not the time the frames arrived (a file). */
    public static final long NOT_LIVE = Long.MIN_VALUE;

    private final int poller;
    private final HandOffQueue[] queues;
    private final Watermark watermark = new Watermark();
    private final PacketDecoder decoder = new PacketDecoder(ChecksumMode.OFF);
    private final FlowKey key = new FlowKey();
    private final DispatchCounters counters = new DispatchCounters();
    private long maxSegmentTimeNs = Watermark.NONE;
    private long lastFlowHash;
    private FrameHandler tap;
    private FlowFilter filter;
    private StageHistograms histograms;
    private NanoClock nanoClock;
    private long readEpochNs = NOT_LIVE;

    /**
     * Allocate the queues from this poller to every worker, with their hand-offs.
     *
     * @param poller           index of the poller.
     * @param workers          how many workers share the flows.
     * @param queueCapacity    hand-offs in flight per worker at most (rounded up to a power of two).
     * @param copyBufferLength bytes of each hand-off's copy buffer.
     */
    public Dispatcher(final int poller, final int workers, final int queueCapacity, final int copyBufferLength)
    {
        if (workers < 1)
        {
            throw new IllegalArgumentException("workers must be at least 1: " + workers);
        }
        this.poller = poller;
        this.queues = new HandOffQueue[workers];
        for (int w = 0; w < workers; w++)
        {
            queues[w] = new HandOffQueue(poller, w, queueCapacity, copyBufferLength, watermark);
        }
    }

    /**
     * The worker a flow belongs to: the high half of the hash scaled to the worker count (Lemire's multiply-shift),
     * so the low bits the flow tables index by stay evenly spread within every worker.
     *
     * @param flowHash symmetric hash of the flow.
     * @param workers  how many workers there are.
     * @return the worker's index, from 0.
     */
    public static int workerFor(final long flowHash, final int workers)
    {
        return (int)(((flowHash >>> 32) * workers) >>> 32);
    }

    /**
     * Show every frame read, before it is decoded, to a handler of the poller's thread (the raw-packet journal).
     * Configure before the poller starts.
     *
     * @param tap sees each frame in place, or null for none.
     * @return this.
     */
    public Dispatcher tap(final FrameHandler tap)
    {
        this.tap = tap;
        return this;
    }

    /**
     * Filter segments here, in userspace, before they are handed off: for a filter too large for the kernel's program
     * (a blocklist), whose socket then keeps every TCP segment. Configure before the poller starts.
     *
     * @param filter to apply, or null for none.
     * @return this.
     */
    public Dispatcher filter(final FlowFilter filter)
    {
        this.filter = filter;
        return this;
    }

    /**
     * Measure latency: the kernel-to-poller stage here, and stamp each hand-off with the time it was handed on, so
     * that its worker can measure the later stages. Configure before the poller starts.
     *
     * @param histograms to record into, or null to measure nothing (no clock is read then).
     * @param nanoClock  the clock hand-offs are stamped with; the workers must read the same one.
     * @return this.
     */
    public Dispatcher latency(final StageHistograms histograms, final NanoClock nanoClock)
    {
        this.histograms = histograms;
        this.nanoClock = nanoClock;
        return this;
    }

    /**
     * A live poller says when it reads a batch of frames, on the capture clock, so that the time each frame spent
     * between the kernel's timestamp and the poller is known. One clock read per batch rather than per frame: the
     * frames of a batch are read within microseconds of each other.
     *
     * @param epochNs now on the capture (epoch) clock, or {@link #NOT_LIVE} for frames with historical timestamps.
     */
    public void readAt(final long epochNs)
    {
        this.readEpochNs = epochNs;
    }

    /**
     * @return whether latency is measured, so that a poller knows to call {@link #readAt}.
     */
    public boolean measuresLatency()
    {
        return histograms != null;
    }

    /**
     * Decode a frame, and hand it to its flow's worker if it is a TCP segment.
     *
     * @param frame  as the source delivered it.
     * @param ledger counting references into the frame's ring block, or null for a source without one.
     * @param block  index of the frame's ring block, or -1.
     * @return {@link #NOT_A_SEGMENT}, {@link #DROPPED}, {@link #IN_PLACE} or {@link #COPIED}.
     */
    public int dispatch(final Frame frame, final BlockLedger ledger, final int block)
    {
        if (tap != null)
        {
            tap.onFrame(frame);
        }
        if (!decoder.decode(frame))
        {
            return NOT_A_SEGMENT;
        }
        if (filter != null && !filter.matches(decoder))
        {
            counters.increment(DispatchCounter.FILTERED_OUT);
            return NOT_A_SEGMENT;
        }
        final long hash = key.wrap(decoder, false).hash();
        lastFlowHash = hash;
        counters.increment(DispatchCounter.SEGMENTS);
        final long clockBeforeNs = maxSegmentTimeNs;
        final long timeNs = frame.timestampNs();
        if (timeNs > maxSegmentTimeNs)
        {
            maxSegmentTimeNs = timeNs;
        }

        final HandOffQueue queue = queues[workerFor(hash, queues.length)];
        final FrameHandOff handOff = queue.claim();
        if (handOff == null)
        {
            counters.increment(DispatchCounter.DROPPED_QUEUE_FULL);
            return DROPPED;
        }
        final int result;
        if (frame.buffer().byteArray() == null)
        {
            handOff.fillInPlace(frame, hash, clockBeforeNs, ledger, block);
            result = IN_PLACE;
        }
        else
        {
            // A heap buffer can move with the garbage collector: no address of it outlives this call.
            if (handOff.fillCopied(frame, hash, clockBeforeNs))
            {
                counters.increment(DispatchCounter.COPY_BUFFERS_GROWN);
            }
            counters.increment(DispatchCounter.COPIED_AT_HAND_OFF);
            result = COPIED;
        }
        if (histograms != null)
        {
            stamp(handOff, timeNs);
        }
        queue.publish(handOff);
        counters.increment(DispatchCounter.HANDED_OFF);
        return result;
    }

    private void stamp(final FrameHandOff handOff, final long frameTimeNs)
    {
        long kernelLatencyNs = FrameHandOff.NO_KERNEL_LATENCY;
        if (readEpochNs != NOT_LIVE)
        {
            kernelLatencyNs = Math.max(0, readEpochNs - frameTimeNs);
            histograms.record(Stage.KERNEL_TO_POLLER, kernelLatencyNs);
        }
        handOff.stamp(nanoClock.nanoTime(), kernelLatencyNs);
    }

    /**
     * @param limit the most wanted.
     * @return how many segments can be handed off now without any queue filling, up to {@code limit}: what a
     * {@link QueueFullPolicy#WAIT} poller may take from its source.
     */
    public int freeSlots(final int limit)
    {
        int slots = limit;
        for (final HandOffQueue queue : queues)
        {
            slots = Math.min(slots, queue.freeCount());
        }
        return slots;
    }

    /**
     * Copy out every queued frame still read in place from a ring block, or from a file's window.
     *
     * @param ledger of the ring, or null for a file window.
     * @param block  index in the ring, or -1 for a file window.
     * @return frames now read from their copy; their ledger counts are the caller's to take off.
     */
    public int copyOut(final BlockLedger ledger, final int block)
    {
        int copied = 0;
        for (final HandOffQueue queue : queues)
        {
            copied += queue.copyOut(ledger, block, counters);
        }
        return copied;
    }

    /**
     * Wait until no worker is reading a frame in place from the given memory: a file window about to be unmapped,
     * after {@link #copyOut} took every queued frame out of it. A worker reads one frame at a time, so this waits for
     * at most one segment's processing per worker, once per window; the only wait a poller ever does.
     *
     * @param ledger of the memory, null for a file window.
     * @return spins waited.
     */
    public long awaitInPlaceReaders(final BlockLedger ledger)
    {
        long spins = 0;
        for (final HandOffQueue queue : queues)
        {
            while (queue.inUse(ledger) > 0)
            {
                Thread.onSpinWait();
                spins++;
            }
        }
        return spins;
    }

    /**
     * Promise the workers that no later segment is older than the newest handed off so far: call after a batch.
     */
    public void publishWatermark()
    {
        if (tap instanceof BatchAware)
        {
            // The batch is over: what the tap gathered (raw frames in one excerpt) is committed before the workers
            // may see the segments' times pass.
            ((BatchAware)tap).onBatchEnd();
        }
        watermark.advanceTo(maxSegmentTimeNs);
    }

    /**
     * Promise more: no later segment is older than {@code timeNs} (a live source, idle, whose clock moves on).
     *
     * @param timeNs on the capture clock.
     */
    public void advanceWatermark(final long timeNs)
    {
        watermark.advanceTo(Math.max(timeNs, maxSegmentTimeNs));
    }

    /**
     * @return the poller's time watermark.
     */
    public Watermark watermark()
    {
        return watermark;
    }

    /**
     * @return the flow hash of the last segment decoded.
     */
    public long lastFlowHash()
    {
        return lastFlowHash;
    }

    /**
     * @param worker index.
     * @return the queue from this poller to that worker.
     */
    public HandOffQueue queue(final int worker)
    {
        return queues[worker];
    }

    /**
     * @return how many workers.
     */
    public int workers()
    {
        return queues.length;
    }

    /**
     * @return index of the poller.
     */
    public int poller()
    {
        return poller;
    }

    /**
     * @return the decoder, whose counters account for every frame the poller read (exact once it has stopped).
     */
    public PacketDecoder decoder()
    {
        return decoder;
    }

    /**
     * @return the counters.
     */
    public DispatchCounters counters()
    {
        return counters;
    }
}
