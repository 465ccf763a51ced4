package io.flowtap.reassembly;

import io.flowtap.reassembly.test.Conversation;
import io.flowtap.reassembly.test.Recorder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.flowtap.reassembly.Direction.TO_CLIENT;
import static io.flowtap.reassembly.Direction.TO_SERVER;
import static io.flowtap.reassembly.test.Conversation.ACK;
import static io.flowtap.reassembly.test.Conversation.FIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checksum offload told from evasion by what the receivers do ({@link BadChecksumPolicy#AUTO}): a capture taken on
 * a host whose NIC fills its checksums in (every segment it sends bad, every one acknowledged) reassembles whole and
 * names the host; a bad segment the receiver never acknowledges, or whose bytes came again with a good checksum, is
 * ignored and counted. Run again with ISNs just below 2^32.
 */
class BadChecksumTest
{
    private static final String REQUEST = "GET / HTTP/1.1\r\nHost: offload.example\r\n\r\n";
    private static final String RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

    private static EngineContext context()
    {
        return new EngineContext().maxFlows(8);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 0xFFFF_FF00L})
    void shouldReassembleAHostSideCaptureWhoseOwnSegmentsAllCarryOffloadChecksums(final long isn)
    {
        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(context(), recorder);
        final Conversation c = new Conversation(engine, isn, isn + 5000).verifyChecksums().offloading(true, false);
        c.handshake();
        c.toServer(0, REQUEST);
        c.serverAckPosition(REQUEST.length()).toClient(0, RESPONSE);
        c.clientAcks(RESPONSE.length());
        c.clientSends(FIN | ACK, REQUEST.length(), "");
        c.serverAckPosition(REQUEST.length() + 1).serverSends(FIN | ACK, RESPONSE.length(), "");
        c.clientAckPosition(RESPONSE.length() + 1).clientSends(ACK, REQUEST.length() + 1, "");
        engine.shutdown();

        final Recorder.FlowLog flow = recorder.flows.values().iterator().next();
        assertEquals(REQUEST, flow.text(TO_SERVER));
        assertEquals(RESPONSE, flow.text(TO_CLIENT));
        assertEquals("fin", flow.endReason, "the client's FIN, bad like all its segments, was taken");
        assertTrue(flow.connected, "the handshake completed with the client's SYN and ACK");
        assertEquals(1, engine.counters().get(EngineCounter.CHECKSUM_OFFLOAD_HOSTS));
        assertEquals(List.of("10.0.0.1 (5 segments)"), engine.checksumOffloadHosts());
        assertEquals(0, engine.counters().get(EngineCounter.BAD_CHECKSUM), "nothing ignored");
        assertEquals(engine.counters().get(EngineCounter.SEGMENTS), engine.counters().get(EngineCounter.TRACKED));
        assertEquals(1, recorder.flows.size());
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 0xFFFF_FF00L})
    void shouldReassembleALoopbackCaptureWhereBothSidesOffload(final long isn)
    {
        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(context(), recorder);
        final Conversation c = new Conversation(engine, isn, isn + 5000).verifyChecksums().offloading(true, true);
        c.handshake().toServer(0, REQUEST);
        c.serverAckPosition(REQUEST.length()).toClient(0, RESPONSE);
        c.clientAcks(RESPONSE.length());
        engine.shutdown();

        final Recorder.FlowLog flow = recorder.flows.values().iterator().next();
        assertEquals(REQUEST, flow.text(TO_SERVER));
        assertEquals(RESPONSE, flow.text(TO_CLIENT));
        assertEquals(0, engine.counters().get(EngineCounter.BAD_CHECKSUM));
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 0xFFFF_FF00L})
    void shouldIgnoreAnInjectionWhoseBytesComeAgainWithAGoodChecksum(final long isn)
    {
        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(context(), recorder);
        final Conversation c = new Conversation(engine, isn, isn + 5000).verifyChecksums().handshake();
        c.corruptNext().toServer(0, "GET /evil HTTP/1.1\r\n\r\n");
        c.toServer(0, "GET /good HTTP/1.1\r\n\r\n");
        c.serverAcks(22);
        engine.shutdown();

        assertEquals("GET /good HTTP/1.1\r\n\r\n", recorder.flows.values().iterator().next().text(TO_SERVER));
        assertEquals(1, engine.counters().get(EngineCounter.BAD_CHECKSUM));
        assertEquals(1, engine.counters().get(EngineCounter.BAD_CHECKSUM_SUPERSEDED));
        assertEquals(0, engine.counters().get(EngineCounter.CHECKSUM_OFFLOAD_HOSTS));
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 0xFFFF_FF00L})
    void shouldIgnoreAnInjectionTheReceiverNeverAcknowledges(final long isn)
    {
        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(context(), recorder);
        final Conversation c = new Conversation(engine, isn, isn + 5000).verifyChecksums().handshake();
        c.toServer(0, "GET / HTTP/1.1\r\n\r\n");
        c.corruptNext().toServer(18, "SMUGGLED");
        c.serverAcks(18);
        c.clientSends(FIN | ACK, 18, "");
        c.serverAckPosition(19).serverSends(FIN | ACK, 0, "");
        engine.shutdown();

        assertEquals("GET / HTTP/1.1\r\n\r\n", recorder.flows.values().iterator().next().text(TO_SERVER));
        assertEquals(1, engine.counters().get(EngineCounter.BAD_CHECKSUM_HELD));
        assertEquals(1, engine.counters().get(EngineCounter.BAD_CHECKSUM), "dropped when its flow ended");
        assertEquals(0, engine.counters().get(EngineCounter.BAD_CHECKSUM_ACKED));
        assertEquals(engine.counters().get(EngineCounter.SEGMENTS),
            engine.counters().get(EngineCounter.TRACKED) + engine.counters().ignored(), "every segment accounted");
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 0xFFFF_FF00L})
    void shouldAcceptOneAcknowledgedBadSegmentWithoutTakingItsHostForOneThatOffloads(final long isn)
    {
        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(context(), recorder);
        final Conversation c = new Conversation(engine, isn, isn + 5000).verifyChecksums().handshake();
        c.toServer(0, "first ");
        c.corruptNext().toServer(6, "second ");
        c.toServer(13, "third");
        c.serverAcks(18);
        engine.shutdown();

        assertEquals("first second third", recorder.flows.values().iterator().next().text(TO_SERVER));
        assertEquals(1, engine.counters().get(EngineCounter.BAD_CHECKSUM_ACKED));
        assertEquals(0, engine.counters().get(EngineCounter.CHECKSUM_OFFLOAD_HOSTS),
            "the client sent good segments: one bad one is no offload");
        assertEquals(0, engine.counters().get(EngineCounter.BAD_CHECKSUM));
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 0xFFFF_FF00L})
    void shouldDropOrKeepEveryBadSegmentUnderTheOtherPolicies(final long isn)
    {
        for (final BadChecksumPolicy policy : new BadChecksumPolicy[] {BadChecksumPolicy.DROP, BadChecksumPolicy.KEEP})
        {
            final Recorder recorder = new Recorder();
            final ReassemblyEngine engine = new ReassemblyEngine(context().badChecksumPolicy(policy), recorder);
            final Conversation c = new Conversation(engine, isn, isn + 5000).verifyChecksums().handshake();
            c.corruptNext().toServer(0, "bad");
            c.serverAcks(3);
            engine.shutdown();
            assertEquals(policy == BadChecksumPolicy.KEEP ? "bad" : "",
                recorder.flows.values().iterator().next().text(TO_SERVER), policy.name());
            assertEquals(policy == BadChecksumPolicy.DROP ? 1 : 0, engine.counters().get(EngineCounter.BAD_CHECKSUM));
        }
    }
}
