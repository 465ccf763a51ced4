package io.flowtap.reassembly;

import io.flowtap.reassembly.test.Conversation;
import io.flowtap.reassembly.test.Recorder;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user's handler that throws, fenced by {@link IsolatedHandler}: the engine, the other flows and the other handlers
 * carry on exactly as without it; each exception is counted, each distinct one logged once, the flow is marked, and
 * the failing handler skips the rest of that flow but still hears of its end.
 */
class IsolatedHandlerTest
{
    private final List<String> log = new ArrayList<>();
    private final Recorder recorder = new Recorder();

    /** Throws on the payload of flows to one server port, and counts what it is given. */
    private static final class Throwing implements TcpHandler
    {
        private final int badPort;
        private final List<String> seen = new ArrayList<>();

        Throwing(final int badPort)
        {
            this.badPort = badPort;
        }

        @Override
        public int onPayload(
            final Flow flow,
            final int direction,
            final long seekpos,
            final DirectBuffer buffer,
            final int offset,
            final int length,
            final long timeNs,
            final int eof)
        {
            if (flow.serverPort() == badPort && length > 0)
            {
                throw new IllegalStateException("no payload to port " + badPort);
            }
            seen.add("payload " + flow.serverPort() + " " + length);
            return length;
        }

        @Override
        public void onTerminate(final Flow flow, final FlowRecord record)
        {
            seen.add("terminate " + flow.serverPort() + " failed=" + flow.handlerFailed());
        }
    }

    private static void talk(final ReassemblyEngine engine, final int clientPort, final int serverPort)
    {
        new Conversation(engine, 1000, 5000, clientPort, serverPort)
            .handshake()
            .toServer(0, "GET / HTTP/1.1\r\n\r\n")
            .toClient(0, "HTTP/1.1 200 OK\r\n\r\n")
            .clientSends(Conversation.FIN | Conversation.ACK, 18, "")
            .serverSends(Conversation.FIN | Conversation.ACK, 19, "");
    }

    @Test
    void shouldCountLogOnceMarkTheFlowAndLeaveEverythingElseRunning()
    {
        final HandlerErrors errors = new HandlerErrors(HandlerErrorPolicy.CONTINUE, log::add);
        final Throwing throwing = new Throwing(8080);
        final IsolatedHandler isolated = new IsolatedHandler(throwing, "Throwing", 0, errors);
        final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext(), isolated, recorder);

        talk(engine, 40000, 8080);
        talk(engine, 40001, 80);
        talk(engine, 40002, 8080);
        engine.shutdown();

        // Both directions of both bad flows threw once each before the handler skipped them: the first call of each
        // bad flow throws, the rest of that flow is skipped.
        assertEquals(2, errors.count(), errors.summary());
        assertEquals(1, log.size(), log::toString);
        assertTrue(log.get(0).startsWith("handler Throwing threw java.lang.IllegalStateException: no payload to " +
            "port 8080 (IsolatedHandlerTest.java:"), log.get(0));
        assertTrue(log.get(0).contains(" in onPayload on flow 1 10.0.0.1:40000 -> 10.0.0.2:8080; it skips the rest"),
            log.get(0));
        // Closed flows linger for late packets, so they end at the shutdown, in no order this test relies on.
        assertEquals(List.of("payload 80 18", "payload 80 19", "payload 80 0", "payload 80 0"),
            throwing.seen.subList(0, 4));
        assertEquals(List.of("terminate 80 failed=false", "terminate 8080 failed=true", "terminate 8080 failed=true"),
            throwing.seen.subList(4, 7).stream().sorted().toList());

        // The other handler saw every byte of every flow, and the engine ended them all normally.
        assertEquals(3, recorder.flows.size());
        for (final Recorder.FlowLog flow : recorder.flows.values())
        {
            assertEquals("GET / HTTP/1.1\r\n\r\n", flow.text(Direction.TO_SERVER));
            assertEquals("HTTP/1.1 200 OK\r\n\r\n", flow.text(Direction.TO_CLIENT));
            assertEquals("fin", flow.endReason);
        }
        assertEquals(3, engine.counters().get(EngineCounter.FLOWS_ENDED));
        assertEquals(0, engine.counters().get(EngineCounter.FLOWS_DROPPED));
        assertFalse(errors.stopRequested());
        assertTrue(errors.summary().startsWith("handler errors 2 (1 distinct)\n  2 x Throwing: " +
            "java.lang.IllegalStateException: no payload to port 8080 (IsolatedHandlerTest.java:"), errors.summary());
    }

    @Test
    void shouldAskForAStopUnderTheStopPolicy()
    {
        final HandlerErrors errors = new HandlerErrors(HandlerErrorPolicy.STOP, log::add);
        final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext(),
            new IsolatedHandler(new Throwing(80), "Throwing", 0, errors), recorder);
        talk(engine, 40000, 81);
        assertFalse(errors.stopRequested());
        talk(engine, 40001, 80);
        assertTrue(errors.stopRequested());
        assertTrue(log.get(0).endsWith("; stopping, as the handler error policy is stop"), log.get(0));
    }

    @Test
    void shouldFenceEveryCallbackAndTerminateWithoutCorruptingTheEngine()
    {
        final HandlerErrors errors = new HandlerErrors(HandlerErrorPolicy.CONTINUE, log::add);
        final TcpHandler everywhere = new TcpHandler()
        {
            @Override
            public int filter(final Flow flow)
            {
                throw new IllegalArgumentException("filter");
            }

            @Override
            public void onTerminate(final Flow flow, final FlowRecord record)
            {
                throw new IllegalArgumentException("terminate");
            }
        };
        final ReassemblyEngine engine = new ReassemblyEngine(
            new EngineContext().maxFlows(2), new IsolatedHandler(everywhere, "Everywhere", 3, errors), recorder);
        // More flows than slots: each slot is freed and reused although the handler threw while ending its flow.
        for (int i = 0; i < 6; i++)
        {
            talk(engine, 40000 + i, 80);
        }
        engine.shutdown();
        assertEquals(6, recorder.flows.size());
        assertEquals(12, errors.count());
        assertEquals(2, log.size(), log::toString);
        assertEquals(0, engine.activeFlows());
        for (final Recorder.FlowLog flow : recorder.flows.values())
        {
            assertEquals("GET / HTTP/1.1\r\n\r\n", flow.text(Direction.TO_SERVER), "a vote that threw abstains");
        }
    }

    @Test
    void shouldNotSwallowAnErrorOfTheVirtualMachine()
    {
        final HandlerErrors errors = new HandlerErrors(HandlerErrorPolicy.CONTINUE, log::add);
        final OutOfMemoryError oom = new OutOfMemoryError("test");
        final TcpHandler exhausted = new TcpHandler()
        {
            @Override
            public void onNewFlow(final Flow flow, final long timeNs)
            {
                throw oom;
            }
        };
        final ReassemblyEngine engine = new ReassemblyEngine(
            new EngineContext(), new IsolatedHandler(exhausted, "Exhausted", 0, errors));
        assertSame(oom, assertThrows(OutOfMemoryError.class, () -> talk(engine, 40000, 80)));
        assertEquals(0, errors.count());
    }

    @Test
    void shouldCloseTheDelegateAndReportWhatItThrows()
    {
        final HandlerErrors errors = new HandlerErrors(HandlerErrorPolicy.CONTINUE, log::add);
        final class Closing implements TcpHandler, AutoCloseable
        {
            @Override
            public void close()
            {
                throw new IllegalStateException("cannot close");
            }
        }
        new IsolatedHandler(new Closing(), "Closing", 0, errors).close();
        assertEquals(1, errors.count());
        assertTrue(log.get(0).contains("threw java.lang.IllegalStateException: cannot close"), log.get(0));
        assertTrue(log.get(0).contains(" in close;"), log.get(0));
    }

    @Test
    void shouldRefuseMoreHandlersThanAFlowHasBits()
    {
        final HandlerErrors errors = new HandlerErrors(HandlerErrorPolicy.CONTINUE, log::add);
        assertThrows(IllegalArgumentException.class, () -> new IsolatedHandler(recorder, "r", 64, errors));
    }
}
