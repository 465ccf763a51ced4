package io.flowtap.tools.flows;

import io.flowtap.reassembly.test.CaptureScript;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.Flowtap;
import io.flowtap.tools.replay.TestCaptures;
import io.flowtap.tools.streams.StreamsCommand;
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
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowsCommandTest
{
    @TempDir
    Path tempDir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        final FlowsCommand command = new FlowsCommand().streams(
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        // Usage errors print the help; keep it out of the build log.
        return new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true)
            .setErr(new PrintWriter(new StringWriter())).execute(args);
    }

    private List<String> lines()
    {
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void shouldPrintOneLinePerConnectionAsItEnds() throws IOException
    {
        final Path capture = TestCaptures.reusedFourTuple(tempDir.resolve("reuse.pcap"));

        assertEquals(0, run(capture.toString()));

        assertEquals(List.of(
            "1 2023-11-14T22:13:20.000000000Z 10.0.0.1:40000 -> 10.0.0.2:80 fin SF ShADdFf" +
                " packets 5/3 bytes 5/6 gaps 0/0",
            "2 2023-11-14T22:13:21.000000000Z 10.0.0.1:40000 -> 10.0.0.2:80 fin SF ShADdFf" +
                " packets 5/3 bytes 5/5 gaps 0/0"),
            lines());
        final String summary = err.toString(StandardCharsets.UTF_8);
        assertTrue(summary.contains("frames 16: tcp segments 16, not decoded 0"), summary);
        assertTrue(summary.contains("segments 16: tracked 16, ignored 0"), summary);
        assertTrue(summary.matches("(?s).*flows created\\s+2\\n.*"), summary);
    }

    @Test
    void shouldSplitConnectionsAfterARefusalAndAfterTheAttemptTimeoutUnlessTold() throws IOException
    {
        final CaptureScript refusedThrice = new CaptureScript(1000, 0);
        for (int i = 0; i < 3; i++)
        {
            refusedThrice.client(CaptureScript.SYN, 0, 0, "")
                .server(CaptureScript.RST | CaptureScript.ACK, 0, 1, "").after(500);
        }
        final Path refused = refusedThrice.write(tempDir.resolve("refused.pcap"));
        final Path late = new CaptureScript(1000, 0).client(CaptureScript.SYN, 0, 0, "").after(6_000)
            .client(CaptureScript.SYN, 0, 0, "").write(tempDir.resolve("late.pcap"));

        assertEquals(0, run("--no-summary", refused.toString()));
        assertEquals(3, lines().size(), out.toString(StandardCharsets.UTF_8));
        assertTrue(lines().stream().allMatch(line -> line.matches(".* rst REJ Sr packets 1/1 .*")), lines()::toString);
        out.reset();
        assertEquals(0, run("--no-summary", "--keep-refused", refused.toString()));
        assertEquals(1, lines().size(), out.toString(StandardCharsets.UTF_8));
        out.reset();

        assertEquals(0, run("--no-summary", late.toString()));
        assertEquals(2, lines().size(), out.toString(StandardCharsets.UTF_8));
        assertTrue(lines().stream().allMatch(line -> line.contains(" S0 S packets 1/0 ")), lines()::toString);
        out.reset();
        assertEquals(0, run("--no-summary", "--attempt-timeout", "10", late.toString()));
        assertEquals(List.of(" S0 S packets 2/0 "), lines().stream()
            .map(line -> line.substring(line.indexOf(" S0 "), line.indexOf(" bytes") + 1)).toList());
    }

    @Test
    void shouldNameTheVlanAndTheMissingBytes() throws IOException
    {
        final Path capture = TestCaptures.bundled(
            "suricata-verify__eve-payload-06-tcp-data-leading-gap__tcp-leading-gap.pcap", tempDir);

        assertEquals(0, run("--no-summary", capture.toString()));

        final String line = lines().get(0);
        assertTrue(line.matches("1 \\S+ 1\\.1\\.1\\.1:12345 -> 2\\.2\\.2\\.2:8080 vlan 6 \\S+ S1 \\S+ " +
            "packets \\d+/\\d+ " +
            "bytes 8/0 gaps 1/0 missing 4/0"), line);
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldPrintTheRecordsOfFlowsJsonlWithoutTheFileNames() throws IOException
    {
        final Path capture = TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", tempDir);
        final Path dir = tempDir.resolve("out");
        final StreamsCommand streams = new StreamsCommand().streams(new PrintStream(new ByteArrayOutputStream()));
        assertEquals(0, new CommandLine(streams).execute(capture.toString(), "--out", dir.toString()));

        assertEquals(0, run("--json", capture.toString()));

        final List<String> expected = Files.readAllLines(dir.resolve(StreamsCommand.FLOWS_FILE)).stream()
            .map(line -> line.replaceAll("\"file\":(null|\"[^\"]*\"),", ""))
            .toList();
        assertEquals(3, expected.size());
        assertEquals(expected, lines());
    }

    @Test
    void shouldSayClearlyWhenTheFileIsMissingAndRefuseABadCommandLine()
    {
        final Path missing = tempDir.resolve("nope.pcap");
        assertEquals(ExitCodes.INPUT_ERROR, run(missing.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("flowtap flows: " + missing),
            err.toString(StandardCharsets.UTF_8));

        final CommandLine commandLine = Flowtap.commandLine();
        final StringWriter help = new StringWriter();
        commandLine.setOut(new PrintWriter(help));
        commandLine.setErr(new PrintWriter(new StringWriter()));
        assertEquals(0, commandLine.execute("flows", "--help"));
        assertTrue(help.toString().contains("--overlap-policy"), help.toString());
        assertEquals(0, commandLine.execute("streams", "--help"));
        assertTrue(help.toString().contains("--gap-fill"), help.toString());
        assertEquals(ExitCodes.USAGE, commandLine.execute("flows", "--delivery", "later", missing.toString()));
        assertEquals(ExitCodes.USAGE, commandLine.execute("streams", missing.toString()));
    }

    @Test
    void shouldShowHttpAttributesWhenAsked() throws IOException
    {
        final Path capture = TestCaptures.bundled("suricata-verify__bug-130__input.pcap", tempDir);

        assertEquals(0, run("--no-summary", "--attributes", capture.toString()));
        final String line = lines().get(0);
        for (final String attribute : List.of(" HTTP-Method=GET", " URI=/publication/pub.home/home.html",
            " Host=www.abcdefghij.com", " User-Agent=Mozilla/5.0 (X11; U; Linux i686; fr; rv:1.9.0.6) " +
            "Gecko/2009011912 Firefox/3.0.6", " HTTP-Status=401", " Content-Type=text/html; charset=iso-8859-1"))
        {
            assertTrue(line.contains(attribute), line);
        }

        out.reset();
        assertEquals(0, run("--no-summary", "--json", "--attributes", capture.toString()));
        final String json = lines().get(0);
        assertTrue(json.contains("{\"event\":\"attribute\",\"direction\":\"to_server\",\"name\":\"Host\"," +
            "\"value\":\"www.abcdefghij.com\""), json);
        assertTrue(json.contains(
            "\"name\":\"HTTP-Header\",\"value\":\"GET /publication/pub.home/home.html HTTP/1.1\\r\\n"), json);

        out.reset();
        assertEquals(0, run("--no-summary", capture.toString()));
        assertTrue(!lines().get(0).contains("Host="), "attributes only when asked");
    }
}
