package io.flowtap.reassembly.attribute.http;

import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.attribute.AttributeNames;
import org.agrona.DirectBuffer;

import static io.flowtap.reassembly.attribute.http.HttpSyntax.equalsIgnoreCase;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.indexOf;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.isBlank;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.lower;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.parseDecimal;
import static io.flowtap.reassembly.attribute.http.HttpSyntax.skipBlanks;

/**
 * What the fields of one header block say: the ones asked for ({@code Host}, {@code User-Agent},
 * {@code Content-Type}) are reported through {@link Flow#attribute} as they are read, in place; the framing ones
 * ({@code Content-Length}, {@code Transfer-Encoding}) are remembered for the parser to decide how the body is
 * delimited. {@link #reset()} before each block. Owned by one extractor, on the engine's thread.
 */
public final class HttpHeaderFields
{
    private static final byte[] HOST = lower("host");
    private static final byte[] USER_AGENT = lower("user-agent");
    private static final byte[] CONTENT_TYPE = lower("content-type");
    private static final byte[] CONTENT_LENGTH = lower("content-length");
    private static final byte[] TRANSFER_ENCODING = lower("transfer-encoding");
    private static final byte[] CHUNKED = lower("chunked");

    private long contentLength;
    private boolean chunked;
    private boolean otherEncoding;
    private boolean badLength;

    /**
     * Forget the last block's framing.
     */
    public void reset()
    {
        contentLength = -1;
        chunked = false;
        otherEncoding = false;
        badLength = false;
    }

    /**
     * @return the first valid {@code Content-Length}, or -1 when there was none.
     */
    public long contentLength()
    {
        return contentLength;
    }

    /**
     * @return whether the last transfer coding is {@code chunked}.
     */
    public boolean chunked()
    {
        return chunked;
    }

    /**
     * @return whether a transfer coding other than {@code chunked} came last.
     */
    public boolean otherEncoding()
    {
        return otherEncoding;
    }

    /**
     * @return whether a {@code Content-Length} was not a number.
     */
    public boolean badLength()
    {
        return badLength;
    }

    /**
     * One header line: report it if it is one of the fields asked for, note it if it is a framing one.
     *
     * @return false when the line is malformed (no field name before a colon).
     */
    public boolean field(
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
            return false;
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
        return true;
    }
}
