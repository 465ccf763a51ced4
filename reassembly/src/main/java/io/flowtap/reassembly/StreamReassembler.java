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

    private final PageStore pages;
    private final SegmentPool segments;
    private final TcpHandler[] handlers;
    private final EngineCounters counters;
    private final DeliveryMode mode;
    private final MemcapPolicy memcapPolicy;
    private final UrgentPolicy urgentPolicy;
    private final int flowMemcapPages;
    private final UnsafeBuffer staging;
    private final long ackGraceNs;
    private final int ackGraceSegments;
    private final boolean ackGrace;

    StreamReassembler(
        final PageStore pages,
        final SegmentPool segments,
        final TcpHandler[] handlers,
        final EngineCounters counters,
        final EngineContext context)
    {
        this.pages = pages;
        this.segments = segments;
        this.handlers = handlers;
        this.counters = counters;
        this.mode = context.deliveryMode();
        this.memcapPolicy = context.memcapPolicy();
        this.urgentPolicy = context.urgentPolicy();
        this.flowMemcapPages = (int)Math.max(1, context.flowMemcapBytes() / context.pageSize());
        this.ackGraceNs = context.ackGraceNs();
        this.ackGraceSegments = context.ackGraceSegments();
        this.ackGrace = ackGraceNs > 0 || ackGraceSegments > 0;
        final int stagingBytes = (int)Math.min(Integer.MAX_VALUE - 64, context.flowMemcapBytes() + 65_536);
        this.staging = new UnsafeBuffer(BufferUtil.allocateDirectAligned(BitCeiling.of(stagingBytes), 64));
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
            !stream.stopped && !stream.eofSent && rebase(stream, -start))
        {
            start = 0;
        }
        final long claimedEnd = start + payloadLength;
        if (urgentPointer > 0 && urgentPolicy != UrgentPolicy.INLINE && urgentPointer <= payloadLength)
        {
            if (urgentPolicy == UrgentPolicy.DROP)
            {
                counters.increment(EngineCounter.URGENT_DROPPED);
                claimed(flow, direction, stream, claimedEnd);
                return;
            }
            final long urgent = start + urgentPointer - 1;
            claimed(flow, direction, stream, claimedEnd);
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
        claimed(flow, direction, stream, claimedEnd);
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
        deliverable(flow, direction, stream, timeNs);
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
            final long next = nextHeldStart(stream);
            final long length = Math.min(next, ack) - stream.frontier;
            if (length <= 0)
            {
                break;
            }
            gap(flow, direction, stream, length, GapReason.ACKED, timeNs);
            gapped = true;
            deliverable(flow, direction, stream, timeNs);
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
     * A midstream stream's earlier bytes came after later ones, before anything of it was delivered: renumber it so
     * that it starts at them, moving what it holds up by {@code delta}. Cold: once a flow at most.
     *
     * @return false when the page store has no room to move the held bytes (the late bytes are then a
     * retransmission, as before).
     */
    private boolean rebase(final Stream stream, final long delta)
    {
        if (stream.segmentHead != SegmentPool.NONE)
        {
            // Renumbered, each held segment may straddle one more page boundary than before.
            int held = 0;
            for (int segment = stream.segmentHead; segment != SegmentPool.NONE; segment = segments.next(segment))
            {
                held++;
            }
            if (pages.freePages() < held || stream.heldEnd - segments.start(stream.segmentHead) > staging.capacity())
            {
                return false;
            }
            final long first = segments.start(stream.segmentHead);
            for (int segment = stream.segmentHead; segment != SegmentPool.NONE; segment = segments.next(segment))
            {
                pages.read(stream.pageHead, segments.start(segment), staging, (int)(segments.start(segment) - first),
                    (int)(segments.end(segment) - segments.start(segment)));
            }
            stream.pageHead = pages.releaseAll(stream.pageHead);
            segments.shift(stream.segmentHead, delta);
            for (int segment = stream.segmentHead; segment != SegmentPool.NONE; segment = segments.next(segment))
            {
                final long segmentStart = segments.start(segment);
                stream.pageHead = pages.write(stream.pageHead, segmentStart, staging,
                    (int)(segmentStart - delta - first), (int)(segments.end(segment) - segmentStart));
            }
            stream.pageTail = pages.tailFrom(stream.pageHead);
            stream.heldPages = pages.chainLength(stream.pageHead);
            stream.heldEnd += delta;
        }
        stream.anchorOffset += delta;
        stream.highest += delta;
        if (stream.acked != Stream.NONE)
        {
            stream.acked += delta;
        }
        if (stream.finSeen)
        {
            stream.finOffset += delta;
        }
        counters.increment(EngineCounter.MIDSTREAM_REBASED);
        return true;
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
            release(stream);
            return;
        }
        if (stream.ackedHoleSinceNs != Stream.NONE)
        {
            // The flow ends within an acked hole's grace: what was acknowledged and never came is an acked gap.
            gapAcked(flow, direction, stream, timeNs);
        }
        deliverContiguous(flow, direction, stream, Long.MAX_VALUE, timeNs);
        long end = Math.max(stream.highest, stream.acked == Stream.NONE ? 0 : stream.acked);
        if (stream.finSeen)
        {
            end = Math.min(end, stream.finOffset);
        }
        while (stream.frontier < end && !flow.dropped)
        {
            final long next = nextHeldStart(stream);
            final long length = Math.min(next, end) - stream.frontier;
            if (length <= 0)
            {
                break;
            }
            gap(flow, direction, stream, length, GapReason.FLOW_END, timeNs);
            deliverContiguous(flow, direction, stream, Long.MAX_VALUE, timeNs);
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
            endOfStream(flow, d, otherEnded ? TcpHandler.EOF_BOTH : TcpHandler.EOF_DIRECTION, timeNs);
        }
    }

    /**
     * The last call for a direction: offer each handler what it has not consumed, with {@code eof} set, then release
     * the stream's buffers.
     */
    void endOfStream(final Flow flow, final int direction, final int eof, final long timeNs)
    {
        final Stream stream = flow.streams[direction];
        if (stream.eofSent)
        {
            return;
        }
        stream.eofSent = true;
        if (!flow.dropped && stream.reassembling && !stream.stopped)
        {
            for (int h = 0; h < handlers.length; h++)
            {
                final long from = Math.min(stream.consumed[h], stream.frontier);
                final int length = (int)Math.min(stream.frontier - from, staging.capacity());
                final DirectBuffer buffer;
                final int offset;
                if (length == 0)
                {
                    buffer = staging;
                    offset = 0;
                }
                else if (pages.withinOnePage(from, length))
                {
                    buffer = pages.slab();
                    offset = pages.slabOffset(stream.pageHead, from);
                }
                else
                {
                    pages.read(stream.pageHead, from, staging, 0, length);
                    buffer = staging;
                    offset = 0;
                }
                handlers[h].onPayload(flow, direction, from, buffer, offset, length, timeNs, eof);
                stream.consumed[h] = stream.frontier;
            }
        }
        release(stream);
    }

    /**
     * @return whether every byte from {@code start} to {@code end} (stream offsets) is already delivered or held: a
     * copy of them arrived.
     */
    boolean isCovered(final Stream stream, final long start, final long end)
    {
        long covered = Math.max(start, stream.frontier);
        for (int segment = stream.segmentHead; segment != SegmentPool.NONE && covered < end;
            segment = segments.next(segment))
        {
            if (segments.start(segment) > covered)
            {
                break;
            }
            covered = Math.max(covered, segments.end(segment));
        }
        return covered >= end;
    }

    /**
     * Give back everything a stream holds (flow ending, reassembly stopped).
     */
    void release(final Stream stream)
    {
        stream.segmentHead = segments.releaseAll(stream.segmentHead);
        stream.pageHead = pages.releaseAll(stream.pageHead);
        stream.segmentTail = SegmentPool.NONE;
        stream.pageTail = PageStore.NONE;
        stream.heldEnd = Long.MIN_VALUE;
        stream.heldPages = 0;
        for (int h = 0; h < stream.consumed.length; h++)
        {
            stream.consumed[h] = Math.max(stream.consumed[h], stream.frontier);
        }
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
                release(stream);
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
            deliverInPlace(flow, direction, stream, start, buffer, offset, length, timeNs);
            return;
        }

        if (start > stream.frontier)
        {
            counters.increment(EngineCounter.OUT_OF_ORDER);
            flow.record.onOutOfOrder(direction);
        }
        if (!fits(stream, start, end))
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
            if (!fits(stream, start, end))
            {
                counters.add(EngineCounter.MEMCAP_DROPPED_BYTES, length);
                return;
            }
        }
        store(flow, direction, stream, start, end, buffer, offset, timeNs);
        deliverable(flow, direction, stream, timeNs);
    }

    private boolean fits(final Stream stream, final long start, final long end)
    {
        final int missing = pages.pagesMissing(stream.pageHead, stream.pageTail, start, end);
        if (stream.heldPages + missing > flowMemcapPages)
        {
            counters.increment(EngineCounter.MEMCAP_FLOW);
            return false;
        }
        if (missing > pages.freePages() || segments.free() == 0)
        {
            counters.increment(EngineCounter.MEMCAP_ENGINE);
            return false;
        }
        return true;
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
            releaseConsumed(stream);
        }
        final long next = nextHeldStart(stream);
        if (next != Long.MAX_VALUE)
        {
            if (next > stream.frontier)
            {
                gap(flow, direction, stream, next - stream.frontier, GapReason.MEMCAP, timeNs);
            }
            deliverContiguous(flow, direction, stream, Long.MAX_VALUE, timeNs);
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
            release(s);
        }
    }

    /**
     * Put a segment's bytes into the page store, resolving overlaps with segments already held: where the held bytes
     * differ, the receiver's policy chooses, and the conflict is reported either way.
     */
    private void store(
        final Flow flow,
        final int direction,
        final Stream stream,
        final long start,
        final long end,
        final DirectBuffer buffer,
        final int offset,
        final long timeNs)
    {
        final int freeBefore = pages.freePages();
        if (start >= stream.heldEnd && pages.isAppendable(stream.pageTail, start))
        {
            // After everything held (the bytes behind a hole arriving in order): nothing to overlap, O(1).
            if (stream.pageTail == PageStore.NONE)
            {
                stream.pageHead = pages.write(PageStore.NONE, start, buffer, offset, (int)(end - start));
                stream.pageTail = pages.tailFrom(stream.pageHead);
            }
            else
            {
                stream.pageTail = pages.append(stream.pageTail, start, buffer, offset, (int)(end - start));
            }
            stream.segmentTail = segments.append(stream.segmentTail, start, end, timeNs);
            if (stream.segmentHead == SegmentPool.NONE)
            {
                stream.segmentHead = stream.segmentTail;
            }
            stream.heldEnd = end;
            stream.heldPages += freeBefore - pages.freePages();
            return;
        }
        boolean overlapped = false;
        boolean broughtNew = false;
        long cursor = start;
        for (int segment = stream.segmentHead; segment != SegmentPool.NONE && cursor < end;
            segment = segments.next(segment))
        {
            final long heldStart = segments.start(segment);
            final long heldEnd = segments.end(segment);
            if (heldStart >= end)
            {
                break;
            }
            if (heldEnd <= cursor)
            {
                continue;
            }
            if (heldStart > cursor)
            {
                write(stream, cursor, heldStart, start, buffer, offset);
                broughtNew = true;
                cursor = heldStart;
            }
            final long overlapEnd = Math.min(end, heldEnd);
            overlapped = true;
            final int overlapLength = (int)(overlapEnd - cursor);
            if (!pages.equalTo(stream.pageHead, cursor, buffer, offset + (int)(cursor - start), overlapLength))
            {
                final boolean newWins = stream.policy.newWins(start, end, heldStart, heldEnd);
                counters.increment(EngineCounter.OVERLAP_CONFLICTS);
                flow.record.conflictingOverlap(direction);
                for (int h = 0; h < handlers.length; h++)
                {
                    handlers[h].onOverlapConflict(
                        flow, direction, heldStart, heldEnd - heldStart, start, end - start, newWins, timeNs);
                }
                if (newWins)
                {
                    write(stream, cursor, overlapEnd, start, buffer, offset);
                }
            }
            cursor = overlapEnd;
        }
        if (cursor < end)
        {
            write(stream, cursor, end, start, buffer, offset);
            broughtNew = true;
        }
        if (overlapped)
        {
            counters.increment(EngineCounter.OVERLAPS);
            flow.record.overlap(direction);
            if (!broughtNew)
            {
                counters.increment(EngineCounter.RETRANSMISSIONS);
                flow.record.retransmission(direction);
            }
        }
        if (!segments.contains(stream.segmentHead, start, end))
        {
            stream.segmentHead = segments.insert(stream.segmentHead, start, end, timeNs);
        }
        // Anything added here went before the old last segment and page, or just after them.
        stream.segmentTail = segments.tailFrom(
            stream.segmentTail != SegmentPool.NONE ? stream.segmentTail : stream.segmentHead);
        stream.pageTail = pages.tailFrom(stream.pageTail != PageStore.NONE ? stream.pageTail : stream.pageHead);
        stream.heldEnd = Math.max(stream.heldEnd, end);
        stream.heldPages += freeBefore - pages.freePages();
    }

    private void write(
        final Stream stream,
        final long from,
        final long to,
        final long segmentStart,
        final DirectBuffer buffer,
        final int segmentOffset)
    {
        stream.pageHead = pages.write(
            stream.pageHead, from, buffer, segmentOffset + (int)(from - segmentStart), (int)(to - from));
    }

    private void deliverable(final Flow flow, final int direction, final Stream stream, final long timeNs)
    {
        final long limit;
        if (mode == DeliveryMode.IMMEDIATE)
        {
            limit = Long.MAX_VALUE;
        }
        else
        {
            limit = stream.acked == Stream.NONE ? stream.frontier : stream.acked;
        }
        deliverContiguous(flow, direction, stream, limit, timeNs);
    }

    /**
     * Offer the held bytes that are now in order, up to {@code limit}, and release what every handler consumed.
     */
    private void deliverContiguous(
        final Flow flow, final int direction, final Stream stream, final long limit, final long timeNs)
    {
        long contiguous = stream.frontier;
        long earliest = Long.MAX_VALUE;
        for (int segment = stream.segmentHead; segment != SegmentPool.NONE; segment = segments.next(segment))
        {
            if (segments.start(segment) > contiguous)
            {
                break;
            }
            final long end = segments.end(segment);
            if (end > stream.frontier)
            {
                earliest = Math.min(earliest, segments.time(segment));
                if (end > contiguous)
                {
                    contiguous = end;
                }
            }
        }
        contiguous = Math.min(contiguous, limit);
        if (contiguous <= stream.frontier)
        {
            return;
        }
        final long time = mode == DeliveryMode.ACKED && earliest != Long.MAX_VALUE ? earliest : timeNs;
        final long from = stream.frontier;
        stream.frontier = contiguous;
        offerHeld(flow, direction, stream, from, contiguous, time);
        releaseConsumed(stream);
        stream.reanchor();
    }

    /**
     * Offer each handler the held bytes from where it stopped consuming up to {@code to}.
     */
    private void offerHeld(
        final Flow flow, final int direction, final Stream stream, final long from, final long to, final long timeNs)
    {
        counters.add(EngineCounter.DELIVERED_BYTES, to - from);
        flow.record.delivered(direction, to - from);
        for (int h = 0; h < handlers.length; h++)
        {
            long position = Math.min(stream.consumed[h], from);
            while (position < to && !flow.dropped)
            {
                final int length = (int)Math.min(to - position, staging.capacity());
                final DirectBuffer buffer;
                final int offset;
                if (pages.withinOnePage(position, length))
                {
                    buffer = pages.slab();
                    offset = pages.slabOffset(stream.pageHead, position);
                }
                else
                {
                    pages.read(stream.pageHead, position, staging, 0, length);
                    buffer = staging;
                    offset = 0;
                }
                final int consumed = clamp(
                    handlers[h].onPayload(flow, direction, position, buffer, offset, length, timeNs,
                    TcpHandler.EOF_NONE), length);
                position += consumed;
                if (consumed < length)
                {
                    break;
                }
            }
            stream.consumed[h] = position;
        }
    }

    /**
     * The fast path: in order, nothing held, {@code immediate} mode. The handlers read the bytes in the packet; only
     * what they leave unconsumed is copied.
     */
    private void deliverInPlace(
        final Flow flow,
        final int direction,
        final Stream stream,
        final long start,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs)
    {
        final long end = start + length;
        stream.frontier = end;
        counters.add(EngineCounter.DELIVERED_BYTES, length);
        flow.record.delivered(direction, length);
        long minConsumed = end;
        for (int h = 0; h < handlers.length; h++)
        {
            final int consumed = flow.dropped ? length : clamp(
                handlers[h].onPayload(flow, direction, start, buffer, offset, length, timeNs, TcpHandler.EOF_NONE),
                length);
            stream.consumed[h] = start + consumed;
            minConsumed = Math.min(minConsumed, start + consumed);
        }
        if (minConsumed < end)
        {
            if (fits(stream, minConsumed, end))
            {
                store(flow, direction, stream, minConsumed, end, buffer, offset + (int)(minConsumed - start), timeNs);
            }
            else
            {
                // A handler that never consumes cannot hold the flow's memory forever: its bytes are let go.
                counters.add(EngineCounter.MEMCAP_DROPPED_BYTES, end - minConsumed);
                for (int h = 0; h < handlers.length; h++)
                {
                    stream.consumed[h] = end;
                }
            }
        }
        stream.reanchor();
    }

    private void gap(
        final Flow flow, final int direction, final Stream stream, final long length, final GapReason reason,
        final long timeNs)
    {
        if (length <= 0)
        {
            return;
        }
        final long from = stream.frontier;
        counters.increment(EngineCounter.GAPS);
        counters.add(EngineCounter.GAP_BYTES, length);
        account(flow, direction, stream, from, length);
        for (int h = 0; h < handlers.length; h++)
        {
            handlers[h].onGap(flow, direction, from, length, reason, timeNs);
        }
        stream.frontier = from + length;
        for (int h = 0; h < stream.consumed.length; h++)
        {
            // Bytes a handler left unconsumed before a gap cannot be continued by what follows it.
            stream.consumed[h] = Math.max(stream.consumed[h], stream.frontier);
        }
        releaseConsumed(stream);
        stream.reanchor();
    }

    /**
     * Count a gap on the flow's record by what shows the bytes were sent: the part below the sender's own data (or
     * FIN) is a hole in it; the part above is known only from the peer's acknowledgements, and stays counted so until
     * the sender is seen to send past it ({@link #confirmGaps}).
     */
    private static void account(
        final Flow flow, final int direction, final Stream stream, final long from, final long length)
    {
        final long own = Math.min(from + length, stream.ownEnd()) - from;
        if (own > 0)
        {
            flow.record.gap(direction, own);
            flow.zeek.gap(flow.record, direction);
        }
        if (own < length)
        {
            flow.record.ackedMissing(direction, length - Math.max(0, own));
            if (stream.ackedOnlyFrom == Stream.NONE)
            {
                stream.ackedOnlyFrom = from + Math.max(0, own);
                stream.ackedOnlyCounted = own > 0;
            }
        }
    }

    /**
     * The sender was seen to send up to {@code claimedEnd} (payload, captured or not).
     */
    private static void claimed(final Flow flow, final int direction, final Stream stream, final long claimedEnd)
    {
        if (claimedEnd > stream.highest)
        {
            stream.highest = claimedEnd;
            confirmGaps(flow, direction);
        }
    }

    /**
     * Bytes skipped as only acknowledged that now lie below the sender's own data or FIN become one hole in its data.
     * Called whenever what the sender was seen to send grows, before any byte it brings is delivered: so the skipped
     * bytes are those from {@link Stream#ackedOnlyFrom} up to the frontier.
     */
    static void confirmGaps(final Flow flow, final int direction)
    {
        final Stream stream = flow.streams[direction];
        if (stream.ackedOnlyFrom == Stream.NONE)
        {
            return;
        }
        final long upTo = Math.min(stream.ownEnd(), stream.frontier);
        if (upTo > stream.ackedOnlyFrom)
        {
            // One hole however many acknowledgements declared it and however many segments confirm it.
            flow.record.confirmGap(direction, upTo - stream.ackedOnlyFrom, !stream.ackedOnlyCounted);
            if (!stream.ackedOnlyCounted)
            {
                flow.zeek.gap(flow.record, direction);
                stream.ackedOnlyCounted = true;
            }
            stream.ackedOnlyFrom = upTo < stream.frontier ? upTo : Stream.NONE;
        }
    }

    private long nextHeldStart(final Stream stream)
    {
        for (int segment = stream.segmentHead; segment != SegmentPool.NONE; segment = segments.next(segment))
        {
            if (segments.end(segment) > stream.frontier)
            {
                return Math.max(segments.start(segment), stream.frontier);
            }
        }
        return Long.MAX_VALUE;
    }

    private void releaseConsumed(final Stream stream)
    {
        final long below = stream.minConsumed();
        final int freeBefore = pages.freePages();
        stream.segmentHead = segments.releaseBelow(stream.segmentHead, below);
        if (segments.lastKept() != SegmentPool.TAIL_UNCHANGED)
        {
            stream.segmentTail = segments.lastKept();
        }
        if (stream.segmentHead == SegmentPool.NONE)
        {
            // What remains held ends before the frontier: anything from there on appends again.
            stream.heldEnd = Long.MIN_VALUE;
        }
        stream.pageHead = pages.releaseBelow(stream.pageHead, below);
        if (stream.pageHead == PageStore.NONE)
        {
            stream.pageTail = PageStore.NONE;
        }
        stream.heldPages -= pages.freePages() - freeBefore;
    }

    private static int clamp(final int consumed, final int length)
    {
        return consumed < 0 ? 0 : Math.min(consumed, length);
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
