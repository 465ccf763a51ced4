package io.flowtap.tools.read;

import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.Flowtap;
import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadCommandTest
{
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        final CommandLine commandLine = Flowtap.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void readsAFileThroughTheWorkersAndAccountsForEveryFrame(final int workers) throws Exception
    {
        // A copy: the capture is a resource of the reassembly test-jar, inside a jar when the whole reactor builds.
        final Path file = TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", dir);
        assertEquals(0, run("read", file.toString(), "--workers", Integer.toString(workers), "--progress"),
            err.toString());
        final String text = err.toString();
        assertTrue(text.contains("flows 3, stream bytes delivered 2935"), text);
        assertTrue(text.contains("100.0%"), text);
        assertTrue(!text.contains("accounting does not add up"), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nothing-here.pcap"})
    void missingFileIsOneLineAndExitOne(final String name)
    {
        assertEquals(1, run("read", name));
        assertTrue(err.toString().startsWith("flowtap read: "), err.toString());
        assertEquals(1, err.toString().lines().count(), err.toString());
    }

    @Test
    void rulesActOnAFileButCannotSendResets() throws Exception
    {
        final Path file = TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", dir);
        final Path rules = dir.resolve("rules.txt");
        Files.writeString(rules, "# web only\n\ndrop nothing-here: dst port 9\n");
        assertEquals(0, run("read", file.toString(), "--rule", "reset web: dst port 80", "--rules", rules.toString()),
            err.toString());
        final String text = err.toString();
        assertEquals(3, text.lines().filter(line -> line.startsWith("flowtap read: rule 'web' reset flow ")).count(),
            text);
        assertTrue(text.matches("(?s).*active response: resets requested\\s+3\\n.*"), text);
        assertTrue(text.matches("(?s).*active response: resets not sent\\s+3\\n.*"), text);
        assertTrue(text.matches("(?s).*active response: reset frames sent\\s+0\\n.*"), text);
        assertTrue(!text.contains("accounting does not add up"), text);

        err.getBuffer().setLength(0);
        assertEquals(ExitCodes.USAGE, run("read", file.toString(), "--rule", "block: port 80"));
        assertTrue(err.toString().contains("unknown action 'block'"), err.toString());
    }
}
