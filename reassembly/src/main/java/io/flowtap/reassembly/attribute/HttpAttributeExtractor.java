package io.flowtap.reassembly.attribute;

import io.flowtap.capture.counter.CounterAllocator;
import io.flowtap.capture.counter.CounterValues;
import io.flowtap.capture.counter.InMemoryCounters;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.attribute.http.HttpHeaderFields;
import io.flowtap.reassembly.attribute.http.HttpSyntax;
import org.agrona.DirectBuffer;

import static io.flowtap.reassembly.attribute.http.HttpSyntax.CR;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.LF;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.PREFIX_BAD;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.PREFIX_RESPONSE;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.PREFIX_SHORT;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.SP;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.headerBlockEnd;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.hexValue;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.indexOf;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.isBlank;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.isLineEnd;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.requestTargetEnd;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.skip;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.skipBlanks;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.startLinePrefix;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.trimCr;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.validStatusLine;

/**
 * Finds HTTP/1.x requests and responses in reassembled streams and reports their attributes through
 * {@link Flow#attribute}: the whole header block ({@link AttributeNames#HTTP_HEADER}), the method and target of a
 * request, the status of a response, and the {@code Host}, {@code User-Agent} and {@code Content-Type} header values.
 * Every value is reported in place: a view of the bytes the engine offered, valid during the call.
 * <p>
 * The protocol is recognised by content, not port, in each direction on its own: a direction whose first bytes are
 * an HTTP method token and a space holds requests, one that starts with {@code HTTP/} holds responses; anything else
 * is counted ({@link HttpCounter#NOT_HTTP}) and skipped at once. Several messages per connection (keep-alive,
 * pipelining) are followed: bodies are skipped unread by {@code Content-Length} or chunked framing, a response to
 * {@code HEAD}, a 204, a 304 or an interim 1xx has none, and a response delimited by the end of the connection ends
 * what is read of its direction. A {@code 101} or a successful {@code CONNECT} ends both.
 * <p>
 * Bounded: a header block is read only when it is complete in the bytes offered; until then the extractor consumes
 * nothing from the message's start, so the engine offers it again with more (its "return less than offered"
 * contract), for at most {@code maxHeaderBytes}. Nothing past {@code inspectLimitBytes} of a direction is looked at.
 * Malformed or truncated input never throws: each way of giving up on a stream has an {@link HttpCounter}.
 * <p>
 * Per-flow parser state comes from a {@link PerFlowStateHandler}: a pool sized up front, the state kept in the
 * flow's data slot {@code dataSlot}, so the steady state allocates nothing. The syntax is read by
 * {@link HttpSyntax}, and the header fields by {@link HttpHeaderFields}; this
 * class follows the messages. Owned by the engine's thread, as every handler is.
 */
public final class HttpAttributeExtractor extends PerFlowStateHandler<HttpAttributeExtractor.State>
{
    /** Default flow data slot for the parser state (slot 0 is left to users, as Haka's {@code data}). */
    public static final int DATA_SLOT_DEFAULT = 1;
    /** Default stream offset past which a direction is not looked at. */
    public static final int INSPECT_LIMIT_BYTES_DEFAULT = 1024 * 1024;
    /** Default longest header block read. */
    public static final int MAX_HEADER_BYTES_DEFAULT = 16 * 1024;
    /** Default number of flow states made up front. */
    public static final int POOL_SIZE_DEFAULT = 1024;

    static final int START = 0;
    static final int BODY = 1;
    static final int CHUNK_SIZE = 2;
    static final int CHUNK_DATA = 3;
    static final int CHUNK_END = 4;
    static final int TRAILERS = 5;
    static final int DONE = 6;

    private static final int WAIT = -1;
    private static final int MAX_LINE_BYTES = 1024;
    private static final long MAX_CHUNK_SIZE = 1L << 40;
    private static final byte[] HEAD = {'H', 'E', 'A', 'D'};
    private static final byte[] CONNECT = {'C', 'O', 'N', 'N', 'E', 'C', 'T'};

    private final long inspectLimitBytes;
    private final int maxHeaderBytes;
    private final CounterValues counters;
    // What one header block said, read by headers() for message() to act on; reset per message.
    private final HttpHeaderFields fields = new HttpHeaderFields();

    /**
     * An extractor with the default slot, limits and pool size.
     */
    public HttpAttributeExtractor()
    {
        this(DATA_SLOT_DEFAULT, INSPECT_LIMIT_BYTES_DEFAULT, MAX_HEADER_BYTES_DEFAULT, POOL_SIZE_DEFAULT);
    }

    /**
     * An extractor with the default slot, limits and pool size, counting where it is told.
     *
     * @param counters gives the extractor its {@link HttpCounter}s (cold path): in a sensor, one list per worker in its
     *                 counters file, so that {@code flowtap stats} and the metrics endpoint show them.
     */
    public HttpAttributeExtractor(final CounterAllocator counters)
    {
        this(DATA_SLOT_DEFAULT, INSPECT_LIMIT_BYTES_DEFAULT, MAX_HEADER_BYTES_DEFAULT, POOL_SIZE_DEFAULT, counters);
    }

    /**
     * @param dataSlot          flow data slot for the parser state, below the engine's
     *                          {@link io.flowtap.reassembly.EngineContext#dataSlots()}.
     * @param inspectLimitBytes stream offset past which a direction is not looked at.
     * @param maxHeaderBytes    longest header block read; a longer one gives its stream up.
     * @param poolSize          flow states made up front (the flows expected at once).
     */
    public HttpAttributeExtractor(
        final int dataSlot, final int inspectLimitBytes, final int maxHeaderBytes, final int poolSize)
    {
        this(dataSlot, inspectLimitBytes, maxHeaderBytes, poolSize, new InMemoryCounters(HttpCounter.count()));
    }

    /**
     * @param dataSlot          flow data slot for the parser state, below the engine's
     *                          {@link io.flowtap.reassembly.EngineContext#dataSlots()}.
     * @param inspectLimitBytes stream offset past which a direction is not looked at.
     * @param maxHeaderBytes    longest header block read; a longer one gives its stream up.
     * @param poolSize          flow states made up front (the flows expected at once).
     * @param counters          gives the extractor its counters (cold path).
     */
    public HttpAttributeExtractor(
        final int dataSlot,
        final int inspectLimitBytes,
        final int maxHeaderBytes,
        final int poolSize,
        final CounterAllocator counters)
    {
        super(dataSlot, State::new, poolSize);
        this.counters = counters.allocate(HttpCounter.values());
        if (inspectLimitBytes < 1 || maxHeaderBytes < 64)
        {
            throw new IllegalArgumentException(
                "inspect limit must be positive and max header at least 64: " + inspectLimitBytes + ", " +
                maxHeaderBytes);
        }
        this.inspectLimitBytes = inspectLimitBytes;
        this.maxHeaderBytes = maxHeaderBytes;
    }

    /**
     * @param counter one of the extractor's counters.
     * @return its value.
     */
    public long counter(final HttpCounter counter)
    {
        return counters.get(counter.ordinal());
    }

    @Override
    int onPayload(
        final State state,
        final Flow flow,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs,
        final int eof)
    {
        if (state.phase[direction] == DONE)
        {
            return length;
        }
        final long room = inspectLimitBytes - seekpos;
        if (room <= 0)
        {
            stop(state, direction, HttpCounter.INSPECT_LIMIT);
            return length;
        }
        final int usable = (int)Math.min(length, room);
        final int consumed = parse(flow, state, direction, buffer, offset, offset + usable, timeNs);
        if (state.phase[direction] == DONE)
        {
            return length;
        }
        if (usable < length)
        {
            stop(state, direction, HttpCounter.INSPECT_LIMIT);
            return length;
        }
        if (eof != EOF_NONE)
        {
            if (consumed < usable)
            {
                stop(state, direction, HttpCounter.TRUNCATED);
            }
            return length;
        }
        return consumed;
    }

    @Override
    void onGap(final State state, final int direction)
    {
        if (state.phase[direction] != DONE)
        {
            stop(state, direction, HttpCounter.GAP);
        }
    }

    private int parse(
        final Flow flow,
        final State state,
        final int direction,
        final DirectBuffer buffer,
        final int offset,
        final int end,
        final long timeNs)
    {
        int pos = offset;
        while (pos < end)
        {
            final int phase = state.phase[direction];
            if (phase == START)
            {
                while (pos < end && isLineEnd(buffer.getByte(pos)))
                {
                    pos++;
                }
                if (pos == end)
                {
                    break;
                }
                final int next = message(flow, state, direction, buffer, pos, end, timeNs);
                if (next == WAIT)
                {
                    break;
                }
                pos = next;
            }
            else if (phase == BODY || phase == CHUNK_DATA)
            {
                final int take = (int)Math.min(state.remaining[direction], end - pos);
                pos += take;
                state.remaining[direction] -= take;
                if (state.remaining[direction] == 0)
                {
                    state.phase[direction] = phase == BODY ? START : CHUNK_END;
                }
            }
            else if (phase == CHUNK_SIZE || phase == CHUNK_END || phase == TRAILERS)
            {
                final int next = phase == CHUNK_SIZE ? chunkSize(state, direction, buffer, pos, end) :
                    phase == CHUNK_END ? chunkEnd(state, direction, buffer, pos, end) :
                    trailer(state, direction, buffer, pos, end);
                if (next == WAIT)
                {
                    break;
                }
                pos = next;
            }
            else
            {
                return end - offset;
            }
        }
        return pos - offset;
    }

    /**
     * One message from its first byte: check the start of its start line as soon as it is there (so a stream that is
     * not HTTP is let go after a few bytes), then wait for the whole header block and read it.
     *
     * @return the position after the header block, or {@link #WAIT}; on giving up, {@code end} with the stream done.
     */
    private int message(
        final Flow flow,
        final State state,
        final int direction,
        final DirectBuffer buffer,
        final int start,
        final int end,
        final long timeNs)
    {
        final HttpCounter failure = state.started[direction] ? HttpCounter.MALFORMED_START_LINE : HttpCounter.NOT_HTTP;
        final int prefix = startLinePrefix(buffer, start, end);
        if (prefix == PREFIX_BAD)
        {
            stop(state, direction, failure);
            return end;
        }
        if (prefix == PREFIX_SHORT)
        {
            return waitFor(state, direction, start, end);
        }
        final boolean response = prefix == PREFIX_RESPONSE;
        final int firstLineEnd = indexOf(buffer, start, Math.min(end, start + maxHeaderBytes), LF);
        if (firstLineEnd < 0)
        {
            return waitFor(state, direction, start, end);
        }
        final int lineEnd = trimCr(buffer, start, firstLineEnd);
        if (response ? !validStatusLine(buffer, start, lineEnd) : requestTargetEnd(buffer, start, lineEnd) < 0)
        {
            stop(state, direction, failure);
            return end;
        }
        final int blockEnd = headerBlockEnd(buffer, firstLineEnd + 1, Math.min(end, start + maxHeaderBytes));
        if (blockEnd < 0)
        {
            return waitFor(state, direction, start, end);
        }
        state.started[direction] = true;
        flow.attribute(direction, AttributeNames.HTTP_HEADER, buffer, start, blockEnd - start, timeNs);
        if (response)
        {
            counters.incrementPlain(HttpCounter.RESPONSES.ordinal());
            flow.attribute(direction, AttributeNames.HTTP_STATUS, buffer, start + 9, 3, timeNs);
        }
        else
        {
            counters.incrementPlain(HttpCounter.REQUESTS.ordinal());
            final int methodEnd = indexOf(buffer, start, lineEnd, SP);
            final int targetStart = skip(buffer, methodEnd, lineEnd, SP);
            final int targetEnd = requestTargetEnd(buffer, start, lineEnd);
            flow.attribute(direction, AttributeNames.HTTP_METHOD, buffer, start, methodEnd - start, timeNs);
            flow.attribute(direction, AttributeNames.URI, buffer, targetStart, targetEnd - targetStart, timeNs);
        }
        headers(flow, direction, buffer, firstLineEnd + 1, blockEnd, timeNs);
        if (state.phase[direction] == DONE)
        {
            return end;
        }
        if (response)
        {
            framedResponse(state, direction, buffer, start);
        }
        else
        {
            framedRequest(state, direction, buffer, start, lineEnd);
        }
        return state.phase[direction] == DONE ? end : blockEnd;
    }

    private void framedRequest(
        final State state, final int direction, final DirectBuffer buffer, final int start, final int lineEnd)
    {
        final int index = state.requests++;
        final long bit = 1L << (index & 63);
        final int methodLength = indexOf(buffer, start, lineEnd, SP) - start;
        final boolean head = HttpSyntax.equals(buffer, start, methodLength, HEAD);
        state.headMask = head ? state.headMask | bit : state.headMask & ~bit;
        final boolean connect = HttpSyntax.equals(buffer, start, methodLength, CONNECT);
        state.connectMask = connect ? state.connectMask | bit : state.connectMask & ~bit;
        if (fields.badLength())
        {
            stop(state, direction, HttpCounter.BAD_CONTENT_LENGTH);
        }
        else if (fields.chunked())
        {
            state.phase[direction] = CHUNK_SIZE;
        }
        else if (fields.otherEncoding())
        {
            stop(state, direction, HttpCounter.BAD_TRANSFER_ENCODING);
        }
        else if (fields.contentLength() > 0)
        {
            state.phase[direction] = BODY;
            state.remaining[direction] = fields.contentLength();
        }
        else
        {
            state.phase[direction] = START;
        }
    }

    private void framedResponse(final State state, final int direction, final DirectBuffer buffer, final int start)
    {
        final int status = (buffer.getByte(start + 9) - '0') * 100 + (buffer.getByte(start + 10) - '0') * 10 +
            (buffer.getByte(start + 11) - '0');
        if (status == 101)
        {
            stop(state, direction, HttpCounter.TUNNEL);
            state.phase[Direction.opposite(direction)] = DONE;
            return;
        }
        if (status >= 100 && status < 200)
        {
            // Interim: the final response to the same request follows.
            state.phase[direction] = START;
            return;
        }
        final int index = state.responses++;
        final long bit = 1L << (index & 63);
        final boolean toHead = index < state.requests && (state.headMask & bit) != 0;
        final boolean toConnect = index < state.requests && (state.connectMask & bit) != 0;
        if (toConnect && status < 300)
        {
            stop(state, direction, HttpCounter.TUNNEL);
            state.phase[Direction.opposite(direction)] = DONE;
        }
        else if (toHead || status == 204 || status == 304)
        {
            state.phase[direction] = START;
        }
        else if (fields.chunked())
        {
            state.phase[direction] = CHUNK_SIZE;
        }
        else if (fields.otherEncoding())
        {
            stop(state, direction, HttpCounter.BODY_UNTIL_CLOSE);
        }
        else if (fields.badLength())
        {
            stop(state, direction, HttpCounter.BAD_CONTENT_LENGTH);
        }
        else if (fields.contentLength() >= 0)
        {
            state.phase[direction] = fields.contentLength() > 0 ? BODY : START;
            state.remaining[direction] = fields.contentLength();
        }
        else
        {
            stop(state, direction, HttpCounter.BODY_UNTIL_CLOSE);
        }
    }

    /**
     * The header fields of one block, from the line after the start line to the block's end: report the ones
     * asked for and note the framing ones.
     */
    private void headers(
        final Flow flow,
        final int direction,
        final DirectBuffer buffer,
        final int from,
        final int blockEnd,
        final long timeNs)
    {
        fields.reset();
        int lineStart = from;
        while (lineStart < blockEnd)
        {
            final int lf = indexOf(buffer, lineStart, blockEnd, LF);
            final int next = lf < 0 ? blockEnd : lf + 1;
            final int lineEnd = trimCr(buffer, lineStart, lf < 0 ? blockEnd : lf);
            if (lineEnd > lineStart && !isBlank(buffer.getByte(lineStart)))
            {
                if (!fields.field(flow, direction, buffer, lineStart, lineEnd, timeNs))
                {
                    counters.incrementPlain(HttpCounter.MALFORMED_HEADER_LINE.ordinal());
                }
            }
            lineStart = next;
        }
    }

    private int chunkSize(
        final State state, final int direction, final DirectBuffer buffer, final int pos, final int end)
    {
        final int lf = indexOf(buffer, pos, Math.min(end, pos + MAX_LINE_BYTES), LF);
        if (lf < 0)
        {
            if (end - pos >= MAX_LINE_BYTES)
            {
                stop(state, direction, HttpCounter.BAD_CHUNK);
                return end;
            }
            return WAIT;
        }
        long size = 0;
        int i = skipBlanks(buffer, pos, lf);
        final int digitsStart = i;
        while (i < lf)
        {
            final int digit = hexValue(buffer.getByte(i));
            if (digit < 0)
            {
                break;
            }
            size = (size << 4) | digit;
            if (size > MAX_CHUNK_SIZE)
            {
                stop(state, direction, HttpCounter.BAD_CHUNK);
                return end;
            }
            i++;
        }
        final int rest = i < lf ? buffer.getByte(i) : LF;
        if (i == digitsStart || !(rest == ';' || rest == CR || rest == LF || isBlank((byte)rest)))
        {
            stop(state, direction, HttpCounter.BAD_CHUNK);
            return end;
        }
        if (size == 0)
        {
            state.phase[direction] = TRAILERS;
        }
        else
        {
            state.phase[direction] = CHUNK_DATA;
            state.remaining[direction] = size;
        }
        return lf + 1;
    }

    private int chunkEnd(
        final State state, final int direction, final DirectBuffer buffer, final int pos, final int end)
    {
        final byte first = buffer.getByte(pos);
        if (first == LF)
        {
            state.phase[direction] = CHUNK_SIZE;
            return pos + 1;
        }
        if (first == CR)
        {
            if (pos + 1 >= end)
            {
                return WAIT;
            }
            if (buffer.getByte(pos + 1) == LF)
            {
                state.phase[direction] = CHUNK_SIZE;
                return pos + 2;
            }
        }
        stop(state, direction, HttpCounter.BAD_CHUNK);
        return end;
    }

    private int trailer(
        final State state, final int direction, final DirectBuffer buffer, final int pos, final int end)
    {
        final int lf = indexOf(buffer, pos, Math.min(end, pos + maxHeaderBytes), LF);
        if (lf < 0)
        {
            if (end - pos >= maxHeaderBytes)
            {
                stop(state, direction, HttpCounter.HEADER_TOO_LARGE);
                return end;
            }
            return WAIT;
        }
        if (trimCr(buffer, pos, lf) == pos)
        {
            state.phase[direction] = START;
        }
        return lf + 1;
    }

    private int waitFor(final State state, final int direction, final int start, final int end)
    {
        if (end - start >= maxHeaderBytes)
        {
            stop(state, direction, state.started[direction] ? HttpCounter.HEADER_TOO_LARGE : HttpCounter.NOT_HTTP);
            return end;
        }
        return WAIT;
    }

    private void stop(final State state, final int direction, final HttpCounter reason)
    {
        state.phase[direction] = DONE;
        counters.incrementPlain(reason.ordinal());
    }

    /**
     * One flow's parser state, both directions.
     */
    static final class State implements PerFlowStateHandler.FlowState
    {
        final int[] phase = new int[2];
        final boolean[] started = new boolean[2];
        final long[] remaining = new long[2];
        int requests;
        int responses;
        long headMask;
        long connectMask;

        @Override
        public void clear()
        {
            for (int d = 0; d < 2; d++)
            {
                phase[d] = START;
                started[d] = false;
                remaining[d] = 0;
            }
            requests = 0;
            responses = 0;
            headMask = 0;
            connectMask = 0;
        }
    }
}
