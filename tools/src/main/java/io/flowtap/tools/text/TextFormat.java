package io.flowtap.tools.text;

import org.agrona.DirectBuffer;

/**
 * Appends timestamps and addresses to a reused {@link StringBuilder} without the garbage of java.time or
 * InetAddress, so printing a large capture costs little more than reading it.
 */
public final class TextFormat
{
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long SECONDS_PER_DAY = 86_400L;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private TextFormat()
    {
    }

    /**
     * Append a UTC timestamp as ISO-8601 with nanoseconds: {@code 2009-06-16T13:43:12.123456789Z}.
     *
     * @param out         to append to.
     * @param timestampNs nanoseconds since the epoch.
     * @return out.
     */
    public static StringBuilder appendTimestamp(final StringBuilder out, final long timestampNs)
    {
        final long seconds = Math.floorDiv(timestampNs, NANOS_PER_SECOND);
        final long nanos = Math.floorMod(timestampNs, NANOS_PER_SECOND);
        final long days = Math.floorDiv(seconds, SECONDS_PER_DAY);
        final long secondOfDay = Math.floorMod(seconds, SECONDS_PER_DAY);

        // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
        final long z = days + 719_468;
        final long era = Math.floorDiv(z, 146_097);
        final long dayOfEra = z - era * 146_097;
        final long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        final long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        final long mp = (5 * dayOfYear + 2) / 153;
        final long day = dayOfYear - (153 * mp + 2) / 5 + 1;
        final long month = mp < 10 ? mp + 3 : mp - 9;
        final long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);

        padded(out, year, 4).append('-');
        padded(out, month, 2).append('-');
        padded(out, day, 2).append('T');
        padded(out, secondOfDay / 3600, 2).append(':');
        padded(out, (secondOfDay / 60) % 60, 2).append(':');
        padded(out, secondOfDay % 60, 2).append('.');
        return padded(out, nanos, 9).append('Z');
    }

    /**
     * Append an IP address read from a buffer: dotted quad, or RFC 5952 text for IPv6 (lower case, the longest run
     * of two or more zero groups as {@code ::}).
     *
     * @param out    to append to.
     * @param buffer holding the address.
     * @param offset of the address.
     * @param length 4 or 16.
     * @return out.
     */
    public static StringBuilder appendAddress(
        final StringBuilder out, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length == 4)
        {
            for (int i = 0; i < 4; i++)
            {
                if (i > 0)
                {
                    out.append('.');
                }
                out.append(buffer.getByte(offset + i) & 0xFF);
            }
            return out;
        }

        int bestStart = -1;
        int bestLength = 1;
        int runStart = -1;
        for (int group = 0; group <= 8; group++)
        {
            final boolean zero = group < 8 && group(buffer, offset, group) == 0;
            if (zero && runStart < 0)
            {
                runStart = group;
            }
            else if (!zero && runStart >= 0)
            {
                if (group - runStart > bestLength)
                {
                    bestStart = runStart;
                    bestLength = group - runStart;
                }
                runStart = -1;
            }
        }

        for (int group = 0; group < 8; group++)
        {
            if (group == bestStart)
            {
                out.append("::");
                group += bestLength - 1;
                continue;
            }
            if (group > 0 && group != bestStart + bestLength)
            {
                out.append(':');
            }
            appendHex(out, group(buffer, offset, group));
        }
        return out;
    }

    /**
     * Append a string as the body of a JSON string, escaping what JSON requires.
     *
     * @param out   to append to.
     * @param value to escape.
     * @return out.
     */
    public static StringBuilder appendJsonEscaped(final StringBuilder out, final CharSequence value)
    {
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c == '"' || c == '\\')
            {
                out.append('\\').append(c);
            }
            else if (c == '\n')
            {
                out.append("\\n");
            }
            else if (c == '\r')
            {
                out.append("\\r");
            }
            else if (c == '\t')
            {
                out.append("\\t");
            }
            else if (c < 0x20)
            {
                out.append("\\u00").append(HEX[c >>> 4]).append(HEX[c & 0xF]);
            }
            else
            {
                out.append(c);
            }
        }
        return out;
    }

    private static int group(final DirectBuffer buffer, final int offset, final int group)
    {
        return ((buffer.getByte(offset + 2 * group) & 0xFF) << 8) | (buffer.getByte(offset + 2 * group + 1) & 0xFF);
    }

    private static void appendHex(final StringBuilder out, final int value)
    {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4)
        {
            final int nibble = (value >>> shift) & 0xF;
            if (nibble != 0 || started || shift == 0)
            {
                out.append(HEX[nibble]);
                started = true;
            }
        }
    }

    private static StringBuilder padded(final StringBuilder out, final long value, final int width)
    {
        long limit = 1;
        for (int i = 1; i < width; i++)
        {
            limit *= 10;
        }
        for (long l = limit; l > 1 && value < l; l /= 10)
        {
            out.append('0');
        }
        return out.append(value);
    }
}
