package io.flowtap.reassembly;

import io.flowtap.reassembly.store.PageStore;
import io.flowtap.reassembly.store.SegmentPool;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The out-of-order store of a stream: the bytes that must wait (out of order, not yet acknowledged, or not consumed
 * by a handler) in the engine's {@link PageStore}, and their segments' boundaries and arrival times in its
 * {@link SegmentPool}. It puts a segment's bytes in, resolving overlaps with what is held by the receiver's
 * {@link OverlapPolicy}, tells whether they fit within the flow's and the engine's memcaps, answers what is held where,
 * and gives back what every handler consumed. What it holds of each stream is named by the {@link Stream}'s heads
 * and tails; it delivers nothing.
 * <p>
 * Not thread safe: owned by its engine.
 */
final class HeldBytes
{
    private final PageStore pages;
    private final SegmentPool segments;
    private final TcpHandler[] handlers;
    private final EngineCounters counters;
    private final int flowMemcapPages;
    private final UnsafeBuffer staging;

    HeldBytes(
        final PageStore pages,
        final SegmentPool segments,
        final TcpHandler[] handlers,
        final EngineCounters counters,
        final int flowMemcapPages,
        final UnsafeBuffer staging)
    {
        this.pages = pages;
        this.segments = segments;
        this.handlers = handlers;
        this.counters = counters;
        this.flowMemcapPages = flowMemcapPages;
        this.staging = staging;
    }

    /**
     * A midstream stream's earlier bytes came after later ones, before anything of it was delivered: renumber it so
     * that it starts at them, moving what it holds up by {@code delta}. Cold: once a flow at most.
     *
     * @return false when the page store has no room to move the held bytes (the late bytes are then a
     * retransmission, as before).
     */
    boolean rebase(final Stream stream, final long delta)
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

    boolean fits(final Stream stream, final long start, final long end)
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
     * Put a segment's bytes into the page store, resolving overlaps with segments already held: where the held bytes
     * differ, the receiver's policy chooses, and the conflict is reported either way.
     */
    void store(
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

    long nextHeldStart(final Stream stream)
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

    void releaseConsumed(final Stream stream)
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
}
