package io.flowtap.reassembly;

import io.flowtap.reassembly.store.PageStore;
import io.flowtap.reassembly.store.SegmentPool;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The byte side of reassembly for one engine: puts a segment's payload where it belongs in its stream, resolves
 * overlaps by the receiver's policy, hands in-order bytes to the handlers (in place when it can), keeps what they do
 * not consume, and skips holes that will never fill as gaps. Stateless between calls apart from its buffers: the
 * state is in the {@link Stream}.
 * <p>
 * This class is the sequence logic: where a segment's bytes go in its stream (trimmed retransmissions, urgent data,
 * a late midstream start), what an acknowledgement proves (bytes deliverable, holes that will never fill, after a
 * grace), and what the memcaps make of a segment that does not fit. It keeps nothing itself: the out-of-order store
 * is {@link HeldBytes}, and delivery and gap accounting are {@link StreamDelivery}.
 * <p>
 * Bytes are copied only when they must wait: out of order, not yet acknowledged ({@link DeliveryMode#ACKED}), or not
 * consumed by a handler. Waiting bytes live in the engine's {@link PageStore}; their segments' boundaries and arrival
 * times in its {@link SegmentPool}.
 */
final class StreamReassembler
{
    // An ACK moves a stream forward by any distance a 32-bit sequence number can express, as Zeek takes it: a
    // sparse capture (a filtered bulk transfer) can show ACKs 1.9 GiB apart, and each must count for the offsets to
    // follow the wraps.
    private static final long MAX_ACK_AHEAD = Integer.MAX_VALUE;
    // Zeek's TOO_LARGE_SEQ_DELTA: an acknowledgement number of 0 this far ahead is a broken ACK, not a wrap.
    private static final long BROKEN_ZERO_ACK_AHEAD = 1L << 20;
    // Furthest back a midstream stream is started again for earlier bytes that came late.
    private static final long MAX_REBASE = 1L << 20;

    private final EngineCounters counters;
    private final DeliveryMode mode;
    private final MemcapPolicy memcapPolicy;
    private final UrgentPolicy urgentPolicy;
    private final long ackGraceNs;
    private final int ackGraceSegments;
    private final boolean ackGrace;
    private final HeldBytes held;
    private final StreamDelivery delivery;

    StreamReassembler(
        final PageStore pages,
        final SegmentPool segments,
        final TcpHandler[] handlers,
        final EngineCounters counters,
        final EngineContext context)
    {
        this.counters = counters;
        this.mode = context.deliveryMode();
        this.memcapPolicy = context.memcapPolicy();
        this.urgentPolicy = context.urgentPolicy();
        this.ackGraceNs = context.ackGraceNs();
        this.ackGraceSegments = context.ackGraceSegments();
        this.ackGrace = ackGraceNs > 0 || ackGraceSegments > 0;
        final int flowMemcapPages = (int)Math.max(1, context.flowMemcapBytes() / context.pageSize());
        final int stagingBytes = (int)Math.min(Integer.MAX_VALUE - 64, context.flowMemcapBytes() + 65_536);
        // Where bytes that straddle pages are put together, for a handler or for a move: shared by the two parts.
        final UnsafeBuffer staging =
            new UnsafeBuffer(BufferUtil.allocateDirectAligned(BitCeiling.of(stagingBytes), 64));
        this.held = new HeldBytes(pages, segments, handlers, counters, flowMemcapPages, staging);
        this.delivery = new StreamDelivery(pages, segments, held, handlers, counters, mode, staging);
    }

    /**
     * A segment's payload.
     *
     * @param flow           its flow.
     * @param direction      its direction.
     * @param seq            sequence number of its first payload byte.
     * @param buffer         holding the payload.
     * @param offset         of the payload in {@code buffer}.
     * @param capturedLength payload bytes captured.
     * @param payloadLength  payload bytes the segment carried on the wire.
     * @param urgentPointer  the urgent pointer when URG is set, else 0.
     * @param timeNs         capture time.
     */
    void onData(
        final Flow flow,
        final int direction,
        final long seq,
        final DirectBuffer buffer,
        final int offset,
        final int capturedLength,
        final int payloadLength,
        final int urgentPointer,
        final long timeNs)
    {
        final Stream stream = flow.streams[direction];
        if (!stream.baseKnown)
        {
            stream.base(seq);
        }
        long start = stream.offsetOf(seq);
        if (start < 0 && start >= -MAX_REBASE && !stream.synSeen && stream.frontier == 0 && stream.reassembling &&
            !stream.stopped && !stream.eofSent && held.rebase(stream, -start))
        {
            start = 0;
        }
        final long claimedEnd = start + payloadLength;
        if (urgentPointer > 0 && urgentPolicy != UrgentPolicy.INLINE && urgentPointer <= payloadLength)
        {
            if (urgentPolicy == UrgentPolicy.DROP)
            {
                counters.increment(EngineCounter.URGENT_DROPPED);
                StreamDelivery.claimed(flow, direction, stream, claimedEnd);
                return;
            }
            final long urgent = start + urgentPointer - 1;
            StreamDelivery.claimed(flow, direction, stream, claimedEnd);
            insert(flow, direction, stream, start, buffer, offset, Math.min(urgentPointer - 1, capturedLength), timeNs,
                true);
            // A retransmission of an urgent segment whose byte was already taken out must not take out another.
            if (urgent >= stream.frontier)
            {
                stream.removeByte(urgent);
                counters.increment(EngineCounter.URGENT_OOB_BYTES);
                insert(flow, direction, stream, urgent, buffer, offset + urgentPointer, capturedLength - urgentPointer,
                    timeNs, true);
            }
            return;
        }
        StreamDelivery.claimed(flow, direction, stream, claimedEnd);
        if (capturedLength < payloadLength)
        {
            counters.increment(EngineCounter.TRUNCATED_PAYLOAD);
        }
        insert(flow, direction, stream, start, buffer, offset, capturedLength, timeNs, true);
    }

    /**
     * The peer acknowledged up to {@code ackSeq}: in {@code acked} mode that makes bytes deliverable; in any mode it
     * proves that a hole before it will never be filled from this capture.
     */
    void onAck(final Flow flow, final int direction, final long ackSeq, final long timeNs)
    {
        final Stream stream = flow.streams[direction];
        if (!stream.baseKnown)
        {
            // Midstream, or a SYN-ACK seen before its SYN: the peer's ACK is where this direction's stream stands.
            stream.base(ackSeq);
            stream.acked = 0;
            return;
        }
        long ack = stream.offsetOf(ackSeq);
        if (stream.finSeen && ack > stream.finOffset)
        {
            ack = stream.finOffset;
        }
        // Ahead of what this direction reached, sent or acknowledged: an acknowledged stream is followed however far
        // it goes (each ACK moves the frontier, and with it the anchor), so a gap of 4 GiB keeps its every wrap.
        final long reached = Math.max(Math.max(stream.highest, stream.frontier), stream.acked);
        if (ack > reached + MAX_ACK_AHEAD || ack < stream.frontier - MAX_ACK_AHEAD ||
            (ackSeq == 0 && ack > reached + BROKEN_ZERO_ACK_AHEAD))
        {
            counters.increment(EngineCounter.ACK_INVALID);
            return;
        }
        if (stream.acked != Stream.NONE && ack <= stream.acked)
        {
            return;
        }
        stream.acked = ack;
        if (!stream.reassembling || stream.stopped)
        {
            stream.frontier = Math.max(stream.frontier, ack);
            stream.reanchor();
            return;
        }
        delivery.deliverable(flow, direction, stream, timeNs);
        if (stream.frontier >= ack)
        {
            return;
        }
        if (ackGrace)
        {
            // Acknowledged bytes not captured yet may be on their way by another path: wait a little for them.
            if (stream.ackedHoleSinceNs == Stream.NONE)
            {
                stream.ackedHoleSinceNs = timeNs;
                // Counted from the segments after this acknowledgement, which afterSegment counts as well.
                stream.ackedHoleSegments = -1;
                return;
            }
            if (!isGraceOver(stream, timeNs))
            {
                return;
            }
        }
        gapAcked(flow, direction, stream, timeNs);
    }

    /**
     * A segment of the flow has been handled: an acked hole that filled meanwhile is counted, and one whose grace is
     * over is declared a gap.
     */
    void afterSegment(final Flow flow, final long timeNs)
    {
        for (int direction = 0; direction < 2; direction++)
        {
            final Stream stream = flow.streams[direction];
            if (stream.ackedHoleSinceNs == Stream.NONE)
            {
                continue;
            }
            if (stream.frontier >= stream.acked)
            {
                counters.increment(EngineCounter.ACKED_HOLES_FILLED);
                stream.ackedHoleSinceNs = Stream.NONE;
                continue;
            }
            stream.ackedHoleSegments++;
            if (isGraceOver(stream, timeNs) && !flow.dropped)
            {
                gapAcked(flow, direction, stream, timeNs);
            }
        }
    }

    private boolean isGraceOver(final Stream stream, final long timeNs)
    {
        return (ackGraceNs > 0 && timeNs - stream.ackedHoleSinceNs >= ackGraceNs) ||
            (ackGraceSegments > 0 && stream.ackedHoleSegments >= ackGraceSegments) || !ackGrace;
    }

    /**
     * The receiver has what was never captured: skip every hole below its acknowledgement as a gap, reason acked.
     */
    private void gapAcked(final Flow flow, final int direction, final Stream stream, final long timeNs)
    {
        final long ack = stream.acked;
        boolean gapped = false;
        while (stream.frontier < ack && !flow.dropped)
        {
            final long next = held.nextHeldStart(stream);
            final long length = Math.min(next, ack) - stream.frontier;
            if (length <= 0)
            {
                break;
            }
            delivery.gap(flow, direction, stream, length, GapReason.ACKED, timeNs);
            gapped = true;
            delivery.deliverable(flow, direction, stream, timeNs);
        }
        if (stream.ackedHoleSinceNs != Stream.NONE)
        {
            if (gapped)
            {
                counters.increment(EngineCounter.ACKED_HOLES_GAPPED);
            }
            stream.ackedHoleSinceNs = Stream.NONE;
        }
    }

    /**
     * Deliver everything held, skipping holes as gaps (reason {@link GapReason#FLOW_END}), up to the sender's FIN or
     * the last byte it claimed: the flow is ending.
     */
    void flush(final Flow flow, final int direction, final long timeNs)
    {
        final Stream stream = flow.streams[direction];
        if (!stream.baseKnown || stream.eofSent)
        {
            return;
        }
        if (!stream.reassembling || stream.stopped)
        {
            held.release(stream);
            return;
        }
        if (stream.ackedHoleSinceNs != Stream.NONE)
        {
            // The flow ends within an acked hole's grace: what was acknowledged and never came is an acked gap.
            gapAcked(flow, direction, stream, timeNs);
        }
        delivery.deliverContiguous(flow, direction, stream, Long.MAX_VALUE, timeNs);
        long end = Math.max(stream.highest, stream.acked == Stream.NONE ? 0 : stream.acked);
        if (stream.finSeen)
        {
            end = Math.min(end, stream.finOffset);
        }
        while (stream.frontier < end && !flow.dropped)
        {
            final long next = held.nextHeldStart(stream);
            final long length = Math.min(next, end) - stream.frontier;
            if (length <= 0)
            {
                break;
            }
            delivery.gap(flow, direction, stream, length, GapReason.FLOW_END, timeNs);
            delivery.deliverContiguous(flow, direction, stream, Long.MAX_VALUE, timeNs);
        }
    }

    /**
     * The flow is ending: deliver what each direction holds, skipping holes as gaps, then give each its last call,
     * the client's first.
     */
    void closeStreams(final Flow flow, final long timeNs)
    {
        flush(flow, Direction.TO_SERVER, timeNs);
        flush(flow, Direction.TO_CLIENT, timeNs);
        for (int d = Direction.TO_SERVER; d >= Direction.TO_CLIENT; d--)
        {
            final boolean otherEnded = flow.streams[Direction.opposite(d)].eofSent;
            delivery.endOfStream(flow, d, otherEnded ? TcpHandler.EOF_BOTH : TcpHandler.EOF_DIRECTION, timeNs);
        }
    }

    /**
     * The last call for a direction: offer each handler what it has not consumed, with {@code eof} set, then release
     * the stream's buffers.
     */
    void endOfStream(final Flow flow, final int direction, final int eof, final long timeNs)
    {
        delivery.endOfStream(flow, direction, eof, timeNs);
    }

    /**
     * @return whether every byte from {@code start} to {@code end} (stream offsets) is already delivered or held: a
     * copy of them arrived.
     */
    boolean isCovered(final Stream stream, final long start, final long end)
    {
        return held.isCovered(stream, start, end);
    }

    /**
     * Give back everything a stream holds (flow ending, reassembly stopped).
     */
    void release(final Stream stream)
    {
        held.release(stream);
    }

    private void insert(
        final Flow flow,
        final int direction,
        final Stream stream,
        final long segmentStart,
        final DirectBuffer buffer,
        final int bufferOffset,
        final int segmentLength,
        final long timeNs,
        final boolean mayRetry)
    {
        if (segmentLength <= 0)
        {
            return;
        }
        long start = segmentStart;
        int offset = bufferOffset;
        int length = segmentLength;
        final long end = start + length;
        if (!stream.reassembling || stream.stopped)
        {
            if (stream.segmentHead != SegmentPool.NONE || stream.pageHead != PageStore.NONE)
            {
                held.release(stream);
            }
            counters.add(EngineCounter.NOT_REASSEMBLED_BYTES, length);
            stream.frontier = Math.max(stream.frontier, end);
            for (int h = 0; h < stream.consumed.length; h++)
            {
                stream.consumed[h] = Math.max(stream.consumed[h], stream.frontier);
            }
            return;
        }
        if (end <= stream.frontier)
        {
            counters.increment(EngineCounter.RETRANSMISSIONS);
            flow.record.retransmission(direction);
            return;
        }
        if (start < stream.frontier)
        {
            counters.increment(EngineCounter.RETRANSMISSIONS);
            flow.record.retransmission(direction);
            final int trim = (int)(stream.frontier - start);
            start += trim;
            offset += trim;
            length -= trim;
        }
        if (stream.eofSent)
        {
            // The stream has ended (its end of file was given): a receiver discards bytes claimed after it. Kept, they
            // would be handed over after the end of file, or held in pages that nothing releases.
            counters.add(EngineCounter.NOT_REASSEMBLED_BYTES, length);
            return;
        }

        if (start == stream.frontier && mode == DeliveryMode.IMMEDIATE &&
            stream.segmentHead == SegmentPool.NONE && !stream.hasRetained())
        {
            delivery.deliverInPlace(flow, direction, stream, start, buffer, offset, length, timeNs);
            return;
        }

        if (start > stream.frontier)
        {
            counters.increment(EngineCounter.OUT_OF_ORDER);
            flow.record.onOutOfOrder(direction);
        }
        if (!held.fits(stream, start, end))
        {
            if (memcapPolicy == MemcapPolicy.STOP_TRACKING)
            {
                stopTracking(flow, direction, stream, length);
                return;
            }
            relievePressure(flow, direction, stream, timeNs);
            if (mayRetry && !flow.dropped)
            {
                insert(flow, direction, stream, start, buffer, offset, length, timeNs, false);
                return;
            }
            if (!held.fits(stream, start, end))
            {
                counters.add(EngineCounter.MEMCAP_DROPPED_BYTES, length);
                return;
            }
        }
        held.store(flow, direction, stream, start, end, buffer, offset, timeNs);
        delivery.deliverable(flow, direction, stream, timeNs);
    }

    /**
     * Memcap policy gap-forward: give up on the oldest hole (and on bytes handlers left unconsumed), deliver what
     * waited behind it, and so free pages.
     */
    private void relievePressure(final Flow flow, final int direction, final Stream stream, final long timeNs)
    {
        if (stream.hasRetained())
        {
            for (int h = 0; h < stream.consumed.length; h++)
            {
                stream.consumed[h] = stream.frontier;
            }
            held.releaseConsumed(stream);
        }
        final long next = held.nextHeldStart(stream);
        if (next != Long.MAX_VALUE)
        {
            if (next > stream.frontier)
            {
                delivery.gap(flow, direction, stream, next - stream.frontier, GapReason.MEMCAP, timeNs);
            }
            delivery.deliverContiguous(flow, direction, stream, Long.MAX_VALUE, timeNs);
        }
    }

    private void stopTracking(final Flow flow, final int direction, final Stream stream, final int length)
    {
        counters.increment(EngineCounter.STOPPED_TRACKING);
        counters.add(EngineCounter.MEMCAP_DROPPED_BYTES, length);
        for (int d = 0; d < 2; d++)
        {
            final Stream s = flow.streams[d];
            s.stopped = true;
            held.release(s);
        }
    }

    /**
     * Rounds a staging size up to a power of two, as Agrona's aligned allocation prefers.
     */
    private static final class BitCeiling
    {
        static int of(final int value)
        {
            return value <= 1 ? 1 : Integer.highestOneBit(value - 1) << 1;
        }
    }
}
