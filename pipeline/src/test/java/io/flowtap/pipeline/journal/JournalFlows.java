package io.flowtap.pipeline.journal;

import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.test.Recorder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A journal's events put back together per flow, in the shape of the reassembly tests' {@link Recorder.FlowLog}, so
 * that a journal can be compared with what a recorder beside the writer saw.
 */
final class JournalFlows
{
    /** What the journal holds of one flow. */
    static final class Flow
    {
        final long id;
        String client;
        String server;
        final ByteArrayOutputStream[] bytes = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};
        final List<long[]> gaps = new ArrayList<>();
        final List<String> events = new ArrayList<>();
        final int[] eofs = {-1, -1};
        final long[] nextOffset = new long[2];
        boolean midstream;
        boolean established;
        JournalEvent.FlowEnd end;

        Flow(final long id)
        {
            this.id = id;
        }
    }

    final Map<Long, Flow> flows = new LinkedHashMap<>();

    private JournalFlows()
    {
    }

    /**
     * @param events of one writer (source 0), in journal order.
     * @return the flows.
     */
    static JournalFlows of(final List<JournalEvent> events)
    {
        final JournalFlows result = new JournalFlows();
        for (final JournalEvent event : events)
        {
            if (event instanceof JournalEvent.FlowStart start)
            {
                final Flow flow = new Flow(start.flowId());
                flow.client = start.key().client();
                flow.server = start.key().server();
                flow.midstream = start.midstream();
                result.flows.put(start.flowId(), flow);
                continue;
            }
            final Flow flow = result.flows.get(event.flowId());
            assertNotNull(flow, "event before its flow's start: " + event);
            if (event instanceof JournalEvent.Established)
            {
                flow.established = true;
            }
            else if (event instanceof JournalEvent.Payload payload)
            {
                final int d = payload.direction();
                assertEquals(flow.nextOffset[d], payload.streamOffset(), "payload offset of flow " + flow.id);
                flow.bytes[d].writeBytes(payload.data());
                flow.nextOffset[d] += payload.data().length;
                if (payload.eof() != 0)
                {
                    flow.eofs[d] = payload.eof();
                }
            }
            else if (event instanceof JournalEvent.Gap gap)
            {
                flow.gaps.add(new long[] {gap.direction(), gap.streamOffset(), gap.length()});
                flow.nextOffset[gap.direction()] = gap.streamOffset() + gap.length();
                flow.events.add("GAP " + Direction.name(gap.direction()) + " " + gap.streamOffset() + "+" +
                    gap.length() + " " + gap.reason().label());
            }
            else if (event instanceof JournalEvent.OverlapConflict c)
            {
                flow.events.add("CONFLICT " + Direction.name(c.direction()) + " held " + c.heldOffset() + "+" +
                    c.heldLength() + " new " + c.newOffset() + "+" + c.newLength() +
                    (c.newKept() ? " new kept" : " held kept"));
            }
            else if (event instanceof JournalEvent.FlowEnd end)
            {
                flow.end = end;
            }
        }
        return result;
    }

    /**
     * Assert that the journal holds exactly what the recorder saw: per-flow bytes, gaps, conflicts and records.
     *
     * @param recorder beside the writer.
     * @param journal  read back.
     */
    static void assertSame(final Recorder recorder, final JournalFlows journal)
    {
        assertEquals(recorder.flows.keySet(), journal.flows.keySet(), "flow ids");
        for (final Recorder.FlowLog expected : recorder.flows.values())
        {
            final Flow actual = journal.flows.get(expected.id);
            final String what = "flow " + expected.id + " ";
            assertEquals(expected.client, actual.client, what + "client");
            assertEquals(expected.server, actual.server, what + "server");
            for (int d = 0; d < 2; d++)
            {
                assertArrayEquals(expected.bytes[d].toByteArray(), actual.bytes[d].toByteArray(),
                    what + Direction.name(d) + " bytes");
                assertEquals(expected.eofs[d], actual.eofs[d], what + Direction.name(d) + " eof");
            }
            assertEquals(expected.gaps.size(), actual.gaps.size(), what + "gaps");
            for (int i = 0; i < expected.gaps.size(); i++)
            {
                assertArrayEquals(expected.gaps.get(i), actual.gaps.get(i), what + "gap " + i);
            }
            final List<String> expectedEvents = new ArrayList<>();
            for (final String event : expected.events)
            {
                if (!event.startsWith("SEEKPOS"))
                {
                    expectedEvents.add(event);
                }
            }
            assertEquals(expectedEvents, actual.events, what + "gap and conflict events");
            assertTrue(expected.terminated, what + "terminated in the recorder");
            final JournalEvent.FlowEnd end = actual.end;
            assertNotNull(end, what + "flow end journaled");
            assertEquals(expected.endReason, end.endReason().label(), what + "end reason");
            assertEquals(expected.history, end.history(), what + "history");
            assertEquals(expected.connState, end.connState() == null ? null : end.connState().label(),
                what + "conn_state");
            assertEquals(expected.connected, end.connected(), what + "connected");
            assertEquals(expected.midstream, end.midstream(), what + "midstream");
            assertEquals(expected.midstream, actual.midstream, what + "midstream at start");
            for (int d = 0; d < 2; d++)
            {
                final String dir = what + Direction.name(d) + " ";
                assertEquals(expected.packets[d], end.counter(JournalDescriptor.COUNTER_PACKETS, d), dir + "packets");
                assertEquals(expected.wireBytes[d], end.counter(JournalDescriptor.COUNTER_WIRE_BYTES, d),
                    dir + "wire bytes");
                assertEquals(expected.gapBytes[d], end.counter(JournalDescriptor.COUNTER_GAP_BYTES, d),
                    dir + "gap bytes");
                assertEquals(expected.ackedMissingBytes[d], end.ackedMissing()[d], dir + "acked missing bytes");
                assertEquals(expected.seqBytes[d], end.seqBytes()[d], dir + "sequence-space bytes");
                assertEquals(expected.conflicts[d], end.counter(JournalDescriptor.COUNTER_CONFLICTING_OVERLAPS, d),
                    dir + "conflicts");
                assertEquals(expected.bytes[d].size(), end.counter(JournalDescriptor.COUNTER_DELIVERED_BYTES, d),
                    dir + "delivered bytes");
                assertEquals(expected.synFlags[d], end.synFlags()[d], dir + "syn flags");
                assertEquals(expected.fin[d], end.fin()[d], dir + "fin");
                assertEquals(expected.rst[d], end.rst()[d], dir + "rst");
            }
        }
    }

    /**
     * A capture bundled with the reassembly tests, copied out of the classpath: from the test-jar it is a jar entry,
     * not a file.
     *
     * @param name      of the capture.
     * @param directory to copy it to.
     * @return the copy.
     */
    static Path bundled(final String name, final Path directory)
    {
        try (InputStream in = JournalFlows.class.getResourceAsStream("/pcap/" + name))
        {
            assertNotNull(in, "bundled capture " + name);
            final Path file = directory.resolve(name);
            Files.copy(in, file);
            return file;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
