package io.flowtap.capture.filter;

import io.flowtap.capture.codec.TunnelType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Blocklist-sized disjunctions (dozens to hundreds of hosts, networks and ports of one direction, mixed with other
 * primitives, under {@code not} and {@code and}) are evaluated in userspace through set lookups; the kernel's program
 * is compiled from the same tree without sets, test for test. Both must agree on every flow, including addresses in
 * the lists, inside their networks, and just outside them, and with tunnel primitives beside them.
 */
class BlocklistFilterProperties
{
    @Property(tries = 300)
    void shouldMatchExactlyAsTheChainOfTestsDoes(
        @ForAll("blocklists") final String expression, @ForAll("flows") final List<long[]> flows)
    {
        final FlowFilter filter = FlowFilter.parse(expression);
        final FilterProgram sets = filter.program();
        final FilterProgram chain = filter.chainProgram();
        for (final long[] flow : flows)
        {
            final int version = (int)flow[0];
            final boolean expected = chain.evaluate(version, flow[1], flow[2], (int)flow[3], flow[4], flow[5],
                (int)flow[6], FlowFilter.NO_VLAN, (int)flow[7], (int)flow[8]);
            final boolean actual = sets.evaluate(version, flow[1], flow[2], (int)flow[3], flow[4], flow[5],
                (int)flow[6], FlowFilter.NO_VLAN, (int)flow[7], (int)flow[8]);
            Statistics.label("verdict").collect(expected ? "match" : "no match");
            assertEquals(expected, actual, () -> expression + " on " + java.util.Arrays.toString(flow));
        }
        Statistics.label("verdict").coverage(coverage ->
        {
            coverage.check("match").percentage(percent -> percent > 5);
            coverage.check("no match").percentage(percent -> percent > 5);
        });
    }

    @Provide
    Arbitrary<String> blocklists()
    {
        final Arbitrary<String> direction = Arbitraries.of("", "src ", "dst ");
        final Arbitrary<String> host4 = Arbitraries.integers().between(0, 63).map(i -> "host 10.0.0." + i);
        final Arbitrary<String> net4 = Arbitraries.integers().between(0, 15).map(i -> "net 10.0." + i + ".0/24");
        final Arbitrary<String> host6 = Arbitraries.integers().between(0, 63).map(i -> "host fd00::" + i);
        final Arbitrary<String> net6 = Arbitraries.integers().between(0, 15).map(i -> "net fd00:0:0:" + i + "::/64");
        final Arbitrary<String> port = Arbitraries.integers().between(0, 40).map(i -> "port " + (8000 + i));
        final Arbitrary<String> range = Arbitraries.integers().between(0, 40).map(i -> "portrange " + (9000 + i) +
            "-" + (9005 + i));
        final Arbitrary<String> other = Arbitraries.of("vlan", "ip6", "src and dst host 10.0.0.1", "not port 8001",
            "vxlan 42", "gre", "not erspan");
        final Arbitrary<String> alternative = Combinators.combine(direction,
            Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, host4), net.jqwik.api.Tuple.of(2, net4),
                net.jqwik.api.Tuple.of(4, host6), net.jqwik.api.Tuple.of(2, net6), net.jqwik.api.Tuple.of(4, port),
                net.jqwik.api.Tuple.of(2, range))).as((d, p) -> d + p);
        final Arbitrary<String> list = Arbitraries.oneOf(alternative, alternative, alternative, other).list()
            .ofMinSize(8).ofMaxSize(200).map(items -> "(" + String.join(" or ", items) + ")");
        return Combinators.combine(Arbitraries.of("", "not ", "port 8002 and ", "ip and "), list)
            .as((prefix, body) -> prefix + body);
    }

    @Provide
    Arbitrary<List<long[]>> flows()
    {
        // The tunnel the segment came through, if any: {type, id}.
        final Arbitrary<long[]> tunnel = Arbitraries.of(new long[] {TunnelType.NONE, 0},
            new long[] {TunnelType.VXLAN, 42}, new long[] {TunnelType.VXLAN, 7}, new long[] {TunnelType.GRE, 0},
            new long[] {TunnelType.ERSPAN, 3});
        final Arbitrary<long[]> flow = Combinators.combine(
            Arbitraries.of(4, 6),
            Arbitraries.integers().between(0, 15), Arbitraries.integers().between(0, 80),
            Arbitraries.integers().between(0, 15), Arbitraries.integers().between(0, 80),
            Arbitraries.integers().between(7990, 9050), Arbitraries.integers().between(7990, 9050), tunnel)
            .as((version, srcNet, srcHost, dstNet, dstHost, srcPort, dstPort, via) -> version == 4 ?
                new long[] {4, 0, 0x0A000000L | srcNet << 8 | srcHost, srcPort, 0, 0x0A000000L | dstNet << 8 | dstHost,
                    dstPort, via[0], via[1]} :
                new long[] {6, 0xFD00_0000_0000_0000L | srcNet, srcHost, srcPort, 0xFD00_0000_0000_0000L | dstNet,
                    dstHost, dstPort, via[0], via[1]});
        return flow.list().ofSize(80);
    }
}
