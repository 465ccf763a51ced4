package io.flowtap.tools.read;

import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.pipeline.journal.ChronicleJournal;
import io.flowtap.pipeline.journal.JournalContext;
import io.flowtap.pipeline.journal.JournalEvent;
import io.flowtap.pipeline.journal.JournalReader;
import io.flowtap.pipeline.journal.JournalWriter;
import io.flowtap.pipeline.stats.CountersFileReader;
import io.flowtap.pipeline.stats.Stage;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.FrameFeeder;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.tools.Flowtap;
import io.flowtap.tools.replay.TestCaptures;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flowtap read FILE --journal DIR --workers N}: the journal the pipeline writes holds, flow by flow and in each
 * flow's order, exactly what one engine fed the whole file writes; and the run's histogram log and counters file are
 * readable by HdrHistogram's reader and {@code flowtap stats}'s.
 */
class ReadJournalTest
{
    private static final List<String> CAPTURES = List.of(
        "pcapplusplus__three_http_streams.pcap",
        "pcapplusplus__one_ipv6_http_stream.pcap",
        "pcapplusplus__one_tcp_stream_max_seq.pcap",
        "pcapplusplus__one_http_stream_rst.pcap",
        "suricata-verify__eve-overlap-payload-04-partial-overlap__tcp-overlap2.pcap",
        "suricata-verify__tcp-rst-unacked-stream-03-gap__input.pcap",
        "suricata-verify__tcp-split-handshake-02-5whs__split-handshake-5whs.pcap",
        "suricata-verify__tcp-stream-after-swap__http-start-from-response.pcap");

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        final CommandLine commandLine = Flowtap.commandLine();
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void journalPerFlowEqualsOneEngineFedTheWholeFile(final int workers) throws Exception
    {
        int flows = 0;
        for (final String name : CAPTURES)
        {
            final Path capture = TestCaptures.bundled(name, dir);
            final Map<String, List<String>> expected = perFlow(singleEngineJournal(capture, dir.resolve(name + ".1e")));
            final Path journal = dir.resolve(name + ".w" + workers);
            assertEquals(0, run("read", capture.toString(), "--workers", Integer.toString(workers), "--journal",
                journal.toString(), "--no-progress"), err::toString);
            final JournalEvent.Log log = JournalReader.readEvents(journal);
            assertNull(log.damage(), name);
            final Map<String, List<String>> actual = perFlow(log);
            assertFalse(expected.isEmpty(), name);
            assertEquals(expected.keySet(), actual.keySet(), name);
            for (final Map.Entry<String, List<String>> flow : expected.entrySet())
            {
                assertEquals(flow.getValue(), actual.get(flow.getKey()), name + " " + flow.getKey());
            }
            flows += expected.size();
        }
        assertTrue(flows >= CAPTURES.size(), "flows compared: " + flows);
        assertTrue(err.toString().contains("payload bytes"), err::toString);
    }

    @Test
    void writesAHistogramLogHdrHistogramReadsAndACountersFileStatsReads() throws Exception
    {
        final Path capture = TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", dir);
        final Path log = dir.resolve("latency.hlog");
        final Path counters = dir.resolve("counters.dat");
        assertEquals(0, run("read", capture.toString(), "--workers", "2", "--journal", dir.resolve("j").toString(),
            "--histogram-log", log.toString(), "--counters", counters.toString(), "--no-progress"), err::toString);

        final Matcher segments = Pattern.compile("with 2 workers in [0-9.]+ s: (\\d+) segments")
            .matcher(err.toString());
        assertTrue(segments.find(), err::toString);
        final long segmentCount = Long.parseLong(segments.group(1));

        final Map<String, Long> counts = new HashMap<>();
        final HistogramLogReader reader = new HistogramLogReader(log.toFile());
        Histogram interval;
        while ((interval = (Histogram)reader.nextIntervalHistogram()) != null)
        {
            counts.merge(interval.getTag(), interval.getTotalCount(), Long::sum);
        }
        // A file has no kernel timestamps to measure from; every later stage sees every segment the workers decode.
        assertNull(counts.get(Stage.KERNEL_TO_POLLER.tag()), counts::toString);
        assertEquals(segmentCount, counts.get(Stage.POLLER_TO_WORKER.tag()), counts::toString);
        assertEquals(segmentCount, counts.get(Stage.WORKER_TO_JOURNAL.tag()), counts::toString);
        assertEquals(segmentCount, counts.get(Stage.END_TO_END.tag()), counts::toString);
        assertTrue(err.toString().contains("latency per stage:"), err::toString);
        assertTrue(Pattern.compile("end-to-end +count " + segmentCount + " +p50 [0-9.]+ us")
            .matcher(err.toString()).find(), err::toString);

        try (CountersFileReader file = CountersFileReader.open(counters))
        {
            final Map<String, Long> values = file.values();
            assertEquals(segmentCount, values.get("worker: segments"), values::toString);
            assertEquals(3, values.get("worker 0: flows created") + values.get("worker 1: flows created"),
                values::toString);
            assertEquals(0, values.get("worker 0: flows active") + values.get("worker 1: flows active"),
                values::toString);
            assertNotNull(values.get("journal: payload bytes"), values::toString);
            assertTrue(values.get("journal: payload bytes") >= 2935, values::toString);
        }
    }

    @Test
    void refusesOneJournalDirectoryForBothJournals()
    {
        final Path capture = dir.resolve("any.pcap");
        assertEquals(2, run("read", capture.toString(), "--journal", dir.toString(), "--raw-journal", dir.toString()));
        assertTrue(err.toString().contains("--journal and --raw-journal need directories of their own"),
            err::toString);
    }

    private static JournalEvent.Log singleEngineJournal(final Path capture, final Path directory) throws Exception
    {
        try (ChronicleJournal journal = ChronicleJournal.open(new JournalContext().directory(directory));
            CaptureFileSource source = CaptureFiles.open(capture))
        {
            final JournalWriter writer = journal.newWriter(0);
            final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext(), writer);
            new FrameFeeder(new PacketDecoder(ChecksumMode.AUTO), engine).feedAll(source);
            engine.shutdown();
            writer.close();
        }
        final JournalEvent.Log log = JournalReader.readEvents(directory);
        assertNull(log.damage());
        return log;
    }

    /**
     * Each flow's events in order, keyed by what identifies the flow whichever worker had it: its key and start time.
     */
    private static Map<String, List<String>> perFlow(final JournalEvent.Log log)
    {
        final Map<String, String> names = new HashMap<>();
        final Map<String, List<String>> flows = new TreeMap<>();
        for (final JournalEvent event : log.events())
        {
            final String id = event.source() + "/" + event.flowId();
            if (event instanceof JournalEvent.FlowStart start)
            {
                final String name = start.key() + "@" + start.timeNs();
                names.put(id, name);
                flows.put(name, new ArrayList<>());
            }
            final String name = names.get(id);
            assertNotNull(name, "event before its flow's start: " + event);
            flows.get(name).add(describe(event));
        }
        return flows;
    }

    private static String describe(final JournalEvent event)
    {
        if (event instanceof JournalEvent.Payload payload)
        {
            return "payload " + payload.timeNs() + " " + payload.direction() + " " + payload.streamOffset() + " " +
                payload.eof() + " " + Base64.getEncoder().encodeToString(payload.data());
        }
        if (event instanceof JournalEvent.Attribute attribute)
        {
            return "attribute " + attribute.timeNs() + " " + attribute.name() + " " +
                Base64.getEncoder().encodeToString(attribute.value());
        }
        if (event instanceof JournalEvent.FlowEnd end)
        {
            return "end " + end.timeNs() + " " + end.key() + " " + end.endReason() + " " + end.connected() + " " +
                end.history() + " " + Arrays.toString(end.synFlags()) + " " + Arrays.toString(end.fin()) + " " +
                Arrays.toString(end.rst()) + " " + end.firstNs() + " " + end.lastNs() + " " +
                Arrays.deepToString(end.counters());
        }
        // The rest are records of scalars; leave out the writer's source and flow id, which differ by worker.
        return event.toString().replaceAll("source=\\d+, flowId=\\d+, ", "");
    }
}
