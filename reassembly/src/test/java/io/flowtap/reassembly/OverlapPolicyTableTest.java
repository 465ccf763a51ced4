package io.flowtap.reassembly;

import io.flowtap.reassembly.test.Conversation;
import io.flowtap.reassembly.test.Recorder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The classic target-based overlap patterns (Novak and Sturges): a held segment {@code HHHH} at offsets 4..8 waits
 * behind a hole, a new segment of {@code n} overlaps it in each of the nine ways two ranges can overlap, then the
 * hole is filled. What each receiving OS keeps is written out by hand here (from Suricata's rules), not computed
 * by the policy code under test. Every case runs with ISNs far from the wrap and just below 2^32 (so the stream
 * crosses the wrap between the segments), in both delivery modes.
 */
class OverlapPolicyTableTest
{
    //                                      first   last        bsd         windows     linux       old-linux   solaris
    private static final Object[][] TABLE = {
        {2, 6, "nnHHHH", "nnnnHH", "nnnnHH", "nnnnHH", "nnnnHH", "nnnnHH", "nnHHHH"},
        {2, 8, "nnHHHH", "nnnnnn", "nnnnnn", "nnnnnn", "nnnnnn", "nnnnnn", "nnnnnn"},
        {2, 10, "nnHHHHnn", "nnnnnnnn", "nnnnnnnn", "nnnnnnnn", "nnnnnnnn", "nnnnnnnn", "nnnnnnnn"},
        {4, 6, "HHHH", "nnHH", "HHHH", "HHHH", "HHHH", "HHHH", "HHHH"},
        {4, 8, "HHHH", "nnnn", "HHHH", "HHHH", "HHHH", "nnnn", "nnnn"},
        {4, 10, "HHHHnn", "nnnnnn", "HHHHnn", "HHHHnn", "nnnnnn", "nnnnnn", "nnnnnn"},
        {5, 7, "HHHH", "HnnH", "HHHH", "HHHH", "HHHH", "HHHH", "HHHH"},
        {5, 8, "HHHH", "Hnnn", "HHHH", "HHHH", "HHHH", "HHHH", "HHHH"},
        {5, 10, "HHHHnn", "Hnnnnn", "HHHHnn", "HHHHnn", "HHHHnn", "HHHHnn", "Hnnnnn"},
    };
    private static final OverlapPolicy[] COLUMNS = {
        OverlapPolicy.FIRST, OverlapPolicy.LAST, OverlapPolicy.BSD, OverlapPolicy.WINDOWS, OverlapPolicy.LINUX,
        OverlapPolicy.OLD_LINUX, OverlapPolicy.SOLARIS};

    static Stream<Arguments> cases()
    {
        final List<Arguments> cases = new ArrayList<>();
        for (final Object[] row : TABLE)
        {
            for (int c = 0; c < COLUMNS.length; c++)
            {
                for (final long isn : new long[] {1000L, 0xFFFF_FFFFL - 5})
                {
                    for (final DeliveryMode mode : DeliveryMode.values())
                    {
                        cases.add(Arguments.of(COLUMNS[c], row[0], row[1], row[2 + c], isn, mode));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} new [{1},{2}) -> {3}, isn {4}, {5}")
    @MethodSource("cases")
    void receiverKeepsWhatItsOsWould(
        final OverlapPolicy policy,
        final int newStart,
        final int newEnd,
        final String expected,
        final long isn,
        final DeliveryMode mode)
    {
        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(
            new EngineContext().overlapPolicy(policy).deliveryMode(mode).maxFlows(4).engineMemcapBytes(64 * 1024)
                .pageSize(256).flowMemcapBytes(16 * 1024), recorder);
        final Conversation conversation = new Conversation(engine, isn, 7_000_000L).handshake();

        conversation.toServer(4, "HHHH");
        conversation.toServer(newStart, "n".repeat(newEnd - newStart));
        final int fillEnd = Math.min(newStart, 4);
        conversation.toServer(0, "f".repeat(fillEnd));
        conversation.serverAcks(Math.max(newEnd, 8));
        engine.shutdown();

        final Recorder.FlowLog flow = recorder.list().get(0);
        assertEquals("f".repeat(fillEnd) + expected, flow.text(Direction.TO_SERVER));
        final int overlapIndex = Math.max(newStart, 4) - Math.min(newStart, 4);
        final String kept = expected.charAt(overlapIndex) == 'n' ? "new kept" : "held kept";
        assertEquals(1, flow.conflicts[Direction.TO_SERVER], "one conflicting overlap, whatever was kept");
        assertEquals(List.of("CONFLICT to_server held 4+4 new " + newStart + "+" + (newEnd - newStart) + " " + kept),
            flow.events, "the conflict is reported with both versions' offsets, and no gap");
    }
}
