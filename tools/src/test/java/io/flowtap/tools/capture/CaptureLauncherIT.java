package io.flowtap.tools.capture;

import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.ring.TcpTransfer;
import io.flowtap.capture.ring.VethPair;
import io.flowtap.linux.AfPacket;
import io.flowtap.tools.LauncherProcesses.Result;
import io.flowtap.tools.LiveLauncherTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flowtap capture} through the packaged launcher, as a user runs it, on a veth pair's end inside the pair's
 * network namespace, with a real TCP connection crossing it. Skips without root or {@code ip} unless
 * {@value LiveNetwork#REQUIRE_ENV} is set.
 */
@Tag("live")
class CaptureLauncherIT extends LiveLauncherTest
{
    private static final long TRANSFER_TIMEOUT_SECONDS = 120;
    private static final Pattern SEGMENT_LINE = Pattern.compile(
        "\\d+ \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z \\S+:\\d+ > \\S+:\\d+ flags \\[[FSRP.UEW]*] " +
        "seq \\d+ ack \\d+ win \\d+ hlen \\d+ len \\d+ csum (ok|unverified)");

    @Test
    void shouldPrintCountSegmentsOfARealConnectionThenTheCountersAndExitZero() throws Exception
    {
        veth = VethPair.create();
        final Process flowtap = startInNamespace("capture", "-i", veth.peerInterface(), "--count", "5",
            "--duration", "120");
        awaitListening(flowtap);

        final TcpTransfer.Received received;
        final int serverPort;
        try (TcpTransfer transfer = TcpTransfer.start(veth, 10_000, 42))
        {
            serverPort = transfer.serverPort();
            received = transfer.await(TRANSFER_TIMEOUT_SECONDS);
        }
        final Result result = await(flowtap);

        assertEquals(0, result.exitCode(), result.err());
        final List<String> lines = result.out().lines().toList();
        assertEquals(5, lines.size(), result.out());
        for (final String line : lines)
        {
            assertTrue(SEGMENT_LINE.matcher(line).matches(), line);
        }
        final String client = veth.peerAddress() + ":" + received.clientPort();
        final String server = veth.hostAddress() + ":" + serverPort;
        assertTrue(lines.get(0).contains(" " + client + " > " + server + " flags [S] "), lines.get(0));
        assertTrue(lines.get(1).contains(" " + server + " > " + client + " flags [S.] "), lines.get(1));
        assertTrue(lines.get(2).contains(" " + client + " > " + server + " flags [.] "), lines.get(2));
        assertFinalCounters(result.err());
    }

    @Test
    void shouldCaptureWithTwoPinnedPollersKeepingTheConnectionOnOne() throws Exception
    {
        veth = VethPair.create();
        final int lastCpu = Runtime.getRuntime().availableProcessors() > 1 ? 1 : 0;
        final Process flowtap = startInNamespace("capture", "-i", veth.peerInterface(), "--pollers", "2",
            "--cpus", "0," + lastCpu, "--count", "6", "--duration", "120");
        awaitListening(flowtap);
        try (TcpTransfer transfer = TcpTransfer.start(veth, 10_000, 5))
        {
            transfer.await(TRANSFER_TIMEOUT_SECONDS);
        }
        final Result result = await(flowtap);

        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.err().contains(" with 2 pollers in fanout group "), result.err());
        assertTrue(result.err().contains("pinned to cpus 0," + lastCpu), result.err());
        final List<String> lines = result.out().lines().toList();
        assertEquals(6, lines.size(), result.out());
        for (final String line : lines)
        {
            assertTrue(SEGMENT_LINE.matcher(line).matches(), line);
        }
        assertTrue(result.err().contains("poller 0 on cpu 0: segments "), result.err());
        assertTrue(result.err().contains("poller 1 on cpu " + lastCpu + ": segments "), result.err());
        final Matcher wrong = Pattern.compile("flow seen on another poller (\\d+)").matcher(result.err());
        int pollerLines = 0;
        while (wrong.find())
        {
            assertEquals("0", wrong.group(1), "hash fanout keeps the connection on one poller");
            pollerLines++;
        }
        assertEquals(2, pollerLines, result.err());
    }

    @Test
    void shouldPrintOnlyWhatTheKernelFilterKeeps() throws Exception
    {
        veth = VethPair.create();
        // The server is the host end: keep only what it sends.
        final Process flowtap = startInNamespace("capture", "-i", veth.peerInterface(), "--count", "4",
            "--duration", "120", "--filter", "src host " + veth.hostAddress() + " and tcp");
        awaitListening(flowtap);
        final int serverPort;
        try (TcpTransfer transfer = TcpTransfer.start(veth, 20_000, 3))
        {
            serverPort = transfer.serverPort();
            transfer.await(TRANSFER_TIMEOUT_SECONDS);
        }
        final Result result = await(flowtap);

        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.err().contains(", kernel filter: (src host " + veth.hostAddress() + " and tcp)\n"),
            result.err());
        final List<String> lines = result.out().lines().toList();
        assertEquals(4, lines.size(), result.out());
        for (final String line : lines)
        {
            assertTrue(SEGMENT_LINE.matcher(line).matches(), line);
            assertTrue(line.contains(" " + veth.hostAddress() + ":" + serverPort + " > " + veth.peerAddress() + ":"),
                line);
        }
        assertTrue(lines.get(0).contains(" flags [S.] "), lines.get(0));
    }

    @Test
    void shouldSayInOneLineWhatIsWrongWithAFilterAndExitTwo() throws Exception
    {
        final Result result = await(start(List.of(), "capture", "-i", "lo", "--filter", "dst port http"));

        assertEquals(2, result.exitCode(), result.err());
        assertEquals("", result.out());
        assertEquals("flowtap capture: bad filter at column 10: expected a port number, found 'http' in " +
            "\"dst port http\"\n", result.err());
    }

    @Test
    void shouldStopOnSigtermWithTheFinalCountersAndExitZero() throws Exception
    {
        veth = VethPair.create();
        final Process flowtap = startInNamespace("capture", "-i", veth.peerInterface(), "--stats-interval", "1");
        awaitListening(flowtap);
        try (TcpTransfer transfer = TcpTransfer.start(veth, 50_000, 7))
        {
            transfer.await(TRANSFER_TIMEOUT_SECONDS);
        }
        awaitStandardError(flowtap, "flowtap capture: counters on " + veth.peerInterface() + " after ");

        // Process.destroy() sends SIGTERM; ip netns exec and the launcher both exec, so it reaches the JVM.
        flowtap.destroy();
        final Result result = await(flowtap);

        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().lines().count() >= 8, result.out());
        assertTrue(result.out().lines().allMatch(line -> SEGMENT_LINE.matcher(line).matches()), result.out());
        assertFinalCounters(result.err());
    }

    @Test
    void shouldSayWhenTheInterfaceGoesDownDuringTheCaptureAndExitOne() throws Exception
    {
        veth = VethPair.create();
        final Process flowtap = start(List.of(), "capture", "-i", veth.hostInterface(), "--stats-interval", "0");
        awaitListening(flowtap);

        LiveNetwork.check(LiveNetwork.ipCommand(), "link", "set", veth.hostInterface(), "down");
        final Result result = await(flowtap);

        assertEquals(1, result.exitCode(), result.err());
        final List<String> lines = result.err().lines().toList();
        assertEquals("flowtap capture: interface " + veth.hostInterface() + " went down", lines.get(1), result.err());
        assertEquals("flowtap capture: final counters on " + veth.hostInterface(), lines.get(2), result.err());
    }

    @Test
    void shouldFilterABlocklistTooLargeForTheKernelInUserspace() throws Exception
    {
        veth = VethPair.create();
        // 5,000 hosts: 10,000 tests, more than classic BPF's 4,096 instructions. Only the last names the test's peer.
        final StringBuilder blocklist = new StringBuilder();
        for (int i = 0; i < 5000; i++)
        {
            blocklist.append("host 10.200.").append(i / 250).append('.').append(i % 250 + 1).append(" or ");
        }
        final String matching = blocklist + "host " + veth.peerAddress();
        final String missing = blocklist + "host 10.201.0.1";
        for (final String[] mode : new String[][] {{}, {"--workers", "2"}})
        {
            final List<String> args = new java.util.ArrayList<>(List.of("capture", "-i", veth.hostInterface(),
                "--count", "4", "--duration", "60", "--stats-interval", "0", "--filter", matching));
            args.addAll(List.of(mode));
            final Process flowtap = start(List.of(), args.toArray(new String[0]));
            awaitStandardError(flowtap, "flowtap capture: listening on ");
            try (TcpTransfer transfer = TcpTransfer.start(veth, 10_000, 3))
            {
                transfer.await(TRANSFER_TIMEOUT_SECONDS);
            }
            final Result result = await(flowtap);
            assertEquals(0, result.exitCode(), result.err());
            assertTrue(result.err().startsWith("flowtap capture: the filter is too large for the kernel's program " +
                "(more than 4096 instructions): the kernel keeps every TCP segment and the filter runs in " +
                "userspace\n"), result.err());
            if (mode.length == 0)
            {
                assertEquals(4, result.out().lines().count(), result.out());
            }
        }

        final Process filtered = start(List.of(), "capture", "-i", veth.hostInterface(), "--duration", "3",
            "--stats-interval", "0", "--workers", "2", "--filter", missing);
        awaitStandardError(filtered, "flowtap capture: listening on ");
        try (TcpTransfer transfer = TcpTransfer.start(veth, 10_000, 3))
        {
            transfer.await(TRANSFER_TIMEOUT_SECONDS);
        }
        final Result result = await(filtered);
        assertEquals(0, result.exitCode(), result.err());
        final Matcher out = Pattern.compile("hand-off: segments filtered out in userspace (\\d+)")
            .matcher(result.err());
        assertTrue(out.find() && Long.parseLong(out.group(1)) > 0, result.err());
        assertFalse(result.err().contains("hand-off: segments handed off"), result.err());
    }

    @Test
    void shouldStopASensorWhoseInterfaceIsDeletedEndingEveryFlowIntoTheJournal() throws Exception
    {
        veth = VethPair.create();
        final java.nio.file.Path journal = tempDir.resolve("journal");
        final Process flowtap = start(List.of(), "capture", "-i", veth.hostInterface(), "--workers", "2",
            "--journal", journal.toString(), "--stats-interval", "0");
        awaitStandardError(flowtap, "flowtap capture: listening on " + veth.hostInterface());
        try (TcpTransfer transfer = TcpTransfer.start(veth, 2_000, 1))
        {
            transfer.await(TRANSFER_TIMEOUT_SECONDS);
        }

        // The pair goes away with the namespace, as a hot-unplugged NIC or a deleted container interface does.
        LiveNetwork.check(LiveNetwork.ipCommand(), "link", "del", veth.hostInterface());
        final Result result = await(flowtap);

        assertEquals(1, result.exitCode(), result.err());
        final List<String> lines = result.err().lines().toList();
        assertEquals("flowtap capture: interface " + veth.hostInterface() + " went down; stopped capturing, every " +
            "open flow was ended (shutdown)", lines.get(1), result.err());
        assertFalse(result.err().contains("Exception"), result.err());
        // The final counters include the engines', as read's and streams' do.
        assertTrue(lines.stream().anyMatch(line ->
            line.matches("segments [1-9]\\d*: tracked [1-9]\\d*, ignored \\d+")), result.err());
        final Result stats = await(start(List.of(), "journal", "stats", journal.toString()));
        assertEquals(0, stats.exitCode(), stats.err());
        assertTrue(stats.out().startsWith("events "), stats.out());
    }

    @Test
    void shouldStopASensorWhoseInterfaceIsSetDown() throws Exception
    {
        veth = VethPair.create();
        final Process flowtap = start(List.of(), "capture", "-i", veth.hostInterface(), "--workers", "2",
            "--stats-interval", "0");
        awaitStandardError(flowtap, "flowtap capture: listening on " + veth.hostInterface());

        LiveNetwork.check(LiveNetwork.ipCommand(), "link", "set", veth.hostInterface(), "down");
        final Result result = await(flowtap);

        assertEquals(1, result.exitCode(), result.err());
        assertTrue(result.err().contains("flowtap capture: interface " + veth.hostInterface() + " went down; " +
            "stopped capturing"), result.err());
    }

    @Test
    void shouldSayInOneLineThatThereIsNoSuchInterface() throws Exception
    {
        final Result result = await(start(List.of(), "capture", "-i", "nosuchif0"));

        assertEquals(1, result.exitCode(), result.err());
        assertEquals("", result.out());
        assertEquals("flowtap capture: no such interface: nosuchif0\n", result.err());
    }

    @Test
    void shouldSayInOneLineThatTheInterfaceIsDown() throws Exception
    {
        veth = VethPair.createDown();
        final Result result = await(start(List.of(), "capture", "-i", veth.hostInterface()));

        assertEquals(1, result.exitCode(), result.err());
        assertEquals("", result.out());
        assertEquals("flowtap capture: interface " + veth.hostInterface() + " is down\n", result.err());
    }

    @Test
    void shouldSayInOneLineWhatAProcessWithoutCapNetRawNeeds() throws Exception
    {
        final Result result = await(start(
            List.of("setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw", "--"), "capture", "-i", "lo"));

        assertEquals(1, result.exitCode(), result.err());
        assertEquals("", result.out());
        assertEquals("flowtap capture: " + AfPacket.NEEDS_CAP_NET_RAW + "\n", result.err());
    }

    private static void assertFinalCounters(final String err)
    {
        final List<String> lines = err.lines().toList();
        final int last = lines.lastIndexOf(lines.stream().filter(line -> line.startsWith("flowtap capture: final "))
            .reduce((first, second) -> second).orElseThrow(() -> new AssertionError("no final counters: " + err)));
        final List<String> summary = lines.subList(last + 1, lines.size());
        assertTrue(Pattern.matches("frames \\d+: tcp segments [1-9]\\d*, not decoded \\d+", summary.get(0)), err);
        assertTrue(summary.stream().anyMatch(line -> Pattern.matches(
            "ring frames [1-9]\\d*: kernel packets [1-9]\\d*, kernel drops 0, kernel ring freezes 0", line)), err);
        assertTrue(summary.stream().noneMatch(line -> line.startsWith("flowtap capture:")), err);
    }

    private Process startInNamespace(final String... args)
    {
        return start(veth.inNamespace(List.of()), args);
    }

    private Process start(final List<String> prefix, final String... args)
    {
        return launcher.start(prefix, args);
    }

    private void awaitListening(final Process process) throws IOException, InterruptedException
    {
        awaitStandardError(process, "flowtap capture: listening on ");
    }

    private void awaitStandardError(final Process process, final String text) throws IOException, InterruptedException
    {
        launcher.awaitStandardError(process, text);
    }

    private Result await(final Process process) throws IOException, InterruptedException
    {
        return launcher.await(process);
    }
}
