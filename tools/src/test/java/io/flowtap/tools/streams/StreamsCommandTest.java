package io.flowtap.tools.streams;

import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.test.Recorder;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamsCommandTest
{
    private static final String ONE_TCP_STREAM = "pcapplusplus__one_tcp_stream.pcap";
    private static final String CLIENT_FILE = "010.000.000.001.61541-081.218.072.015.00080";
    private static final String SERVER_FILE = "081.218.072.015.00080-010.000.000.001.61541";
    private static final String LEADING_GAP =
        "suricata-verify__eve-payload-06-tcp-data-leading-gap__tcp-leading-gap.pcap";
    private static final String VLAN6_CLIENT_FILE = "001.001.001.001.12345-002.002.002.002.08080--6";
    private static final String OVERLAP =
        "suricata-verify__eve-overlap-payload-02-policy-oldlinux__tcp-overlap.pcap";

    @TempDir
    Path tempDir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        final StreamsCommand command =
            new StreamsCommand().streams(new PrintStream(err, true, StandardCharsets.UTF_8));
        // Usage errors print the help; keep it out of the build log.
        return new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true)
            .setErr(new PrintWriter(new StringWriter())).execute(args);
    }

    private String stderr()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static Map<String, byte[]> files(final Path dir) throws IOException
    {
        final Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir))
        {
            for (final Path path : list.toList())
            {
                files.put(path.getFileName().toString(), Files.readAllBytes(path));
            }
        }
        return files;
    }

    private static List<String> flows(final Path dir) throws IOException
    {
        return Files.readAllLines(dir.resolve(StreamsCommand.FLOWS_FILE), StandardCharsets.UTF_8);
    }

    @Test
    void shouldWriteEachDirectionToAFileNamedAsTcpflowNamesItByteForByte() throws IOException
    {
        final Path capture = TestCaptures.bundled(ONE_TCP_STREAM, tempDir);
        final Path out = tempDir.resolve("out");

        assertEquals(0, run(capture.toString(), "--out", out.toString()), stderr());

        final Map<String, byte[]> files = files(out);
        assertEquals(List.of(CLIENT_FILE, SERVER_FILE, StreamsCommand.FLOWS_FILE), List.copyOf(files.keySet()));
        assertEquals(9948, files.get(CLIENT_FILE).length);
        assertEquals(12444, files.get(SERVER_FILE).length);
        // The engine's own per-direction streams, whose interleaving is PcapPlusPlus' expected output.
        final Recorder recorder = Recorder.replay(capture, new EngineContext());
        assertArrayEquals(Files.readAllBytes(TestCaptures.bundled("pcapplusplus__one_tcp_stream_output.txt", tempDir)),
            recorder.all.toByteArray());
        final Recorder.FlowLog flow = recorder.list().get(0);
        assertArrayEquals(flow.bytes[Direction.TO_SERVER].toByteArray(), files.get(CLIENT_FILE));
        assertArrayEquals(flow.bytes[Direction.TO_CLIENT].toByteArray(), files.get(SERVER_FILE));
    }

    @Test
    void shouldWriteOneJsonRecordPerFlowWithEveryField() throws IOException
    {
        final Path capture = TestCaptures.bundled(ONE_TCP_STREAM, tempDir);
        final Path out = tempDir.resolve("out");

        assertEquals(0, run(capture.toString(), "-o", out.toString()), stderr());

        // Cross-checked: packets, wire bytes and first/last times per direction as tcpflow's report.xml has them for
        // the same stream (one_tcp_stream_max_seq's oracle); stream bytes as PcapPlusPlus; 3 retransmissions as
        // tshark's analysis flags.
        assertEquals(List.of("{\"flow\":1,\"ip_version\":4,\"client\":\"10.0.0.1\",\"client_port\":61541," +
            "\"server\":\"81.218.72.15\",\"server_port\":80,\"vlan\":null," +
            "\"first\":\"2017-04-06T22:06:23.915793000Z\",\"last\":\"2017-04-06T22:06:39.576249000Z\"," +
            "\"first_ns\":1491516383915793000,\"last_ns\":1491516399576249000,\"end_reason\":\"shutdown\"," +
            "\"conn_state\":\"S1\",\"orig_bytes\":9948,\"resp_bytes\":12444," +
            "\"midstream\":false,\"tcp_connected\":true,\"tcp_synflags_fwd\":2,\"tcp_synflags_rev\":18," +
            "\"tcp_fin_fwd\":false,\"tcp_fin_rev\":false,\"tcp_rst_fwd\":false,\"tcp_rst_rev\":false," +
            "\"history\":\"ShADTad\"," +
            "\"to_server\":{\"file\":\"" + CLIENT_FILE + "\",\"packets\":18,\"payload_bytes\":12789," +
            "\"wire_bytes\":13814,\"delivered_bytes\":9948,\"retransmissions\":3,\"out_of_order\":0,\"overlaps\":0," +
            "\"conflicting_overlaps\":0,\"gaps\":0,\"gap_bytes\":0,\"acked_missing_bytes\":0}," +
            "\"to_client\":{\"file\":\"" + SERVER_FILE + "\",\"packets\":18,\"payload_bytes\":12444," +
            "\"wire_bytes\":13482,\"delivered_bytes\":12444,\"retransmissions\":0,\"out_of_order\":0," +
            "\"overlaps\":0,\"conflicting_overlaps\":0,\"gaps\":0,\"gap_bytes\":0,\"acked_missing_bytes\":0}," +
            "\"events\":[],\"events_dropped\":0}"), flows(out));
        final String summary = stderr();
        assertTrue(summary.contains("frames 36: tcp segments 36, not decoded 0"), summary);
        assertTrue(summary.contains("segments 36: tracked 36, ignored 0"), summary);
        assertTrue(summary.matches("(?s).*bytes delivered\\s+22392\\n.*"), summary);
        assertTrue(summary.contains("streams: 1 connections, 2 files in " + out), summary);
    }

    @Test
    void shouldFillAGapWithZerosSoFileOffsetsAreStreamOffsetsOrLeaveItOut() throws IOException
    {
        final Path capture = TestCaptures.bundled(LEADING_GAP, tempDir);
        final Path zeros = tempDir.resolve("zeros");
        final Path none = tempDir.resolve("none");

        assertEquals(0, run(capture.toString(), "--out", zeros.toString()), stderr());
        assertEquals(0, run(capture.toString(), "--out", none.toString(), "--gap-fill", "none"), stderr());

        assertArrayEquals("\0\0\0\0GOODDATA".getBytes(StandardCharsets.US_ASCII),
            Files.readAllBytes(zeros.resolve(VLAN6_CLIENT_FILE)));
        assertArrayEquals("GOODDATA".getBytes(StandardCharsets.US_ASCII),
            Files.readAllBytes(none.resolve(VLAN6_CLIENT_FILE)));
        final String record = flows(zeros).get(0);
        assertTrue(record.contains("\"vlan\":6,"), record);
        assertTrue(record.contains("\"events\":[{\"event\":\"gap\",\"direction\":\"to_server\",\"offset\":0," +
            "\"length\":4,\"reason\":\"acked\",\"ts\":\"2023-"), record);
        // The 4 bytes lie below the client's own data (GOODDATA came after them): a hole in its data, not bytes only
        // the server's ACK shows.
        assertTrue(record.contains("\"gaps\":1,\"gap_bytes\":4,\"acked_missing_bytes\":0}"), record);
        assertTrue(record.contains("\"conn_state\":\"S1\",\"orig_bytes\":12,\"resp_bytes\":0,"), record);
        assertTrue(record.contains("\"to_client\":{\"file\":null,"), "no bytes, no file: " + record);
        assertEquals(flows(zeros), flows(none), "the records do not depend on the fill");
    }

    @Test
    void shouldNameALaterConnectionOnTheSameFourTupleWithTcpflowsConnectionCount() throws IOException
    {
        final Path capture = TestCaptures.reusedFourTuple(tempDir.resolve("reuse.pcap"));
        final Path out = tempDir.resolve("out");

        assertEquals(0, run(capture.toString(), "--out", out.toString()), stderr());

        final Map<String, byte[]> files = files(out);
        final String client = "010.000.000.001.40000-010.000.000.002.00080";
        final String server = "010.000.000.002.00080-010.000.000.001.40000";
        assertEquals(List.of(client, client + "c1", server, server + "c1", StreamsCommand.FLOWS_FILE),
            List.copyOf(files.keySet()));
        assertEquals("hello", new String(files.get(client), StandardCharsets.US_ASCII));
        assertEquals("world!", new String(files.get(server), StandardCharsets.US_ASCII));
        assertEquals("again", new String(files.get(client + "c1"), StandardCharsets.US_ASCII));
        assertEquals("twice", new String(files.get(server + "c1"), StandardCharsets.US_ASCII));
        final List<String> records = flows(out);
        assertEquals(2, records.size());
        assertTrue(records.get(0).contains("\"end_reason\":\"fin\""), records.get(0));
        assertTrue(records.get(0).contains("\"file\":\"" + client + "\""), records.get(0));
        assertTrue(records.get(1).contains("\"file\":\"" + client + "c1\""), records.get(1));
        assertTrue(stderr().contains("port reuse"), stderr());
    }

    @Test
    void shouldTakeTheNextConnectionCountWhenANameIsAlreadyInTheDirectory() throws IOException
    {
        final Path capture = TestCaptures.reusedFourTuple(tempDir.resolve("reuse.pcap"));
        final Path out = Files.createDirectories(tempDir.resolve("out"));
        Files.writeString(out.resolve("010.000.000.001.40000-010.000.000.002.00080"), "old");

        assertEquals(0, run(capture.toString(), "--out", out.toString()), stderr());

        assertEquals("old", Files.readString(out.resolve("010.000.000.001.40000-010.000.000.002.00080")));
        assertEquals("hello", Files.readString(out.resolve("010.000.000.001.40000-010.000.000.002.00080c1")));
        assertEquals("again", Files.readString(out.resolve("010.000.000.001.40000-010.000.000.002.00080c2")));
    }

    @Test
    void shouldNameIpv6FlowsAsInetNtopWritesTheAddresses() throws IOException
    {
        final Path capture = TestCaptures.ipv6Connection(tempDir.resolve("v6.pcap"));
        final Path out = tempDir.resolve("out");

        assertEquals(0, run(capture.toString(), "--out", out.toString()), stderr());

        assertEquals("ping", Files.readString(out.resolve("2001:db8::1.40000-fe80::1:0.00080")));
        assertEquals("pong", Files.readString(out.resolve("fe80::1:0.00080-2001:db8::1.40000")));
        final String record = flows(out).get(0);
        assertTrue(record.contains("\"ip_version\":6,\"client\":\"2001:db8::1\",\"client_port\":40000," +
            "\"server\":\"fe80::1:0\",\"server_port\":80,"), record);
        assertTrue(record.contains("\"end_reason\":\"fin\""), record);
    }

    @Test
    void shouldReportConflictingOverlapsAndFollowTheHostPolicy() throws IOException
    {
        final Path capture = TestCaptures.bundled(OVERLAP, tempDir);
        final Path first = tempDir.resolve("first");
        final Path oldLinux = tempDir.resolve("old-linux");

        assertEquals(0, run(capture.toString(), "-o", first.toString(), "--delivery", "acked"), stderr());
        assertEquals(0, run(capture.toString(), "-o", oldLinux.toString(), "--delivery", "acked",
            "--host-policy", "2.2.2.2/32=old-linux"), stderr());

        assertEquals("GOOD", Files.readString(first.resolve(VLAN6_CLIENT_FILE)));
        assertEquals("EVIL", Files.readString(oldLinux.resolve(VLAN6_CLIENT_FILE)));
        final String record = flows(oldLinux).get(0);
        assertTrue(record.contains("\"events\":[{\"event\":\"conflict\",\"direction\":\"to_server\"," +
            "\"held_offset\":0,\"held_length\":4,\"new_offset\":0,\"new_length\":4,\"kept\":\"new\",\"ts\":\""),
            record);
        assertTrue(record.contains("\"conflicting_overlaps\":1,"), record);
        assertTrue(flows(first).get(0).contains("\"kept\":\"held\""), flows(first).get(0));
    }

    @Test
    void shouldTakeTheUrgentByteOutOfBandUnderUrgentOob() throws IOException
    {
        final Path capture = TestCaptures.bundled("suricata-verify__tcp-urgp-04-2byte-XY__tcp-urgent-2byte-XY.pcap",
            tempDir);
        final Path inline = tempDir.resolve("inline");
        final Path oob = tempDir.resolve("oob");

        assertEquals(0, run(capture.toString(), "-o", inline.toString()), stderr());
        assertEquals(0, run(capture.toString(), "-o", oob.toString(), "--urgent", "oob"), stderr());

        final String name = "010.010.010.044.57796-010.010.010.055.09090";
        assertTrue(Files.readString(inline.resolve(name)).startsWith("GET /malicXYious"));
        assertTrue(Files.readString(oob.resolve(name)).startsWith("GET /malicXious"));
    }

    @Test
    void shouldWriteTheSameFilesWhenOnlyOneMayBeOpenAtOnce() throws IOException
    {
        final Path capture = TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", tempDir);
        final Path wide = tempDir.resolve("wide");
        final Path narrow = tempDir.resolve("narrow");

        assertEquals(0, run(capture.toString(), "-o", wide.toString()), stderr());
        assertEquals(0, run(capture.toString(), "-o", narrow.toString(), "--max-open-files", "1"), stderr());

        final Map<String, byte[]> expected = files(wide);
        final Map<String, byte[]> actual = files(narrow);
        assertEquals(7, expected.size(), expected.keySet().toString());
        assertEquals(expected.keySet(), actual.keySet());
        for (final String name : expected.keySet())
        {
            assertArrayEquals(expected.get(name), actual.get(name), name);
        }
    }

    @Test
    void shouldWriteWhatCameBeforeDamageThenNameTheOffset() throws IOException
    {
        final byte[] whole = Files.readAllBytes(TestCaptures.bundled(ONE_TCP_STREAM, tempDir));
        final int cut = whole.length - 700;
        final Path damaged = Files.write(tempDir.resolve("damaged.pcap"), Arrays.copyOf(whole, cut));
        final Path out = tempDir.resolve("out");

        assertEquals(ExitCodes.INPUT_ERROR, run(damaged.toString(), "--out", out.toString()));

        final String firstLine = stderr().lines().findFirst().orElseThrow();
        assertTrue(firstLine.startsWith("flowtap streams: " + damaged), firstLine);
        assertTrue(firstLine.contains("byte offset "), firstLine);
        final List<String> records = flows(out);
        assertEquals(1, records.size());
        assertTrue(records.get(0).contains("\"end_reason\":\"shutdown\""), records.get(0));
        assertTrue(Files.size(out.resolve(CLIENT_FILE)) > 0);
    }

    @Test
    void shouldSayClearlyWhenTheFileIsMissingAndWriteNothing()
    {
        final Path missing = tempDir.resolve("nope.pcap");
        final Path out = tempDir.resolve("out");

        assertEquals(ExitCodes.INPUT_ERROR, run(missing.toString(), "--out", out.toString()));

        assertEquals(1, stderr().lines().count(), stderr());
        assertTrue(stderr().startsWith("flowtap streams: " + missing), stderr());
        assertFalse(Files.exists(out));
    }

    @Test
    void shouldSayInOneLineWhenTheOutputDirectoryCannotBeMade() throws IOException
    {
        final Path capture = TestCaptures.bundled(ONE_TCP_STREAM, tempDir);
        final Path notADirectory = Files.writeString(tempDir.resolve("file"), "x");

        // The output cannot be written: exit code 3, as for a full disk.
        assertEquals(ExitCodes.OUTPUT_ERROR, run(capture.toString(), "--out", notADirectory.toString()));

        assertEquals(1, stderr().lines().count(), stderr());
        assertTrue(stderr().startsWith("flowtap streams: " + notADirectory + ": cannot write"), stderr());
    }

    @Test
    void shouldRefuseABadCommandLineWithExitCode2()
    {
        final String capture = TestCaptures.bundled(ONE_TCP_STREAM, tempDir).toString();
        final String out = tempDir.resolve("out").toString();

        assertEquals(ExitCodes.USAGE, run(capture));
        assertEquals(ExitCodes.USAGE, run(capture, "-o", out, "--gap-fill", "ones"));
        assertEquals(ExitCodes.USAGE, run(capture, "-o", out, "--overlap-policy", "vms"));
        assertEquals(ExitCodes.USAGE, run(capture, "-o", out, "--host-policy", "10.0.0.0/8"));
        assertEquals(ExitCodes.USAGE, run(capture, "-o", out, "--host-policy", "10.0.0.0/33=linux"));
        assertEquals(ExitCodes.USAGE, run(capture, "-o", out, "--engine-memcap", "lots"));
        assertEquals(ExitCodes.USAGE, run(capture, "-o", out, "--engine-memcap", "10"));
        assertEquals(ExitCodes.USAGE, run(capture, "-o", out, "--max-open-files", "0"));
        assertEquals(ExitCodes.USAGE, run(capture, "-o", out, "--memcap-policy", "panic"));
        assertFalse(Files.exists(tempDir.resolve("out")), "nothing written for a bad command line");
        assertEquals(ExitCodes.OK, run(capture, "-o", out, "--overlap-policy", "windows", "--host-policy",
            "81.218.72.0/24=hpux11", "--engine-memcap", "8m", "--flow-memcap", "64k", "--memcap-policy",
            "stop-tracking", "--delivery", "ACKED", "--urgent", "drop", "--no-midstream", "--checksum", "verify",
            "--max-flows", "16", "--no-summary"));
        assertEquals("", stderr());
    }
}
