package io.flowtap.capture.filter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Many alternatives of one field in one test: the hosts and networks of a blocklist, or a list of ports, as
 * {@link FilterProgram} evaluates {@code host A or host B or ...} with thousands of them. Addresses are grouped by
 * mask, each group a sorted array searched in place; ports are a 65,536-bit map. A lookup costs a binary search per
 * distinct mask (a few for a real blocklist), not a test per alternative, and allocates nothing.
 * <p>
 * Immutable once built: any number of threads may look up at once.
 */
final class ValueSet
{
    private static final int PORTS = 1 << 16;

    private final int kind;
    private final long[] masksHigh;
    private final long[] masksLow;
    private final long[][] valuesHigh;
    private final long[][] valuesLow;
    private final long[] portBits;
    private final int size;

    private ValueSet(
        final int kind,
        final long[] masksHigh,
        final long[] masksLow,
        final long[][] valuesHigh,
        final long[][] valuesLow,
        final long[] portBits,
        final int size)
    {
        this.kind = kind;
        this.masksHigh = masksHigh;
        this.masksLow = masksLow;
        this.valuesHigh = valuesHigh;
        this.valuesLow = valuesLow;
        this.portBits = portBits;
        this.size = size;
    }

    /**
     * @param kind       {@link FilterNode#KIND_IPV4}, {@link FilterNode#KIND_IPV6} or {@link FilterNode#KIND_PORT}.
     * @param primitives of that kind.
     * @return the set of what any of them matches.
     */
    static ValueSet of(final int kind, final List<FilterNode.Primitive> primitives)
    {
        if (kind == FilterNode.KIND_PORT)
        {
            final long[] bits = new long[PORTS / Long.SIZE];
            for (final FilterNode.Primitive primitive : primitives)
            {
                for (long port = primitive.a(); port <= primitive.b(); port++)
                {
                    bits[(int)(port >>> 6)] |= 1L << port;
                }
            }
            return new ValueSet(kind, null, null, null, null, bits, primitives.size());
        }
        // Group by mask; IPv4 keeps its mask in b and its network in a, IPv6 its mask in c:d and network in a:b.
        final TreeMap<String, List<long[]>> groups = new TreeMap<>();
        for (final FilterNode.Primitive primitive : primitives)
        {
            final long maskHigh = kind == FilterNode.KIND_IPV4 ? 0 : primitive.c();
            final long maskLow = kind == FilterNode.KIND_IPV4 ? primitive.b() : primitive.d();
            final long valueHigh = kind == FilterNode.KIND_IPV4 ? 0 : primitive.a();
            final long valueLow = kind == FilterNode.KIND_IPV4 ? primitive.a() : primitive.b();
            groups.computeIfAbsent(maskHigh + "/" + maskLow, k -> new ArrayList<>())
                .add(new long[] {maskHigh, maskLow, valueHigh, valueLow});
        }
        final int count = groups.size();
        final long[] masksHigh = new long[count];
        final long[] masksLow = new long[count];
        final long[][] valuesHigh = new long[count][];
        final long[][] valuesLow = new long[count][];
        int g = 0;
        for (final List<long[]> group : groups.values())
        {
            group.sort((x, y) -> x[2] != y[2] ? Long.compare(x[2], y[2]) : Long.compare(x[3], y[3]));
            masksHigh[g] = group.get(0)[0];
            masksLow[g] = group.get(0)[1];
            valuesHigh[g] = new long[group.size()];
            valuesLow[g] = new long[group.size()];
            for (int i = 0; i < group.size(); i++)
            {
                valuesHigh[g][i] = group.get(i)[2];
                valuesLow[g][i] = group.get(i)[3];
            }
            g++;
        }
        return new ValueSet(kind, masksHigh, masksLow, valuesHigh, valuesLow, null, primitives.size());
    }

    /**
     * @param port 0 to 65535.
     * @return whether a port of the set matches it.
     */
    boolean containsPort(final int port)
    {
        return (portBits[port >>> 6] & (1L << port)) != 0;
    }

    /**
     * @param address an IPv4 address in the low 32 bits.
     * @return whether a host or network of the set matches it.
     */
    boolean containsIpv4(final long address)
    {
        for (int g = 0; g < masksLow.length; g++)
        {
            if (Arrays.binarySearch(valuesLow[g], address & masksLow[g]) >= 0)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @param high of an IPv6 address.
     * @param low  of it.
     * @return whether a host or network of the set matches it.
     */
    boolean containsIpv6(final long high, final long low)
    {
        for (int g = 0; g < masksHigh.length; g++)
        {
            if (search(valuesHigh[g], valuesLow[g], high & masksHigh[g], low & masksLow[g]))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return the field the set holds values of.
     */
    int kind()
    {
        return kind;
    }

    /**
     * @return the alternatives it was made of.
     */
    int size()
    {
        return size;
    }

    private static boolean search(final long[] highs, final long[] lows, final long high, final long low)
    {
        int from = 0;
        int to = highs.length - 1;
        while (from <= to)
        {
            final int middle = (from + to) >>> 1;
            final int order = highs[middle] != high ? Long.compare(highs[middle], high) :
                Long.compare(lows[middle], low);
            if (order == 0)
            {
                return true;
            }
            if (order < 0)
            {
                from = middle + 1;
            }
            else
            {
                to = middle - 1;
            }
        }
        return false;
    }
}
