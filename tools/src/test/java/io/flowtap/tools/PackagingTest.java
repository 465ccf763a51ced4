package io.flowtap.tools;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code packaging/flowtap.service} grants least privilege, and is a unit systemd accepts; the Grafana dashboard in
 * {@code packaging/grafana} is well formed ({@code MetricsLauncherIT} checks its metrics against a live scrape).
 */
class PackagingTest
{
    @TempDir
    Path tempDir;

    @Test
    void theUnitRunsCaptureAsAnUnprivilegedUserWithOnlyCapNetRawAndNoWayToGainMore() throws Exception
    {
        final ServiceUnit unit = ServiceUnit.packaged();

        assertTrue(unit.get("ExecStart").matches("\\S*/flowtap capture .*"), unit.get("ExecStart"));
        assertNotEquals("root", unit.get("User"));
        assertNotEquals("0", unit.get("User"));
        assertEquals("CAP_NET_RAW", unit.get("AmbientCapabilities"));
        assertEquals("CAP_NET_RAW", unit.get("CapabilityBoundingSet"));
        assertEquals(List.of("net_raw"), unit.ambientCapabilities());
        assertEquals("yes", unit.get("NoNewPrivileges"));
        assertEquals("strict", unit.get("ProtectSystem"));
        assertEquals("SIGTERM", unit.get("KillSignal"));
        assertTrue(unit.get("RestrictAddressFamilies").contains("AF_PACKET"), unit.get("RestrictAddressFamilies"));
        // The JVM writes the code it compiles: a unit that forbids writable executable memory could never start it.
        assertNotEquals("yes", unit.get("MemoryDenyWriteExecute"));
    }

    @Test
    void systemdAcceptsTheUnitWithoutAWarning() throws Exception
    {
        final Path analyze = onPath("systemd-analyze");
        assumeTrue(analyze != null, "skipped: systemd-analyze (systemd) is not installed, the unit is not verified");
        final ServiceUnit unit = ServiceUnit.packaged();
        // The unit as installed, but with a launcher that exists here: verify checks ExecStart is executable.
        final Path launcher = unit.path().getParent().getParent().resolve("tools").resolve("flowtap");
        final String text = Files.readString(unit.path(), StandardCharsets.UTF_8)
            .replace("/opt/flowtap/flowtap", launcher.toAbsolutePath().toString());
        final Path copy = Files.writeString(tempDir.resolve("flowtap.service"), text, StandardCharsets.UTF_8);
        final Process process = new ProcessBuilder(analyze.toString(), "verify", copy.toString())
            .redirectErrorStream(true)
            .redirectOutput(tempDir.resolve("verify.txt").toFile())
            .start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify did not finish");
        final String output = Files.readString(tempDir.resolve("verify.txt"), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
        assertEquals("", output);
    }

    @Test
    void theDashboardGraphsFlowtapMetricsOfEachSensorChosenInEveryPanel() throws Exception
    {
        final Dashboard dashboard = Dashboard.packaged();

        assertEquals("flowtap", dashboard.root().path("title").asText());
        final List<JsonNode> panels = dashboard.panels();
        assertTrue(panels.size() >= 10, () -> panels.size() + " panels");
        final Set<Integer> ids = new HashSet<>();
        for (final JsonNode panel : panels)
        {
            final String title = panel.path("title").asText();
            assertTrue(ids.add(panel.path("id").asInt()), "id used twice: " + title);
            assertEquals("${DS_PROMETHEUS}", panel.path("datasource").path("uid").asText(), title);
            assertTrue(panel.path("targets").size() > 0, "no query: " + title);
            for (final JsonNode target : panel.path("targets"))
            {
                final String expr = target.path("expr").asText();
                // Each query is of the sensors chosen at the top, and of flowtap's metrics only.
                assertTrue(expr.contains("instance=~\"$instance\""), title + ": " + expr);
                assertTrue(expr.matches(".*\\bflowtap_\\w+.*"), title + ": " + expr);
                assertEquals(count(expr, '('), count(expr, ')'), title + ": " + expr);
                assertEquals(count(expr, '{'), count(expr, '}'), title + ": " + expr);
            }
        }
        // What a sensor is watched for: drops, queues, flows, latency, the journal and shipping.
        assertTrue(dashboard.metrics().containsAll(List.of("flowtap_ring_kernel_drops_total",
            "flowtap_worker_queue_depth", "flowtap_worker_flows_active", "flowtap_latency_seconds_bucket",
            "flowtap_journal_payload_bytes_total", "flowtap_ship_lag_events")), dashboard.metrics()::toString);
    }

    private static long count(final String text, final char c)
    {
        return text.chars().filter(ch -> ch == c).count();
    }

    private static Path onPath(final String name)
    {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .map(directory -> Paths.get(directory.isEmpty() ? "." : directory, name))
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    }
}
