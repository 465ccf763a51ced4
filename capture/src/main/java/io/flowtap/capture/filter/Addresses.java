package io.flowtap.capture.filter;

/**
 * Address literals, parsed by hand: {@code InetAddress.getByName} would resolve anything that is not a literal
 * through DNS, which a filter must never do.
 */
final class Addresses
{
    /** Returned by {@link #parseIpv4} for text that is not a dotted quad. */
    static final long NOT_IPV4 = -1;

    private static final int IPV6_GROUPS = 8;
    private static final int MAX_HEX_DIGITS = 4;
    private static final int MAX_DECIMAL_DIGITS = 3;

    private Addresses()
    {
    }

    /**
     * @param text such as {@code 10.0.0.1}.
     * @return the address in the low 32 bits, or {@link #NOT_IPV4}.
     */
    static long parseIpv4(final String text)
    {
        long address = 0;
        int parts = 0;
        int start = 0;
        while (start <= text.length())
        {
            int end = text.indexOf('.', start);
            if (end < 0)
            {
                end = text.length();
            }
            final int value = parseDecimal(text, start, end);
            if (value < 0 || value > 0xFF || parts == 4)
            {
                return NOT_IPV4;
            }
            address = (address << 8) | value;
            parts++;
            start = end + 1;
        }
        return parts == 4 ? address : NOT_IPV4;
    }

    /**
     * @param text such as {@code fd00::1} or {@code ::ffff:10.0.0.1}; no zone, no brackets.
     * @param out  receives the high 64 bits at 0 and the low 64 bits at 1.
     * @return whether the text is an IPv6 address.
     */
    static boolean parseIpv6(final String text, final long[] out)
    {
        if (text.indexOf(':') < 0)
        {
            return false;
        }
        final int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0)
        {
            return false;
        }
        final int[] head = new int[IPV6_GROUPS];
        final int[] tail = new int[IPV6_GROUPS];
        final int headCount;
        final int tailCount;
        if (gap < 0)
        {
            headCount = parseGroups(text, head);
            tailCount = 0;
            if (headCount != IPV6_GROUPS)
            {
                return false;
            }
        }
        else
        {
            headCount = gap == 0 ? 0 : parseGroups(text.substring(0, gap), head);
            tailCount = gap + 2 == text.length() ? 0 : parseGroups(text.substring(gap + 2), tail);
            // "::" stands for at least one group of zeros.
            if (headCount < 0 || tailCount < 0 || headCount + tailCount > IPV6_GROUPS - 1)
            {
                return false;
            }
        }
        final int[] groups = new int[IPV6_GROUPS];
        System.arraycopy(head, 0, groups, 0, headCount);
        System.arraycopy(tail, 0, groups, IPV6_GROUPS - tailCount, tailCount);
        long high = 0;
        long low = 0;
        for (int i = 0; i < IPV6_GROUPS / 2; i++)
        {
            high = (high << 16) | groups[i];
            low = (low << 16) | groups[i + IPV6_GROUPS / 2];
        }
        out[0] = high;
        out[1] = low;
        return true;
    }

    /**
     * @return groups parsed into {@code groups}, an embedded IPv4 address at the end counting two; -1 when malformed.
     */
    private static int parseGroups(final String text, final int[] groups)
    {
        int count = 0;
        int start = 0;
        while (true)
        {
            int end = text.indexOf(':', start);
            final boolean last = end < 0;
            if (last)
            {
                end = text.length();
            }
            if (last && text.indexOf('.', start) >= 0)
            {
                final long ipv4 = parseIpv4(text.substring(start));
                if (ipv4 == NOT_IPV4 || count + 2 > IPV6_GROUPS)
                {
                    return -1;
                }
                groups[count++] = (int)(ipv4 >>> 16);
                groups[count++] = (int)(ipv4 & 0xFFFF);
                return count;
            }
            final int value = parseHexGroup(text, start, end);
            if (value < 0 || count == IPV6_GROUPS)
            {
                return -1;
            }
            groups[count++] = value;
            if (last)
            {
                return count;
            }
            start = end + 1;
        }
    }

    private static int parseHexGroup(final String text, final int start, final int end)
    {
        if (end <= start || end - start > MAX_HEX_DIGITS)
        {
            return -1;
        }
        int value = 0;
        for (int i = start; i < end; i++)
        {
            final int digit = Character.digit(text.charAt(i), 16);
            if (digit < 0)
            {
                return -1;
            }
            value = (value << 4) | digit;
        }
        return value;
    }

    private static int parseDecimal(final String text, final int start, final int end)
    {
        if (end <= start || end - start > MAX_DECIMAL_DIGITS)
        {
            return -1;
        }
        int value = 0;
        for (int i = start; i < end; i++)
        {
            final char c = text.charAt(i);
            if (c < '0' || c > '9')
            {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
