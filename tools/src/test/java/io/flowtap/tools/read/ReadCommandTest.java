package io.flowtap.tools.read;

import io.flowtap.tools.Flowtap;
import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
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
}
