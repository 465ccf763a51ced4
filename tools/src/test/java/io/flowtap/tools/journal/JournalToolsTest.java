package io.flowtap.tools.journal;

import io.flowtap.capture.test.Peers;
import io.flowtap.pipeline.journal.JournalEvent;
import io.flowtap.pipeline.journal.JournalReader;
import io.flowtap.pipeline.stats.HistogramLog;
import io.flowtap.pipeline.stats.Stage;
import io.flowtap.pipeline.stats.StageHistograms;
import io.flowtap.reassembly.Direction;
import io.flowtap.tools.Flowtap;
import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flowtap journal cat|stats|export|histogram} on journals that {@code flowtap read --journal} wrote from
 * bundled captures.
 */
class JournalToolsTest
{
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        final CommandLine commandLine = Flowtap.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private Path journal(final String capture, final String name, final String... extra) throws IOException
    {
        final Path file = TestCaptures.bundled(capture, dir);
        final Path journal = dir.resolve(name);
        final String[] args = Stream.concat(Stream.of("read", file.toString(), "--journal", journal.toString(),
            "--no-progress"), Stream.of(extra)).toArray(String[]::new);
        assertEquals(0, run(args), err::toString);
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return journal;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "pcapplusplus__three_http_streams.pcap",
        "pcapplusplus__one_ipv6_http_stream.pcap",
        "pcapplusplus__one_tcp_stream_max_seq.pcap",
        "suricata-verify__eve-payload-06-tcp-data-leading-gap__tcp-leading-gap.pcap",
        "suricata-verify__tcp-rst-unacked-stream-03-gap__input.pcap",
        "suricata-verify__bug-3286-02-linux-evasion__with_evasion_linux.pcap"})
    void exportWritesTheStreamFilesStreamsWritesByteForByte(final String capture) throws IOException
    {
        final Path journal = journal(capture, "journal");
        final Path exported = dir.resolve("exported");
        final Path streamed = dir.resolve("streamed");
        assertEquals(0, run("journal", "export", journal.toString(), "--out", exported.toString()), err::toString);
        assertEquals(0, run("streams", TestCaptures.bundled(capture, dir).toString(), "--out", streamed.toString()),
            err::toString);

        final Map<String, byte[]> expected = streamFiles(streamed);
        assertFalse(expected.isEmpty(), capture);
        final Map<String, byte[]> actual = streamFiles(exported);
        assertEquals(expected.keySet(), actual.keySet(), capture);
        for (final Map.Entry<String, byte[]> file : expected.entrySet())
        {
            assertArrayEquals(file.getValue(), actual.get(file.getKey()), capture + " " + file.getKey());
        }
        final long records = Files.readAllLines(exported.resolve("flows.jsonl")).size();
        assertEquals(Files.readAllLines(streamed.resolve("flows.jsonl")).size(), records, capture);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "pcapplusplus__three_http_streams.pcap",
        "pcapplusplus__one_ipv6_http_stream.pcap",
        "suricata-verify__tcp-rst-unacked-stream-03-gap__input.pcap"})
    void exportPcapIsACaptureThatTsharkReadsWithGoodChecksumsAndThatReassemblesToTheSameStreams(final String capture)
        throws Exception
    {
        final Path journal = journal(capture, "journal");
        final Path exported = dir.resolve("exported");
        final Path pcap = dir.resolve("streams.pcap");
        assertEquals(0, run("journal", "export", journal.toString(), "--out", exported.toString(), "--pcap",
            pcap.toString()), err::toString);
        final Path again = dir.resolve("again");
        assertEquals(0, run("streams", pcap.toString(), "--out", again.toString(), "--checksum", "verify"),
            err::toString);
        assertEquals(streamFiles(exported).keySet(), streamFiles(again).keySet(), capture);
        for (final Map.Entry<String, byte[]> file : streamFiles(exported).entrySet())
        {
            assertArrayEquals(file.getValue(), streamFiles(again).get(file.getKey()), capture + " " + file.getKey());
        }

        // Checked by flowtap above; by tshark too where it is installed (and always in CI).
        final Process tshark = new ProcessBuilder(Peers.require("tshark"), "-r", pcap.toString(), "-o",
            "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-Y",
            // Wireshark numbers checksum status 0 bad, 1 good, 2 unverified; 8388608 is the error severity.
            "tcp.checksum.status == 0 || ip.checksum.status == 0 || _ws.expert.severity >= 8388608")
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        final String output = new String(tshark.getInputStream().readAllBytes());
        assertTrue(tshark.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, tshark.exitValue(), output);
        assertEquals("", output.strip(), "frames tshark finds bad or in error");
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage-at-start", "metadata-cut", "metadata-garbage", "empty-cycle-file",
        "excerpt-header"})
    void damageIsOneLinePerRangeAndEverythingElseIsRead(final String damage) throws IOException
    {
        final Path journal = journal("pcapplusplus__three_http_streams.pcap", "journal");
        assertEquals(0, run("journal", "stats", journal.toString()), err::toString);
        final String whole = out.toString();
        out.getBuffer().setLength(0);
        // One worker wrote it: its one queue holds the journal.
        final Path queue = JournalReader.writerQueues(journal).get(0);
        final Path cycle;
        try (Stream<Path> files = Files.list(queue))
        {
            cycle = files.filter(file -> file.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        final byte[] garbage = new byte[4096];
        new java.util.Random(11).nextBytes(garbage);
        switch (damage)
        {
            case "garbage-at-start":
                try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(cycle,
                    java.nio.file.StandardOpenOption.WRITE))
                {
                    channel.write(java.nio.ByteBuffer.wrap(garbage), 0);
                }
                break;
            case "metadata-cut":
                try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(
                    queue.resolve("metadata.cq4t"), java.nio.file.StandardOpenOption.WRITE))
                {
                    channel.truncate(100);
                }
                break;
            case "metadata-garbage":
                Files.write(queue.resolve("metadata.cq4t"), garbage);
                break;
            case "empty-cycle-file":
                Files.createFile(queue.resolve("00000000-00" + cycle.getFileName().toString().substring(11)));
                break;
            default:
                try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(cycle,
                    java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE))
                {
                    // The first data excerpt's Chronicle header, after the store header and two index arrays.
                    final java.nio.ByteBuffer word = java.nio.ByteBuffer.allocate(4)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    long at = 0;
                    while (true)
                    {
                        word.clear();
                        channel.read(word, at);
                        final int header = word.getInt(0);
                        if ((header & 0x4000_0000) == 0)
                        {
                            break;
                        }
                        at = (at + 4 + (header & 0x3FFF_FFFF) + 3) & ~3L;
                    }
                    channel.write(java.nio.ByteBuffer.wrap(new byte[] {'X', 'X', 'X', 'X'}), at);
                }
                break;
        }
        final long startNs = System.nanoTime();
        assertEquals(1, run("journal", "stats", journal.toString()), err::toString);
        assertTrue(System.nanoTime() - startNs < TimeUnit.SECONDS.toNanos(5), "no stall");
        final List<String> lines = err.toString().lines().toList();
        assertEquals(1, lines.size(), err::toString);
        assertTrue(lines.get(0).startsWith("flowtap journal stats: journal " + queue + ": damaged in "),
            err::toString);
        assertFalse(err.toString().contains("Exception"), err::toString);
        if (damage.equals("excerpt-header"))
        {
            assertTrue(lines.get(0).matches(
                ".* at bytes \\d+\\.\\.\\d+ \\(\\d+ bytes skipped\\), after 0 good events: .*"), lines.get(0));
            assertFalse(out.toString().equals(whole));
        }
        else
        {
            // Nothing of the journal's events was in the damage: every one is counted.
            assertEquals(whole, out.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stats", "cat", "export"})
    void aQueueWhoseFirstExcerptIsNotFlowtapsIsOneLine(final String command) throws IOException
    {
        final Path journal = journal("pcapplusplus__three_http_streams.pcap", "journal");
        final Path queue = JournalReader.writerQueues(journal).get(0);
        final Path cycle;
        try (Stream<Path> files = Files.list(queue))
        {
            cycle = files.filter(file -> file.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        // The journal's magic opens each of its excerpts ("FJ" then the schema version): spoil the first one's.
        final byte[] bytes = Files.readAllBytes(cycle);
        int at = -1;
        for (int i = 0; i + 1 < bytes.length && at < 0; i++)
        {
            if (bytes[i] == 'F' && bytes[i + 1] == 'J')
            {
                at = i;
            }
        }
        assertTrue(at > 0, "no excerpt found");
        try (java.nio.channels.FileChannel channel =
            java.nio.channels.FileChannel.open(cycle, java.nio.file.StandardOpenOption.WRITE))
        {
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {'Z', 'Z'}), at);
        }
        final String[] args = command.equals("export") ?
            new String[] {"journal", command, journal.toString(), "-o", dir.resolve("out").toString()} :
            new String[] {"journal", command, journal.toString()};
        assertEquals(1, run(args), err::toString);
        final List<String> lines = err.toString().lines().toList();
        assertEquals(List.of("flowtap journal " + command + ": journal " + queue + ": not a flowtap journal"),
            lines.stream().map(line -> line.replaceAll(" \\(its first excerpt.*", "")).toList(), err::toString);
    }

    @Test
    void aSecondReadIntoTheSameJournalIsANewRunAndFlowsAreKeyedByRun() throws IOException
    {
        final Path journal = journal("pcapplusplus__three_http_streams.pcap", "journal");
        final Path file = TestCaptures.bundled("pcapplusplus__one_tcp_stream.pcap", dir);
        assertEquals(0, run("read", file.toString(), "--journal", journal.toString(), "--no-progress"),
            err::toString);
        assertTrue(err.toString().contains("journal " + journal + " (run 2): "), err::toString);
        final List<JournalEvent> events = JournalReader.readEvents(journal).events();
        assertEquals(List.of(1, 2), events.stream().map(JournalEvent::run).distinct().toList());

        // Flow 1 of worker 0 is a different connection in each run: both are shown, each with its run.
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertEquals(0, run("journal", "cat", journal.toString(), "--flow", "0:1"), err::toString);
        final List<String> lines = out.toString().lines().toList();
        assertTrue(lines.stream().anyMatch(line -> line.contains(" 1/0/1 flow_start 172.16.133.132:54615 > ")),
            out::toString);
        assertTrue(lines.stream().anyMatch(line -> line.contains(" 2/0/1 flow_start 10.0.0.1:61541 > ")),
            out::toString);
        assertEquals("flowtap journal cat: --flow 0:1 matched flows of 2 runs [1, 2], which are different " +
            "connections: give RUN/SOURCE/ID for one", err.toString().strip());

        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertEquals(0, run("journal", "cat", journal.toString(), "--flow", "2/0/1"), err::toString);
        assertFalse(out.toString().isEmpty());
        assertTrue(out.toString().lines().allMatch(line -> line.contains(" 2/0/1 ")), out::toString);
        assertEquals("", err.toString());
        assertEquals(events.stream().filter(e -> e.run() == 2 && e.flowId() == 1).count(),
            out.toString().lines().count());

        out.getBuffer().setLength(0);
        assertEquals(0, run("journal", "stats", journal.toString()), err::toString);
        assertTrue(out.toString().startsWith("events " + events.size() + ", flows 4 (4 ended)"), out::toString);
    }

    @Test
    void catPrintsEveryEventAndSelectsByFlowFilterAndTime() throws IOException
    {
        final Path journal = journal("pcapplusplus__three_http_streams.pcap", "journal");
        final List<JournalEvent> events = JournalReader.readEvents(journal).events();

        assertEquals(0, run("journal", "cat", journal.toString()), err::toString);
        assertEquals(events.size(), out.toString().lines().count());
        assertTrue(out.toString().lines().anyMatch(line -> line.matches(
            "\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z 1/0/\\d+ flow_start \\S+:\\d+ > \\S+:80")), out::toString);

        out.getBuffer().setLength(0);
        assertEquals(0, run("journal", "cat", journal.toString(), "--json"), err::toString);
        assertEquals(events.size(), out.toString().lines().filter(line -> line.startsWith("{\"time\":\"")).count());

        final long flowOne = events.stream().filter(event -> event.flowId() == 1).count();
        out.getBuffer().setLength(0);
        assertEquals(0, run("journal", "cat", journal.toString(), "--flow", "0:1"), err::toString);
        assertEquals(flowOne, out.toString().lines().count());

        out.getBuffer().setLength(0);
        assertEquals(0, run("journal", "cat", journal.toString(), "--filter", "port 80"), err::toString);
        assertEquals(events.size(), out.toString().lines().count());
        out.getBuffer().setLength(0);
        assertEquals(0, run("journal", "cat", journal.toString(), "--filter", "port 443"), err::toString);
        assertEquals("", out.toString());

        out.getBuffer().setLength(0);
        assertEquals(0, run("journal", "cat", journal.toString(), "--from", "4000000000"), err::toString);
        assertEquals("", out.toString());
        assertEquals(2, run("journal", "cat", journal.toString(), "--from", "yesterday"));
    }

    @Test
    void statsSumsFlowsBytesAndEnds() throws IOException
    {
        final Path journal = journal("pcapplusplus__three_http_streams.pcap", "journal");
        long toServer = 0;
        long toClient = 0;
        for (final JournalEvent event : JournalReader.readEvents(journal).events())
        {
            if (event instanceof JournalEvent.Payload payload)
            {
                if (payload.direction() == Direction.TO_SERVER)
                {
                    toServer += payload.data().length;
                }
                else
                {
                    toClient += payload.data().length;
                }
            }
        }
        assertEquals(0, run("journal", "stats", journal.toString()), err::toString);
        final String text = out.toString();
        assertTrue(text.contains("flows 3 (3 ended)"), text);
        assertTrue(text.contains("bytes to_server " + toServer + ", to_client " + toClient), text);
        assertEquals(2935, toServer + toClient);
        assertTrue(text.contains("ended: fin 3\nconn_state: SF 3\n"), text);

        out.getBuffer().setLength(0);
        assertEquals(0, run("journal", "stats", journal.toString(), "--json"), err::toString);
        assertTrue(out.toString().contains("\"flows\":3,"), out::toString);
        assertTrue(out.toString().contains("\"top_ports\":[{\"port\":80,\"flows\":3,\"bytes\":2935}]"), out::toString);
        assertTrue(out.toString().contains("\"end_reasons\":{\"fin\":3},\"conn_states\":{\"SF\":3},"), out::toString);
    }

    @Test
    void catFollowsAJournalStillBeingWritten() throws Exception
    {
        final Path journal = journal("pcapplusplus__three_http_streams.pcap", "journal");
        final StringWriter followed = new StringWriter();
        final JournalCatCommand cat = new JournalCatCommand();
        final CommandLine commandLine = new CommandLine(cat);
        commandLine.setOut(new PrintWriter(followed, true));
        final int[] exit = {-1};
        final Thread thread = new Thread(() -> exit[0] = commandLine.execute(journal.toString(), "-f"));
        thread.start();
        try
        {
            awaitText(followed, " 1/0/3 flow_end ");
            assertFalse(followed.toString().contains(":0 > "), "nothing of the second capture yet");
            // Another run appends to the same journal while cat follows it.
            journal("pcapplusplus__one_ipv6_http_stream.pcap", "journal");
            awaitText(followed, "flow_start [");
        }
        finally
        {
            cat.stop();
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertEquals(0, exit[0]);
    }

    @Test
    void saysInOneLineWhatIsWrongWithTheJournal() throws IOException
    {
        final Path missing = dir.resolve("nowhere");
        assertEquals(1, run("journal", "cat", missing.toString()));
        assertEquals(1, err.toString().lines().count(), err::toString);
        assertTrue(err.toString().startsWith("flowtap journal cat: journal " + missing), err::toString);

        err.getBuffer().setLength(0);
        final Path empty = Files.createDirectories(dir.resolve("empty"));
        assertEquals(1, run("journal", "stats", empty.toString()));
        assertEquals(1, err.toString().lines().count(), err::toString);

        err.getBuffer().setLength(0);
        assertEquals(2, run("journal"));
        assertTrue(err.toString().startsWith("flowtap journal: a subcommand is required"), err::toString);
    }

    @Test
    void histogramPrintsEachStagesPercentilesAndPlotsThem() throws Exception
    {
        final StageHistograms histograms = new StageHistograms();
        for (int us = 1; us <= 1000; us++)
        {
            histograms.record(Stage.END_TO_END, us * 1000L);
            histograms.record(Stage.POLLER_TO_WORKER, 5_000L);
        }
        final Path log = dir.resolve("latency.hlog");
        try (HistogramLog writer = new HistogramLog(log, histograms))
        {
            writer.writeInterval();
        }
        final Path svg = dir.resolve("latency.svg");
        assertEquals(0, run("journal", "histogram", log.toString(), "--plot", svg.toString()), err::toString);
        final Matcher endToEnd = Pattern.compile("end-to-end +1000 +([0-9.]+) +([0-9.]+) +([0-9.]+) .* ([0-9.]+)\n")
            .matcher(out.toString());
        assertTrue(endToEnd.find(), out::toString);
        assertEquals(500, Double.parseDouble(endToEnd.group(1)), 1);
        assertEquals(900, Double.parseDouble(endToEnd.group(2)), 1);
        assertEquals(990, Double.parseDouble(endToEnd.group(3)), 1);
        assertEquals(1000, Double.parseDouble(endToEnd.group(4)), 1);
        assertTrue(out.toString().contains("poller-to-worker"), out::toString);
        assertNotNull(DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile())
            .getElementsByTagName("polyline").item(1), "two lines");

        final Path png = dir.resolve("latency.png");
        assertEquals(0, run("journal", "histogram", log.toString(), "--plot", png.toString()), err::toString);
        final BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(900, image.getWidth());

        assertEquals(1, run("journal", "histogram", dir.resolve("none.hlog").toString()));
        assertEquals(2, run("journal", "histogram", log.toString(), "--plot", dir.resolve("x.gif").toString()));
    }

    private static void awaitText(final StringWriter writer, final String text) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!writer.toString().contains(text))
        {
            assertTrue(System.nanoTime() < deadlineNs, "no '" + text + "' in: " + writer);
            Thread.sleep(20);
        }
    }

    private static Map<String, byte[]> streamFiles(final Path directory) throws IOException
    {
        final Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(directory))
        {
            for (final Path file : list.toList())
            {
                if (!file.getFileName().toString().equals("flows.jsonl"))
                {
                    files.put(file.getFileName().toString(), Files.readAllBytes(file));
                }
            }
        }
        return files;
    }
}
