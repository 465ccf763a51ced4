package io.flowtap.capture.filter;

import io.flowtap.capture.filter.FilterLexer.Token;

import java.util.Locale;

import static io.flowtap.capture.filter.FilterLexer.WORD;

/**
 * The values of {@link FilterParser}'s primitives made into {@link FilterNode.Primitive}s: addresses, networks by
 * prefix or by mask, ports and port ranges, each checked (a network with host bits set, a port past 65535 are errors
 * naming their column) and given the canonical text the filter prints. One instance serves one parse.
 */
final class FilterPrimitives
{
    static final int NO_QUALIFIER = -1;
    static final int HOST = 0;
    static final int NET = 1;
    static final int PORT = 2;
    static final int PORTRANGE = 3;

    private static final int MAX_PORT = 0xFFFF;
    private static final long IPV4_ALL_ONES = 0xFFFF_FFFFL;

    private final FilterLexer tokens;

    /**
     * @param tokens the expression's tokens: {@code net A mask M} reads on past its value.
     */
    FilterPrimitives(final FilterLexer tokens)
    {
        this.tokens = tokens;
    }

    FilterNode.Primitive primitive(final int qualifier, final int direction, final Token value)
    {
        switch (qualifier)
        {
            case HOST:
                return host(direction, value);
            case NET:
                return net(direction, value);
            case PORT:
            {
                final long port = parseNumber(value.text, MAX_PORT);
                if (port < 0)
                {
                    throw tokens.error(
                        value, isDigits(value.text) ? "a port number from 0 to " + MAX_PORT : "a port number");
                }
                return new FilterNode.Primitive(FilterNode.KIND_PORT, direction, port, port, 0, 0,
                    directionText(direction) + "port " + port);
            }
            default:
                return portRange(direction, value);
        }
    }

    private FilterNode.Primitive host(final int direction, final Token value)
    {
        final String text = value.text.toLowerCase(Locale.ROOT);
        final String canonical = directionText(direction) + "host " + text;
        final long ipv4 = Addresses.parseIpv4(text);
        if (ipv4 != Addresses.NOT_IPV4)
        {
            return new FilterNode.Primitive(FilterNode.KIND_IPV4, direction, ipv4, IPV4_ALL_ONES, 0, 0, canonical);
        }
        final long[] ipv6 = new long[2];
        if (Addresses.parseIpv6(text, ipv6))
        {
            return new FilterNode.Primitive(FilterNode.KIND_IPV6, direction, ipv6[0], ipv6[1], -1L, -1L, canonical);
        }
        throw tokens.error(value, "an IPv4 or IPv6 address");
    }

    private FilterNode.Primitive net(final int direction, final Token value)
    {
        final String text = value.text.toLowerCase(Locale.ROOT);
        final int slash = text.indexOf('/');
        final String address = slash < 0 ? text : text.substring(0, slash);
        final long ipv4 = Addresses.parseIpv4(address);
        final long[] ipv6 = new long[2];
        final boolean isIpv6 = ipv4 == Addresses.NOT_IPV4 && Addresses.parseIpv6(address, ipv6);
        if (ipv4 == Addresses.NOT_IPV4 && !isIpv6)
        {
            throw tokens.error(value, "a network such as 10.0.0.0/8 or fd00::/8");
        }
        final int maxPrefix = isIpv6 ? 128 : 32;
        int prefix = maxPrefix;
        if (slash >= 0)
        {
            prefix = (int)parseNumber(text.substring(slash + 1), maxPrefix);
            if (prefix < 0)
            {
                throw tokens.error(value, "a prefix length from 0 to " + maxPrefix + " after the '/'");
            }
        }
        if (isIpv6)
        {
            final long maskHigh = prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
            final long maskLow = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
            if ((ipv6[0] & ~maskHigh) != 0 || (ipv6[1] & ~maskLow) != 0)
            {
                throw tokens.error(value, "a network with no address bits set past its /" + prefix + " prefix");
            }
            return new FilterNode.Primitive(FilterNode.KIND_IPV6, direction, ipv6[0], ipv6[1], maskHigh, maskLow,
                directionText(direction) + "net " + address + "/" + prefix);
        }

        long mask = prefix == 0 ? 0 : (IPV4_ALL_ONES << (32 - prefix)) & IPV4_ALL_ONES;
        String canonical = directionText(direction) + "net " + address + "/" + prefix;
        if (slash < 0 && tokens.peek().isKeyword("mask"))
        {
            tokens.advance();
            final Token maskToken = tokens.peek();
            mask = maskToken.type == WORD ? Addresses.parseIpv4(maskToken.text) : Addresses.NOT_IPV4;
            if (mask == Addresses.NOT_IPV4)
            {
                throw tokens.error(maskToken, "an IPv4 mask such as 255.255.0.0");
            }
            tokens.advance();
            canonical = directionText(direction) + "net " + address + " mask " + maskToken.text;
        }
        if ((ipv4 & ~mask) != 0)
        {
            throw tokens.error(value, "a network with no address bits set outside its mask");
        }
        return new FilterNode.Primitive(FilterNode.KIND_IPV4, direction, ipv4, mask, 0, 0, canonical);
    }

    private FilterNode.Primitive portRange(final int direction, final Token value)
    {
        final int dash = value.text.indexOf('-');
        final long low = dash < 0 ? -1 : parseNumber(value.text.substring(0, dash), MAX_PORT);
        final long high = dash < 0 ? -1 : parseNumber(value.text.substring(dash + 1), MAX_PORT);
        if (low < 0 || high < 0)
        {
            throw tokens.error(value, "a port range such as 1024-65535, each port from 0 to " + MAX_PORT);
        }
        // tcpdump takes a range written backwards as the same range.
        final long from = Math.min(low, high);
        final long to = Math.max(low, high);
        return new FilterNode.Primitive(FilterNode.KIND_PORT, direction, from, to, 0, 0,
            directionText(direction) + "portrange " + from + "-" + to);
    }

    static FilterNode version(final int version)
    {
        return new FilterNode.Primitive(FilterNode.KIND_VERSION, FilterNode.NO_DIRECTION, version, 0, 0, 0,
            version == 4 ? "ip" : "ip6");
    }

    static FilterNode withVersion(final int version, final FilterNode primitive)
    {
        return version == 0 ? primitive : new FilterNode.And(version(version), primitive);
    }

    private static String directionText(final int direction)
    {
        switch (direction)
        {
            case FilterNode.SRC:
                return "src ";
            case FilterNode.DST:
                return "dst ";
            case FilterNode.SRC_AND_DST:
                return "src and dst ";
            default:
                return "";
        }
    }

    static String expectedValue(final int qualifier)
    {
        switch (qualifier)
        {
            case HOST:
                return "an IPv4 or IPv6 address";
            case NET:
                return "a network such as 10.0.0.0/8 or fd00::/8";
            case PORT:
                return "a port number";
            default:
                return "a port range such as 1024-65535";
        }
    }

    static int qualifierOf(final Token token)
    {
        if (token.type != WORD)
        {
            return NO_QUALIFIER;
        }
        switch (token.keyword)
        {
            case "host":
                return HOST;
            case "net":
                return NET;
            case "port":
                return PORT;
            case "portrange":
                return PORTRANGE;
            default:
                return NO_QUALIFIER;
        }
    }

    static boolean isDigits(final String text)
    {
        if (text.isEmpty())
        {
            return false;
        }
        for (int i = 0; i < text.length(); i++)
        {
            if (text.charAt(i) < '0' || text.charAt(i) > '9')
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return the decimal number, or -1 when the text is not one or exceeds {@code max}.
     */
    static long parseNumber(final String text, final long max)
    {
        if (!isDigits(text) || text.length() > 10)
        {
            return -1;
        }
        final long value = Long.parseLong(text);
        return value <= max ? value : -1;
    }
}
