package io.flowtap.pipeline.journal;

import io.flowtap.capture.Frame;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.reassembly.DeliveryMode;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.test.Recorder;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled captures reassembled with a journal writer and a recorder side by side: the journal, read back, holds
 * the same bytes, gaps, conflicts and flow records the recorder saw.
 */
class JournalRoundTripTest
{
    static Stream<String> captures()
    {
        return Stream.of(
            "pcapplusplus__one_tcp_stream.pcap",
            "pcapplusplus__one_tcp_stream_max_seq.pcap",
            "pcapplusplus__one_http_stream_fin.pcap",
            "pcapplusplus__one_http_stream_rst.pcap",
            "pcapplusplus__one_ipv6_http_stream.pcap",
            "pcapplusplus__three_http_streams.pcap",
            "suricata-verify__bug-3286-02-linux-evasion__with_evasion_linux.pcap",
            "suricata-verify__bug-3286-03-windows-evasion__with_evasion_windows.pcap",
            "suricata-verify__eve-overlap-payload-02-policy-oldlinux__tcp-overlap.pcap",
            "suricata-verify__eve-overlap-payload-04-partial-overlap__tcp-overlap2.pcap",
            "suricata-verify__eve-payload-06-tcp-data-leading-gap__tcp-leading-gap.pcap",
            "suricata-verify__tcp-fastopen-11-reject-syn-data__tlpw-tcp-tfo-data-on-syn-nack.pcap",
            "suricata-verify__tcp-rst-unacked-stream-03-gap__input.pcap",
            "suricata-verify__tcp-split-handshake-02-5whs__split-handshake-5whs.pcap",
            "suricata-verify__tcp-stream-after-swap__http-start-from-response.pcap",
            "suricata-verify__tcp-urgp-04-2byte-XY__tcp-urgent-2byte-XY.pcap");
    }

    @ParameterizedTest
    @MethodSource("captures")
    void shouldJournalWhatTheRecorderSaw(final String capture, @TempDir final Path temp)
    {
        roundTrip(JournalFlows.bundled(capture, temp), new EngineContext(), temp.resolve("journal"),
            JournalContext.MAX_PAYLOAD_CHUNK_DEFAULT);
    }

    @ParameterizedTest
    @MethodSource("captures")
    void shouldJournalWhatTheRecorderSawInAckedMode(final String capture, @TempDir final Path temp)
    {
        roundTrip(JournalFlows.bundled(capture, temp), new EngineContext().deliveryMode(DeliveryMode.ACKED),
            temp.resolve("journal"), JournalContext.MAX_PAYLOAD_CHUNK_DEFAULT);
    }

    @ParameterizedTest
    @MethodSource("captures")
    void shouldJournalWhatTheRecorderSawWithEventsBatchedIntoExcerpts(final String capture, @TempDir final Path temp)
    {
        // Small batches, so that excerpts hold several events, and events that do not fit start a new excerpt.
        final Path directory = temp.resolve("journal");
        roundTrip(JournalFlows.bundled(capture, temp), new EngineContext(), directory,
            new JournalContext().directory(directory).batchBytes(600));
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(directory).readOnly(true).build();
            ExcerptTailer tailer = queue.createTailer())
        {
            long excerpts = 0;
            boolean more = true;
            while (more)
            {
                try (DocumentContext document = tailer.readingDocument())
                {
                    more = document.isPresent();
                    excerpts += more ? 1 : 0;
                }
            }
            final long events = JournalReader.readEvents(directory).events().size();
            assertTrue(excerpts < events, excerpts + " excerpts for " + events + " events");
        }
    }

    @Test
    void shouldSplitLongDeliveriesIntoChunksThatJoinUp(@TempDir final Path temp)
    {
        final JournalEvent.Log log = roundTrip(
            JournalFlows.bundled("pcapplusplus__three_http_streams.pcap", temp), new EngineContext(),
            temp.resolve("journal"), 7);
        for (final JournalEvent event : log.events())
        {
            if (event instanceof JournalEvent.Payload payload)
            {
                assertTrue(payload.data().length <= 7, "chunk of " + payload.data().length);
            }
        }
    }

    @Test
    void shouldJournalEveryFrameAsCaptured(@TempDir final Path temp)
    {
        final Path capture = JournalFlows.bundled("pcapplusplus__three_http_streams.pcap", temp);
        final List<byte[]> frames = new ArrayList<>();
        final List<long[]> metadata = new ArrayList<>();
        final Path directory = temp.resolve("raw");
        try (ChronicleJournal journal = ChronicleJournal.open(new JournalContext().directory(directory));
            RawPacketJournal writer = journal.newRawPacketWriter(3);
            CaptureFileSource source = CaptureFiles.open(capture))
        {
            while (!source.isEndOfStream())
            {
                source.poll(
                    (final Frame frame) ->
                    {
                        writer.onFrame(frame);
                        final byte[] bytes = new byte[frame.capturedLength()];
                        frame.buffer().getBytes(frame.offset(), bytes);
                        frames.add(bytes);
                        metadata.add(new long[] {
                            frame.frameNumber(), frame.timestampNs(), frame.linkType(), frame.wireLength()});
                    },
                    64);
            }
            assertEquals(frames.size(), writer.eventsWritten());
        }
        final JournalEvent.Log log = JournalReader.readEvents(directory);
        assertNull(log.damage());
        assertEquals(frames.size(), log.events().size());
        for (int i = 0; i < frames.size(); i++)
        {
            final JournalEvent.Frame frame = (JournalEvent.Frame)log.events().get(i);
            assertEquals(3, frame.source());
            assertArrayEquals(metadata.get(i), new long[] {
                frame.flowId(), frame.timeNs(), frame.linkType(), frame.wireLength()}, "frame " + i);
            assertEquals(-1, frame.vlanTci());
            assertArrayEquals(frames.get(i), frame.data(), "frame " + i);
        }
    }

    private static JournalEvent.Log roundTrip(
        final Path capture, final EngineContext engineContext, final Path directory, final int maxPayloadChunk)
    {
        return roundTrip(capture, engineContext, directory,
            new JournalContext().directory(directory).maxPayloadChunk(maxPayloadChunk));
    }

    private static JournalEvent.Log roundTrip(
        final Path capture, final EngineContext engineContext, final Path directory, final JournalContext context)
    {
        final Recorder recorder = new Recorder();
        try (ChronicleJournal journal = ChronicleJournal.open(context))
        {
            final JournalWriter writer = journal.newWriter(0);
            Recorder.replay(capture, engineContext, recorder, writer);
            assertTrue(writer.eventsWritten() > 0);
        }
        final JournalEvent.Log log = JournalReader.readEvents(directory);
        assertNull(log.damage(), () -> log.damage().message());
        for (final JournalEvent event : log.events())
        {
            assertEquals(0, event.source());
        }
        JournalFlows.assertSame(recorder, JournalFlows.of(log.events()));
        return log;
    }
}
