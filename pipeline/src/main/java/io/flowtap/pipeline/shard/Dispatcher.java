package io.flowtap.pipeline.shard;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.codec.DecodeCounters;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.capture.filter.FlowFilter;
import io.flowtap.pipeline.stats.Stage;
import io.flowtap.pipeline.stats.StageHistograms;
import io.flowtap.pipeline.stats.StageRecorder;
import io.flowtap.reassembly.flow.FlowKey;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A poller's side of the shard: decodes each frame, once for the whole pipeline (opening tunnels, reassembling IP
 * fragments and dropping SPAN duplicates as its {@link DecoderContext} asks), hashes its flow symmetrically
 * ({@link FlowKey#hash()}, the same for both directions, on every run and machine), picks the flow's worker from the
 * hash, and fills a record of that worker's {@link SegmentRing} with where the frame is and what the decoder found,
 * so that the worker reads the segment without parsing a header again and finds its flow by the same hash.
 * <p>
 * The TCP checksum is verified here or in the worker, whichever has fewer threads' worth of segments to do it for:
 * here when there are at least as many pollers as workers (reading a file with one worker, the poller otherwise
 * waits for the worker, and it brings the payload into the cache the worker reads it from), in the workers when
 * they outnumber the pollers (one poller would become the bottleneck). Either way exactly once.
 * <p>
 * Frames that are not TCP segments are counted by {@link #decoder()} under their reason and go no further. A datagram
 * reassembled from fragments lives in the decoder's reassembly buffer, which the next frame reuses: it is copied into
 * the record's slot, and the fragments of one datagram reach one worker because the hash is the reassembled
 * segment's flow.
 * <p>
 * A tap (the raw-frame journal) sees every frame, decoded or not, on a thread of its own: the poller only fills a
 * record of the tap's ring ({@link #tapRing()}), as for a worker, and {@link FrameTapAgent} writes the journal; no
 * Chronicle work is done on a poller's thread.
 * <p>
 * Not thread safe: owned by one poller's thread. Counters may be read from any thread.
 */
public final class Dispatcher
{
    /** {@link #dispatch} result: the frame is not a TCP segment (the decoder counted why). */
    public static final int NOT_A_SEGMENT = 0;
    /** {@link #dispatch} result: the segment's ring was full, and it was dropped (counted). */
    public static final int DROPPED = 1;
    /** {@link #dispatch} result: handed off by reference to the frame in its source memory. */
    public static final int IN_PLACE = 2;
    /** {@link #dispatch} result: handed off as a copy (the frame was not in off-heap memory). */
    public static final int COPIED = 3;
    /** {@link #dispatch} result: a segment the capture filter does not match (counted). */
    public static final int FILTERED_OUT = 4;
    /** {@link #beginCycle} value of a source whose timestamps are not the time the frames arrived (a file). */
    public static final long NOT_LIVE = Long.MIN_VALUE;

    private final int poller;
    private final SegmentRing[] rings;
    private final int ringCapacity;
    private final int copyLength;
    private SegmentRing tapRing;
    private final Watermark watermark = new Watermark();
    private final PacketDecoder decoder;
    private final FlowKey key = new FlowKey();
    private final boolean vlanInKey;
    private final boolean tunnelInKey;
    private final DispatchCounters counters;
    private long maxSegmentTimeNs = Watermark.NONE;
    private long lastFlowHash;
    private FrameHandler tap;
    private FlowFilter filter;
    private StageRecorder latency;
    private NanoClock nanoClock;
    private long cycleNs;
    private long readEpochNs = NOT_LIVE;
    private boolean frameNumbers;

    /**
     * Allocate the rings from this poller to every worker.
     *
     * @param poller           index of the poller.
     * @param workers          how many workers share the flows.
     * @param ringCapacity     segments in flight per worker at most (rounded up to a power of two).
     * @param copyLength       bytes of each ring slot's copy buffer.
     * @param decoderContext   how frames are decoded: checksums, tunnels, fragments, duplicates.
     * @param checksumHere     whether this poller verifies checksums (else each worker does, for its segments).
     * @param vlanInKey        whether the engines key flows by VLAN too, so the hash handed on is theirs.
     * @param tunnelInKey      whether the engines key flows by tunnel too.
     * @param decodeCounters   where the poller's decoder counts every frame's outcome.
     * @param counters         where the hand-offs are counted.
     */
    public Dispatcher(
        final int poller,
        final int workers,
        final int ringCapacity,
        final int copyLength,
        final DecoderContext decoderContext,
        final boolean checksumHere,
        final boolean vlanInKey,
        final boolean tunnelInKey,
        final DecodeCounters decodeCounters,
        final DispatchCounters counters)
    {
        if (workers < 1)
        {
            throw new IllegalArgumentException("workers must be at least 1: " + workers);
        }
        this.poller = poller;
        this.decoder = new PacketDecoder(decoderContext, !checksumHere, decodeCounters);
        this.counters = counters;
        this.vlanInKey = vlanInKey;
        this.tunnelInKey = tunnelInKey;
        this.ringCapacity = ringCapacity;
        this.copyLength = copyLength;
        this.rings = new SegmentRing[workers];
        for (int w = 0; w < workers; w++)
        {
            rings[w] = new SegmentRing(poller, w, ringCapacity, copyLength, watermark);
        }
    }

    /**
     * The worker a flow belongs to: the high half of the hash scaled to the worker count (Lemire's multiply-shift),
     * so the low half the flow tables index by stays evenly spread within every worker.
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
     * Show every frame read, before it is decoded, to a handler (the raw-packet journal), on a thread of its own: the
     * poller puts each frame into the tap's ring, and the agent {@link #tapAgent()} runs the
     * handler. Configure before the poller starts.
     *
     * @param tap sees each frame in place, on the tap agent's thread; or null for none.
     * @return this.
     */
    public Dispatcher tap(final FrameHandler tap)
    {
        this.tap = tap;
        this.tapRing = tap == null ? null : new SegmentRing(poller, rings.length, ringCapacity, copyLength, watermark);
        return this;
    }

    /**
     * Apply the capture filter to every segment here, in userspace, after the frame's one decode and before it is
     * handed off. The kernel's program cannot decide everything: it passes on whole what it cannot read (IP fragments,
     * tunnels it does not open), and a filter too large for it (a blocklist) leaves it keeping every TCP segment. What
     * the filter rejects is counted as {@link DispatchCounter#FILTERED_OUT} and goes no further. Configure before the
     * poller starts.
     *
     * @param filter the capture filter, or null (or one that matches everything) for none.
     * @return this.
     */
    public Dispatcher filter(final FlowFilter filter)
    {
        this.filter = filter == null || filter.matchesEverything() ? null : filter;
        return this;
    }

    /**
     * Put each frame's number in its segment's record ({@link SegmentDescriptor#FRAME_NUMBER_OFFSET}), in place of the
     * time before it, which only reassembling workers need: for workers that hand segments on as they come
     * (capture's printing, which shows the frame's number). Configure before the poller starts.
     *
     * @param frameNumbers whether records carry frame numbers.
     * @return this.
     */
    public Dispatcher frameNumbers(final boolean frameNumbers)
    {
        this.frameNumbers = frameNumbers;
        return this;
    }

    /**
     * @return the tap's ring, or null without a tap.
     */
    public SegmentRing tapRing()
    {
        return tapRing;
    }

    /**
     * @return an agent that runs the tap's handler on what this poller puts in the tap's ring, or null without a
     *         tap; made once, when the pipeline starts.
     */
    public FrameTapAgent tapAgent()
    {
        return tapRing == null ? null : new FrameTapAgent(poller, tapRing, tap);
    }

    /**
     * @return the rings this poller fills: one per worker, then the tap's, if any.
     */
    public int ringCount()
    {
        return rings.length + (tapRing != null ? 1 : 0);
    }

    /**
     * @param index from 0 to {@link #ringCount()}: a worker's, or the tap's last.
     * @return the ring.
     */
    public SegmentRing anyRing(final int index)
    {
        return index < rings.length ? rings[index] : tapRing;
    }

    /**
     * Measure latency: the kernel-to-poller stage here, and stamp each record with the duty cycle that handed it on,
     * so that its worker can measure the later stages. Configure before the poller starts.
     *
     * @param histograms to record into, or null to measure nothing (no clock is read then).
     * @param nanoClock  the clock records are stamped with; the workers must read the same one.
     * @return this.
     */
    public Dispatcher latency(final StageHistograms histograms, final NanoClock nanoClock)
    {
        this.latency = histograms == null ? null : histograms.newRecorder();
        this.nanoClock = nanoClock;
        return this;
    }

    /**
     * @return whether latency is measured, so that a poller knows to read its capture clock each cycle.
     */
    public boolean measuresLatency()
    {
        return latency != null;
    }

    /**
     * A duty cycle's frames are about to be read: one clock read for all of them, as they are read within
     * microseconds of each other.
     *
     * @param epochNs now on the capture (epoch) clock, for the time each frame spent between the kernel's timestamp
     *                and the poller; or {@link #NOT_LIVE} for frames with historical timestamps.
     */
    public void beginCycle(final long epochNs)
    {
        this.readEpochNs = epochNs;
        if (latency != null)
        {
            cycleNs = nanoClock.nanoTime();
            latency.begin();
        }
    }

    /**
     * The duty cycle's frames are handed on.
     */
    public void endCycle()
    {
        if (latency != null)
        {
            latency.end();
        }
    }

    /**
     * Decode a frame, and hand it to its flow's worker if it is a TCP segment. Between {@link #beginCycle} and
     * {@link #endCycle()}.
     *
     * @param frame as the source delivered it.
     * @return {@link #NOT_A_SEGMENT}, {@link #FILTERED_OUT}, {@link #DROPPED}, {@link #IN_PLACE} or {@link #COPIED}.
     */
    public int dispatch(final Frame frame)
    {
        if (tapRing != null)
        {
            tap(frame);
        }
        if (!decoder.decode(frame))
        {
            return NOT_A_SEGMENT;
        }
        // The one place the capture filter applies in userspace, to the decoded segment: the inner packet of a
        // tunnel, a datagram reassembled from fragments.
        if (filter != null && !filter.matches(decoder))
        {
            counters.increment(DispatchCounter.FILTERED_OUT);
            return FILTERED_OUT;
        }
        counters.increment(DispatchCounter.SEGMENTS);
        final long hash = key.wrap(decoder, vlanInKey, tunnelInKey).hash();
        lastFlowHash = hash;
        final long clockBeforeNs = maxSegmentTimeNs;
        final long timeNs = frame.timestampNs();
        if (timeNs > maxSegmentTimeNs)
        {
            maxSegmentTimeNs = timeNs;
        }

        final SegmentRing ring = rings[workerFor(hash, rings.length)];
        final int at = ring.claimRecord();
        if (at == SegmentRing.FULL)
        {
            counters.increment(DispatchCounter.DROPPED_QUEUE_FULL);
            return DROPPED;
        }
        // The decoder's frame: the source's, or the reassembler's for a datagram completed from fragments.
        final DirectBuffer buffer = decoder.buffer();
        final int frameOffset = decoder.linkOffset();
        final int capturedLength = decoder.capturedLength();
        final boolean reassembled = decoder.isReassembled();
        final TcpFlyweight tcp = decoder.tcp();
        final UnsafeBuffer records = ring.records();
        records.putLong(at + SegmentDescriptor.ADDRESS_OFFSET, buffer.addressOffset() + frameOffset);
        records.putLong(at + SegmentDescriptor.TIMESTAMP_OFFSET, timeNs);
        records.putLong(at + SegmentDescriptor.CLOCK_BEFORE_OFFSET, frameNumbers ? frame.frameNumber() : clockBeforeNs);
        records.putLong(at + SegmentDescriptor.HANDED_OFF_OFFSET, cycleNs);
        records.putInt(at + SegmentDescriptor.FLOW_HASH_OFFSET, (int)hash);
        records.putInt(at + SegmentDescriptor.CAPTURED_LENGTH_OFFSET, capturedLength);
        records.putInt(at + SegmentDescriptor.WIRE_LENGTH_OFFSET, reassembled ? capturedLength : frame.wireLength());
        records.putInt(at + SegmentDescriptor.TUNNEL_ID_OFFSET, decoder.tunnelId());
        records.putShort(at + SegmentDescriptor.IP_OFFSET_OFFSET, (short)(decoder.ipOffset() - frameOffset));
        records.putShort(at + SegmentDescriptor.TCP_OFFSET_OFFSET, (short)(tcp.offset() - frameOffset));
        records.putShort(at + SegmentDescriptor.DESTINATION_OFFSET_OFFSET,
            (short)(decoder.destinationAddressOffset() - frameOffset));
        records.putShort(at + SegmentDescriptor.LINK_TYPE_OFFSET, (short)frame.linkType());
        records.putShort(at + SegmentDescriptor.OUTER_VLAN_OFFSET, (short)decoder.outerVlanId());
        records.putShort(at + SegmentDescriptor.INNER_VLAN_OFFSET, (short)decoder.innerVlanId());
        records.putByte(at + SegmentDescriptor.TUNNEL_TYPE_OFFSET, (byte)decoder.tunnelType());
        records.putByte(at + SegmentDescriptor.VLAN_COUNT_OFFSET, (byte)decoder.vlanCount());
        int flags = readEpochNs != NOT_LIVE ? SegmentDescriptor.FLAG_LIVE_TIMESTAMP : 0;
        if (decoder.isEncapsulated())
        {
            flags |= SegmentDescriptor.FLAG_ENCAPSULATED;
        }
        if (decoder.isChecksumDeferred())
        {
            flags |= SegmentDescriptor.FLAG_CHECKSUM_DEFERRED;
            records.putByte(at + SegmentDescriptor.CHECKSUM_OFFSET, (byte)decoder.frameChecksumStatus());
        }
        else
        {
            records.putByte(at + SegmentDescriptor.CHECKSUM_OFFSET, (byte)decoder.checksumStatus());
        }
        final int result;
        if (!reassembled && buffer.byteArray() == null)
        {
            result = IN_PLACE;
        }
        else
        {
            // A heap buffer can move with the garbage collector, and the reassembler's is reused by the next
            // datagram: no address of either outlives this call.
            if (ring.copyAtHandOff(buffer, frameOffset, capturedLength))
            {
                counters.increment(DispatchCounter.COPY_BUFFERS_GROWN);
            }
            counters.increment(DispatchCounter.COPIED_AT_HAND_OFF);
            flags |= SegmentDescriptor.FLAG_COPIED_AT_HAND_OFF;
            result = COPIED;
        }
        records.putByte(at + SegmentDescriptor.FLAGS_OFFSET, (byte)flags);
        if (latency != null && readEpochNs != NOT_LIVE)
        {
            latency.record(Stage.KERNEL_TO_POLLER, readEpochNs - timeNs);
        }
        ring.publish();
        counters.increment(DispatchCounter.HANDED_OFF);
        return result;
    }

    private void tap(final Frame frame)
    {
        final int at = tapRing.claimRecord();
        if (at == SegmentRing.FULL)
        {
            counters.increment(DispatchCounter.TAP_FULL);
            return;
        }
        final DirectBuffer buffer = frame.buffer();
        final UnsafeBuffer records = tapRing.records();
        records.putLong(at + SegmentDescriptor.ADDRESS_OFFSET, buffer.addressOffset() + frame.offset());
        records.putLong(at + SegmentDescriptor.TIMESTAMP_OFFSET, frame.timestampNs());
        records.putLong(at + SegmentDescriptor.FRAME_NUMBER_OFFSET, frame.frameNumber());
        records.putInt(at + SegmentDescriptor.INTERFACE_ID_OFFSET, frame.interfaceId());
        records.putInt(at + SegmentDescriptor.CAPTURED_LENGTH_OFFSET, frame.capturedLength());
        records.putInt(at + SegmentDescriptor.WIRE_LENGTH_OFFSET, frame.wireLength());
        records.putInt(at + SegmentDescriptor.VLAN_TCI_OFFSET, frame.vlanTci());
        records.putShort(at + SegmentDescriptor.LINK_TYPE_OFFSET, (short)frame.linkType());
        int flags = 0;
        if (buffer.byteArray() != null)
        {
            if (tapRing.copyAtHandOff(buffer, frame.offset(), frame.capturedLength()))
            {
                counters.increment(DispatchCounter.COPY_BUFFERS_GROWN);
            }
            flags |= SegmentDescriptor.FLAG_COPIED_AT_HAND_OFF;
        }
        records.putByte(at + SegmentDescriptor.FLAGS_OFFSET, (byte)flags);
        tapRing.publish();
    }

    /**
     * @param limit the most wanted.
     * @return how many segments can be handed off now without any ring filling, up to {@code limit}: what a
     * {@link QueueFullPolicy#WAIT} poller may take from its source.
     */
    public int freeSlots(final int limit)
    {
        int slots = limit;
        for (int i = 0; i < ringCount(); i++)
        {
            slots = Math.min(slots, anyRing(i).freeRecords());
        }
        return slots;
    }

    /**
     * Copy out, in one ring, every record below {@code upTo} its consumer has not taken yet (their memory is to go),
     * counting the copies.
     *
     * @param worker index of the ring, as {@link #anyRing(int)} takes it.
     * @param upTo   one past the last record whose frame is in the memory that is to go.
     * @return the position that ring's head must reach before the memory may go.
     */
    public int copyOut(final int worker, final int upTo)
    {
        final SegmentRing ring = anyRing(worker);
        final int mustFinish = ring.copyOut(upTo);
        counters.add(DispatchCounter.COPIED_OUT, ring.lastCopied());
        return mustFinish;
    }

    /**
     * Promise the workers that no later segment is older than the newest handed off so far: call after a batch.
     */
    public void publishWatermark()
    {
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
     * @return the ring from this poller to that worker.
     */
    public SegmentRing ring(final int worker)
    {
        return rings[worker];
    }

    /**
     * @return how many workers.
     */
    public int workers()
    {
        return rings.length;
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
