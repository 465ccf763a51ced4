package io.flowtap.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code packaging/flowtap.service} grants least privilege, and is a unit systemd accepts.
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

    private static Path onPath(final String name)
    {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .map(directory -> Paths.get(directory.isEmpty() ? "." : directory, name))
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    }
}
