package io.flowtap.tools.read;

import io.flowtap.capture.ring.SmallDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reproduction, through the packaged launcher: {@code flowtap read g.pcap --journal DIR} with DIR on a
 * small tmpfs the test mounts. No trace, no SIGBUS, no hang: one line saying the disk is full, where reading
 * stopped, exit code 3, and a journal that {@code journal stats} reads to its last commit.
 */
class JournalFullDiskIT
{
    @TempDir
    Path dir;

    private record Result(int exitCode, String out, String err)
    {
    }

    @Test
    void shouldStopReadingWithOneLineWhenTheJournalsDiskFills() throws Exception
    {
        final Path pcap = dir.resolve("g.pcap");
        assertEquals(0, flowtap("gen", "-o", pcap.toString(), "--packets", "40000", "--connections", "200",
            "--seed", "7").exitCode());
        try (SmallDisk disk = SmallDisk.mount(dir, 6 << 20))
        {
            final Path journal = disk.path().resolve("j");
            final Result read = flowtap("read", pcap.toString(), "--journal", journal.toString());
            assertEquals(3, read.exitCode(), read.err());
            assertFalse(read.err().contains("Exception") || read.err().contains("Error"), read.err());
            assertTrue(read.err().contains("flowtap read: journal " + journal + ": no space left on the device " +
                "for journal file "), read.err());
            // The journal fills while the poller reads or while the workers finish what it read ahead of them.
            assertTrue(read.err().contains("flowtap read: stopped reading " + pcap + " at byte ") ||
                read.err().contains("flowtap read: read " + pcap + " to its end, but the workers had not journaled " +
                "all of it; the journal holds everything committed"), read.err());
            assertTrue(read.err().lines().anyMatch(line -> line.matches("journal " + journal +
                ": \\d+ events \\(\\d+ payload bytes\\) not journaled \\(--journal-full stop\\): .*")), read.err());

            final Result stats = flowtap("journal", "stats", journal.toString());
            assertEquals(0, stats.exitCode(), stats.err());
            assertEquals("", stats.err());
            assertTrue(stats.out().matches("(?s)events [1-9]\\d*, flows [1-9]\\d* .*"), stats.out());
        }
    }

    @Test
    void shouldReadToTheEndDroppingWhatDoesNotFitUnderDrop() throws Exception
    {
        final Path pcap = dir.resolve("g.pcap");
        assertEquals(0, flowtap("gen", "-o", pcap.toString(), "--packets", "40000", "--connections", "200",
            "--seed", "7").exitCode());
        final Result whole = flowtap("read", pcap.toString(), "--workers", "2");
        assertEquals(0, whole.exitCode(), whole.err());
        try (SmallDisk disk = SmallDisk.mount(dir, 6 << 20); SmallDisk rawDisk = SmallDisk.mount(dir, 6 << 20))
        {
            // The flow journal, and the raw-frame journal (written by the tap's own thread), each on a disk that fills.
            final Path journal = disk.path().resolve("j");
            final Path raw = rawDisk.path().resolve("r");
            final Result read = flowtap("read", pcap.toString(), "--journal", journal.toString(), "--raw-journal",
                raw.toString(), "--journal-full", "drop", "--workers", "2");
            assertEquals(3, read.exitCode(), "something was not journaled: " + read.err());
            assertFalse(read.err().contains("Exception") || read.err().contains("Error"), read.err());
            assertFalse(read.err().contains("stopped reading"), read.err());
            assertEquals(delivered(whole.err()), delivered(read.err()), "the whole file was read: " + read.err());
            assertTrue(read.err().lines().anyMatch(line -> line.matches("journal " + journal +
                ": \\d+ events \\(\\d+ payload bytes\\) not journaled \\(--journal-full drop\\): .*")), read.err());
            assertTrue(read.err().lines().anyMatch(line -> line.matches("journal " + raw +
                ": \\d+ frames \\(\\d+ frame bytes\\) not journaled \\(--journal-full drop\\): .*")), read.err());

            for (final Path each : List.of(journal, raw))
            {
                final Result stats = flowtap("journal", "stats", each.toString());
                assertEquals(0, stats.exitCode(), stats.err());
                assertEquals("", stats.err());
                assertTrue(stats.out().startsWith("events "), stats.out());
            }
        }
    }

    @Test
    void shouldRefuseAJournalOnADiskWithNoRoomForOne() throws Exception
    {
        final Path pcap = dir.resolve("g.pcap");
        assertEquals(0, flowtap("gen", "-o", pcap.toString(), "--packets", "1000", "--connections", "10",
            "--seed", "7").exitCode());
        try (SmallDisk disk = SmallDisk.mount(dir, 1 << 20))
        {
            final Path journal = disk.path().resolve("j");
            final Result read = flowtap("read", pcap.toString(), "--journal", journal.toString());
            assertEquals(3, read.exitCode(), read.err());
            assertTrue(read.err().strip().matches("flowtap read: journal " + journal + ": no room on its file " +
                "system \\(\\d+ bytes free, a journal needs at least \\d+ to start\\)"), read.err());
        }
    }

    /**
     * @return the summary's line of flows and stream bytes delivered.
     */
    private static String delivered(final String err)
    {
        return err.lines().filter(line -> line.matches("flows \\d+, stream bytes delivered \\d+")).findFirst()
            .orElse("no line of flows and bytes delivered in: " + err);
    }

    private Result flowtap(final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("flowtap.launcher", "flowtap")).toString());
        command.addAll(List.of(args));
        final Path out = dir.resolve("out.txt");
        final Path err = dir.resolve("err.txt");
        final Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
            .start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "flowtap did not finish");
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    }
}
