package io.flowtap.capture.filter;

/**
 * The parsed form of a filter expression: what the parser builds, what {@link FilterProgram} and
 * {@link BpfCompiler} compile, and what {@link FlowFilter#toString()} prints fully parenthesised. Immutable.
 * <p>
 * A tree can be as deep as the expression is long (30,000 {@code not}s, 6,000 hosts or'd one after the other, 2,000
 * nested parentheses): nothing walks it by recursion, so no expression overflows a stack. {@link #text} prints it
 * with a stack of its own.
 */
sealed interface FilterNode permits FilterNode.And, FilterNode.Or, FilterNode.Not, FilterNode.Primitive,
    FilterNode.Constant
{
    /** A primitive that tests one field of the packet in no particular direction (version, VLAN). */
    int NO_DIRECTION = 0;
    /** The source field only. */
    int SRC = 1;
    /** The destination field only. */
    int DST = 2;
    /** Either the source or the destination field: the default. */
    int SRC_OR_DST = 3;
    /** Both the source and the destination field. */
    int SRC_AND_DST = 4;

    /** IP version: {@code a} is 4 or 6. */
    int KIND_VERSION = 0;
    /** IPv4 address under a mask: {@code a} the network, {@code b} the mask, each in the low 32 bits. */
    int KIND_IPV4 = 1;
    /** IPv6 address under a mask: {@code a}/{@code b} the network's high/low 64 bits, {@code c}/{@code d} its mask. */
    int KIND_IPV6 = 2;
    /** TCP port range: {@code a} the lowest, {@code b} the highest, inclusive. */
    int KIND_PORT = 3;
    /** Outer VLAN: {@code a} the VLAN id, or {@link FlowFilter#NO_VLAN} for any tag. */
    int KIND_VLAN = 4;
    /** Tunnel: {@code a} a {@code TunnelType} (GRE naming ERSPAN too), {@code b} its id or
     * {@link FlowFilter#ANY_TUNNEL_ID}. */
    int KIND_TUNNEL = 5;

    /**
     * @param root of a tree.
     * @return it fully parenthesised, as {@link FlowFilter#toString()} shows it: {@code (a and b)}, {@code not a},
     *         primitives as their canonical text.
     */
    static String text(final FilterNode root)
    {
        final StringBuilder out = new StringBuilder();
        final java.util.ArrayDeque<Object> stack = new java.util.ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty())
        {
            final Object item = stack.pop();
            if (item instanceof String text)
            {
                out.append(text);
            }
            else if (item instanceof And and)
            {
                stack.push(")");
                stack.push(and.right());
                stack.push(" and ");
                stack.push(and.left());
                stack.push("(");
            }
            else if (item instanceof Or or)
            {
                stack.push(")");
                stack.push(or.right());
                stack.push(" or ");
                stack.push(or.left());
                stack.push("(");
            }
            else if (item instanceof Not not)
            {
                stack.push(not.operand());
                stack.push("not ");
            }
            else
            {
                out.append(item);
            }
        }
        return out.toString();
    }

    /**
     * Both must match.
     *
     * @param left  evaluated first.
     * @param right evaluated when the left one matches.
     */
    record And(FilterNode left, FilterNode right) implements FilterNode
    {
        @Override
        public String toString()
        {
            return text(this);
        }
    }

    /**
     * Either must match.
     *
     * @param left  evaluated first.
     * @param right evaluated when the left one does not match.
     */
    record Or(FilterNode left, FilterNode right) implements FilterNode
    {
        @Override
        public String toString()
        {
            return text(this);
        }
    }

    /**
     * The operand must not match.
     *
     * @param operand negated.
     */
    record Not(FilterNode operand) implements FilterNode
    {
        @Override
        public String toString()
        {
            return text(this);
        }
    }

    /**
     * A test of one field, or of a source and destination pair.
     *
     * @param kind      one of the KIND_ constants.
     * @param direction one of the direction constants.
     * @param a         first operand, as the kind says.
     * @param b         second operand.
     * @param c         third operand.
     * @param d         fourth operand.
     * @param text      the canonical text of the primitive, such as {@code src net 10.0.0.0/8}.
     */
    record Primitive(int kind, int direction, long a, long b, long c, long d, String text) implements FilterNode
    {
        @Override
        public String toString()
        {
            return text;
        }
    }

    /**
     * Always or never matches: {@code tcp}, which every packet a filter sees is, or an empty expression.
     *
     * @param value whether it matches.
     * @param text  how it was written.
     */
    record Constant(boolean value, String text) implements FilterNode
    {
        @Override
        public String toString()
        {
            return text;
        }
    }
}
