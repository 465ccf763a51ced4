package io.flowtap.capture.filter;

import io.flowtap.capture.codec.TunnelType;
import io.flowtap.capture.filter.FilterLexer.Token;

import java.util.ArrayDeque;

import static io.flowtap.capture.filter.FilterLexer.AND;
import static io.flowtap.capture.filter.FilterLexer.CLOSE;
import static io.flowtap.capture.filter.FilterLexer.END;
import static io.flowtap.capture.filter.FilterLexer.NOT;
import static io.flowtap.capture.filter.FilterLexer.OPEN;
import static io.flowtap.capture.filter.FilterLexer.OR;
import static io.flowtap.capture.filter.FilterLexer.WORD;
import static io.flowtap.capture.filter.FilterPrimitives.HOST;
import static io.flowtap.capture.filter.FilterPrimitives.NET;
import static io.flowtap.capture.filter.FilterPrimitives.NO_QUALIFIER;

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
 * sensitive. One instance parses one expression, on one thread: the {@link FilterLexer} gives it the tokens, and
 * {@link FilterPrimitives} makes each primitive's value a node.
 */
final class FilterParser
{
    private static final int MAX_VLAN_ID = 0xFFF;
    private static final String PRIMITIVES = "a filter primitive (host, net, port, portrange, src, dst, tcp, ip, " +
        "ip6, vlan, vxlan, geneve, gre, erspan), 'not' or '('";
    private static final long MAX_VNI = 0xFF_FFFF;
    private static final long MAX_GRE_KEY = 0xFFFF_FFFFL;
    private static final long MAX_ERSPAN_SESSION = 0x3FF;

    private final FilterLexer tokens;
    private final FilterPrimitives primitives;
    private int lastQualifier = NO_QUALIFIER;
    private int lastDirection;
    private int lastVersion;

    private FilterParser(final String expression)
    {
        this.tokens = new FilterLexer(expression);
        this.primitives = new FilterPrimitives(tokens);
    }

    /**
     * @param expression to parse; null, empty or blank matches every TCP segment.
     * @return the tree.
     * @throws FilterSyntaxException naming the column and what was expected there.
     */
    static FilterNode parse(final String expression)
    {
        final FilterParser parser = new FilterParser(expression == null ? "" : expression);
                if (parser.tokens.peek().type == END)
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
            final Token token = tokens.peek();
            if (expectOperand)
            {
                if (token.type == NOT || token.type == OPEN)
                {
                    operators.push(token);
                    tokens.advance();
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
                    tokens.advance();
                    expectOperand = true;
                    break;
                case CLOSE:
                    reduce(operands, operators, OR);
                    if (operators.isEmpty())
                    {
                        throw tokens.error(token, "'and', 'or' or the end of the filter");
                    }
                    operators.pop();
                    tokens.advance();
                    applyNots(operands, operators);
                    break;
                default:
                    reduce(operands, operators, OR);
                    if (!operators.isEmpty())
                    {
                        throw tokens.error(token,
                            "'and', 'or' or ')' to close the '(' at column " + operators.peek().column);
                    }
                    if (token.type != END)
                    {
                        throw tokens.error(token, "'and', 'or' or the end of the filter");
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
        final Token token = tokens.peek();
        if (token.type != WORD)
        {
            throw tokens.error(token, PRIMITIVES);
        }
        switch (token.keyword)
        {
            case "tcp":
                tokens.advance();
                return isQualifierStart(tokens.peek()) ? parseQualified(0) : new FilterNode.Constant(true, "tcp");
            case "ip":
                tokens.advance();
                return isQualifierStart(tokens.peek()) ? parseQualified(4) : FilterPrimitives.version(4);
            case "ip6":
                tokens.advance();
                return isQualifierStart(tokens.peek()) ? parseQualified(6) : FilterPrimitives.version(6);
            case "src":
            case "dst":
            case "host":
            case "net":
            case "port":
            case "portrange":
                return parseQualified(0);
            case "vlan":
                tokens.advance();
                return parseVlan();
            case "vxlan":
                tokens.advance();
                return parseTunnel(TunnelType.VXLAN, "vxlan", MAX_VNI, "a VNI from 0 to " + MAX_VNI);
            case "geneve":
                tokens.advance();
                return parseTunnel(TunnelType.GENEVE, "geneve", MAX_VNI, "a VNI from 0 to " + MAX_VNI);
            case "gre":
                tokens.advance();
                return parseTunnel(TunnelType.GRE, "gre", MAX_GRE_KEY, "a GRE key from 0 to " + MAX_GRE_KEY);
            case "erspan":
                tokens.advance();
                return parseTunnel(TunnelType.ERSPAN, "erspan", MAX_ERSPAN_SESSION,
                    "an ERSPAN session from 0 to " + MAX_ERSPAN_SESSION);
            default:
                if (!looksLikeValue(token))
                {
                    throw tokens.error(token, PRIMITIVES);
                }
                tokens.advance();
                if (lastQualifier != NO_QUALIFIER)
                {
                    return FilterPrimitives.withVersion(
                        lastVersion, primitives.primitive(lastQualifier, lastDirection, token));
                }
                return primitives.primitive(token.text.indexOf('/') >= 0 ? NET : HOST, FilterNode.SRC_OR_DST, token);
        }
    }

    private FilterNode parseQualified(final int version)
    {
        int direction = FilterNode.SRC_OR_DST;
        boolean explicitDirection = false;
        final Token first = tokens.peek();
        if (first.isKeyword("src") || first.isKeyword("dst"))
        {
            tokens.advance();
            explicitDirection = true;
            direction = first.isKeyword("src") ? FilterNode.SRC : FilterNode.DST;
            final Token joiner = tokens.peek();
            final Token other = tokens.peekAt(1);
            if ((joiner.type == OR || joiner.type == AND) && other.isKeyword(first.isKeyword("src") ? "dst" : "src"))
            {
                tokens.advance(2);
                direction = joiner.type == OR ? FilterNode.SRC_OR_DST : FilterNode.SRC_AND_DST;
            }
        }

        final Token kindToken = tokens.peek();
        final int qualifier;
        if (explicitDirection && looksLikeValue(kindToken))
        {
            // "src 10.0.0.1": the kind defaults to host, or net for an address with a prefix, and the token is the
            // value itself.
            qualifier = kindToken.text.indexOf('/') >= 0 ? NET : HOST;
        }
        else
        {
            qualifier = FilterPrimitives.qualifierOf(kindToken);
            if (qualifier == NO_QUALIFIER)
            {
                throw tokens.error(kindToken, "host, net, port or portrange");
            }
            tokens.advance();
        }

        final Token value = tokens.peek();
        if (value.type != WORD)
        {
            throw tokens.error(value, FilterPrimitives.expectedValue(qualifier));
        }
        tokens.advance();
        final FilterNode.Primitive primitive = primitives.primitive(qualifier, direction, value);
        lastQualifier = qualifier;
        lastDirection = direction;
        lastVersion = version;
        return FilterPrimitives.withVersion(version, primitive);
    }

    private FilterNode parseVlan()
    {
        final Token value = tokens.peek();
        if (value.type != WORD || !FilterPrimitives.isDigits(value.text))
        {
            return new FilterNode.Primitive(FilterNode.KIND_VLAN, FilterNode.NO_DIRECTION, FlowFilter.NO_VLAN, 0, 0, 0,
                "vlan");
        }
        tokens.advance();
        final long id = FilterPrimitives.parseNumber(value.text, MAX_VLAN_ID);
        if (id < 0)
        {
            throw tokens.error(value, "a VLAN id from 0 to " + MAX_VLAN_ID);
        }
        return new FilterNode.Primitive(FilterNode.KIND_VLAN, FilterNode.NO_DIRECTION, id, 0, 0, 0, "vlan " + id);
    }

    private FilterNode parseTunnel(final int type, final String name, final long maxId, final String expected)
    {
        final Token value = tokens.peek();
        if (value.type != WORD || !FilterPrimitives.isDigits(value.text))
        {
            return new FilterNode.Primitive(FilterNode.KIND_TUNNEL, FilterNode.NO_DIRECTION, type,
                FlowFilter.ANY_TUNNEL_ID, 0, 0, name);
        }
        tokens.advance();
        final long id = FilterPrimitives.parseNumber(value.text, maxId);
        if (id < 0)
        {
            throw tokens.error(value, expected);
        }
        return new FilterNode.Primitive(FilterNode.KIND_TUNNEL, FilterNode.NO_DIRECTION, type, id, 0, 0,
            name + " " + id);
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
}
