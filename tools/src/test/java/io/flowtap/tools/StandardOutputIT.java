package io.flowtap.tools;

import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Standard output that cannot be written, through the packaged launcher: {@code > /dev/full} is one line naming the
 * command and exit code 3, for every command that prints; a reader that closes the pipe early ({@code | head}) stops
 * the command quietly.
 */
class StandardOutputIT
{
    @TempDir
    Path dir;

    @Test
    void shouldSayInOneLineAndExitThreeWhenStandardOutputIsFull() throws Exception
    {
        final Path pcap = TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", dir);
        final Path journal = dir.resolve("journal");
        assertEquals(0, run(new File("/dev/null"), "read", pcap.toString(), "--journal", journal.toString()));

        final String[][] commands = {
            {"inspect", pcap.toString()},
            {"inspect", "--json", pcap.toString()},
            {"flows", pcap.toString()},
            {"journal", "cat", journal.toString()},
            {"journal", "stats", journal.toString()},
        };
        for (final String[] command : commands)
        {
            final int exitCode = run(new File("/dev/full"), command);
            final String err = Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
            final String name = command[0].equals("journal") ? "journal " + command[1] : command[0];
            assertEquals(3, exitCode, String.join(" ", command) + ": " + err);
            final List<String> errors = err.lines().filter(line -> line.contains("cannot write")).toList();
            assertEquals(List.of("flowtap " + name + ": cannot write standard output: No space left on device"),
                errors, err);
            assertFalse(err.contains("Exception"), err);
        }
    }

    @Test
    void shouldStopQuietlyWhenTheReaderClosesThePipe() throws Exception
    {
        // Large enough that the command is still writing when the reader goes away.
        final Path pcap = dir.resolve("big.pcap");
        assertEquals(0, run(new File("/dev/null"), "gen", "-o", pcap.toString(), "--packets", "100000",
            "--connections", "100", "--seed", "1"));
        final List<String> command = command("inspect", pcap.toString());
        final Process process = new ProcessBuilder(command).redirectError(dir.resolve("err.txt").toFile()).start();
        try (BufferedReader out = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            assertNotNull(out.readLine());
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        final String err = Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), err);
        assertFalse(err.contains("cannot write") || err.contains("Exception"), err);
        // It stopped early: far fewer frames were read than the file holds.
        assertTrue(err.startsWith("frames ") && Long.parseLong(err.substring(7, err.indexOf(':'))) < 100_000, err);
    }

    private int run(final File out, final String... args) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command(args)).redirectOutput(out)
            .redirectError(dir.resolve("err.txt").toFile()).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "flowtap did not finish");
        return process.exitValue();
    }

    private static List<String> command(final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("flowtap.launcher", "flowtap")).toString());
        command.addAll(List.of(args));
        return command;
    }
}
