package io.flowtap.pipeline.journal;

import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.attribute.AttributeNames;
import io.flowtap.reassembly.attribute.FlowBoundaryAttributes;
import io.flowtap.reassembly.attribute.HttpAttributeExtractor;
import io.flowtap.reassembly.attribute.TlsAttributeExtractor;
import io.flowtap.reassembly.test.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The extractors' attributes reach the journal through {@link JournalWriter#onAttribute}: each one an attribute event
 * of its flow, text but for whole TLS records, with the flow's start attribute after its {@code flow_start} and its
 * end attribute before its {@code flow_end}.
 */
class JournalAttributesTest
{
    @Test
    void shouldJournalHttpAndFlowBoundaryAttributesInOrder(@TempDir final Path temp)
    {
        final List<JournalEvent> events = journal(temp, "suricata-verify__bug-130__input.pcap");
        final List<String> seen = new ArrayList<>();
        for (final JournalEvent event : events)
        {
            if (event instanceof JournalEvent.Attribute attribute)
            {
                seen.add(attribute.name() + "=" + attribute.text());
                assertEquals(JournalDescriptor.VALUE_TEXT, attribute.valueType());
            }
            else if (event instanceof JournalEvent.FlowStart || event instanceof JournalEvent.FlowEnd)
            {
                seen.add(EventType.name(event.type()));
            }
        }
        assertTrue(seen.contains("Host=www.abcdefghij.com"), seen.toString());
        assertTrue(seen.contains("URI=/publication/pub.home/home.html"), seen.toString());
        assertTrue(seen.contains("HTTP-Status=401"), seen.toString());
        assertEquals("flow_start", seen.get(0));
        assertEquals(AttributeNames.FLOW_START + "=", seen.get(1));
        assertEquals(AttributeNames.FLOW_END + "=", seen.get(seen.size() - 2));
        assertEquals("flow_end", seen.get(seen.size() - 1));
    }

    @Test
    void shouldJournalTlsRecordsAsBinary(@TempDir final Path temp)
    {
        final List<JournalEvent> events = journal(temp, "suricata-verify__bug-2646-01__input.pcap");
        int records = 0;
        String sni = null;
        for (final JournalEvent event : events)
        {
            if (event instanceof JournalEvent.Attribute attribute)
            {
                if (attribute.name().equals(AttributeNames.TLS_RECORD))
                {
                    records++;
                    assertEquals(JournalDescriptor.VALUE_BINARY, attribute.valueType());
                    final int contentType = attribute.value()[0];
                    assertTrue(contentType == 22 || contentType == 20, "record type " + contentType);
                }
                else if (attribute.name().equals(AttributeNames.TLS_SNI))
                {
                    sni = attribute.text();
                }
            }
        }
        assertTrue(records >= 3, "TLS records journaled: " + records);
        assertEquals("raw.githubusercontent.com", sni);
    }

    private static List<JournalEvent> journal(final Path temp, final String capture)
    {
        final Path directory = temp.resolve("journal");
        try (ChronicleJournal journal = ChronicleJournal.open(new JournalContext().directory(directory)))
        {
            Recorder.replay(JournalFlows.bundled(capture, temp), new EngineContext().maxFlows(64),
                new FlowBoundaryAttributes(), new HttpAttributeExtractor(), new TlsAttributeExtractor(),
                journal.newWriter(0));
        }
        final JournalEvent.Log log = JournalReader.readEvents(directory);
        assertNull(log.damage());
        return log.events();
    }
}
