package io.flowtap.capture.filter;

import io.flowtap.capture.codec.TunnelType;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Operator precedence over the grammar below, with explicit stacks rather than recursion (a blocklist of thousands
 * of hosts, or thousands of nested parentheses, must not overflow the thread's stack); {@code not} binds tighter than
 * {@code and}, which binds tighter than {@code or}, and both are left-associative.
 * <pre>
 * filter    := [or]
 * or        := and (("or" | "||") and)*
 * and       := not (("and" | "&amp;&amp;") not)*
 * not       := ("not" | "!") not | primary
 * primary   := "(" or ")" | proto [qualified] | qualified | "vlan" [ID] | tunnel [ID] | VALUE
 * tunnel    := "vxlan" | "geneve" | "gre" | "erspan"
 * proto     := "tcp" | "ip" | "ip6"
 * qualified := [dir] ("host" ADDRESS | "net" NETWORK ["mask" MASK] | "port" PORT | "portrange" PORT-PORT)
 *            | dir VALUE
 * dir       := "src" | "dst" | "src or dst" | "src and dst"
 * </pre>
 * A bare VALUE repeats the qualifiers of the primitive before it, as tcpdump does ({@code port 80 or 443}); with
 * none before it, an address is a {@code host} and an address with a prefix a {@code net}. Keywords are not case
 * sensitive. One instance parses one expression, on one thread.
 */
final class FilterParser
{
    private static final int WORD = 0;
    private static final int OPEN = 1;
    private static final int CLOSE = 2;
    private static final int NOT = 3;
    private static final int AND = 4;
    private static final int OR = 5;
    private static final int END = 6;

    private static final int NO_QUALIFIER = -1;
    private static final int HOST = 0;
    private static final int NET = 1;
    private static final int PORT = 2;
    private static final int PORTRANGE = 3;

    private static final int MAX_PORT = 0xFFFF;
    private static final int MAX_VLAN_ID = 0xFFF;
    private static final long IPV4_ALL_ONES = 0xFFFF_FFFFL;
    private static final String PRIMITIVES = "a filter primitive (host, net, port, portrange, src, dst, tcp, ip, " +
        "ip6, vlan, vxlan, geneve, gre, erspan), 'not' or '('";
    private static final long MAX_VNI = 0xFF_FFFF;
    private static final long MAX_GRE_KEY = 0xFFFF_FFFFL;
    private static final long MAX_ERSPAN_SESSION = 0x3FF;

    private final String expression;
    private final List<Token> tokens = new ArrayList<>();
    private int position;
    private int lastQualifier = NO_QUALIFIER;
    private int lastDirection;
    private int lastVersion;

    private FilterParser(final String expression)
    {
        this.expression = expression;
    }

    /**
     * @param expression to parse; null, empty or blank matches every TCP segment.
     * @return the tree.
     * @throws FilterSyntaxException naming the column and what was expected there.
     */
    static FilterNode parse(final String expression)
    {
        final FilterParser parser = new FilterParser(expression == null ? "" : expression);
        parser.tokenize();
        if (parser.peek().type == END)
        {
            return new FilterNode.Constant(true, "");
        }
        return parser.parseExpression();
    }

    /**
     * The expression, without recursion: operands and operators on stacks of their own, so nesting and length are
     * limited by memory only. {@code not} applies as soon as its operand is complete; {@code and} and {@code or} are
     * reduced by precedence, left to right; a {@code ')'} reduces down to its {@code '('}.
     */
    private FilterNode parseExpression()
    {
        final ArrayDeque<FilterNode> operands = new ArrayDeque<>();
        final ArrayDeque<Token> operators = new ArrayDeque<>();
        boolean expectOperand = true;
        while (true)
        {
            final Token token = peek();
            if (expectOperand)
            {
                if (token.type == NOT || token.type == OPEN)
                {
                    operators.push(token);
                    position++;
                    continue;
                }
                operands.push(parsePrimitive());
                applyNots(operands, operators);
                expectOperand = false;
                continue;
            }
            switch (token.type)
            {
                case AND:
                case OR:
                    reduce(operands, operators, token.type);
                    operators.push(token);
                    position++;
                    expectOperand = true;
                    break;
                case CLOSE:
                    reduce(operands, operators, OR);
                    if (operators.isEmpty())
                    {
                        throw error(token, "'and', 'or' or the end of the filter");
                    }
                    operators.pop();
                    position++;
                    applyNots(operands, operators);
                    break;
                default:
                    reduce(operands, operators, OR);
                    if (!operators.isEmpty())
                    {
                        throw error(token, "'and', 'or' or ')' to close the '(' at column " + operators.peek().column);
                    }
                    if (token.type != END)
                    {
                        throw error(token, "'and', 'or' or the end of the filter");
                    }
                    return operands.pop();
            }
        }
    }

    /**
     * Combine what the operators above the innermost {@code '('} bind tighter than, or as tight as, the incoming one:
     * {@code and} before an {@code and}; {@code and} and {@code or} before an {@code or} or a close.
     */
    private static void reduce(
        final ArrayDeque<FilterNode> operands, final ArrayDeque<Token> operators, final int incoming)
    {
        while (!operators.isEmpty() && (operators.peek().type == AND || operators.peek().type == OR && incoming == OR))
        {
            final int type = operators.pop().type;
            final FilterNode right = operands.pop();
            final FilterNode left = operands.pop();
            operands.push(type == AND ? new FilterNode.And(left, right) : new FilterNode.Or(left, right));
        }
    }

    private static void applyNots(final ArrayDeque<FilterNode> operands, final ArrayDeque<Token> operators)
    {
        while (!operators.isEmpty() && operators.peek().type == NOT)
        {
            operators.pop();
            operands.push(new FilterNode.Not(operands.pop()));
        }
    }

    private FilterNode parsePrimitive()
    {
        final Token token = peek();
        if (token.type != WORD)
        {
            throw error(token, PRIMITIVES);
        }
        switch (token.keyword)
        {
            case "tcp":
                position++;
                return isQualifierStart(peek()) ? parseQualified(0) : new FilterNode.Constant(true, "tcp");
            case "ip":
                position++;
                return isQualifierStart(peek()) ? parseQualified(4) : version(4);
            case "ip6":
                position++;
                return isQualifierStart(peek()) ? parseQualified(6) : version(6);
            case "src":
            case "dst":
            case "host":
            case "net":
            case "port":
            case "portrange":
                return parseQualified(0);
            case "vlan":
                position++;
                return parseVlan();
            case "vxlan":
                position++;
                return parseTunnel(TunnelType.VXLAN, "vxlan", MAX_VNI, "a VNI from 0 to " + MAX_VNI);
            case "geneve":
                position++;
                return parseTunnel(TunnelType.GENEVE, "geneve", MAX_VNI, "a VNI from 0 to " + MAX_VNI);
            case "gre":
                position++;
                return parseTunnel(TunnelType.GRE, "gre", MAX_GRE_KEY, "a GRE key from 0 to " + MAX_GRE_KEY);
            case "erspan":
                position++;
                return parseTunnel(TunnelType.ERSPAN, "erspan", MAX_ERSPAN_SESSION,
                    "an ERSPAN session from 0 to " + MAX_ERSPAN_SESSION);
            default:
                if (!looksLikeValue(token))
                {
                    throw error(token, PRIMITIVES);
                }
                position++;
                if (lastQualifier != NO_QUALIFIER)
                {
                    return withVersion(lastVersion, primitive(lastQualifier, lastDirection, token));
                }
                return primitive(token.text.indexOf('/') >= 0 ? NET : HOST, FilterNode.SRC_OR_DST, token);
        }
    }

    private FilterNode parseQualified(final int version)
    {
        int direction = FilterNode.SRC_OR_DST;
        boolean explicitDirection = false;
        final Token first = peek();
        if (first.isKeyword("src") || first.isKeyword("dst"))
        {
            position++;
            explicitDirection = true;
            direction = first.isKeyword("src") ? FilterNode.SRC : FilterNode.DST;
            final Token joiner = peek();
            final Token other = peekAt(1);
            if ((joiner.type == OR || joiner.type == AND) && other.isKeyword(first.isKeyword("src") ? "dst" : "src"))
            {
                position += 2;
                direction = joiner.type == OR ? FilterNode.SRC_OR_DST : FilterNode.SRC_AND_DST;
            }
        }

        final Token kindToken = peek();
        final int qualifier;
        if (explicitDirection && looksLikeValue(kindToken))
        {
            // "src 10.0.0.1": the kind defaults to host, or net for an address with a prefix, and the token is the
            // value itself.
            qualifier = kindToken.text.indexOf('/') >= 0 ? NET : HOST;
        }
        else
        {
            qualifier = qualifierOf(kindToken);
            if (qualifier == NO_QUALIFIER)
            {
                throw error(kindToken, "host, net, port or portrange");
            }
            position++;
        }

        final Token value = peek();
        if (value.type != WORD)
        {
            throw error(value, expectedValue(qualifier));
        }
        position++;
        final FilterNode.Primitive primitive = primitive(qualifier, direction, value);
        lastQualifier = qualifier;
        lastDirection = direction;
        lastVersion = version;
        return withVersion(version, primitive);
    }

    private FilterNode parseVlan()
    {
        final Token value = peek();
        if (value.type != WORD || !isDigits(value.text))
        {
            return new FilterNode.Primitive(FilterNode.KIND_VLAN, FilterNode.NO_DIRECTION, FlowFilter.NO_VLAN, 0, 0, 0,
                "vlan");
        }
        position++;
        final long id = parseNumber(value.text, MAX_VLAN_ID);
        if (id < 0)
        {
            throw error(value, "a VLAN id from 0 to " + MAX_VLAN_ID);
        }
        return new FilterNode.Primitive(FilterNode.KIND_VLAN, FilterNode.NO_DIRECTION, id, 0, 0, 0, "vlan " + id);
    }

    private FilterNode parseTunnel(final int type, final String name, final long maxId, final String expected)
    {
        final Token value = peek();
        if (value.type != WORD || !isDigits(value.text))
        {
            return new FilterNode.Primitive(FilterNode.KIND_TUNNEL, FilterNode.NO_DIRECTION, type,
                FlowFilter.ANY_TUNNEL_ID, 0, 0, name);
        }
        position++;
        final long id = parseNumber(value.text, maxId);
        if (id < 0)
        {
            throw error(value, expected);
        }
        return new FilterNode.Primitive(FilterNode.KIND_TUNNEL, FilterNode.NO_DIRECTION, type, id, 0, 0,
            name + " " + id);
    }

    private FilterNode.Primitive primitive(final int qualifier, final int direction, final Token value)
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
                    throw error(value, isDigits(value.text) ? "a port number from 0 to " + MAX_PORT : "a port number");
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
        throw error(value, "an IPv4 or IPv6 address");
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
            throw error(value, "a network such as 10.0.0.0/8 or fd00::/8");
        }
        final int maxPrefix = isIpv6 ? 128 : 32;
        int prefix = maxPrefix;
        if (slash >= 0)
        {
            prefix = (int)parseNumber(text.substring(slash + 1), maxPrefix);
            if (prefix < 0)
            {
                throw error(value, "a prefix length from 0 to " + maxPrefix + " after the '/'");
            }
        }
        if (isIpv6)
        {
            final long maskHigh = prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
            final long maskLow = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
            if ((ipv6[0] & ~maskHigh) != 0 || (ipv6[1] & ~maskLow) != 0)
            {
                throw error(value, "a network with no address bits set past its /" + prefix + " prefix");
            }
            return new FilterNode.Primitive(FilterNode.KIND_IPV6, direction, ipv6[0], ipv6[1], maskHigh, maskLow,
                directionText(direction) + "net " + address + "/" + prefix);
        }

        long mask = prefix == 0 ? 0 : (IPV4_ALL_ONES << (32 - prefix)) & IPV4_ALL_ONES;
        String canonical = directionText(direction) + "net " + address + "/" + prefix;
        if (slash < 0 && peek().isKeyword("mask"))
        {
            position++;
            final Token maskToken = peek();
            mask = maskToken.type == WORD ? Addresses.parseIpv4(maskToken.text) : Addresses.NOT_IPV4;
            if (mask == Addresses.NOT_IPV4)
            {
                throw error(maskToken, "an IPv4 mask such as 255.255.0.0");
            }
            position++;
            canonical = directionText(direction) + "net " + address + " mask " + maskToken.text;
        }
        if ((ipv4 & ~mask) != 0)
        {
            throw error(value, "a network with no address bits set outside its mask");
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
            throw error(value, "a port range such as 1024-65535, each port from 0 to " + MAX_PORT);
        }
        // tcpdump takes a range written backwards as the same range.
        final long from = Math.min(low, high);
        final long to = Math.max(low, high);
        return new FilterNode.Primitive(FilterNode.KIND_PORT, direction, from, to, 0, 0,
            directionText(direction) + "portrange " + from + "-" + to);
    }

    private static FilterNode version(final int version)
    {
        return new FilterNode.Primitive(FilterNode.KIND_VERSION, FilterNode.NO_DIRECTION, version, 0, 0, 0,
            version == 4 ? "ip" : "ip6");
    }

    private static FilterNode withVersion(final int version, final FilterNode primitive)
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

    private static String expectedValue(final int qualifier)
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

    private static int qualifierOf(final Token token)
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

    private static boolean isQualifierStart(final Token token)
    {
        return token.isKeyword("src") || token.isKeyword("dst") || token.isKeyword("host") ||
            token.isKeyword("net") || token.isKeyword("port") || token.isKeyword("portrange");
    }

    private static boolean looksLikeValue(final Token token)
    {
        if (token.type != WORD || token.text.isEmpty())
        {
            return false;
        }
        final char first = token.text.charAt(0);
        return (first >= '0' && first <= '9') || token.text.indexOf(':') >= 0;
    }

    private static boolean isDigits(final String text)
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
    private static long parseNumber(final String text, final long max)
    {
        if (!isDigits(text) || text.length() > 10)
        {
            return -1;
        }
        final long value = Long.parseLong(text);
        return value <= max ? value : -1;
    }

    private Token peek()
    {
        return tokens.get(position);
    }

    private Token peekAt(final int ahead)
    {
        return tokens.get(Math.min(position + ahead, tokens.size() - 1));
    }

    private FilterSyntaxException error(final Token found, final String expected)
    {
        final String what = found.type == END ? "the end of the filter" : "'" + found.text + "'";
        return new FilterSyntaxException(expression, found.column, "expected " + expected + ", found " + what);
    }

    private void tokenize()
    {
        final String text = expression;
        int i = 0;
        while (i < text.length())
        {
            final char c = text.charAt(i);
            final int column = i + 1;
            if (Character.isWhitespace(c))
            {
                i++;
            }
            else if (c == '(' || c == ')' || c == '!')
            {
                tokens.add(new Token(c == '(' ? OPEN : c == ')' ? CLOSE : NOT, String.valueOf(c), column, null));
                i++;
            }
            else if (c == '&' || c == '|')
            {
                if (i + 1 >= text.length() || text.charAt(i + 1) != c)
                {
                    throw new FilterSyntaxException(expression, column,
                        "expected '" + c + c + "', found '" + c + "' alone");
                }
                tokens.add(new Token(c == '&' ? AND : OR, text.substring(i, i + 2), column, null));
                i += 2;
            }
            else if (isWordCharacter(c))
            {
                int end = i + 1;
                while (end < text.length() && isWordCharacter(text.charAt(end)))
                {
                    end++;
                }
                final String word = text.substring(i, end);
                final String keyword = word.toLowerCase(Locale.ROOT);
                final int type = "and".equals(keyword) ? AND : "or".equals(keyword) ? OR :
                    "not".equals(keyword) ? NOT : WORD;
                tokens.add(new Token(type, word, column, keyword));
                i = end;
            }
            else
            {
                throw new FilterSyntaxException(expression, column, "unexpected character '" + c + "'");
            }
        }
        tokens.add(new Token(END, "", text.length() + 1, null));
    }

    private static boolean isWordCharacter(final char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == ':' || c == '/' || c == '-' || c == '_';
    }

    /**
     * One lexical token.
     *
     * @param type    WORD, OPEN, CLOSE, NOT, AND, OR or END.
     * @param text    as written.
     * @param column  1-based column of its first character.
     * @param keyword the text in lower case for words and word operators, else null.
     */
    private record Token(int type, String text, int column, String keyword)
    {
        boolean isKeyword(final String word)
        {
            return type == WORD && word.equals(keyword);
        }
    }
}
