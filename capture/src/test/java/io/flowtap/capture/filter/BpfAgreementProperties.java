package io.flowtap.capture.filter;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.PacketDecoder;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The compiled program, run by the Java interpreter as the kernel would run it, accepts exactly the frames that
 * userspace accepts (the decoder makes a TCP segment of them and the filter matches it), on random expressions and
 * random frames: IPv4 with options, fragments and AH, IPv6 with extension-header chains past the decoder's limit,
 * UDP, ARP, VLAN tags in metadata and in the frame; except the frames every program passes on whole (fragments, which
 * the decoder reassembles before the filter applies), which it must accept. Every program also passes the kernel's
 * checks.
 */
class BpfAgreementProperties
{
    private final PacketDecoder decoder = RandomPackets.decoder();

    @Property(tries = 400)
    void shouldAcceptExactlyTheFramesUserspaceAccepts(
        @ForAll("expressions") final String expression, @ForAll("packets") final List<RandomPackets.Packet> packets)
    {
        final FlowFilter filter = FlowFilter.parse(expression);
        final BpfProgram program = filter.toBpf();
        BpfInterpreter.verify(program);
        for (final RandomPackets.Packet packet : packets)
        {
            final boolean kernel = BpfInterpreter.run(program, packet.frame(), packet.metadataTci()) != 0;
            final boolean userspace = RandomPackets.userspaceAccepts(filter, decoder, packet);
            final boolean whole = RandomPackets.passedWhole(packet);
            Statistics.label("verdict").collect(whole ? "passed whole" : userspace ? "accepted" :
                decoder.outcome() == DecodeCounter.TCP_SEGMENT ? "filtered out" : "not a segment");
            assertEquals(userspace || whole, kernel, () -> "filter \"" + expression + "\" (" + filter +
                "), decoder outcome " + decoder.outcome() + ", on " + packet + "\n" + program);
        }
        // Every kind of verdict must be common, or agreement would prove little.
        Statistics.label("verdict").coverage((coverage) ->
        {
            coverage.check("accepted").percentage((percent) -> percent > 5);
            coverage.check("filtered out").percentage((percent) -> percent > 5);
            coverage.check("not a segment").percentage((percent) -> percent > 5);
            coverage.check("passed whole").percentage((percent) -> percent > 5);
        });
    }

    @Provide
    Arbitrary<String> expressions()
    {
        return RandomFilters.expressions();
    }

    @Provide
    Arbitrary<List<RandomPackets.Packet>> packets()
    {
        return RandomPackets.packets(true).list().ofSize(60);
    }
}
