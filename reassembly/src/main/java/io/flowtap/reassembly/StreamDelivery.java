package io.flowtap.reassembly;

import io.flowtap.reassembly.store.PageStore;
import io.flowtap.reassembly.store.SegmentPool;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Delivery and gap accounting: hands a stream's in-order bytes to the handlers (in place from the packet when
 * nothing is held, else from the {@link HeldBytes}, whose segments it reads to find how far the bytes are in order),
 * moves the stream's frontier and each handler's consumed position, skips a hole as a gap (telling the handlers, and
 * counting it on the flow's record as a hole in the sender's data or as bytes only acknowledged), and gives each
 * direction its last call.
 * <p>
 * Not thread safe: owned by its engine.
 */
final class StreamDelivery
{
    private final PageStore pages;
    private final SegmentPool segments;
    private final HeldBytes held;
    private final TcpHandler[] handlers;
    private final EngineCounters counters;
    private final DeliveryMode mode;
    private final UnsafeBuffer staging;

    StreamDelivery(
        final PageStore pages,
        final SegmentPool segments,
        final HeldBytes held,
        final TcpHandler[] handlers,
        final EngineCounters counters,
        final DeliveryMode mode,
        final UnsafeBuffer staging)
    {
        this.pages = pages;
        this.segments = segments;
        this.held = held;
        this.handlers = handlers;
        this.counters = counters;
        this.mode = mode;
        this.staging = staging;
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
        held.release(stream);
    }

    void deliverable(final Flow flow, final int direction, final Stream stream, final long timeNs)
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
    void deliverContiguous(
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
        held.releaseConsumed(stream);
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
    void deliverInPlace(
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
            if (held.fits(stream, minConsumed, end))
            {
                held.store(
                    flow, direction, stream, minConsumed, end, buffer, offset + (int)(minConsumed - start), timeNs);
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

    void gap(
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
        held.releaseConsumed(stream);
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
            flow.zeek.gap(flow.record.history, direction);
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
    static void claimed(final Flow flow, final int direction, final Stream stream, final long claimedEnd)
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
                flow.zeek.gap(flow.record.history, direction);
                stream.ackedOnlyCounted = true;
            }
            stream.ackedOnlyFrom = upTo < stream.frontier ? upTo : Stream.NONE;
        }
    }

    private static int clamp(final int consumed, final int length)
    {
        return consumed < 0 ? 0 : Math.min(consumed, length);
    }
}
