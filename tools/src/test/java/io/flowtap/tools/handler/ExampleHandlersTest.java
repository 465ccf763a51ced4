package io.flowtap.tools.handler;

import io.flowtap.examples.EmbeddedSensor;
import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.flowtap.tools.handler.Commands.exampleSource;
import static io.flowtap.tools.handler.Commands.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The examples, each a port of one reference system's own example, run through the command line on bundled captures,
 * compiled from their one source file at start ({@code --handler-source}) and loaded as classes ({@code --handler}):
 * both give the expected output, and that output agrees with what flowtap's own commands say of the same traffic.
 */
class ExampleHandlersTest
{
    private static final String THREE_HTTP = "pcapplusplus__three_http_streams.pcap";
    private static final Pattern TCPFLOW_NAME = Pattern.compile(
        "(\\d{3})\\.(\\d{3})\\.(\\d{3})\\.(\\d{3})\\.(\\d{5})-(\\d{3})\\.(\\d{3})\\.(\\d{3})\\.(\\d{3})\\.(\\d{5})");

    @TempDir
    Path dir;

    private String capture(final String name)
    {
        return TestCaptures.bundled(name, dir).toString();
    }

    @Test
    void trisulCountsEachFlowsBytesEachWayFromItsSourceAndAsAClassAlike()
    {
        final String capture = capture(THREE_HTTP);
        final List<String> expected = List.of(
            "trisul 172.16.133.132:44305 -> 98.138.19.88:80 out 395 in 610 attributes 0",
            "trisul 172.16.133.132:52328 -> 98.139.240.23:80 out 728 in 384 attributes 0",
            "trisul 172.16.133.132:54615 -> 98.139.161.29:80 out 377 in 441 attributes 0");
        final Commands.Result fromSource = ok("read", capture, "--workers", "2", "--no-progress",
            "--handler-source", exampleSource("TrisulByteCounter"));
        assertEquals(expected, fromSource.sortedOutLines());
        // The engine's own count of what it delivered: 395 + 610 + 728 + 384 + 377 + 441.
        assertTrue(fromSource.err().contains("flows 3, stream bytes delivered 2935"), fromSource.err());
        assertTrue(fromSource.err().contains("handlers: TrisulByteCounter\nhandler errors 0\n"), fromSource.err());

        assertEquals(expected, ok("read", capture, "--workers", "2", "--no-progress",
            "--handler", "io.flowtap.examples.TrisulByteCounter").sortedOutLines());
        assertEquals(expected, ok("flows", capture, "--no-summary", "--handler-source",
            exampleSource("TrisulByteCounter")).outLines().stream().filter(line -> line.startsWith("trisul "))
            .sorted().toList());
    }

    @Test
    void trisulVotesOnEachFlowAndHearsOfItsAttributes()
    {
        final String capture = capture(THREE_HTTP);
        // Every flow is to port 80: voting for 443 only, the handler is the only voter, so none is reassembled.
        final Commands.Result noVote = ok("read", capture, "--no-progress", "--handler-source",
            exampleSource("TrisulByteCounter"), "--handler-option", "port=443");
        assertEquals(3, noVote.outLines().size(), noVote.out());
        noVote.outLines().forEach(line -> assertTrue(line.endsWith(" out 0 in 0 attributes 0"), line));
        assertTrue(noVote.err().contains("flows 3, stream bytes delivered 0"), noVote.err());

        final Commands.Result attributes = ok("read", capture, "--no-progress", "--attributes", "--handler",
            "io.flowtap.examples.TrisulByteCounter", "--handler-option", "TrisulByteCounter:port=80");
        assertEquals(List.of(
            "trisul 172.16.133.132:44305 -> 98.138.19.88:80 out 395 in 610 attributes 10",
            "trisul 172.16.133.132:52328 -> 98.139.240.23:80 out 728 in 384 attributes 10",
            "trisul 172.16.133.132:54615 -> 98.139.161.29:80 out 377 in 441 attributes 10"),
            attributes.sortedOutLines());
    }

    @Test
    void netInspectLinesAreTheLinesOfEachStreamAsFlowtapStreamsWritesIt() throws IOException
    {
        final String capture = capture(THREE_HTTP);
        final Path streams = dir.resolve("streams");
        ok("streams", capture, "--out", streams.toString(), "--no-summary");
        final Map<String, List<String>> expected = new HashMap<>();
        try (Stream<Path> files = Files.list(streams))
        {
            for (final Path file : files.filter(f -> TCPFLOW_NAME.matcher(f.getFileName().toString()).matches())
                .toList())
            {
                final Matcher name = TCPFLOW_NAME.matcher(file.getFileName().toString());
                assertTrue(name.matches());
                final String from = endpoint(name, 1);
                final String to = endpoint(name, 6);
                final boolean toServer = to.endsWith(":80");
                final String prefix = toServer ? from + " > " + to + " " : to + " < " + from + " ";
                final List<String> lines = new ArrayList<>();
                for (final String line : Files.readString(file, StandardCharsets.ISO_8859_1).split("\n", -1))
                {
                    lines.add(prefix + printable(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line));
                }
                if (lines.get(lines.size() - 1).equals(prefix))
                {
                    lines.remove(lines.size() - 1);
                }
                expected.put(prefix, lines);
            }
        }
        assertEquals(6, expected.size());

        for (final String how : new String[]{"--handler-source", "--handler"})
        {
            final Commands.Result result = ok("flows", capture, "--no-summary", "--delivery", "acked", how,
                how.equals("--handler") ? "io.flowtap.examples.NetInspectLines" : exampleSource("NetInspectLines"),
                "--handler-option", "max-line=100000");
            final Map<String, List<String>> got = new HashMap<>();
            int connections = 0;
            for (final String line : result.outLines())
            {
                if (line.endsWith(" new_connection"))
                {
                    connections++;
                    continue;
                }
                if (!line.contains(" > ") && !line.contains(" < "))
                {
                    continue;
                }
                final int split = line.indexOf(' ', line.indexOf(line.contains(" > ") ? " > " : " < ") + 3) + 1;
                got.computeIfAbsent(line.substring(0, split), k -> new ArrayList<>()).add(line);
            }
            assertEquals(3, connections, result.out());
            assertEquals(expected, got);
        }
    }

    @Test
    void netInspectTakesTheLastUnterminatedLineAtEofAndWaitsForLinesAcrossSegments() throws IOException
    {
        final Path capture = TestCaptures.requestInPieces(dir.resolve("pieces.pcap"), "200 OK\r\nbye",
            "GET / HT", "TP/1.1\r\nHost: a", "\r\n\r\n");
        final Commands.Result result = ok("flows", capture.toString(), "--no-summary", "--delivery", "acked",
            "--handler-source", exampleSource("NetInspectLines"));
        assertEquals(List.of(
            "10.0.0.1:40000 > 10.0.0.2:80 new_connection",
            "10.0.0.1:40000 > 10.0.0.2:80 GET / HTTP/1.1",
            "10.0.0.1:40000 > 10.0.0.2:80 Host: a",
            "10.0.0.1:40000 > 10.0.0.2:80 ",
            "10.0.0.1:40000 < 10.0.0.2:80 200 OK",
            "10.0.0.1:40000 < 10.0.0.2:80 bye"),
            result.outLines().stream().filter(line -> !line.startsWith("1 ")).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        THREE_HTTP,
        "pcapplusplus__one_http_stream_rst.pcap",
        "pcapplusplus__one_ipv6_http_stream.pcap",
        "pcapplusplus__one_tcp_stream_max_seq.pcap",
        "suricata-verify__bug-130__input.pcap",
        "suricata-verify__tcp-stream-after-swap__http-start-from-response.pcap"})
    void pathspiderFieldsFromThePacketsAgreeWithTheEnginesFlowRecords(final String name)
    {
        final Commands.Result result = ok("flows", capture(name), "--json", "--no-summary", "--handler-source",
            exampleSource("PathspiderTcpChain"));
        final Map<String, String> chain = new HashMap<>();
        final Map<String, String> engine = new HashMap<>();
        for (final String line : result.outLines())
        {
            final String key = address(field(line, "client")) + field(line, "client_port") +
                address(field(line, "server")) + field(line, "server_port");
            final String fields = field(line, "tcp_synflags_fwd") + " " + field(line, "tcp_synflags_rev") + " " +
                field(line, "tcp_fin_fwd") + " " + field(line, "tcp_fin_rev") + " " + field(line, "tcp_rst_fwd") +
                " " + field(line, "tcp_rst_rev") + " " + field(line, "tcp_connected");
            if (line.contains("\"complete\":"))
            {
                chain.put(key, fields);
                assertTrue(line.matches(".*\"tcp_options_fwd\":\\[[0-9,]*\\].*"), line);
            }
            else
            {
                engine.put(key, fields);
            }
        }
        assertFalse(chain.isEmpty(), result.out());
        assertEquals(engine, chain);
    }

    @Test
    void pathspiderKeepsItsSimplerHandshakeRuleWhereTheEngineFollowsASplitHandshake()
    {
        // Suricata's 5-way handshake: the server answers the SYN with a SYN of its own, then a SYN-ACK comes the other
        // way. The engine tracks it as Linux does and calls the flow connected; TCPChain's rule (a SYN-ACK back, then
        // an ACK forward) never sees its SYN-ACK in the reverse direction, as PATHspider would not.
        final Commands.Result result = ok("flows", capture(
            "suricata-verify__tcp-split-handshake-02-5whs__split-handshake-5whs.pcap"), "--json", "--no-summary",
            "--handler-source", exampleSource("PathspiderTcpChain"));
        final List<String> connected = result.outLines().stream().map(line -> field(line, "tcp_connected")).toList();
        assertEquals(List.of("false", "true"), connected, result.out());
    }

    @Test
    void pathspiderRecordsTheSynOptionsAndTheCompletionRule()
    {
        final Commands.Result result = ok("flows", capture(THREE_HTTP), "--no-summary", "--handler",
            "io.flowtap.examples.PathspiderTcpChain");
        assertEquals(List.of(
            "{\"client\":\"172.16.133.132\",\"client_port\":54615,\"server\":\"98.139.161.29\",\"server_port\":80," +
                "\"tcp_synflags_fwd\":2,\"tcp_synflags_rev\":18,\"tcp_fin_fwd\":true,\"tcp_fin_rev\":true," +
                "\"tcp_rst_fwd\":false,\"tcp_rst_rev\":false,\"tcp_connected\":true," +
                "\"tcp_options_fwd\":[2,4,8,1,3],\"tcp_options_rev\":[2,1,3,4,8],\"complete\":true}"),
            result.outLines().stream().filter(line -> line.contains("54615")).filter(line -> line.startsWith("{"))
                .toList());
        final Commands.Result rst = ok("flows", capture("pcapplusplus__one_http_stream_rst.pcap"), "--no-summary",
            "--handler-source", exampleSource("PathspiderTcpChain"));
        assertTrue(rst.out().contains("\"complete\":true"), rst.out());
        assertTrue(rst.out().matches("(?s).*\"tcp_rst_(fwd|rev)\":true.*"), rst.out());
    }

    @Test
    void hakaDropsTheConnectionsWhoseFirstClientBytesMatchWithAnAlertEach()
    {
        final String capture = capture(THREE_HTTP);
        final Commands.Result dropped = ok("flows", capture, "--handler-source", exampleSource("HakaPatternRule"),
            "--handler-option", "pattern=GET /", "--handler-option", "match=dst port 80 and src net 172.16.0.0/12");
        final List<String> alerts = dropped.errLines("alert: ");
        assertEquals(List.of(
            "flowtap flows: HakaPatternRule: alert: connection dropped: client sent 'GET /' " +
                "sources=172.16.133.132:44305 targets=98.138.19.88:80",
            "flowtap flows: HakaPatternRule: alert: connection dropped: client sent 'GET /' " +
                "sources=172.16.133.132:52328 targets=98.139.240.23:80",
            "flowtap flows: HakaPatternRule: alert: connection dropped: client sent 'GET /' " +
                "sources=172.16.133.132:54615 targets=98.139.161.29:80"), alerts.stream().sorted().toList());
        // Dropped: nothing the servers sent is delivered, and each connection is left to end at the shutdown.
        assertEquals(3, dropped.outLines().size(), dropped.out());
        for (final String line : dropped.outLines())
        {
            assertTrue(line.matches(".* shutdown S1 ShAD packets 3/1 bytes \\d+/0 gaps 0/0"), line);
        }

        final Commands.Result otherPort = ok("flows", capture, "--no-summary", "--handler-source",
            exampleSource("HakaPatternRule"), "--handler-option", "pattern=GET /", "--handler-option",
            "match=dst port 8080");
        assertTrue(otherPort.errLines("alert: ").isEmpty(), otherPort.err());
        otherPort.outLines().forEach(line -> assertTrue(line.contains(" fin "), line));

        final Commands.Result reset = ok("read", capture, "--no-progress", "--handler",
            "io.flowtap.examples.HakaPatternRule", "--handler-option", "pattern=GET", "--handler-option",
            "action=reset");
        assertEquals(3, reset.errLines("alert: connection reset: client sent 'GET'").size(), reset.err());
        assertTrue(reset.err().matches("(?s).*active response: resets not sent\\s+3\\n.*"), reset.err());
    }

    @Test
    void hakaWaitsForAsManyBytesAsThePatternHasAcrossSegments() throws IOException
    {
        final Path capture = TestCaptures.requestInPieces(dir.resolve("ssh.pcap"), "SSH-2.0-server\r\n",
            "S", "SH", "-2.0-OpenSSH_9.6\r\n");
        final Commands.Result matched = ok("flows", capture.toString(), "--handler-source",
            exampleSource("HakaPatternRule"), "--handler-option", "pattern=SSH-");
        assertEquals(1, matched.errLines("alert: connection dropped: client sent 'SSH-'").size(), matched.err());
        assertTrue(matched.out().contains(" bytes 21/0 "), matched.out());

        final Commands.Result escaped = ok("flows", capture.toString(), "--handler-source",
            exampleSource("HakaPatternRule"), "--handler-option", "pattern=\\x53SH-2");
        assertEquals(1, escaped.errLines("alert: ").size(), escaped.err());

        final Commands.Result notMatched = ok("flows", capture.toString(), "--handler-source",
            exampleSource("HakaPatternRule"), "--handler-option", "pattern=SSH-1");
        assertTrue(notMatched.errLines("alert: ").isEmpty(), notMatched.err());
        assertTrue(notMatched.out().contains(" bytes 21/16 "), notMatched.out());
    }

    @Test
    void theEmbeddedSensorRunsThePipelineWithItsOwnHandlers() throws IOException
    {
        final Path capture = Path.of(capture(THREE_HTTP));
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stdout = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try
        {
            EmbeddedSensor.main(new String[]{capture.toString()});
        }
        finally
        {
            System.setOut(stdout);
        }
        final String text = bytes.toString(StandardCharsets.UTF_8);
        long flows = 0;
        long toServer = 0;
        long toClient = 0;
        final Matcher worker = Pattern.compile("worker \\d: flows (\\d+), bytes to server (\\d+), bytes to client " +
            "(\\d+)").matcher(text);
        while (worker.find())
        {
            flows += Long.parseLong(worker.group(1));
            toServer += Long.parseLong(worker.group(2));
            toClient += Long.parseLong(worker.group(3));
        }
        assertEquals(3, flows, text);
        assertEquals(395 + 728 + 377, toServer, text);
        assertEquals(610 + 384 + 441, toClient, text);
        assertTrue(text.contains("worker: segments 28"), text);
    }

    private static String endpoint(final Matcher name, final int group)
    {
        return Integer.parseInt(name.group(group)) + "." + Integer.parseInt(name.group(group + 1)) + "." +
            Integer.parseInt(name.group(group + 2)) + "." + Integer.parseInt(name.group(group + 3)) + ":" +
            Integer.parseInt(name.group(group + 4));
    }

    private static String printable(final String line)
    {
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < line.length(); i++)
        {
            final int b = line.charAt(i) & 0xFF;
            out.append(b >= 0x20 && b < 0x7F ? String.valueOf((char)b) : String.format("\\x%02x", b));
        }
        return out.toString();
    }

    private static String address(final String quoted)
    {
        try
        {
            return InetAddress.getByName(quoted.replace("\"", "")).getHostAddress();
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static String field(final String json, final String name)
    {
        final Matcher matcher = Pattern.compile("\"" + name + "\":(\"[^\"]*\"|[^,}]*)").matcher(json);
        return matcher.find() ? matcher.group(1) : "<none>";
    }
}
