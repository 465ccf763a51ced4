package io.flowtap.reassembly.attribute;

import io.flowtap.capture.counter.CounterDescriptor;
import io.flowtap.capture.counter.CounterUnit;

/**
 * What the HTTP extractor counts: messages parsed, and each reason it stopped looking at a stream. Nothing it meets
 * in a stream throws; every malformed or truncated input lands in one of these.
 */
public enum HttpCounter implements CounterDescriptor
{
    /** Request header blocks parsed. */
    REQUESTS("requests"),
    /** Response header blocks parsed (interim 1xx responses included). */
    RESPONSES("responses"),
    /** Streams whose first bytes are not an HTTP/1.x request or response. */
    NOT_HTTP("streams not HTTP"),
    /** A later message whose start line is not HTTP/1.x: the stream is given up. */
    MALFORMED_START_LINE("malformed start line"),
    /** Header lines without a name and colon (skipped; the message goes on). */
    MALFORMED_HEADER_LINE("malformed header line"),
    /** A Content-Length that is not a number: the body cannot be delimited, the stream is given up. */
    BAD_CONTENT_LENGTH("bad content-length"),
    /** A request with a Transfer-Encoding other than chunked: it cannot be delimited, the stream is given up. */
    BAD_TRANSFER_ENCODING("bad transfer-encoding"),
    /** A malformed chunk-size line or chunk end: the stream is given up. */
    BAD_CHUNK("bad chunk"),
    /** A header block (or chunk line) longer than the extractor looks: the stream is given up. */
    HEADER_TOO_LARGE("header too large"),
    /** Streams that ended inside a header block or a chunk line. */
    TRUNCATED("truncated"),
    /** Streams given up at a gap (bytes the capture lost), since message boundaries are lost with it. */
    GAP("gap"),
    /** Streams that went past the inspection limit. */
    INSPECT_LIMIT("inspection limit reached"),
    /** Responses with neither length nor chunking: their body runs to the end of the stream, which is not read. */
    BODY_UNTIL_CLOSE("body until close"),
    /** Connections that switched protocol (101, or a successful CONNECT): neither direction is read further. */
    TUNNEL("protocol switched");

    private static final HttpCounter[] VALUES = values();

    private final String label;

    HttpCounter(final String label)
    {
        this.label = label;
    }

    /**
     * @return a short label for counter summaries.
     */
    @Override
    public String label()
    {
        return label;
    }

    /**
     * @return what the counter counts.
     */
    @Override
    public CounterUnit unit()
    {
        return CounterUnit.EVENTS;
    }

    /**
     * @return how many counters there are.
     */
    public static int count()
    {
        return VALUES.length;
    }
}
