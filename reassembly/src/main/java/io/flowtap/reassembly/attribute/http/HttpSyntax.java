package io.flowtap.reassembly.attribute.http;

import org.agrona.DirectBuffer;

/**
 * HTTP/1.x syntax read in place from a buffer: where a start line may begin, whether a status line or a request
 * target is well formed, where a header block ends, decimal and hexadecimal numbers, and the byte scans the parser is
 * built from. Stateless; each method looks only at the bytes between the positions it is given.
 */
public final class HttpSyntax
{
    /** {@link #startLinePrefix}: not the start of an HTTP message. */
    public static final int PREFIX_BAD = 0;
    /** {@link #startLinePrefix}: too few bytes to tell yet. */
    public static final int PREFIX_SHORT = 1;
    /** {@link #startLinePrefix}: a request's method token and a space. */
    public static final int PREFIX_REQUEST = 2;
    /** {@link #startLinePrefix}: {@code HTTP/}, a response. */
    public static final int PREFIX_RESPONSE = 3;
    /** Carriage return. */
    public static final byte CR = '\r';
    /** Line feed. */
    public static final byte LF = '\n';
    /** Space. */
    public static final byte SP = ' ';
    /** Horizontal tab. */
    public static final byte HT = '\t';

    private static final int MAX_METHOD_BYTES = 24;
    private static final int MAX_CONTENT_LENGTH_DIGITS = 18;
    private static final byte[] HTTP_SLASH = {'H', 'T', 'T', 'P', '/'};

    private HttpSyntax()
    {
    }

    /**
     * Whether a message can start here: {@code HTTP/} for a response, a method token (upper-case letters, '-', '_')
     * and a space for a request.
     */
    public static int startLinePrefix(final DirectBuffer buffer, final int start, final int end)
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
    public static boolean validStatusLine(final DirectBuffer buffer, final int start, final int lineEnd)
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
    public static int requestTargetEnd(final DirectBuffer buffer, final int start, final int lineEnd)
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
    public static int headerBlockEnd(final DirectBuffer buffer, final int from, final int limit)
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

    /**
     * @return the decimal number between {@code from} and {@code to}, or a negative value when it is not one or has
     * too many digits.
     */
    public static long parseDecimal(final DirectBuffer buffer, final int from, final int to)
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

    /**
     * @return the value of a hexadecimal digit, or -1.
     */
    public static int hexValue(final byte b)
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

    /**
     * @return the position of the first {@code value} from {@code from} to {@code to}, or -1.
     */
    public static int indexOf(final DirectBuffer buffer, final int from, final int to, final byte value)
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

    /**
     * @return the end of a line that ends at the line feed {@code lf}, without its carriage return.
     */
    public static int trimCr(final DirectBuffer buffer, final int from, final int lf)
    {
        return lf > from && buffer.getByte(lf - 1) == CR ? lf - 1 : lf;
    }

    /**
     * @return the first position from {@code from} that does not hold {@code value}, at most {@code to}.
     */
    public static int skip(final DirectBuffer buffer, final int from, final int to, final byte value)
    {
        int i = from;
        while (i < to && buffer.getByte(i) == value)
        {
            i++;
        }
        return i;
    }

    /**
     * @return the first position from {@code from} that is not a space or a tab, at most {@code to}.
     */
    public static int skipBlanks(final DirectBuffer buffer, final int from, final int to)
    {
        int i = from;
        while (i < to && isBlank(buffer.getByte(i)))
        {
            i++;
        }
        return i;
    }

    /**
     * @return whether the {@code length} bytes at {@code at} are {@code expected}.
     */
    public static boolean equals(final DirectBuffer buffer, final int at, final int length, final byte[] expected)
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

    /**
     * @return whether the {@code length} bytes at {@code at} are {@code lowerCase}, ignoring ASCII case.
     */
    public static boolean equalsIgnoreCase(
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

    /**
     * @return whether the byte is a space or a tab.
     */
    public static boolean isBlank(final byte b)
    {
        return b == SP || b == HT;
    }

    /**
     * @return whether the byte is a carriage return or a line feed.
     */
    public static boolean isLineEnd(final byte b)
    {
        return b == CR || b == LF;
    }

    /**
     * @return the text's characters in ASCII lower case, as bytes; allocates, for constants.
     */
    public static byte[] lower(final String text)
    {
        final byte[] bytes = new byte[text.length()];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)Character.toLowerCase(text.charAt(i));
        }
        return bytes;
    }
}
