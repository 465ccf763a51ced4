package io.flowtap.tools;

import io.flowtap.tools.flows.FlowsCommand;
import io.flowtap.tools.replay.TestCaptures;
import io.flowtap.tools.streams.StreamsCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Options a hostile or careless user gives: every numeric option out of its range, and options whose memory the
 * machine does not have, are one line naming the option and its range (exit code 2), before anything is allocated;
 * never a trace, an {@link OutOfMemoryError} or a run that ignores them.
 */
class HostileOptionsTest
{
    @TempDir
    static Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        final CommandLine commandLine = Flowtap.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    static Stream<Arguments> outOfRange() throws IOException
    {
        final String pcap = TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", dir).toString();
        return Stream.of(
            Arguments.of(List.of("read", pcap, "--queue-capacity", "2147483647"),
                "--queue-capacity must be from 1 to 1048576, not 2147483647"),
            Arguments.of(List.of("read", pcap, "--queue-capacity", "0"),
                "--queue-capacity must be from 1 to 1048576, not 0"),
            Arguments.of(List.of("read", pcap, "--max-flows", "2147483647"),
                "--max-flows must be from 1 to 16777216, not 2147483647"),
            Arguments.of(List.of("streams", pcap, "-o", dir.resolve("s").toString(), "--max-flows", "-5"),
                "--max-flows must be from 1 to 16777216, not -5"),
            Arguments.of(List.of("read", pcap, "--workers", "65"), "--workers must be from 1 to 64, not 65"),
            Arguments.of(List.of("read", pcap, "--worker-cpus", "99"),
                "--worker-cpus: cpu 99 is not available to this process (available: "),
            Arguments.of(List.of("read", pcap, "--retain-cycles", "-1"),
                "--retain-cycles must be from 0 to 1000000, not -1"),
            Arguments.of(List.of("read", pcap, "--histogram-interval", "0"),
                "--histogram-interval must be more than 0.0 and at most 3600.0, not 0.0"),
            Arguments.of(List.of("inspect", "-c", "-1", pcap),
                "--count must be from 1 to 9223372036854775807, not -1"),
            Arguments.of(List.of("capture", "-i", "lo", "--duration", "0"),
                "--duration must be from 1 to 31536000, not 0"),
            Arguments.of(List.of("capture", "-i", "lo", "--blocks", "100000"),
                "--blocks must be from 1 to 65535, not 100000"),
            Arguments.of(List.of("capture", "-i", "lo", "--cpus", "4096"),
                "--cpus: cpu 4096 is not available to this process (available: "),
            Arguments.of(List.of("journal", "stats", dir.toString(), "--top", "-1"),
                "--top must be from 0 to 100000"),
            Arguments.of(List.of("streams", pcap, "-o", dir.resolve("s").toString(), "--max-open-files", "0"),
                "--max-open-files must be from 1 to 1000000, not 0"),
            Arguments.of(List.of("stats", dir.resolve("none").toString(), "--interval", "-1"),
                "--interval must be more than 0.0 and at most 86400.0, not -1.0"),
            Arguments.of(List.of("journal", "replay", dir.toString(), "--handler", "x", "--speed", "0"),
                "--speed must be more than 0.0 and at most 1000000.0, not 0.0"),
            // Within range one by one, too much together: the sums are checked before anything is allocated.
            Arguments.of(List.of("read", pcap, "--queue-capacity", "1000000", "--workers", "64"),
                "these options need about "),
            Arguments.of(List.of("read", pcap, "--max-flows", "16000000", "--workers", "4"),
                "these options need about "),
            // The fragment reassembler's tables, made at the first fragment, are in the sums too.
            Arguments.of(List.of("read", pcap, "--defrag-datagrams", "1000000", "--defrag-fragments", "200"),
                "these options need about "),
            Arguments.of(List.of("streams", pcap, "-o", dir.resolve("s").toString(), "--defrag-datagrams",
                "1048576", "--defrag-fragments", "1024"),
                "defrag datagrams (1048576) times fragments per datagram (1024) is too many to track"));
    }

    @ParameterizedTest
    @MethodSource("outOfRange")
    void shouldRefuseInOneLineBeforeAllocatingAnything(final List<String> args, final String message)
    {
        assertEquals(2, run(args.toArray(new String[0])), err::toString);
        final List<String> lines = err.toString().lines().toList();
        assertTrue(lines.get(0).startsWith(message), err::toString);
        // The line, and where the options are: not the whole usage burying it.
        final String command = args.get(0).equals("journal") ? "journal " + args.get(1) : args.get(0);
        assertEquals(List.of(lines.get(0), "Try 'flowtap " + command + " --help' for the options."), lines);
        assertFalse(err.toString().contains("Exception") || err.toString().contains("\tat "), err::toString);
    }

    /**
     * {@code streams} and {@code flows} write their summaries to their own streams: run them with test ones.
     */
    private int runWithStreams(final Object command, final String... args)
    {
        final java.io.ByteArrayOutputStream outBytes = new java.io.ByteArrayOutputStream();
        final java.io.ByteArrayOutputStream errBytes = new java.io.ByteArrayOutputStream();
        final java.io.PrintStream outStream = new java.io.PrintStream(outBytes, true, StandardCharsets.UTF_8);
        final java.io.PrintStream errStream = new java.io.PrintStream(errBytes, true, StandardCharsets.UTF_8);
        final Object wired = command instanceof FlowsCommand flows ? flows.streams(outStream, errStream) :
            ((StreamsCommand)command).streams(errStream);
        final int exitCode = new CommandLine(wired).setCaseInsensitiveEnumValuesAllowed(true)
            .setErr(new PrintWriter(err, true)).execute(args);
        out.append(outBytes.toString(StandardCharsets.UTF_8));
        err.append(errBytes.toString(StandardCharsets.UTF_8));
        return exitCode;
    }

    @Test
    void shouldNameTheOptionsAndAmountsWhenMemoryDoesNotFit() throws IOException
    {
        final String pcap = TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", dir).toString();
        assertEquals(2, run("read", pcap, "--engine-memcap", "1g", "--workers", "8"), err::toString);
        final String line = err.toString().lines().findFirst().orElseThrow();
        assertTrue(line.matches("these options need about [0-9.]+ GiB of (direct memory|Java heap|memory) \\(8 " +
            "engines of --max-flows 65536 and --engine-memcap 1073741824: [0-9.]+ GiB, 8 queues of " +
            "--queue-capacity 4096: [0-9.]+ MiB, 1 decoder of --defrag-datagrams 4096, --defrag-fragments 64 and " +
            "--defrag-memcap 16777216: [0-9.]+ MiB\\), more than the [0-9.]+ [GMT]iB this (JVM may use|machine has " +
            "available).*"), line);
    }

    @Test
    void shouldNotWriteFlowRecordsThroughAPlantedSymbolicLink() throws IOException
    {
        final String pcap = TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", dir).toString();
        final Path out = Files.createDirectories(dir.resolve("shared-out"));
        final Path victim = Files.writeString(dir.resolve("victim.txt"), "precious");
        Files.createSymbolicLink(out.resolve("flows.jsonl"), victim);

        assertEquals(3, runWithStreams(new StreamsCommand(), pcap, "-o", out.toString()), err::toString);
        assertEquals("precious", Files.readString(victim));
        assertTrue(err.toString().contains(out.resolve("flows.jsonl") + " is a symbolic link, not followed"),
            err::toString);

        final Path journal = dir.resolve("journal-for-export");
        assertEquals(0, run("read", pcap, "--journal", journal.toString(), "--no-progress"), err::toString);
        err.getBuffer().setLength(0);
        assertEquals(3, run("journal", "export", journal.toString(), "--out", out.toString()), err::toString);
        assertEquals("precious", Files.readString(victim));
        assertTrue(err.toString().contains(" is a symbolic link, not followed"), err::toString);
    }

    @Test
    void shouldIgnoreBadChecksumsUnderVerifyInsteadOfAssumingOffload() throws IOException
    {
        // Every TCP checksum of this capture is bad, as on a host with offload: auto finds the hosts offloading
        // (their peers acknowledge the bad segments) and keeps the segments; verify must not.
        final Path generated = dir.resolve("generated.pcap");
        assertEquals(0, run("gen", "-o", generated.toString(), "--packets", "2000", "--connections", "3", "--seed",
            "3"), err::toString);
        final Path offloaded = badChecksums(generated);
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertEquals(0, runWithStreams(new FlowsCommand(), offloaded.toString()), err::toString);
        assertTrue(err.toString().contains("checksum offload: "), err::toString);
        final long autoFlows = out.toString().lines().count();
        assertTrue(autoFlows >= 3, out::toString);

        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertEquals(0, runWithStreams(new FlowsCommand(), offloaded.toString(), "--checksum", "verify"),
            err::toString);
        assertFalse(err.toString().contains("checksum offload"), err::toString);
        assertEquals("", out.toString(), "every segment ignored, no flow");
    }

    /**
     * @return a copy of a classic pcap of Ethernet/IPv4/TCP frames with every TCP checksum off by one.
     */
    private static Path badChecksums(final Path pcap) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(pcap);
        final java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        final List<Integer> records = new ArrayList<>();
        for (int at = 24; at + 16 <= bytes.length; at += 16 + buffer.getInt(at + 8))
        {
            records.add(at);
        }
        for (final int record : records)
        {
            final int frame = record + 16;
            final int ipHeader = frame + 14;
            final boolean ipv4 = (bytes[ipHeader] & 0xF0) == 0x40;
            final int tcpChecksum = ipHeader + (ipv4 ? (bytes[ipHeader] & 0x0F) * 4 : 40) + 16;
            bytes[tcpChecksum + 1]++;
        }
        return Files.write(dir.resolve("bad-checksums.pcap"), bytes);
    }
}
