package io.flowtap.reassembly;

import io.flowtap.reassembly.test.CaptureScript;
import io.flowtap.reassembly.test.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.flowtap.reassembly.Direction.TO_CLIENT;
import static io.flowtap.reassembly.Direction.TO_SERVER;
import static io.flowtap.reassembly.test.CaptureScript.ACK;
import static io.flowtap.reassembly.test.CaptureScript.FIN;
import static io.flowtap.reassembly.test.CaptureScript.PSH;
import static io.flowtap.reassembly.test.CaptureScript.RST;
import static io.flowtap.reassembly.test.CaptureScript.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The flow record's {@code history}, gap accounting and connection boundaries, one small capture per rule, each with
 * the history Zeek's {@code conn.log} documentation gives for it: upper case for the originator and lower case for
 * the responder; {@code A D I Q} once per side; {@code S H F R} again when their sequence number changes; {@code T C W
 * G} on the 1st, 10th, 100th ... time; {@code ^} for a flip of roles. Every case runs at ordinary ISNs and at ISNs
 * just below 2^32.
 */
class ZeekHistoryTest
{
    private static final long NEAR_WRAP = (1L << 32) - 3;

    @TempDir
    Path tempDir;

    private static CaptureScript script(final long isn)
    {
        return new CaptureScript(isn, isn == NEAR_WRAP ? NEAR_WRAP - 1000 : 5000);
    }

    private List<Recorder.FlowLog> replay(final CaptureScript script) throws IOException
    {
        return script.replay(tempDir.resolve("capture.pcap"), new EngineContext());
    }

    private Recorder.FlowLog only(final CaptureScript script) throws IOException
    {
        final List<Recorder.FlowLog> flows = replay(script);
        assertEquals(1, flows.size(), "flows");
        return flows.get(0);
    }

    /**
     * As Zeek takes an acknowledged hole: a gap at the acknowledgement, with no grace for the bytes to come late
     * (flowtap's default waits for them, so its {@code G} comes where the grace ends).
     */
    private Recorder.FlowLog onlyGapAtAck(final CaptureScript script) throws IOException
    {
        final List<Recorder.FlowLog> flows = script.replay(tempDir.resolve("at-ack.pcap"),
            new EngineContext().ackGrace(0, 0));
        assertEquals(1, flows.size(), "flows");
        return flows.get(0);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldWriteOneLetterPerKindOfPacketOncePerSide(final long isn) throws IOException
    {
        final Recorder.FlowLog flow = only(script(isn).handshake()
            .client(ACK | PSH, 1, 1, "GET").client(ACK | PSH, 4, 1, "GET")
            .server(ACK | PSH, 1, 7, "OK").server(ACK | PSH, 3, 7, "OK")
            .client(ACK, 7, 5, "").client(FIN | ACK, 7, 5, "").server(FIN | ACK, 5, 8, "").client(ACK, 8, 6, ""));

        assertEquals("ShADdFf", flow.history);
        assertEquals("SF", flow.connState);
        assertEquals(6, flow.seqBytes[TO_SERVER]);
        assertEquals(4, flow.seqBytes[TO_CLIENT]);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldFlipAtTheFirstPacketWithACaretAndKeepTheFinOfAClientWhoseSynWasMissed(final long isn)
        throws IOException
    {
        // Zeek's own baseline for this shape (http/bro.org.pcap): ^hADdFaf, SF, missed_bytes 0.
        final Recorder.FlowLog flow = only(script(isn)
            .server(SYN | ACK, 0, 1, "").client(ACK, 1, 1, "").client(ACK | PSH, 1, 1, "abc")
            .server(ACK | PSH, 1, 4, "hello").client(FIN | ACK, 4, 6, "").server(ACK, 6, 5, "")
            .server(FIN | ACK, 6, 5, "").client(ACK, 5, 7, ""));

        assertEquals("^hADdFaf", flow.history);
        assertEquals("SF", flow.connState);
        assertEquals("fin", flow.endReason, "the client's FIN is placed, so both sides closed");
        assertEquals(0, flow.gapBytes[TO_SERVER] + flow.ackedMissingBytes[TO_SERVER], "no gap from the ACK of a FIN");
        assertEquals(3, flow.seqBytes[TO_SERVER]);
        assertEquals(5, flow.seqBytes[TO_CLIENT]);
    }

    @Test
    void shouldFlipAMidstreamFlowWhoseFirstPacketCameFromTheServerPort() throws IOException
    {
        final Recorder.FlowLog flow = only(new CaptureScript(1000, 5000)
            .server(ACK | PSH, 1, 1, "hello").client(ACK, 1, 6, ""));

        assertEquals("^dA", flow.history);
        assertEquals("OTH", flow.connState);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldNotCountTheSilentSideOfAOneSidedCaptureAsMissedButAsAcknowledgedOnly(final long isn)
        throws IOException
    {
        // Only the client's packets were captured; its ACKs say the server sent 2000 bytes. Zeek: SADF, SH, missed 0.
        final Recorder.FlowLog flow = only(script(isn)
            .client(SYN, 0, 0, "").client(ACK, 1, 1, "").client(ACK | PSH, 1, 1, "GET /")
            .client(ACK, 6, 2001, "").client(FIN | ACK, 6, 2001, ""));

        assertEquals("SADF", flow.history);
        assertEquals("SH", flow.connState);
        assertEquals(0, flow.gapBytes[TO_CLIENT]);
        assertEquals(0, flow.gapCount[TO_CLIENT]);
        assertEquals(2000, flow.ackedMissingBytes[TO_CLIENT]);
        assertEquals(0, flow.seqBytes[TO_CLIENT], "a side never seen has no size in Zeek's resp_bytes");
        assertEquals(5, flow.seqBytes[TO_SERVER]);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldCountAHoleInTheSendersOwnDataAsMissed(final long isn) throws IOException
    {
        final CaptureScript script = script(isn).handshake()
            .client(ACK | PSH, 1, 1, "aaaa").client(ACK | PSH, 9, 1, "cccc").server(ACK, 1, 13, "")
            .client(FIN | ACK, 13, 1, "").server(FIN | ACK, 1, 14, "").client(ACK, 14, 2, "");
        // The hole's bytes could still come until the connection ends, within the grace: the gap, and its G, then.
        assertEquals("ShADaFfG", only(script).history);
        final Recorder.FlowLog flow = onlyGapAtAck(script);

        assertEquals("ShADaGFf", flow.history);
        assertEquals(4, flow.gapBytes[TO_SERVER]);
        assertEquals(1, flow.gapCount[TO_SERVER]);
        assertEquals(0, flow.ackedMissingBytes[TO_SERVER]);
        assertEquals("SF", flow.connState);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldMoveBytesOnlyAcknowledgedToMissedOnceTheSenderIsSeenPastThem(final long isn) throws IOException
    {
        final CaptureScript script = script(isn).handshake()
            .client(ACK | PSH, 1, 1, "aaaa").server(ACK, 1, 9, "");
        final Recorder.FlowLog before = only(script);
        assertEquals("ShADa", before.history);
        assertEquals(4, before.ackedMissingBytes[TO_SERVER], "the ACK alone shows the 4 bytes");
        assertEquals(0, before.gapBytes[TO_SERVER]);

        final Recorder.FlowLog after = only(script.client(ACK | PSH, 9, 1, "cccc"));
        assertEquals("ShADaG", after.history);
        assertEquals(4, after.gapBytes[TO_SERVER], "the client's own data now shows them");
        assertEquals(1, after.gapCount[TO_SERVER]);
        assertEquals(0, after.ackedMissingBytes[TO_SERVER]);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldWriteTheRetransmissionLetterAtTheFirstAndTenthTime(final long isn) throws IOException
    {
        final CaptureScript script = script(isn).handshake().client(ACK | PSH, 1, 1, "0123456789");
        for (int i = 0; i < 11; i++)
        {
            script.client(ACK | PSH, 1, 1, "0123456789");
        }
        final Recorder.FlowLog flow = only(script.server(ACK, 1, 11, ""));

        assertEquals("ShADTTa", flow.history);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldTakeASegmentThatFillsAHoleLateForARetransmissionAsZeekDoes(final long isn) throws IOException
    {
        // Zeek: payload that does not take the side past the highest sequence number it reached is a retransmission.
        final Recorder.FlowLog flow = only(script(isn).handshake()
            .client(ACK | PSH, 1, 1, "aaaa").client(ACK | PSH, 9, 1, "cccc").client(ACK | PSH, 5, 1, "bbbb")
            .server(ACK, 1, 13, ""));

        assertEquals("ShADTa", flow.history);
        assertEquals("aaaabbbbcccc", flow.text(TO_SERVER));
        assertEquals(0, flow.gapBytes[TO_SERVER]);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldWriteTheBadChecksumLetterAtTheFirstAndTenthTime(final long isn) throws IOException
    {
        final CaptureScript script = script(isn).handshake();
        for (int i = 0; i < 10; i++)
        {
            script.corruptNext().client(ACK | PSH, 1, 1, "x");
        }
        final List<Recorder.FlowLog> flows = script.client(ACK | PSH, 1, 1, "x").replay(
            tempDir.resolve("checksums.pcap"), new EngineContext().badChecksumPolicy(BadChecksumPolicy.DROP));

        assertEquals("ShACCD", flows.get(0).history);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldWriteTheZeroWindowLetterAtTheFirstAndTenthTimeButNotOnARstOrOnceThePeerClosed(final long isn)
        throws IOException
    {
        final CaptureScript script = script(isn).handshake().window(0);
        for (int i = 0; i < 10; i++)
        {
            script.server(ACK, 1, 1, "");
        }
        script.client(ACK, 1, 1, "").window(65535).client(FIN | ACK, 1, 1, "").window(0);
        for (int i = 0; i < 100; i++)
        {
            // After the client's FIN, the server's zero windows are not counted: there is nothing more to receive.
            script.server(ACK, 1, 2, "");
        }
        final Recorder.FlowLog flow = only(script.server(RST | ACK, 1, 2, ""));

        assertEquals("ShAawwWFr", flow.history);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldWriteFinAndRstTogetherAsIAndNothingElse(final long isn) throws IOException
    {
        final Recorder.FlowLog flow = only(script(isn).handshake().client(FIN | RST | ACK, 1, 1, ""));

        assertEquals("ShAI", flow.history);
        assertEquals("RSTO", flow.connState);
        final Recorder.FlowLog fromServer = only(script(isn).handshake().server(FIN | RST | ACK, 1, 1, ""));
        assertEquals("ShAi", fromServer.history);
        assertEquals("RSTR", fromServer.connState);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldWriteOtherMultiFlagPacketsAsQInTheCaseOfTheirSide(final long isn) throws IOException
    {
        assertEquals("Q", only(script(isn).client(SYN | FIN, 0, 0, "")).history);
        assertEquals("Sq", only(script(isn).client(SYN, 0, 0, "").server(SYN | RST | ACK, 0, 1, "")).history);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldRepeatSynSynAckFinAndRstLettersOnlyForANewSequenceNumber(final long isn) throws IOException
    {
        final Recorder.FlowLog handshake = only(script(isn)
            .client(SYN, 0, 0, "").client(SYN, 0, 0, "")
            .server(SYN | ACK, 0, 1, "").server(SYN | ACK, 0, 1, "").server(SYN | ACK, 1000, 1, "")
            .client(ACK, 1, 1001, ""));
        assertEquals("ShhA", handshake.history, "h is lower case: the responder's SYN-ACK");

        // Midstream between two ephemeral ports, a SYN-ACK from the side taken for the client: H in the roles it was
        // written under, then ^ as the engine flips them.
        final Recorder.FlowLog flipped = only(new CaptureScript(isn, 5000, 40000, 50000)
            .client(ACK, 1, 1, "").client(SYN | ACK, 0, 1, ""));
        assertEquals("AH^", flipped.history);

        final Recorder.FlowLog fins = only(script(isn).handshake()
            .client(FIN | ACK, 1, 1, "").client(FIN | ACK, 1, 1, "").client(FIN | ACK | PSH, 1, 1, "x"));
        assertEquals("ShAFF", fins.history);

        final Recorder.FlowLog resets = only(script(isn).handshake()
            .client(RST, 1, 0, "").client(RST, 5, 0, "").client(RST, 5, 0, ""));
        assertEquals("ShARR", resets.history);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldStartANewConnectionForEachSynAfterARefusal(final long isn) throws IOException
    {
        // A client that retries a refused connect with the same ISN (Zeek's Sr Sr Sr: three connections).
        final CaptureScript script = script(isn);
        for (int i = 0; i < 3; i++)
        {
            script.client(SYN, 0, 0, "").server(RST | ACK, 0, 1, "").after(500);
        }
        final List<Recorder.FlowLog> flows = replay(script);
        assertEquals(3, flows.size());
        for (final Recorder.FlowLog flow : flows)
        {
            assertEquals("Sr", flow.history);
            assertEquals("REJ", flow.connState);
        }
        assertEquals(List.of("rst", "rst", "rst"), flows.stream().map(f -> f.endReason).toList(),
            "each ended by its refusal; the next SYN only closes the book on it");

        final List<Recorder.FlowLog> kept = script.replay(
            tempDir.resolve("kept.pcap"), new EngineContext().newConnectionAfterReject(false));
        assertEquals(1, kept.size(), "one flow when told to keep refused attempts together");
        assertEquals("Sr", kept.get(0).history);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldStartANewConnectionForASynAfterTheAttemptTimeout(final long isn) throws IOException
    {
        final CaptureScript late = script(isn).client(SYN, 0, 0, "").after(6_000).client(SYN, 0, 0, "");
        final List<Recorder.FlowLog> flows = replay(late);
        assertEquals(2, flows.size());
        assertEquals(List.of("S", "S"), flows.stream().map(f -> f.history).toList());
        assertEquals(List.of("S0", "S0"), flows.stream().map(f -> f.connState).toList());

        assertEquals(1, late.replay(tempDir.resolve("off.pcap"), new EngineContext().attemptTimeoutNs(0)).size(),
            "attempt timeout off");
        assertEquals(1, replay(script(isn).client(SYN, 0, 0, "").after(3_000).client(SYN, 0, 0, "")).size(),
            "a retransmission within the attempt timeout");
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldStartANewConnectionForASynAfterACompletedClose(final long isn) throws IOException
    {
        final List<Recorder.FlowLog> flows = replay(script(isn).handshake()
            .client(FIN | ACK, 1, 1, "").server(FIN | ACK, 1, 2, "").client(ACK, 2, 2, "").after(1_000)
            .handshake());

        assertEquals(List.of("ShAFf", "ShA"), flows.stream().map(f -> f.history).toList());
        assertEquals(List.of("SF", "S1"), flows.stream().map(f -> f.connState).toList());
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldGiveEachConnStateZeekDocumentsForTheConnectionThatShowsIt(final long isn) throws IOException
    {
        final Map<String, CaptureScript> cases = new LinkedHashMap<>();
        cases.put("S0", script(isn).client(SYN, 0, 0, ""));
        cases.put("REJ", script(isn).client(SYN, 0, 0, "").server(RST | ACK, 0, 1, ""));
        cases.put("S1", script(isn).handshake());
        cases.put("SF", script(isn).handshake().client(FIN | ACK, 1, 1, "").server(FIN | ACK, 1, 2, ""));
        cases.put("S2", script(isn).handshake().client(FIN | ACK, 1, 1, ""));
        cases.put("S3", script(isn).handshake().server(FIN | ACK, 1, 1, ""));
        cases.put("RSTO", script(isn).handshake().client(RST | ACK, 1, 1, ""));
        cases.put("RSTR", script(isn).handshake().server(RST | ACK, 1, 1, ""));
        cases.put("RSTOS0", script(isn).client(SYN, 0, 0, "").client(RST, 1, 0, ""));
        cases.put("RSTRH", script(isn).server(SYN | ACK, 0, 1, "").server(RST, 1, 0, ""));
        cases.put("SH", script(isn).client(SYN, 0, 0, "").client(FIN, 1, 0, ""));
        cases.put("SHR", script(isn).server(SYN | ACK, 0, 1, "").server(FIN | ACK, 1, 1, ""));
        cases.put("OTH", script(isn).client(ACK | PSH, 1, 1, "midstream"));
        for (final Map.Entry<String, CaptureScript> entry : cases.entrySet())
        {
            final List<Recorder.FlowLog> flows = entry.getValue().replay(
                tempDir.resolve(entry.getKey() + ".pcap"), new EngineContext());
            assertEquals(1, flows.size(), entry.getKey());
            assertEquals(entry.getKey(), flows.get(0).connState, entry.getKey() + ": " + flows.get(0).history);
        }
        assertEquals(ConnState.values().length, cases.size(), "every state has its case");
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, NEAR_WRAP})
    void shouldCountAGapOfMoreThanFourGibibytesWithEveryWrapInIt(final long isn) throws IOException
    {
        // The server acknowledges 1 GiB at a time of client data never captured, then the client is seen again.
        final long gib = 1L << 30;
        final CaptureScript script = script(isn).handshake().client(ACK | PSH, 1, 1, "abcd");
        for (int k = 1; k <= 5; k++)
        {
            script.server(ACK, 1, 1 + k * gib, "");
        }
        final Recorder.FlowLog flow = onlyGapAtAck(script.client(ACK | PSH, 1 + 5 * gib, 1, "wxyz")
            .server(ACK, 1, 5 + 5 * gib, "").client(FIN | ACK, 5 + 5 * gib, 1, "")
            .server(FIN | ACK, 1, 6 + 5 * gib, "").client(ACK, 6 + 5 * gib, 2, ""));

        assertEquals("ShADaGFf", flow.history);
        assertEquals(5 * gib - 4, flow.gapBytes[TO_SERVER]);
        assertEquals(0, flow.ackedMissingBytes[TO_SERVER]);
        assertEquals(5 * gib + 4, flow.seqBytes[TO_SERVER]);
        assertEquals("abcdwxyz", flow.text(TO_SERVER));
        assertEquals(5 * gib - 4, flow.gaps.stream().mapToLong(g -> g[2]).sum(), "gap events: " + flow.events);
        assertEquals(List.of(), flow.events.stream().filter(e -> e.startsWith("SEEKPOS")).toList(),
            "every delivery where the gaps say it is");
        assertEquals("SF", flow.connState);
    }
}
