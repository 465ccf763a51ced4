package io.flowtap.tools.read;

import io.flowtap.capture.test.Peers;
import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A capture on standard input, through the packaged launcher: {@code flowtap read -} and {@code flowtap streams -}
 * give what they give for the file itself, whether the bytes come in a trickle from a pipe or from tcpdump writing
 * to standard output.
 */
class StandardInputIT
{
    @TempDir
    Path dir;

    @Test
    void shouldReadAPcapTrickledIntoStandardInputAsTheFile() throws Exception
    {
        final Path pcap = TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", dir);
        final String fromFile = summary(run(null, "read", pcap.toString(), "--journal", dir.resolve("a").toString()));

        final List<String> command = command("read", "-", "--journal", dir.resolve("b").toString());
        final Process process = new ProcessBuilder(command).redirectError(dir.resolve("err.txt").toFile())
            .redirectOutput(dir.resolve("out.txt").toFile()).start();
        try (OutputStream in = process.getOutputStream())
        {
            final byte[] bytes = Files.readAllBytes(pcap);
            for (int at = 0; at < bytes.length; at += 333)
            {
                in.write(bytes, at, Math.min(333, bytes.length - at));
                in.flush();
                Thread.sleep(1);
            }
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        final String err = Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), err);
        assertEquals(fromFile, summary(err));
    }

    @Test
    void shouldReadWhatTcpdumpWritesToStandardOutput() throws Exception
    {
        final String tcpdump = Peers.require("tcpdump");
        final Path pcap = TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", dir);
        final Path fromFile = dir.resolve("from-file");
        final Path fromTcpdump = dir.resolve("from-tcpdump");
        assertEquals(0, exitCode(run(null, "streams", pcap.toString(), "-o", fromFile.toString())));

        final String launcher = Paths.get(System.getProperty("flowtap.launcher", "flowtap")).toString();
        final Process pipeline = new ProcessBuilder("bash", "-o", "pipefail", "-c", "'" + tcpdump + "' -r '" + pcap +
            "' -w - 2>/dev/null | '" + launcher + "' streams - -o '" + fromTcpdump + "'")
            .redirectErrorStream(true).redirectOutput(dir.resolve("pipeline.txt").toFile()).start();
        assertTrue(pipeline.waitFor(60, TimeUnit.SECONDS));
        final String output = Files.readString(dir.resolve("pipeline.txt"), StandardCharsets.UTF_8);
        assertEquals(0, pipeline.exitValue(), output);
        try (var files = Files.list(fromFile))
        {
            for (final Path file : files.toList())
            {
                assertTrue(Files.exists(fromTcpdump.resolve(file.getFileName())), file + "; " + output);
                if (!file.getFileName().toString().endsWith(".jsonl"))
                {
                    assertEquals(-1, Files.mismatch(file, fromTcpdump.resolve(file.getFileName())), file.toString());
                }
            }
        }
    }

    private String run(final Path input, final String... args) throws IOException, InterruptedException
    {
        final ProcessBuilder builder = new ProcessBuilder(command(args)).redirectError(dir.resolve("err.txt").toFile())
            .redirectOutput(dir.resolve("out.txt").toFile());
        if (input != null)
        {
            builder.redirectInput(input.toFile());
        }
        final Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return process.exitValue() + "\n" + Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
    }

    private static int exitCode(final String run)
    {
        return Integer.parseInt(run.substring(0, run.indexOf('\n')));
    }

    /**
     * @return the lines of a read's summary that do not depend on timing or the file's name.
     */
    private static String summary(final String err)
    {
        final StringBuilder out = new StringBuilder();
        for (final String line : err.lines().toList())
        {
            if (line.startsWith("decode:") || line.startsWith("flows ") || line.startsWith("hand-off: segments") ||
                line.startsWith("journal ") && line.contains("payload bytes"))
            {
                out.append(line.replaceAll("journal \\S+", "journal J")).append('\n');
            }
        }
        return out.toString();
    }

    private static List<String> command(final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("flowtap.launcher", "flowtap")).toString());
        command.addAll(List.of(args));
        return command;
    }
}
