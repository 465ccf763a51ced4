package io.flowtap.tools.loadtest;

import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.test.Peers;
import io.flowtap.perf.load.LoadNamespace;
import io.flowtap.pipeline.stats.Stage;
import io.flowtap.tools.Flowtap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flowtap loadtest} for real, briefly: the report has every field for flowtap and tcpdump, the histogram log
 * has every stage, and the namespace is gone afterwards, also when the run is stopped with SIGTERM part way. Skips
 * without root or {@code ip} unless {@value LiveNetwork#REQUIRE_ENV} is set; the comparison with tcpdump skips, with
 * the reason, when tcpdump is not installed (and fails under the same variable).
 */
@Tag("live")
class LoadtestCommandLiveTest
{
    private static final Pattern NAMESPACE = Pattern.compile("namespace (flowtap-load-\\d+)");
    private static final Pattern FLOWTAP_ROW = Pattern.compile(
        "\\| 20,000 \\| flowtap \\| ([0-9,]+) \\| ([0-9,]+) \\| ([0-9,]+) \\| ([0-9,]+) \\| ([0-9,]+) \\| " +
        "queue full (\\d+), not decoded (\\d+), unread at close (\\d+), worker errors (\\d+) \\| ([0-9,]+) \\| " +
        "(\\d+) \\| (\\d+) / (\\d+) \\| (\\d+) \\| (yes|no) \\|");
    private static final Pattern TCPDUMP_ROW = Pattern.compile(
        "\\| 20,000 \\| tcpdump \\| ([0-9,]+) \\| ([0-9,]+) \\| ([0-9,]+) \\| ([0-9,]+) \\| ([0-9,]+) \\| - \\| " +
        "([0-9,]+) \\| (\\d+) \\| - \\| (\\d+) \\| (yes|no) \\|");
    private static final Pattern PERCENTILES = Pattern.compile("[0-9.]+ / [0-9.]+ / [0-9.]+ / [0-9.]+");

    @TempDir
    Path tempDir;

    @BeforeEach
    void requireLiveNetwork()
    {
        LiveNetwork.require();
    }

    @Test
    void shouldReportEveryFieldForFlowtapAndTcpdumpAndRemoveTheNamespace() throws IOException
    {
        Peers.require("tcpdump");
        final Path log = tempDir.resolve("load.hlog");
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertTrue(Flowtap.commandLine().getSubcommands().containsKey("loadtest"));
        final LoadtestCommand command = new LoadtestCommand().messages(new PrintStream(bytes, true,
            StandardCharsets.UTF_8));
        final int exit = new picocli.CommandLine(command).execute("--rate", "20k", "--duration", "1",
            "--warmup", "0.5", "--traffic-packets", "20000", "--compare", "tcpdump", "--histogram-log",
            log.toString(), "--size", "mix", "--settle-ms", "1200", "--journal", tempDir.resolve("journal").toString());
        final String report = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(report);
        assertEquals(0, exit, report);

        final Matcher namespace = NAMESPACE.matcher(report);
        assertTrue(namespace.find(), report);
        assertFalse(LoadNamespace.exists(namespace.group(1)), namespace.group(1) + " is still there");

        final Matcher flowtap = FLOWTAP_ROW.matcher(report);
        assertTrue(flowtap.find(), "no complete flowtap row in\n" + report);
        final long sent = number(flowtap.group(3));
        final long captured = number(flowtap.group(4));
        assertTrue(sent > 10_000, "sent " + sent);
        assertTrue(captured >= sent * 9 / 10, "captured " + captured + " of " + sent);
        assertEquals(20_000, number(flowtap.group(1)), 1_000, "offered pps");
        final long cpu = Long.parseLong(flowtap.group(11));
        final long poller = Long.parseLong(flowtap.group(12));
        final long worker = Long.parseLong(flowtap.group(13));
        assertTrue(cpu > 0 && poller > 0 && worker > 0, "flowtap CPU ns per packet " + cpu + " = " + poller + " + " +
            worker);
        assertEquals(cpu, poller + worker, 2, "poller and worker add up to the pipeline's CPU");
        assertTrue(Long.parseLong(flowtap.group(14)) > 0, "flowtap process ns per packet");

        final Matcher tcpdump = TCPDUMP_ROW.matcher(report);
        assertTrue(tcpdump.find(), "no complete tcpdump row in\n" + report);
        assertTrue(number(tcpdump.group(4)) > 10_000, "tcpdump captured " + tcpdump.group(4));
        assertTrue(Long.parseLong(tcpdump.group(7)) > 0, "tcpdump CPU ns per packet");

        final String latencyRow = report.lines().filter(line -> line.startsWith("| 20,000 | ") &&
            PERCENTILES.matcher(line).find()).findFirst().orElse("");
        final Matcher percentiles = PERCENTILES.matcher(latencyRow);
        int stages = 0;
        while (percentiles.find())
        {
            stages++;
        }
        assertEquals(Stage.values().length, stages, "stage percentiles in '" + latencyRow + "'");
        assertTrue(report.contains("highest zero-drop rate"), report);
        assertTrue(Pattern.compile("flowtap\\s+([0-9,]+ pps|none)").matcher(report).find(), report);
        assertTrue(Pattern.compile("tcpdump\\s+([0-9,]+ pps|none)").matcher(report).find(), report);

        // The warm-up journals to step-0, the measured step to step-1; each holds Chronicle's cycle files.
        try (java.util.stream.Stream<Path> files = Files.walk(tempDir.resolve("journal").resolve("step-1")))
        {
            assertTrue(files.anyMatch(file -> file.toString().endsWith(".cq4")), "no journal written for the step");
        }

        final String hlog = Files.readString(log);
        for (final Stage stage : Stage.values())
        {
            assertTrue(hlog.contains("Tag=" + stage.tag()), "no " + stage.tag() + " interval in the log");
        }
    }

    @Test
    void shouldRemoveTheNamespaceWhenStoppedPartWay() throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(Files.readString(Paths.get("target", "jvm.flags")).trim().split("\\s+")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Flowtap.class.getName(), "loadtest",
            "--rates", "10k,10k,10k", "--duration", "20", "--warmup", "0", "--traffic-packets", "5000",
            "--histogram-log", tempDir.resolve("stopped.hlog").toString()));
        final Path output = tempDir.resolve("stopped.out");
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
            .start();
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String namespace = null;
        while (namespace == null && System.nanoTime() < deadlineNs && process.isAlive())
        {
            final Matcher matcher = NAMESPACE.matcher(Files.readString(output));
            if (matcher.find())
            {
                namespace = matcher.group(1);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        assertTrue(namespace != null, "no namespace announced: " + Files.readString(output));
        TimeUnit.SECONDS.sleep(2);
        assertTrue(LoadNamespace.exists(namespace), namespace + " should exist while the load test runs");
        process.destroy();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the load test did not stop on SIGTERM");
        assertFalse(LoadNamespace.exists(namespace), namespace + " is still there after SIGTERM: " +
            Files.readString(output));
    }

    private static long number(final String digits)
    {
        return Long.parseLong(digits.replace(",", ""));
    }
}
