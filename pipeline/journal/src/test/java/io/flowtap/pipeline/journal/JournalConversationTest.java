package io.flowtap.pipeline.journal;

import io.flowtap.reassembly.DeliveryMode;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.EndReason;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.OverlapPolicy;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.reassembly.test.Conversation;
import io.flowtap.reassembly.test.Recorder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections played segment by segment, for the events the bundled captures do not all have: conflicting overlaps,
 * gaps, midstream flows, attributes, and several writers in one journal.
 */
class JournalConversationTest
{
    private static EngineContext context()
    {
        return new EngineContext().maxFlows(8).engineMemcapBytes(64 * 1024).pageSize(256).flowMemcapBytes(16 * 1024);
    }

    @Test
    void shouldJournalConflictsGapsAndEveryRecordField(@TempDir final Path temp)
    {
        final Path directory = temp.resolve("journal");
        final Recorder recorder = new Recorder();
        try (ChronicleJournal journal = ChronicleJournal.open(new JournalContext().directory(directory)))
        {
            final JournalWriter writer = journal.newWriter(0);
            final ReassemblyEngine engine = new ReassemblyEngine(
                context().overlapPolicy(OverlapPolicy.LAST).deliveryMode(DeliveryMode.ACKED), recorder, writer);
            final Conversation conversation = new Conversation(engine, 0xFFFF_FF00L, 7_000_000L).handshake();
            conversation.toServer(4, "HHHH").toServer(4, "nnnn").toServer(0, "ffff").serverAcks(8);
            conversation.toClient(0, "response").toClient(20, "late").clientAcks(24);
            conversation.clientSends(Conversation.FIN | Conversation.ACK, 8, "");
            conversation.serverSends(Conversation.FIN | Conversation.ACK, 24, "");
            conversation.clientAcks(25);
            engine.shutdown();
        }
        final JournalEvent.Log log = JournalReader.readEvents(directory);
        assertNull(log.damage());
        final JournalFlows flows = JournalFlows.of(log.events());
        JournalFlows.assertSame(recorder, flows);
        final JournalFlows.Flow flow = flows.flows.values().iterator().next();
        assertTrue(flow.established);
        assertEquals("ffffnnnn", flow.bytes[Direction.TO_SERVER].toString(StandardCharsets.US_ASCII));
        assertEquals(List.of("CONFLICT to_server held 4+4 new 4+4 new kept", "GAP to_client 8+12 acked"), flow.events);

        final JournalEvent.FlowEnd end = flow.end;
        assertEquals(EndReason.FIN, end.endReason());
        assertEquals("10.0.0.1:40000", end.key().client());
        assertEquals("10.0.0.2:80", end.key().server());
        assertEquals(4, end.key().ipVersion());
        assertEquals(1, end.counter(JournalDescriptor.COUNTER_CONFLICTING_OVERLAPS, Direction.TO_SERVER));
        assertEquals(1, end.counter(JournalDescriptor.COUNTER_GAPS, Direction.TO_CLIENT));
        assertEquals(12, end.counter(JournalDescriptor.COUNTER_GAP_BYTES, Direction.TO_CLIENT));
        assertTrue(end.firstNs() > 0 && end.lastNs() >= end.firstNs());
        assertFalse(end.midstream());
        assertTrue(end.connected());
        assertFalse(end.dropped());
        final List<String> types = log.events().stream().map(e -> EventType.name(e.type()))
            .distinct().collect(Collectors.toList());
        assertEquals(List.of("flow_start", "established", "overlap_conflict", "payload", "gap", "flow_end"), types);
    }

    @Test
    void shouldJournalAMidstreamFlowAndItsFinalRoles(@TempDir final Path temp)
    {
        final Path directory = temp.resolve("journal");
        final Recorder recorder = new Recorder();
        try (ChronicleJournal journal = ChronicleJournal.open(new JournalContext().directory(directory)))
        {
            final ReassemblyEngine engine = new ReassemblyEngine(context().midstream(true), recorder,
                journal.newWriter(0));
            final Conversation conversation = new Conversation(engine, 1000, 2000);
            conversation.toServer(0, "GET / HTTP/1.0\r\n\r\n").toClient(0, "HTTP/1.0 200 OK\r\n\r\n");
            engine.shutdown();
        }
        final JournalEvent.Log log = JournalReader.readEvents(directory);
        JournalFlows.assertSame(recorder, JournalFlows.of(log.events()));
        final JournalEvent.FlowStart start = (JournalEvent.FlowStart)log.events().get(0);
        assertTrue(start.midstream());
        final JournalEvent.FlowEnd end = (JournalEvent.FlowEnd)log.events().get(log.events().size() - 1);
        assertTrue(end.midstream());
        assertEquals(EndReason.SHUTDOWN, end.endReason());
        assertEquals(start.key(), end.key());
    }

    @Test
    void shouldJournalAttributesOfEachType(@TempDir final Path temp)
    {
        final Path directory = temp.resolve("journal");
        final UnsafeBuffer value = new UnsafeBuffer(new byte[] {1, 2, 3, (byte)0xFF});
        try (ChronicleJournal journal = ChronicleJournal.open(new JournalContext().directory(directory)))
        {
            final JournalWriter writer = journal.newWriter(5);
            final TcpHandler tagger = new TcpHandler()
            {
                @Override
                public void onEstablished(final Flow flow, final long timeNs)
                {
                    writer.attribute(flow, -1, "app", "http/1.1 é", timeNs);
                    writer.attribute(flow, Direction.TO_SERVER, "requests", 42L, timeNs);
                    writer.attribute(flow, Direction.TO_CLIENT, "hash", value, 1, 3, timeNs);
                }
            };
            final ReassemblyEngine engine = new ReassemblyEngine(context(), writer, tagger);
            new Conversation(engine, 1, 2).handshake();
            engine.shutdown();
        }
        final List<JournalEvent.Attribute> attributes = JournalReader.readEvents(directory).events().stream()
            .filter(e -> e instanceof JournalEvent.Attribute).map(e -> (JournalEvent.Attribute)e)
            .collect(Collectors.toList());
        assertEquals(3, attributes.size());
        assertEquals("app", attributes.get(0).name());
        assertEquals(-1, attributes.get(0).direction());
        assertEquals(JournalDescriptor.VALUE_TEXT, attributes.get(0).valueType());
        assertEquals("http/1.1 é", attributes.get(0).text());
        assertEquals("requests", attributes.get(1).name());
        assertEquals(Direction.TO_SERVER, attributes.get(1).direction());
        assertEquals("42", attributes.get(1).text());
        assertEquals(JournalDescriptor.VALUE_BINARY, attributes.get(2).valueType());
        assertArrayEquals(new byte[] {2, 3, (byte)0xFF}, attributes.get(2).value());
        assertEquals(5, attributes.get(2).source());
    }

    @Test
    void shouldKeepEachWritersFlowsApartBySource(@TempDir final Path temp)
    {
        final Path directory = temp.resolve("journal");
        try (ChronicleJournal journal = ChronicleJournal.open(new JournalContext().directory(directory)))
        {
            final ReassemblyEngine first = new ReassemblyEngine(context(), journal.newWriter(1));
            final ReassemblyEngine second = new ReassemblyEngine(context(), journal.newWriter(2));
            new Conversation(first, 1, 2).handshake().toServer(0, "one");
            new Conversation(second, 1, 2).handshake().toServer(0, "two");
            first.shutdown();
            second.shutdown();
        }
        final List<JournalEvent> events = JournalReader.readEvents(directory).events();
        final List<String> payloads = events.stream().filter(e -> e instanceof JournalEvent.Payload)
            .map(e -> e.source() + ":" + e.flowId() + ":" +
                new String(((JournalEvent.Payload)e).data(), StandardCharsets.US_ASCII))
            .collect(Collectors.toList());
        assertTrue(payloads.contains("1:" + events.get(0).flowId() + ":one"), payloads.toString());
        assertTrue(payloads.contains("2:" + events.get(0).flowId() + ":two"), payloads.toString());
    }
}
