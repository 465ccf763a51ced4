package io.flowtap.tools.journal;

import io.flowtap.tools.ExitCodes;
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

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code replay-wire}'s refusals, which need no network: one line and exit 1 for a journal it cannot read, exit 2 for
 * two paces at once. Sending is covered by {@code WireLiveTest}.
 */
class ReplayWireCommandTest
{
    @TempDir
    Path tempDir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return new CommandLine(new ReplayWireCommand().messages(new PrintStream(out, true, StandardCharsets.UTF_8)))
            .setErr(new PrintWriter(new StringWriter())).execute(args);
    }

    @Test
    void shouldSayInOneLineThatTheJournalIsMissingOrEmpty() throws IOException
    {
        final Path missing = tempDir.resolve("nothing");
        assertEquals(ExitCodes.INPUT_ERROR, run(missing.toString(), "-i", "lo"));
        assertEquals("flowtap journal replay-wire: journal " + missing + ": no such directory",
            out.toString(StandardCharsets.UTF_8).trim());

        out.reset();
        final Path empty = Files.createDirectories(tempDir.resolve("empty"));
        assertEquals(ExitCodes.INPUT_ERROR, run(empty.toString(), "-i", "lo"));
        assertEquals("flowtap journal replay-wire: journal " + empty + ": empty directory, nothing was journaled there",
            out.toString(StandardCharsets.UTF_8).trim());
    }

    @Test
    void shouldRefuseTwoPacesAtOnce()
    {
        assertEquals(ExitCodes.USAGE, run(tempDir.toString(), "-i", "lo", "--pps", "1000", "--top"));
        assertEquals(ExitCodes.USAGE, run(tempDir.toString(), "-i", "lo", "--speed", "2", "--pps", "1000"));
    }
}
