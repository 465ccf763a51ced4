package io.flowtap.tools.capture;

import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.ring.SmallDisk;
import io.flowtap.perf.load.LoadNamespace;
import io.flowtap.pipeline.stats.CountersFileReader;
import io.flowtap.tools.LauncherProcesses.Result;
import io.flowtap.tools.LiveLauncherTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A soak of a live sensor: {@code capture --journal --workers 2} on a veth pair while {@code flowtap blast} loops a
 * generated capture of short connections (opened, a request and a response, closed) through the pair at a steady
 * rate, for {@value #SECONDS_PROP_NAME} seconds (30 in the suite; the benchmark in {@code perf/RESULTS.md} runs 600).
 * The journal rolls every second and keeps 20 cycles, on a tmpfs the test mounts. Sampled every 2 s from outside:
 * the process's resident set, and from its counters file the JVM's heap and direct memory, frames, drops and open
 * flows.
 * <p>
 * It passes when, after a warm-up of a fifth of the run: the resident set and direct memory stay flat, no frame is
 * dropped (by the kernel, or on a full queue), the number of open flows stays bounded (flows end as fast as they
 * start), and the stopped sensor's accounting adds up (exit code 0). The samples are printed as a table.
 */
@Tag("live")
class SensorSoakIT extends LiveLauncherTest
{
    /** System property: how long to soak, in seconds. */
    static final String SECONDS_PROP_NAME = "flowtap.soak.seconds";
    private static final long SECONDS_DEFAULT = 30;
    private static final long PPS = 20_000;
    private static final long SAMPLE_MS = 2_000;
    /** Resident set growth allowed after warm-up: a fraction of it, plus the JVM's slack (code cache, metaspace). */
    private static final double RSS_GROWTH_FRACTION = 0.10;
    private static final long RSS_GROWTH_SLACK = 48L << 20;

    private record Sample(long ms, long rssBytes, long heapBytes, long directBytes, long frames, long kernelDrops,
        long queueDrops, long flowsActive, long journalBytes)
    {
    }

    @Test
    void shouldKeepMemoryFlatAndDropNothingUnderSteadyChurn() throws Exception
    {
        final long seconds = Long.getLong(SECONDS_PROP_NAME, SECONDS_DEFAULT);
        try (SmallDisk disk = SmallDisk.mount(tempDir, 2L << 30);
            LoadNamespace namespace = LoadNamespace.create())
        {
            final Path pcap = disk.path().resolve("churn.pcap");
            final Result gen = launcher.await(launcher.start(List.of(), "gen", "-o", pcap.toString(), "--packets",
                "200000", "--connections", "2000", "--seed", "14", "--frame-size", "200"));
            assertEquals(0, gen.exitCode(), gen.err());

            final Path journal = disk.path().resolve("journal");
            final Path counters = disk.path().resolve("sensor.counters");
            final Process sensor = launcher.start(List.of(), "capture", "-i", namespace.hostInterface(), "--workers",
                "2", "--journal", journal.toString(), "--roll-cycle", "secondly", "--retain-cycles", "20",
                "--counters", counters.toString(), "--stats-interval", "0");
            launcher.awaitStandardError(sensor, "flowtap capture: listening on ");

            final List<String> inNamespace = List.of(LiveNetwork.ipCommand(), "netns", "exec", namespace.namespace());
            final Process blaster = launcher.start(inNamespace, "blast", "-i", namespace.peerInterface(),
                pcap.toString(), "--pps", Long.toString(PPS), "--loop", "0", "--duration", Long.toString(seconds));

            final List<Sample> samples = new ArrayList<>();
            final long startNs = System.nanoTime();
            while (blaster.isAlive())
            {
                Thread.sleep(SAMPLE_MS);
                samples.add(sample(sensor.pid(), counters, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs)));
            }
            final Result blast = launcher.await(blaster);
            assertEquals(0, blast.exitCode(), blast.err());
            Thread.sleep(2_000);
            samples.add(sample(sensor.pid(), counters, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs)));

            sensor.destroy();
            final Result result = launcher.await(sensor);
            print(seconds, samples, blast.out());
            assertEquals(0, result.exitCode(), result.err());
            assertFalse(result.err().contains("accounting does not add up"), result.err());
            assertFalse(result.err().contains("Exception"), result.err());

            final Sample last = samples.get(samples.size() - 1);
            assertEquals(0, last.kernelDrops(), "kernel drops");
            assertEquals(0, last.queueDrops(), "drops on a full queue");
            assertTrue(last.frames() > PPS * seconds / 2, "frames " + last.frames());
            final List<Sample> steady = samples.subList(Math.max(1, samples.size() / 5), samples.size());
            final long rssFirst = steady.get(0).rssBytes();
            final long rssMax = steady.stream().mapToLong(Sample::rssBytes).max().orElse(0);
            assertTrue(rssMax - rssFirst <= rssFirst * RSS_GROWTH_FRACTION + RSS_GROWTH_SLACK,
                "resident set grew from " + rssFirst + " to " + rssMax + " after warm-up");
            final long directMin = steady.stream().mapToLong(Sample::directBytes).min().orElse(0);
            final long directMax = steady.stream().mapToLong(Sample::directBytes).max().orElse(0);
            assertTrue(directMax - directMin <= (1L << 20), "direct memory from " + directMin + " to " + directMax);
            final long flowsMax = steady.stream().mapToLong(Sample::flowsActive).max().orElse(0);
            assertTrue(flowsMax < 2 * 2000, "open flows " + flowsMax + ": flows must end as fast as they start");
        }
    }

    private static Sample sample(final long pid, final Path counters, final long ms) throws IOException
    {
        long rss = 0;
        for (final String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "status")))
        {
            if (line.startsWith("VmRSS:"))
            {
                rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        try (CountersFileReader reader = CountersFileReader.open(counters))
        {
            final Map<String, Long> values = reader.values();
            long flows = 0;
            for (final Map.Entry<String, Long> value : values.entrySet())
            {
                flows += value.getKey().endsWith(": flows active") ? value.getValue() : 0;
            }
            return new Sample(ms, rss, values.getOrDefault("jvm: heap used bytes", -1L),
                values.getOrDefault("jvm: direct memory bytes", -1L), values.getOrDefault("decode: frames", 0L),
                values.getOrDefault("ring: kernel drops", 0L),
                values.getOrDefault("hand-off: segments dropped, queue full", 0L), flows,
                values.getOrDefault("journal: payload bytes", 0L));
        }
    }

    private static void print(final long seconds, final List<Sample> samples, final String blast)
    {
        final StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
            "SensorSoakIT: %d s at %d pps, capture --journal --workers 2%n", seconds, PPS));
        out.append("| s | RSS MiB | heap MiB | direct MiB | frames | kernel drops | queue drops | open flows | ")
            .append("journal MiB |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final Sample s : samples)
        {
            out.append(String.format(Locale.ROOT, "| %d | %.1f | %.1f | %.1f | %d | %d | %d | %d | %.1f |%n",
                s.ms() / 1000, s.rssBytes() / 1048576.0, s.heapBytes() / 1048576.0, s.directBytes() / 1048576.0,
                s.frames(), s.kernelDrops(), s.queueDrops(), s.flowsActive(), s.journalBytes() / 1048576.0));
        }
        out.append("blaster: ").append(blast.strip().replace('\n', ' ')).append('\n');
        System.out.print(out);
    }
}
