package io.flowtap.tools;

import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.file.PcapTestWriter;
import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged jar through the {@code tools/flowtap} launcher, in a process of its own, as a user runs it.
 */
class LauncherIT
{
    @TempDir
    Path tempDir;

    private record Result(int exitCode, String out, String err)
    {
    }

    private Result flowtap(final String... args) throws IOException, InterruptedException
    {
        return run(List.of(), args);
    }

    private Result run(final List<String> prefix, final String... args) throws IOException, InterruptedException
    {
        final Path launcher = Paths.get(System.getProperty("flowtap.launcher", "flowtap"));
        final List<String> command = new ArrayList<>(prefix);
        command.add(launcher.toString());
        command.addAll(List.of(args));
        final Path out = tempDir.resolve("out.txt");
        final Path err = tempDir.resolve("err.txt");
        final Process process = new ProcessBuilder(command)
            .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "flowtap did not finish");
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void shouldInspectACaptureWithNothingButTheSummaryOnStandardError() throws Exception
    {
        final Path pcap = new PcapTestWriter(ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 65535,
            LinkType.ETHERNET).record(1_600_000_000L, 5, PacketBuilder.ethernet().build(), 54)
            .writeTo(tempDir.resolve("one.pcap"));

        final Result result = flowtap("inspect", pcap.toString());

        assertEquals(0, result.exitCode(), result.err());
        assertEquals(1, result.out().lines().count(), result.out());
        assertTrue(result.out().startsWith("1 2020-09-13T12:26:40.000005000Z 10.0.0.1:40000 > 10.0.0.2:80"),
            result.out());
        // No library banners or warnings: the counters summary is all a normal run writes to stderr.
        assertEquals("frames 1: tcp segments 1, not decoded 0", result.err().strip(), result.err());
    }

    @Test
    void shouldWriteStreamFilesAndFlowRecordsThroughTheLauncher() throws Exception
    {
        final Path pcap = TestCaptures.bundled("pcapplusplus__one_tcp_stream.pcap", tempDir);
        final Path out = tempDir.resolve("streams");

        final Result result = flowtap("streams", pcap.toString(), "--out", out.toString());

        assertEquals(0, result.exitCode(), result.err());
        assertEquals("", result.out());
        assertEquals(9948, Files.size(out.resolve("010.000.000.001.61541-081.218.072.015.00080")));
        assertEquals(12444, Files.size(out.resolve("081.218.072.015.00080-010.000.000.001.61541")));
        final List<String> records = Files.readAllLines(out.resolve("flows.jsonl"));
        assertEquals(1, records.size());
        assertTrue(records.get(0).startsWith("{\"flow\":1,\"ip_version\":4,\"client\":\"10.0.0.1\""), records.get(0));
        // The counters and the summary line, and nothing else: no library banners or warnings.
        assertTrue(result.err().startsWith("frames 36: tcp segments 36, not decoded 0\nsegments 36: tracked 36,"),
            result.err());
        assertTrue(result.err().strip().endsWith("streams: 1 connections, 2 files in " + out), result.err());

        final Result flows = flowtap("flows", "--no-summary", pcap.toString());
        assertEquals(0, flows.exitCode(), flows.err());
        assertEquals("", flows.err());
        assertTrue(flows.out().startsWith("1 2017-04-06T22:06:23.915793000Z 10.0.0.1:61541 -> 81.218.72.15:80 "
            + "shutdown S1 ShADTad packets 18/18 bytes 9948/12444 gaps 0/0"), flows.out());
    }

    @Test
    void shouldSayInOneLineThatAFileCannotBeReadByThisUser() throws Exception
    {
        // As root, permissions do not bind; run flowtap as nobody so the refusal is real.
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to switch to an unprivileged user");
        assumeTrue(Files.isExecutable(Paths.get("/usr/bin/setpriv")), "needs setpriv (util-linux)");
        final Path dir = Files.createDirectory(tempDir.resolve("shared"));
        Files.setPosixFilePermissions(tempDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path secret = new PcapTestWriter(ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 65535,
            LinkType.ETHERNET).writeTo(dir.resolve("secret.pcap"));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));

        final Result result = run(
            List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
            "inspect", "--no-summary", secret.toString());

        assertEquals(1, result.exitCode(), result.err());
        assertEquals("", result.out());
        assertEquals("flowtap inspect: " + secret + ": cannot be read: permission denied at byte offset 0",
            result.err().strip());
    }

    @Test
    void shouldPrintTheVersionAndRefuseABadCommandLine() throws Exception
    {
        final Result version = flowtap("--version");
        assertEquals(0, version.exitCode());
        assertTrue(version.out().startsWith("flowtap 0."), version.out());

        final Result bad = flowtap("inspect", "--nope", "x.pcap");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("Unknown option: '--nope'"), bad.err());
    }
}
