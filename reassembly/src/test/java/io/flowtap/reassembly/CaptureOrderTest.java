package io.flowtap.reassembly;

import io.flowtap.reassembly.test.Conversation;
import io.flowtap.reassembly.test.Recorder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static io.flowtap.reassembly.Direction.TO_SERVER;
import static io.flowtap.reassembly.test.Conversation.ACK;
import static io.flowtap.reassembly.test.Conversation.PSH;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tolerance of capture order: the two directions reach the sensor by different paths, so an acknowledgement can be
 * captured before the bytes it acknowledges. Those bytes become a gap (reason acked) only when they have not come
 * within the grace (capture time or segments of the flow); before that, they fill the hole. A midstream stream whose
 * earlier bytes come after later ones, before anything was delivered, starts at the earliest. Run again with ISNs
 * just below 2^32.
 */
class CaptureOrderTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private static Recorder.FlowLog only(final Recorder recorder)
    {
        assertEquals(1, recorder.flows.size());
        return recorder.flows.values().iterator().next();
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 0xFFFF_FFF0L})
    void shouldFillAHoleWhoseAcknowledgementWasCapturedFirst(final long isn)
    {
        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext(), recorder);
        final Conversation c = new Conversation(engine, isn, isn + 5000).handshake();
        c.toServer(0, "GET /");
        c.serverAcks(16);
        c.advance(MS).toServer(5, " HTTP/1.1\r\n");
        c.toServer(16, "\r\n");
        engine.shutdown();

        assertEquals("GET / HTTP/1.1\r\n\r\n", only(recorder).text(TO_SERVER));
        assertEquals(0, engine.counters().get(EngineCounter.GAPS));
        assertEquals(1, engine.counters().get(EngineCounter.ACKED_HOLES_FILLED));
        assertEquals(0, engine.counters().get(EngineCounter.RETRANSMISSIONS), "not thrown away as one");
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 0xFFFF_FFF0L})
    void shouldDeclareTheGapOnceTheGraceIsOverInTimeOrSegments(final long isn)
    {
        final Recorder byTime = new Recorder();
        final ReassemblyEngine timed = new ReassemblyEngine(new EngineContext().ackGrace(10 * MS, 1000), byTime);
        final Conversation c = new Conversation(timed, isn, isn + 5000).handshake();
        c.toServer(0, "head ");
        c.serverAcks(10);
        c.advance(5 * MS).toServer(10, "tail");
        assertEquals("head ", only(byTime).text(TO_SERVER), "within the grace the tail waits behind the hole");
        c.advance(6 * MS).serverAcks(14);
        assertEquals(1, timed.counters().get(EngineCounter.ACKED_HOLES_GAPPED));
        assertEquals(1, only(byTime).gaps.size());
        c.advance(MS).toServer(5, "late!");
        timed.shutdown();
        assertEquals("head \0\0\0\0\0tail", gapFilled(only(byTime)), "after the grace, late bytes are too late");
        assertEquals(1, timed.counters().get(EngineCounter.RETRANSMISSIONS));

        final Recorder bySegments = new Recorder();
        final ReassemblyEngine counted = new ReassemblyEngine(new EngineContext().ackGrace(0, 3), bySegments);
        final Conversation d = new Conversation(counted, isn, isn + 5000).handshake();
        d.toServer(0, "head ").serverAcks(10);
        d.toClient(0, "a").toClient(1, "b");
        assertEquals(0, counted.counters().get(EngineCounter.GAPS));
        d.toClient(2, "c");
        assertEquals(1, counted.counters().get(EngineCounter.GAPS), "the third segment of the flow after the ack");
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 0xFFFF_FFF0L})
    void shouldDeclareTheGapAtOnceWithoutGrace(final long isn)
    {
        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext().ackGrace(0, 0), recorder);
        final Conversation c = new Conversation(engine, isn, isn + 5000).handshake();
        c.toServer(0, "head ").serverAcks(10);
        assertEquals(1, engine.counters().get(EngineCounter.GAPS));
        assertEquals(0, engine.counters().get(EngineCounter.ACKED_HOLES_GAPPED), "no grace was waited");
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 0xFFFF_FFF0L})
    void shouldCallAHoleStillOpenWhenTheFlowEndsAnAckedGap(final long isn)
    {
        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext(), recorder);
        final Conversation c = new Conversation(engine, isn, isn + 5000).handshake();
        c.toServer(0, "head ").serverAcks(10);
        engine.shutdown();
        assertEquals(1, engine.counters().get(EngineCounter.ACKED_HOLES_GAPPED));
        assertEquals(5, engine.counters().get(EngineCounter.GAP_BYTES));
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 0xFFFF_FFF0L})
    void shouldStartAMidstreamStreamAtBytesAcknowledgedBeforeTheyCame(final long isn)
    {
        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext(), recorder);
        final Conversation c = new Conversation(engine, isn, isn + 5000);
        // No handshake: the server's acknowledgement of ten client bytes is the first thing seen.
        c.send(false, ACK, SequenceNumbers.add(isn + 5000, 1), SequenceNumbers.add(isn, 11), new byte[0], 0);
        c.send(true, ACK | PSH, SequenceNumbers.add(isn, 1), SequenceNumbers.add(isn + 5000, 1), bytes("0123456789"),
            0);
        engine.shutdown();
        assertEquals("0123456789", only(recorder).text(TO_SERVER));
        assertEquals(1, engine.counters().get(EngineCounter.MIDSTREAM_REBASED));
        assertEquals(0, engine.counters().get(EngineCounter.RETRANSMISSIONS));
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 0xFFFF_FFF0L})
    void shouldMoveHeldBytesWhenAMidstreamStreamStartsEarlier(final long isn)
    {
        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(
            new EngineContext().deliveryMode(DeliveryMode.ACKED).pageSize(64), recorder);
        final Conversation c = new Conversation(engine, isn, isn + 5000);
        final long server = SequenceNumbers.add(isn + 5000, 1);
        c.send(true, ACK | PSH, SequenceNumbers.add(isn, 101), server, bytes("x".repeat(90) + "tail"), 0);
        c.send(true, ACK | PSH, SequenceNumbers.add(isn, 1), server, bytes("h".repeat(100)), 0);
        c.send(false, ACK, server, SequenceNumbers.add(isn, 195), new byte[0], 0);
        engine.shutdown();
        assertEquals("h".repeat(100) + "x".repeat(90) + "tail", only(recorder).text(TO_SERVER));
        assertEquals(1, engine.counters().get(EngineCounter.MIDSTREAM_REBASED));
        assertEquals(0, engine.counters().get(EngineCounter.GAPS));
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String gapFilled(final Recorder.FlowLog flow)
    {
        final String delivered = flow.text(TO_SERVER);
        final long[] gap = flow.gaps.get(0);
        return delivered.substring(0, (int)gap[1]) + "\0".repeat((int)gap[2]) + delivered.substring((int)gap[1]);
    }
}
