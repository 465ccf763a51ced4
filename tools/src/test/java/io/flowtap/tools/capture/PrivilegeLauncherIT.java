package io.flowtap.tools.capture;

import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.ring.TcpTransfer;
import io.flowtap.capture.ring.VethPair;
import io.flowtap.tools.LauncherProcesses.Result;
import io.flowtap.tools.LiveLauncherTest;
import io.flowtap.tools.ServiceUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Least privilege, end to end: the packaged launcher captures on a veth pair as {@code nobody} holding only the
 * capabilities {@code packaging/flowtap.service} grants (ambient, inheritable and bounding sets, no new privileges,
 * as systemd starts it), in promiscuous mode with two pollers in a fanout group, and journals a real connection; the
 * same user without them is refused in one line naming the capability, before anything is opened or written.
 */
class PrivilegeLauncherIT extends LiveLauncherTest
{
    private static final int NOBODY = 65534;
    private static final int IFF_PROMISC = 0x100;
    private static final long TRANSFER_TIMEOUT_SECONDS = 60;

    private Path state;

    @BeforeEach
    void prepareForAnUnprivilegedUser() throws IOException
    {
        if (onPath("setpriv") == null)
        {
            unavailable("setpriv (util-linux)");
        }
        final Path launcher = Paths.get(System.getProperty("flowtap.launcher", "flowtap")).toAbsolutePath();
        final Path jar = launcher.getParent().resolve("target").resolve("flowtap.jar");
        for (final Path path : List.of(launcher, jar))
        {
            final String unreachable = unreachableByOthers(path);
            if (unreachable != null)
            {
                unavailable("a launcher other users can run, but " + unreachable + " is closed to them");
            }
        }
        // The test's directory is root's and private; the sensor's state directory is its own, as systemd's
        // StateDirectory= makes it.
        Files.setPosixFilePermissions(tempDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        state = Files.createDirectory(tempDir.resolve("state"));
        Files.setAttribute(state, "unix:uid", NOBODY);
        Files.setAttribute(state, "unix:gid", NOBODY);
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-x---"));
    }

    @Test
    void anUnprivilegedUserWithTheUnitsCapabilitiesCapturesAndJournalsAConnection() throws Exception
    {
        final List<String> capabilities = ServiceUnit.packaged().ambientCapabilities();
        assertEquals(List.of("net_raw"), capabilities);
        veth = VethPair.create();
        final Path journal = state.resolve("journal");
        final Process flowtap = launcher.start(ServiceUnit.setprivAs(capabilities), "capture", "-i",
            veth.hostInterface(), "--promisc", "--pollers", "2", "--workers", "2", "--journal", journal.toString(),
            "--stats-interval", "0", "--filter", "tcp");
        launcher.awaitStandardError(flowtap, "flowtap capture: listening on " + veth.hostInterface());

        // setpriv and the launcher exec: the process started is the JVM, as nobody with CAP_NET_RAW alone.
        final String status = Files.readString(Paths.get("/proc", Long.toString(flowtap.pid()), "status"));
        assertTrue(status.contains("\nUid:\t" + NOBODY + "\t" + NOBODY + "\t"), status);
        assertTrue(status.contains("\nCapEff:\t0000000000002000\n"), status);
        assertTrue(status.contains("\nCapBnd:\t0000000000002000\n"), status);
        assertTrue(status.contains("\nNoNewPrivs:\t1\n"), status);
        final int flags = Integer.decode(Files.readString(
            Paths.get("/sys/class/net", veth.hostInterface(), "flags")).strip());
        assertEquals(IFF_PROMISC, flags & IFF_PROMISC, "not promiscuous: flags 0x" + Integer.toHexString(flags));

        final byte[] payload;
        try (TcpTransfer transfer = TcpTransfer.start(veth, 200_000, 16))
        {
            transfer.await(TRANSFER_TIMEOUT_SECONDS);
            payload = transfer.payload();
        }
        // Blocks are handed over within 10 ms: a second later the workers have every segment. The sensor is
        // stopped as systemd stops it, and the journal read only then, by another user.
        Thread.sleep(1_000);
        flowtap.destroy();
        final Result result = launcher.await(flowtap);
        final Path out = tempDir.resolve("export");
        final Result export = launcher.await(launcher.start(List.of(), "journal", "export", journal.toString(), "-o",
            out.toString()));

        assertEquals(0, result.exitCode(), result.err());
        assertFalse(result.err().contains("Exception"), result.err());
        assertTrue(result.err().contains("flows 1\n"), result.err());
        assertEquals(NOBODY, Files.getAttribute(journal, "unix:uid"), "the journal is the sensor user's");
        assertEquals(0, export.exitCode(), export.err());
        final Path stream = findFile(out, payload);
        assertTrue(stream != null, "no exported stream holds the client's bytes: " + List.of(out.toFile().list()));
        assertArrayEquals(payload, Files.readAllBytes(stream));
    }

    @Test
    void theSameUserWithoutTheCapabilityIsToldWhichOneInOneLineBeforeAnythingIsWritten() throws Exception
    {
        veth = VethPair.create();
        final Path journal = state.resolve("journal");
        final Result result = launcher.await(launcher.start(ServiceUnit.setprivAs(List.of()), "capture", "-i",
            veth.hostInterface(), "--promisc", "--workers", "2", "--journal", journal.toString()));

        assertEquals(1, result.exitCode(), result.err());
        assertEquals("", result.out());
        assertEquals("flowtap capture: needs CAP_NET_RAW to capture on " + veth.hostInterface() + ", and this " +
            "process does not have it (effective capabilities 0x0): run it as root, or as any user with CAP_NET_RAW " +
            "as an ambient capability (AmbientCapabilities=CAP_NET_RAW in its systemd unit)\n", result.err());
        assertFalse(Files.exists(journal), "a journal was made before the capability was checked");
    }

    private static Path findFile(final Path dir, final byte[] content) throws IOException
    {
        if (!Files.isDirectory(dir))
        {
            return null;
        }
        try (Stream<Path> files = Files.walk(dir))
        {
            for (final Path file : (Iterable<Path>)files.filter(Files::isRegularFile)::iterator)
            {
                if (Files.size(file) == content.length && Arrays.equals(content, Files.readAllBytes(file)))
                {
                    return file;
                }
            }
        }
        return null;
    }

    /**
     * @return null when others may reach and read the file (every directory above it searchable by them), otherwise
     *         the first path that is closed to them.
     */
    private static String unreachableByOthers(final Path file) throws IOException
    {
        if (!Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ))
        {
            return file.toString();
        }
        for (Path dir = file.getParent(); dir != null; dir = dir.getParent())
        {
            final Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
            if (!permissions.contains(PosixFilePermission.OTHERS_EXECUTE))
            {
                return dir.toString();
            }
        }
        return null;
    }

    private static void unavailable(final String what)
    {
        final String message = "the least-privilege test needs " + what;
        if (System.getenv(LiveNetwork.REQUIRE_ENV) != null)
        {
            Assertions.fail(message + ", and " + LiveNetwork.REQUIRE_ENV + " is set");
        }
        Assumptions.abort("skipped: " + message);
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
