package io.flowtap.capture.filter;

import io.flowtap.capture.codec.TunnelType;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A filter flattened into tests that branch: test {@code i} compares one field and continues at
 * {@code onMatch[i]} or {@code onMismatch[i]}, until it reaches {@link #ACCEPT} or {@link #REJECT}. Every branch
 * goes forward, so {@link BpfCompiler} can turn each test into instructions one for one, and evaluation is a loop
 * over primitive arrays that neither allocates nor recurses.
 * <p>
 * For userspace, a disjunction of many hosts, networks or ports of one direction (a blocklist) becomes one set test
 * ({@link ValueSet}): a lookup instead of a chain of thousands of tests. The kernel's program is compiled without
 * sets, test for test. Compiling walks the tree with stacks of its own, so an expression of any depth compiles.
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
    /** IPv4 and the source address in the test's set. */
    static final int SRC_IPV4_SET = 8;
    /** IPv4 and the destination address in the test's set. */
    static final int DST_IPV4_SET = 9;
    /** IPv6 and the source address in the test's set. */
    static final int SRC_IPV6_SET = 10;
    /** IPv6 and the destination address in the test's set. */
    static final int DST_IPV6_SET = 11;
    /** Source port in the test's set. */
    static final int SRC_PORT_SET = 12;
    /** Destination port in the test's set. */
    static final int DST_PORT_SET = 13;
    /** The tunnel is of type {@code a} (GRE: or ERSPAN) with id {@code b}, or any id. */
    static final int TUNNEL = 14;
    /** Alternatives of one field and direction from which a disjunction becomes a set test. */
    static final int SET_THRESHOLD = 8;

    private static final int VLAN_ID_MASK = 0xFFF;

    final int entry;
    final int[] test;
    final long[] a;
    final long[] b;
    final long[] c;
    final long[] d;
    final int[] onMatch;
    final int[] onMismatch;
    final ValueSet[] sets;

    private FilterProgram(final Builder builder)
    {
        final int length = builder.tests.size();
        entry = builder.entry;
        sets = builder.sets.toArray(new ValueSet[0]);
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
     * @param root    of the parsed filter.
     * @param useSets whether a disjunction of many alternatives of one field becomes a set test (for userspace), or
     *                stays a chain of tests (for the kernel).
     * @return it flattened, with {@code tcp} and other constants folded away.
     */
    static FilterProgram compile(final FilterNode root, final boolean useSets)
    {
        final Builder builder = new Builder(useSets);
        final FilterNode simplified = simplify(root);
        if (simplified instanceof FilterNode.Constant constant)
        {
            builder.entry = constant.value() ? ACCEPT : REJECT;
        }
        else
        {
            builder.entry = 0;
            builder.emit(simplified);
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
                case SRC_IPV4_SET:
                    match = version == 4 && sets[i].containsIpv4(srcLow);
                    break;
                case DST_IPV4_SET:
                    match = version == 4 && sets[i].containsIpv4(dstLow);
                    break;
                case SRC_IPV6_SET:
                    match = version == 6 && sets[i].containsIpv6(srcHigh, srcLow);
                    break;
                case DST_IPV6_SET:
                    match = version == 6 && sets[i].containsIpv6(dstHigh, dstLow);
                    break;
                case SRC_PORT_SET:
                    match = sets[i].containsPort(srcPort);
                    break;
                case DST_PORT_SET:
                    match = sets[i].containsPort(dstPort);
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
     * Fold constants ({@code tcp}, and what they decide) so that only the root can be one: a post-order walk with a
     * stack of its own, as the tree may be as deep as the expression is long.
     */
    private static FilterNode simplify(final FilterNode root)
    {
        final ArrayDeque<Object> work = new ArrayDeque<>();
        final ArrayDeque<FilterNode> results = new ArrayDeque<>();
        work.push(root);
        while (!work.isEmpty())
        {
            final Object item = work.pop();
            if (item instanceof Combine combine)
            {
                results.push(fold(combine.node(), results));
            }
            else if (item instanceof FilterNode.And and)
            {
                work.push(new Combine(and));
                work.push(and.right());
                work.push(and.left());
            }
            else if (item instanceof FilterNode.Or or)
            {
                work.push(new Combine(or));
                work.push(or.right());
                work.push(or.left());
            }
            else if (item instanceof FilterNode.Not not)
            {
                work.push(new Combine(not));
                work.push(not.operand());
            }
            else
            {
                results.push((FilterNode)item);
            }
        }
        return results.pop();
    }

    /**
     * A node whose operands' simplified forms are on the results stack, right on top.
     *
     * @param node to rebuild from them.
     */
    private record Combine(FilterNode node)
    {
    }

    private static FilterNode fold(final FilterNode node, final ArrayDeque<FilterNode> results)
    {
        if (node instanceof FilterNode.Not)
        {
            final FilterNode operand = results.pop();
            if (operand instanceof FilterNode.Constant constant)
            {
                return new FilterNode.Constant(!constant.value(), "not " + constant.text());
            }
            return new FilterNode.Not(operand);
        }
        final FilterNode right = results.pop();
        final FilterNode left = results.pop();
        if (node instanceof FilterNode.And)
        {
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

    /**
     * Emits tests in evaluation order. Branch targets are label numbers until {@link #resolve}, so that a test can
     * name the first test of a subtree that is not emitted yet.
     */
    /**
     * Alternatives of one field and direction, evaluated as one lookup.
     *
     * @param kind      of the field: {@link FilterNode#KIND_IPV4}, {@link FilterNode#KIND_IPV6} or
     *                  {@link FilterNode#KIND_PORT}.
     * @param direction {@link FilterNode#SRC}, {@link FilterNode#DST} or {@link FilterNode#SRC_OR_DST}.
     * @param values    the set.
     */
    private record SetTest(int kind, int direction, ValueSet values)
    {
    }

    private static final class Builder
    {
        private final List<long[]> tests = new ArrayList<>();
        private final List<ValueSet> sets = new ArrayList<>();
        private final List<Integer> labels = new ArrayList<>();
        private final boolean useSets;
        private int entry;

        Builder(final boolean useSets)
        {
            this.useSets = useSets;
        }

        /**
         * One thing to emit: a subtree (or a set), where it goes on a match and on a mismatch, and the label to bind
         * just before its first test.
         */
        private record Frame(Object item, int onMatch, int onMismatch, int label)
        {
        }

        /**
         * Emit the tree in evaluation order, with a stack of frames instead of recursion: a conjunction's left side
         * goes on to a label bound before its right side; a disjunction's alternatives each go on, on a mismatch, to
         * the next one's label.
         */
        void emit(final FilterNode root)
        {
            final ArrayDeque<Frame> stack = new ArrayDeque<>();
            stack.push(new Frame(root, ACCEPT, REJECT, -1));
            while (!stack.isEmpty())
            {
                final Frame frame = stack.pop();
                if (frame.label() >= 0)
                {
                    bind(frame.label());
                }
                final Object item = frame.item();
                if (item instanceof FilterNode.And and)
                {
                    final int right = newLabel();
                    stack.push(new Frame(and.right(), frame.onMatch(), frame.onMismatch(), right));
                    stack.push(new Frame(and.left(), right, frame.onMismatch(), -1));
                }
                else if (item instanceof FilterNode.Or or)
                {
                    final List<Object> alternatives = alternatives(or);
                    int next = frame.onMismatch();
                    for (int k = alternatives.size() - 1; k >= 0; k--)
                    {
                        final int label = k == 0 ? -1 : newLabel();
                        stack.push(new Frame(alternatives.get(k), frame.onMatch(), next, label));
                        next = label;
                    }
                }
                else if (item instanceof FilterNode.Not not)
                {
                    stack.push(new Frame(not.operand(), frame.onMismatch(), frame.onMatch(), -1));
                }
                else if (item instanceof SetTest set)
                {
                    emitSet(set, frame.onMatch(), frame.onMismatch());
                }
                else
                {
                    emitPrimitive((FilterNode.Primitive)item, frame.onMatch(), frame.onMismatch());
                }
            }
        }

        /**
         * The alternatives of a chain of {@code or}s, in order; with sets, the hosts, networks and ports of one
         * field and direction that are many enough become one set each, first.
         */
        private List<Object> alternatives(final FilterNode.Or root)
        {
            final List<FilterNode> leaves = new ArrayList<>();
            final ArrayDeque<FilterNode> pending = new ArrayDeque<>();
            pending.push(root);
            while (!pending.isEmpty())
            {
                final FilterNode node = pending.pop();
                if (node instanceof FilterNode.Or or)
                {
                    pending.push(or.right());
                    pending.push(or.left());
                }
                else
                {
                    leaves.add(node);
                }
            }
            final List<Object> alternatives = new ArrayList<>();
            if (!useSets)
            {
                alternatives.addAll(leaves);
                return alternatives;
            }
            final java.util.Map<Integer, List<FilterNode.Primitive>> groups = new java.util.TreeMap<>();
            for (final FilterNode leaf : leaves)
            {
                if (leaf instanceof FilterNode.Primitive primitive && isSetKind(primitive))
                {
                    groups.computeIfAbsent(primitive.kind() * 8 + primitive.direction(), k -> new ArrayList<>())
                        .add(primitive);
                }
            }
            final java.util.Set<FilterNode> inSets = java.util.Collections.newSetFromMap(
                new java.util.IdentityHashMap<>());
            for (final List<FilterNode.Primitive> group : groups.values())
            {
                if (group.size() >= SET_THRESHOLD)
                {
                    final FilterNode.Primitive first = group.get(0);
                    alternatives.add(new SetTest(first.kind(), first.direction(), ValueSet.of(first.kind(), group)));
                    inSets.addAll(group);
                }
            }
            for (final FilterNode leaf : leaves)
            {
                if (!inSets.contains(leaf))
                {
                    alternatives.add(leaf);
                }
            }
            return alternatives;
        }

        private static boolean isSetKind(final FilterNode.Primitive primitive)
        {
            final int kind = primitive.kind();
            final int direction = primitive.direction();
            return (kind == FilterNode.KIND_IPV4 || kind == FilterNode.KIND_IPV6 || kind == FilterNode.KIND_PORT) &&
                (direction == FilterNode.SRC || direction == FilterNode.DST || direction == FilterNode.SRC_OR_DST);
        }

        private void emitSet(final SetTest set, final int onMatch, final int onMismatch)
        {
            final int srcTest = set.kind() == FilterNode.KIND_IPV4 ? SRC_IPV4_SET :
                set.kind() == FilterNode.KIND_IPV6 ? SRC_IPV6_SET : SRC_PORT_SET;
            final int dstTest = srcTest + 1;
            switch (set.direction())
            {
                case FilterNode.SRC:
                    setTest(srcTest, set.values(), onMatch, onMismatch);
                    break;
                case FilterNode.DST:
                    setTest(dstTest, set.values(), onMatch, onMismatch);
                    break;
                default:
                {
                    final int dst = newLabel();
                    setTest(srcTest, set.values(), onMatch, dst);
                    bind(dst);
                    setTest(dstTest, set.values(), onMatch, onMismatch);
                    break;
                }
            }
        }

        private void setTest(final int test, final ValueSet values, final int onMatch, final int onMismatch)
        {
            tests.add(new long[] {test, 0, 0, 0, 0, onMatch, onMismatch});
            sets.add(values);
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
            sets.add(null);
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
