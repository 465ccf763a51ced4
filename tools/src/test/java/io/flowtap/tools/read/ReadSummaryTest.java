package io.flowtap.tools.read;

import io.flowtap.tools.Flowtap;
import io.flowtap.tools.streams.StreamsCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code read} says what its engines did, as {@code streams} does on the same capture: with small memcaps, the memcap
 * hits and the bytes dropped, the gaps and evictions, every counter of the engine (added up over the workers).
 */
class ReadSummaryTest
{
    @TempDir
    Path dir;

    @Test
    void shouldPrintTheEnginesCountersAsStreamsDoes()
    {
        final Path pcap = dir.resolve("lossy.pcap");
        final StringWriter err = new StringWriter();
        final CommandLine gen = Flowtap.commandLine().setErr(new PrintWriter(err, true));
        assertEquals(0, gen.execute("gen", "-o", pcap.toString(), "--packets", "20000", "--connections", "20",
            "--seed", "9", "--loss", "0.02", "--reorder", "0.05"), err::toString);

        final ByteArrayOutputStream streamsErr = new ByteArrayOutputStream();
        assertEquals(0, new CommandLine(new StreamsCommand().streams(
            new PrintStream(streamsErr, true, StandardCharsets.UTF_8))).execute(pcap.toString(), "-o",
            dir.resolve("streams").toString(), "--engine-memcap", "16k", "--flow-memcap", "4k"));
        final String streams = engineBlock(streamsErr.toString(StandardCharsets.UTF_8));
        assertTrue(streams.contains("  engine memcap hit "), streams);
        assertTrue(streams.contains("  bytes dropped at memcap "), streams);

        final StringWriter readErr = new StringWriter();
        final CommandLine read = Flowtap.commandLine().setErr(new PrintWriter(readErr, true));
        assertEquals(0, read.execute("read", pcap.toString(), "--engine-memcap", "16k", "--flow-memcap", "4k",
            "--no-progress"), readErr::toString);
        assertEquals(streams, engineBlock(readErr.toString()));

        // With two workers each engine has the memcap to itself: the counts differ, but they are all shown.
        final StringWriter twoErr = new StringWriter();
        assertEquals(0, Flowtap.commandLine().setErr(new PrintWriter(twoErr, true)).execute("read",
            pcap.toString(), "--engine-memcap", "16k", "--flow-memcap", "4k", "--workers", "2", "--no-progress"));
        assertTrue(engineBlock(twoErr.toString()).contains("  engine memcap hit "), twoErr::toString);
    }

    /**
     * @return the engine's lines: "segments N: tracked ..." and the indented counters after it.
     */
    private static String engineBlock(final String err)
    {
        final StringBuilder block = new StringBuilder();
        boolean in = false;
        for (final String line : err.lines().toList())
        {
            if (line.startsWith("segments "))
            {
                in = true;
            }
            else if (in && !line.startsWith("  "))
            {
                break;
            }
            if (in)
            {
                block.append(line).append('\n');
            }
        }
        return block.toString();
    }
}
