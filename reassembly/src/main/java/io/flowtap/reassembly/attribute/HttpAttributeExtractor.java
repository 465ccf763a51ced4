package io.flowtap.reassembly.attribute;

import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.GapReason;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.DirectBuffer;

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
 * Per-flow parser state is taken from a pool sized up front and kept in the flow's data slot {@code dataSlot}, so
 * the steady state allocates nothing. Owned by the engine's thread, as every handler is.
 */
public final class HttpAttributeExtractor implements TcpHandler
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
    private static final int PREFIX_BAD = 0;
    private static final int PREFIX_SHORT = 1;
    private static final int PREFIX_REQUEST = 2;
    private static final int PREFIX_RESPONSE = 3;
    private static final int MAX_LINE_BYTES = 1024;
    private static final int MAX_METHOD_BYTES = 24;
    private static final int MAX_CONTENT_LENGTH_DIGITS = 18;
    private static final long MAX_CHUNK_SIZE = 1L << 40;
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';
    private static final byte HT = '\t';

    private static final byte[] HTTP_SLASH = {'H', 'T', 'T', 'P', '/'};
    private static final byte[] HOST = lower("host");
    private static final byte[] USER_AGENT = lower("user-agent");
    private static final byte[] CONTENT_TYPE = lower("content-type");
    private static final byte[] CONTENT_LENGTH = lower("content-length");
    private static final byte[] TRANSFER_ENCODING = lower("transfer-encoding");
    private static final byte[] CHUNKED = lower("chunked");
    private static final byte[] HEAD = {'H', 'E', 'A', 'D'};
    private static final byte[] CONNECT = {'C', 'O', 'N', 'N', 'E', 'C', 'T'};

    private final int dataSlot;
    private final long inspectLimitBytes;
    private final int maxHeaderBytes;
    private final StatePool<State> pool;
    private final long[] counters = new long[HttpCounter.count()];

    // What one header block said, set by headers() for message() to act on; reset per message.
    private long contentLength;
    private boolean chunked;
    private boolean otherEncoding;
    private boolean badLength;

    /**
     * An extractor with the default slot, limits and pool size.
     */
    public HttpAttributeExtractor()
    {
        this(DATA_SLOT_DEFAULT, INSPECT_LIMIT_BYTES_DEFAULT, MAX_HEADER_BYTES_DEFAULT, POOL_SIZE_DEFAULT);
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
        if (inspectLimitBytes < 1 || maxHeaderBytes < 64)
        {
            throw new IllegalArgumentException(
                "inspect limit must be positive and max header at least 64: " + inspectLimitBytes + ", " +
                maxHeaderBytes);
        }
        this.dataSlot = dataSlot;
        this.inspectLimitBytes = inspectLimitBytes;
        this.maxHeaderBytes = maxHeaderBytes;
        this.pool = new StatePool<>(State::new, poolSize);
    }

    /**
     * @param counter one of the extractor's counters.
     * @return its value.
     */
    public long counter(final HttpCounter counter)
    {
        return counters[counter.ordinal()];
    }

    /**
     * @return flow states made so far, the initial pool included (more than the pool size means it grew).
     */
    public long statesCreated()
    {
        return pool.created();
    }

    @Override
    public int onPayload(
        final Flow flow,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs,
        final int eof)
    {
        State state = (State)flow.data(dataSlot);
        if (state == null)
        {
            if (length == 0)
            {
                return 0;
            }
            state = pool.take();
            state.clear();
            flow.data(dataSlot, state);
        }
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
    public void onGap(
        final Flow flow, final int direction, final long seekpos, final long length, final GapReason reason,
        final long timeNs)
    {
        final State state = (State)flow.data(dataSlot);
        if (state != null && state.phase[direction] != DONE)
        {
            stop(state, direction, HttpCounter.GAP);
        }
    }

    @Override
    public void onTerminate(final Flow flow, final FlowRecord record)
    {
        final State state = (State)flow.data(dataSlot);
        if (state != null)
        {
            flow.data(dataSlot, null);
            pool.give(state);
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
            else if (phase == CHUNK_SIZE)
            {
                final int next = chunkSize(state, direction, buffer, pos, end);
                if (next == WAIT)
                {
                    break;
                }
                pos = next;
            }
            else if (phase == CHUNK_END)
            {
                final int next = chunkEnd(state, direction, buffer, pos, end);
                if (next == WAIT)
                {
                    break;
                }
                pos = next;
            }
            else if (phase == TRAILERS)
            {
                final int next = trailer(state, direction, buffer, pos, end);
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
            counters[HttpCounter.RESPONSES.ordinal()]++;
            flow.attribute(direction, AttributeNames.HTTP_STATUS, buffer, start + 9, 3, timeNs);
        }
        else
        {
            counters[HttpCounter.REQUESTS.ordinal()]++;
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
        state.headMask = equals(buffer, start, methodLength, HEAD) ? state.headMask | bit : state.headMask & ~bit;
        final boolean connect = equals(buffer, start, methodLength, CONNECT);
        state.connectMask = connect ? state.connectMask | bit : state.connectMask & ~bit;
        if (badLength)
        {
            stop(state, direction, HttpCounter.BAD_CONTENT_LENGTH);
        }
        else if (chunked)
        {
            state.phase[direction] = CHUNK_SIZE;
        }
        else if (otherEncoding)
        {
            stop(state, direction, HttpCounter.BAD_TRANSFER_ENCODING);
        }
        else if (contentLength > 0)
        {
            state.phase[direction] = BODY;
            state.remaining[direction] = contentLength;
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
        else if (chunked)
        {
            state.phase[direction] = CHUNK_SIZE;
        }
        else if (otherEncoding)
        {
            stop(state, direction, HttpCounter.BODY_UNTIL_CLOSE);
        }
        else if (badLength)
        {
            stop(state, direction, HttpCounter.BAD_CONTENT_LENGTH);
        }
        else if (contentLength >= 0)
        {
            state.phase[direction] = contentLength > 0 ? BODY : START;
            state.remaining[direction] = contentLength;
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
        contentLength = -1;
        chunked = false;
        otherEncoding = false;
        badLength = false;
        int lineStart = from;
        while (lineStart < blockEnd)
        {
            final int lf = indexOf(buffer, lineStart, blockEnd, LF);
            final int next = lf < 0 ? blockEnd : lf + 1;
            final int lineEnd = trimCr(buffer, lineStart, lf < 0 ? blockEnd : lf);
            if (lineEnd > lineStart && !isBlank(buffer.getByte(lineStart)))
            {
                field(flow, direction, buffer, lineStart, lineEnd, timeNs);
            }
            lineStart = next;
        }
    }

    private void field(
        final Flow flow,
        final int direction,
        final DirectBuffer buffer,
        final int lineStart,
        final int lineEnd,
        final long timeNs)
    {
        final int colon = indexOf(buffer, lineStart, lineEnd, (byte)':');
        if (colon <= lineStart)
        {
            counters[HttpCounter.MALFORMED_HEADER_LINE.ordinal()]++;
            return;
        }
        int nameEnd = colon;
        while (nameEnd > lineStart && isBlank(buffer.getByte(nameEnd - 1)))
        {
            nameEnd--;
        }
        final int nameLength = nameEnd - lineStart;
        final int valueStart = skipBlanks(buffer, colon + 1, lineEnd);
        int valueEnd = lineEnd;
        while (valueEnd > valueStart && isBlank(buffer.getByte(valueEnd - 1)))
        {
            valueEnd--;
        }
        final int valueLength = valueEnd - valueStart;
        if (equalsIgnoreCase(buffer, lineStart, nameLength, HOST))
        {
            flow.attribute(direction, AttributeNames.HOST, buffer, valueStart, valueLength, timeNs);
        }
        else if (equalsIgnoreCase(buffer, lineStart, nameLength, USER_AGENT))
        {
            flow.attribute(direction, AttributeNames.USER_AGENT, buffer, valueStart, valueLength, timeNs);
        }
        else if (equalsIgnoreCase(buffer, lineStart, nameLength, CONTENT_TYPE))
        {
            flow.attribute(direction, AttributeNames.CONTENT_TYPE, buffer, valueStart, valueLength, timeNs);
        }
        else if (equalsIgnoreCase(buffer, lineStart, nameLength, CONTENT_LENGTH))
        {
            final long value = parseDecimal(buffer, valueStart, valueEnd);
            if (value < 0)
            {
                badLength = true;
            }
            else if (contentLength < 0)
            {
                contentLength = value;
            }
        }
        else if (equalsIgnoreCase(buffer, lineStart, nameLength, TRANSFER_ENCODING))
        {
            // The last coding decides: "gzip, chunked" is chunked, "chunked, gzip" is not (RFC 9112 §6.3).
            int tokenStart = valueStart;
            for (int i = valueEnd - 1; i >= valueStart; i--)
            {
                if (buffer.getByte(i) == ',')
                {
                    tokenStart = skipBlanks(buffer, i + 1, valueEnd);
                    break;
                }
            }
            if (equalsIgnoreCase(buffer, tokenStart, valueEnd - tokenStart, CHUNKED))
            {
                chunked = true;
                otherEncoding = false;
            }
            else if (!chunked && valueLength > 0)
            {
                otherEncoding = true;
            }
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
        counters[reason.ordinal()]++;
    }

    /**
     * Whether a message can start here: {@code HTTP/} for a response, a method token (upper-case letters, '-', '_')
     * and a space for a request.
     */
    private static int startLinePrefix(final DirectBuffer buffer, final int start, final int end)
    {
        final int available = end - start;
        boolean http = true;
        for (int i = 0; i < HTTP_SLASH.length && i < available; i++)
        {
            if (buffer.getByte(start + i) != HTTP_SLASH[i])
            {
                http = false;
                break;
            }
        }
        if (http)
        {
            return available >= HTTP_SLASH.length ? PREFIX_RESPONSE : PREFIX_SHORT;
        }
        for (int i = 0; i <= MAX_METHOD_BYTES && i < available; i++)
        {
            final byte b = buffer.getByte(start + i);
            if (b == SP)
            {
                return i > 0 ? PREFIX_REQUEST : PREFIX_BAD;
            }
            if (!((b >= 'A' && b <= 'Z') || b == '-' || b == '_'))
            {
                return PREFIX_BAD;
            }
        }
        return available > MAX_METHOD_BYTES ? PREFIX_BAD : PREFIX_SHORT;
    }

    /**
     * {@code HTTP/d.d SP ddd} and then a space or the end of the line.
     */
    private static boolean validStatusLine(final DirectBuffer buffer, final int start, final int lineEnd)
    {
        if (lineEnd - start < 12 || !isVersion(buffer, start) || buffer.getByte(start + 8) != SP)
        {
            return false;
        }
        for (int i = 9; i < 12; i++)
        {
            if (!isDigit(buffer.getByte(start + i)))
            {
                return false;
            }
        }
        return lineEnd == start + 12 || isBlank(buffer.getByte(start + 12));
    }

    /**
     * A request line {@code METHOD SP target SP HTTP/d.d}.
     *
     * @return where the target ends (the space before the version), or -1 when the line is not a request line.
     */
    private static int requestTargetEnd(final DirectBuffer buffer, final int start, final int lineEnd)
    {
        final int versionStart = lineEnd - 8;
        final int methodEnd = indexOf(buffer, start, lineEnd, SP);
        if (methodEnd <= start)
        {
            return -1;
        }
        if (versionStart <= methodEnd + 1 || !isVersion(buffer, versionStart))
        {
            // No version: HTTP/0.9's form, which servers still answer (and attackers use to slip past parsers),
            // read as a request if the target is one token; its header block, if any, ends it as usual.
            final int targetStart = skip(buffer, methodEnd, lineEnd, SP);
            return targetStart < lineEnd && indexOf(buffer, targetStart, lineEnd, SP) < 0 ? lineEnd : -1;
        }
        int targetEnd = versionStart;
        while (targetEnd > methodEnd && buffer.getByte(targetEnd - 1) == SP)
        {
            targetEnd--;
        }
        final int targetStart = skip(buffer, methodEnd, lineEnd, SP);
        return targetEnd > targetStart && targetEnd < versionStart ? targetEnd : -1;
    }

    private static boolean isVersion(final DirectBuffer buffer, final int at)
    {
        for (int i = 0; i < HTTP_SLASH.length; i++)
        {
            if (buffer.getByte(at + i) != HTTP_SLASH[i])
            {
                return false;
            }
        }
        return isDigit(buffer.getByte(at + 5)) && buffer.getByte(at + 6) == '.' && isDigit(buffer.getByte(at + 7));
    }

    /**
     * @return the position after the empty line that ends a header block whose fields start at {@code from}, or -1
     * when it is not within {@code limit}. Line ends may be CRLF or a bare LF.
     */
    private static int headerBlockEnd(final DirectBuffer buffer, final int from, final int limit)
    {
        int lineStart = from;
        for (int i = from; i < limit; i++)
        {
            if (buffer.getByte(i) == LF)
            {
                if (i == lineStart || (i == lineStart + 1 && buffer.getByte(lineStart) == CR))
                {
                    return i + 1;
                }
                lineStart = i + 1;
            }
        }
        return -1;
    }

    private static long parseDecimal(final DirectBuffer buffer, final int from, final int to)
    {
        if (to <= from || to - from > MAX_CONTENT_LENGTH_DIGITS)
        {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++)
        {
            final byte b = buffer.getByte(i);
            if (!isDigit(b))
            {
                return -1;
            }
            value = value * 10 + (b - '0');
        }
        return value;
    }

    private static int hexValue(final byte b)
    {
        if (b >= '0' && b <= '9')
        {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f')
        {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F')
        {
            return b - 'A' + 10;
        }
        return -1;
    }

    private static int indexOf(final DirectBuffer buffer, final int from, final int to, final byte value)
    {
        for (int i = from; i < to; i++)
        {
            if (buffer.getByte(i) == value)
            {
                return i;
            }
        }
        return -1;
    }

    private static int trimCr(final DirectBuffer buffer, final int from, final int lf)
    {
        return lf > from && buffer.getByte(lf - 1) == CR ? lf - 1 : lf;
    }

    private static int skip(final DirectBuffer buffer, final int from, final int to, final byte value)
    {
        int i = from;
        while (i < to && buffer.getByte(i) == value)
        {
            i++;
        }
        return i;
    }

    private static int skipBlanks(final DirectBuffer buffer, final int from, final int to)
    {
        int i = from;
        while (i < to && isBlank(buffer.getByte(i)))
        {
            i++;
        }
        return i;
    }

    private static boolean equals(final DirectBuffer buffer, final int at, final int length, final byte[] expected)
    {
        if (length != expected.length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(at + i) != expected[i])
            {
                return false;
            }
        }
        return true;
    }

    private static boolean equalsIgnoreCase(
        final DirectBuffer buffer, final int at, final int length, final byte[] lowerCase)
    {
        if (length != lowerCase.length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            final byte b = buffer.getByte(at + i);
            final byte lower = b >= 'A' && b <= 'Z' ? (byte)(b | 0x20) : b;
            if (lower != lowerCase[i])
            {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(final byte b)
    {
        return b >= '0' && b <= '9';
    }

    private static boolean isBlank(final byte b)
    {
        return b == SP || b == HT;
    }

    private static boolean isLineEnd(final byte b)
    {
        return b == CR || b == LF;
    }

    private static byte[] lower(final String text)
    {
        final byte[] bytes = new byte[text.length()];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)Character.toLowerCase(text.charAt(i));
        }
        return bytes;
    }

    /**
     * One flow's parser state, both directions.
     */
    static final class State
    {
        final int[] phase = new int[2];
        final boolean[] started = new boolean[2];
        final long[] remaining = new long[2];
        int requests;
        int responses;
        long headMask;
        long connectMask;

        void clear()
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
