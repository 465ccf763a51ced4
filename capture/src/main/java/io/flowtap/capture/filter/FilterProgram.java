package io.flowtap.capture.filter;

import io.flowtap.capture.codec.TunnelType;

import java.util.ArrayList;
import java.util.List;

/**
 * A filter flattened into tests that branch: test {@code i} compares one field and continues at
 * {@code onMatch[i]} or {@code onMismatch[i]}, until it reaches {@link #ACCEPT} or {@link #REJECT}. Every branch
 * goes forward, so {@link BpfCompiler} can turn each test into instructions one for one, and evaluation is a loop
 * over primitive arrays that neither allocates nor recurses.
 * <p>
 * Immutable once built: any number of threads may evaluate it at once.
 */
final class FilterProgram
{
    /** Where a match ends. */
    static final int ACCEPT = -1;
    /** Where a mismatch ends. */
    static final int REJECT = -2;

    /** IP version equals {@code a}. */
    static final int VERSION = 0;
    /** IPv4 and the source address under mask {@code b} equals {@code a}. */
    static final int SRC_IPV4 = 1;
    /** IPv4 and the destination address under mask {@code b} equals {@code a}. */
    static final int DST_IPV4 = 2;
    /** IPv6 and the source address under mask {@code c:d} equals {@code a:b}. */
    static final int SRC_IPV6 = 3;
    /** IPv6 and the destination address under mask {@code c:d} equals {@code a:b}. */
    static final int DST_IPV6 = 4;
    /** Source port within {@code a..b}. */
    static final int SRC_PORT = 5;
    /** Destination port within {@code a..b}. */
    static final int DST_PORT = 6;
    /** An outer VLAN tag with id {@code a}, or any tag when {@code a} is {@link FlowFilter#NO_VLAN}. */
    static final int VLAN = 7;
    /** The tunnel is of type {@code a} (GRE: or ERSPAN) with id {@code b}, or any id. */
    static final int TUNNEL = 8;

    private static final int VLAN_ID_MASK = 0xFFF;

    final int entry;
    final int[] test;
    final long[] a;
    final long[] b;
    final long[] c;
    final long[] d;
    final int[] onMatch;
    final int[] onMismatch;

    private FilterProgram(final Builder builder)
    {
        final int length = builder.tests.size();
        entry = builder.entry;
        test = new int[length];
        a = new long[length];
        b = new long[length];
        c = new long[length];
        d = new long[length];
        onMatch = new int[length];
        onMismatch = new int[length];
        for (int i = 0; i < length; i++)
        {
            final long[] t = builder.tests.get(i);
            test[i] = (int)t[0];
            a[i] = t[1];
            b[i] = t[2];
            c[i] = t[3];
            d[i] = t[4];
            onMatch[i] = builder.resolve((int)t[5]);
            onMismatch[i] = builder.resolve((int)t[6]);
        }
    }

    /**
     * @param root of the parsed filter.
     * @return it flattened, with {@code tcp} and other constants folded away.
     */
    static FilterProgram compile(final FilterNode root)
    {
        final Builder builder = new Builder();
        final FilterNode simplified = simplify(root);
        if (simplified instanceof FilterNode.Constant constant)
        {
            builder.entry = constant.value() ? ACCEPT : REJECT;
        }
        else
        {
            builder.entry = 0;
            builder.emit(simplified, ACCEPT, REJECT);
        }
        return new FilterProgram(builder);
    }

    /**
     * @return the number of tests.
     */
    int length()
    {
        return test.length;
    }

    /**
     * Evaluate on a packet's fields. Allocates nothing.
     *
     * @return whether the filter matches.
     */
    boolean evaluate(
        final int version,
        final long srcHigh,
        final long srcLow,
        final int srcPort,
        final long dstHigh,
        final long dstLow,
        final int dstPort,
        final int vlan,
        final int tunnelType,
        final int tunnelId)
    {
        // Any value that is not a 12-bit id means no tag: FlowFilter.NO_VLAN, or a flow key's own marker (4096).
        final int vlanId = (vlan & ~VLAN_ID_MASK) == 0 ? vlan : FlowFilter.NO_VLAN;
        int i = entry;
        while (i >= 0)
        {
            final boolean match;
            switch (test[i])
            {
                case VERSION:
                    match = version == a[i];
                    break;
                case SRC_IPV4:
                    match = version == 4 && (srcLow & b[i]) == a[i];
                    break;
                case DST_IPV4:
                    match = version == 4 && (dstLow & b[i]) == a[i];
                    break;
                case SRC_IPV6:
                    match = version == 6 && (srcHigh & c[i]) == a[i] && (srcLow & d[i]) == b[i];
                    break;
                case DST_IPV6:
                    match = version == 6 && (dstHigh & c[i]) == a[i] && (dstLow & d[i]) == b[i];
                    break;
                case SRC_PORT:
                    match = srcPort >= a[i] && srcPort <= b[i];
                    break;
                case DST_PORT:
                    match = dstPort >= a[i] && dstPort <= b[i];
                    break;
                case TUNNEL:
                    match = (tunnelType == a[i] || (a[i] == TunnelType.GRE && tunnelType == TunnelType.ERSPAN)) &&
                        (b[i] == FlowFilter.ANY_TUNNEL_ID || (tunnelId & 0xFFFF_FFFFL) == b[i]);
                    break;
                default:
                    match = a[i] == FlowFilter.NO_VLAN ? vlanId != FlowFilter.NO_VLAN : vlanId == a[i];
                    break;
            }
            i = match ? onMatch[i] : onMismatch[i];
        }
        return i == ACCEPT;
    }

    /**
     * Fold constants ({@code tcp}, and what they decide) so that only the root can be one.
     */
    private static FilterNode simplify(final FilterNode node)
    {
        if (node instanceof FilterNode.And and)
        {
            final FilterNode left = simplify(and.left());
            final FilterNode right = simplify(and.right());
            if (left instanceof FilterNode.Constant constant)
            {
                return constant.value() ? right : constant;
            }
            if (right instanceof FilterNode.Constant constant)
            {
                return constant.value() ? left : constant;
            }
            return new FilterNode.And(left, right);
        }
        if (node instanceof FilterNode.Or or)
        {
            final FilterNode left = simplify(or.left());
            final FilterNode right = simplify(or.right());
            if (left instanceof FilterNode.Constant constant)
            {
                return constant.value() ? constant : right;
            }
            if (right instanceof FilterNode.Constant constant)
            {
                return constant.value() ? constant : left;
            }
            return new FilterNode.Or(left, right);
        }
        if (node instanceof FilterNode.Not not)
        {
            final FilterNode operand = simplify(not.operand());
            if (operand instanceof FilterNode.Constant constant)
            {
                return new FilterNode.Constant(!constant.value(), "not " + constant.text());
            }
            return new FilterNode.Not(operand);
        }
        return node;
    }

    /**
     * Emits tests in evaluation order. Branch targets are label numbers until {@link #resolve}, so that a test can
     * name the first test of a subtree that is not emitted yet.
     */
    private static final class Builder
    {
        private final List<long[]> tests = new ArrayList<>();
        private final List<Integer> labels = new ArrayList<>();
        private int entry;

        void emit(final FilterNode node, final int onMatch, final int onMismatch)
        {
            if (node instanceof FilterNode.And and)
            {
                final int right = newLabel();
                emit(and.left(), right, onMismatch);
                bind(right);
                emit(and.right(), onMatch, onMismatch);
            }
            else if (node instanceof FilterNode.Or or)
            {
                final int right = newLabel();
                emit(or.left(), onMatch, right);
                bind(right);
                emit(or.right(), onMatch, onMismatch);
            }
            else if (node instanceof FilterNode.Not not)
            {
                emit(not.operand(), onMismatch, onMatch);
            }
            else
            {
                emitPrimitive((FilterNode.Primitive)node, onMatch, onMismatch);
            }
        }

        private void emitPrimitive(final FilterNode.Primitive primitive, final int onMatch, final int onMismatch)
        {
            final int srcTest;
            final int dstTest;
            switch (primitive.kind())
            {
                case FilterNode.KIND_VERSION:
                    test(VERSION, primitive, onMatch, onMismatch);
                    return;
                case FilterNode.KIND_VLAN:
                    test(VLAN, primitive, onMatch, onMismatch);
                    return;
                case FilterNode.KIND_TUNNEL:
                    test(TUNNEL, primitive, onMatch, onMismatch);
                    return;
                case FilterNode.KIND_IPV4:
                    srcTest = SRC_IPV4;
                    dstTest = DST_IPV4;
                    break;
                case FilterNode.KIND_IPV6:
                    srcTest = SRC_IPV6;
                    dstTest = DST_IPV6;
                    break;
                default:
                    srcTest = SRC_PORT;
                    dstTest = DST_PORT;
                    break;
            }
            switch (primitive.direction())
            {
                case FilterNode.SRC:
                    test(srcTest, primitive, onMatch, onMismatch);
                    break;
                case FilterNode.DST:
                    test(dstTest, primitive, onMatch, onMismatch);
                    break;
                case FilterNode.SRC_AND_DST:
                {
                    final int dst = newLabel();
                    test(srcTest, primitive, dst, onMismatch);
                    bind(dst);
                    test(dstTest, primitive, onMatch, onMismatch);
                    break;
                }
                default:
                {
                    final int dst = newLabel();
                    test(srcTest, primitive, onMatch, dst);
                    bind(dst);
                    test(dstTest, primitive, onMatch, onMismatch);
                    break;
                }
            }
        }

        private void test(final int test, final FilterNode.Primitive primitive, final int onMatch, final int onMismatch)
        {
            tests.add(new long[] {test, primitive.a(), primitive.b(), primitive.c(), primitive.d(), onMatch,
                onMismatch});
        }

        private int newLabel()
        {
            labels.add(-1);
            return labels.size() - 1;
        }

        /** Every label is bound just before a subtree that emits at least one test: constants are folded away. */
        private void bind(final int label)
        {
            labels.set(label, tests.size());
        }

        int resolve(final int target)
        {
            return target < 0 ? target : labels.get(target);
        }
    }
}
