package io.flowtap.tools.journal;

import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.test.Recorder;
import io.flowtap.tools.Flowtap;
import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flowtap journal replay}: a handler replayed over a journal gets what it got from the engine on the capture
 * the journal was written from, flow by flow, in the same order; and the recorded pace is kept, scaled.
 */
class JournalReplayTest
{
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private Path journal(final Path capture) throws IOException
    {
        final Path journal = dir.resolve("journal-" + capture.getFileName());
        final CommandLine commandLine = Flowtap.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        assertEquals(0, commandLine.execute("read", capture.toString(), "--journal", journal.toString(),
            "--no-progress"), err::toString);
        return journal;
    }

    private Recorder replay(final Path journal, final String... options)
    {
        final JournalReplayCommand command = new JournalReplayCommand();
        final CommandLine commandLine = new CommandLine(command);
        commandLine.setErr(new PrintWriter(err, true));
        final List<String> args = new ArrayList<>(List.of(journal.toString(), "--handler",
            Recorder.class.getName()));
        args.addAll(Arrays.asList(options));
        assertEquals(0, commandLine.execute(args.toArray(new String[0])), err::toString);
        return (Recorder)command.handlers().get(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "pcapplusplus__three_http_streams.pcap",
        "pcapplusplus__one_ipv6_http_stream.pcap",
        "pcapplusplus__one_tcp_stream_max_seq.pcap",
        "pcapplusplus__one_http_stream_rst.pcap",
        "suricata-verify__eve-overlap-payload-04-partial-overlap__tcp-overlap2.pcap",
        "suricata-verify__tcp-rst-unacked-stream-03-gap__input.pcap",
        "suricata-verify__tcp-split-handshake-02-5whs__split-handshake-5whs.pcap"})
    void aHandlerGetsFromTheJournalWhatItGotFromTheEngine(final String name) throws IOException
    {
        final Path capture = TestCaptures.bundled(name, dir);
        final Recorder live = Recorder.replay(capture, new EngineContext());
        final Recorder replayed = replay(journal(capture), "--fast");

        assertFalse(live.flows.isEmpty(), name);
        assertEquals(live.flows.keySet(), replayed.flows.keySet(), name);
        for (final Recorder.FlowLog expected : live.flows.values())
        {
            final Recorder.FlowLog actual = replayed.flows.get(expected.id);
            final String what = name + " flow " + expected.id;
            assertEquals(expected.client, actual.client, what);
            assertEquals(expected.server, actual.server, what);
            assertEquals(expected.events, actual.events, what);
            assertEquals(expected.text(0), actual.text(0), what);
            assertEquals(expected.text(1), actual.text(1), what);
            assertEquals(expected.endReason, actual.endReason, what);
            assertEquals(expected.history, actual.history, what);
            assertEquals(expected.connected, actual.connected, what);
            assertEquals(Arrays.toString(expected.packets), Arrays.toString(actual.packets), what);
            assertEquals(Arrays.toString(expected.wireBytes), Arrays.toString(actual.wireBytes), what);
            assertEquals(Arrays.toString(expected.synFlags), Arrays.toString(actual.synFlags), what);
            assertEquals(Arrays.toString(expected.fin), Arrays.toString(actual.fin), what);
            assertEquals(Arrays.toString(expected.rst), Arrays.toString(actual.rst), what);
            assertEquals(Arrays.toString(expected.eofs), Arrays.toString(actual.eofs), what);
            assertEquals(expected.terminated, actual.terminated, what);
        }
        assertTrue(Arrays.equals(live.all.toByteArray(), replayed.all.toByteArray()), name);
    }

    @Test
    void keepsTheRecordedPaceScaledBySpeed() throws IOException
    {
        // The capture's events span 0.204 s: at a fifth of the speed the replay takes about a second.
        final Path journal = journal(TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", dir));
        final long slowStartNs = System.nanoTime();
        replay(journal, "--speed", "0.2");
        final double slowSeconds = (System.nanoTime() - slowStartNs) / 1e9;
        final long fastStartNs = System.nanoTime();
        replay(journal, "--fast");
        final double fastSeconds = (System.nanoTime() - fastStartNs) / 1e9;

        assertTrue(slowSeconds >= 0.95 && slowSeconds < 10, "speed 0.2 took " + slowSeconds + " s");
        assertTrue(fastSeconds < slowSeconds - 0.5, "fast took " + fastSeconds + " s, paced " + slowSeconds + " s");
    }

    @Test
    void refusesAClassThatIsNotAHandler() throws IOException
    {
        final Path journal = journal(TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", dir));
        final CommandLine commandLine = Flowtap.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        assertEquals(2, commandLine.execute("journal", "replay", journal.toString(), "--handler", "java.lang.Object"));
        assertTrue(err.toString().contains("--handler java.lang.Object: java.lang.Object is neither a TcpHandler nor a "
            + "TcpHandlerFactory"), err::toString);
    }
}
