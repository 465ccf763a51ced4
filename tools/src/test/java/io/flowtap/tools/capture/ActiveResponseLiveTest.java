package io.flowtap.tools.capture;

import io.flowtap.capture.ring.LiveNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 8's check of active response: a real TCP connection between two processes, each in a network namespace of
 * its own, joined by a Linux bridge; {@code flowtap capture} on the bridge (promiscuous, so it sees the frames the
 * bridge forwards) with the rule {@code reset: tcp port P}. The RSTs flowtap sends on the bridge are forwarded by MAC
 * address to each end, as a sensor on a switch's port would have them delivered: both ends' blocked reads end in
 * "Connection reset" within a second of the connection being made, the rule logs why, and the counters show two RST
 * frames sent and the connection's later packets ignored.
 * <p>
 * Skips without root or {@code ip} unless {@value LiveNetwork#REQUIRE_ENV} is set.
 */
@Tag("live")
class ActiveResponseLiveTest
{
    private static final long PROCESS_TIMEOUT_SECONDS = 60;
    private static final long RESET_WITHIN_MS = 1000;
    private static final Pattern OUTCOME = Pattern.compile("(client|server): (.*) after (\\d+) ms");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final List<List<String>> cleanup = new ArrayList<>();

    @AfterEach
    void deleteNetwork()
    {
        for (int i = cleanup.size() - 1; i >= 0; i--)
        {
            LiveNetwork.run(cleanup.get(i), 30);
        }
    }

    @Test
    void shouldResetBothEndsOfAConnectionARuleMatches() throws Exception
    {
        LiveNetwork.require();
        final String ip = LiveNetwork.ipCommand();
        final long pid = ProcessHandle.current().pid() % 100_000;
        final int sequence = SEQUENCE.getAndIncrement();
        final String bridge = "ftbr" + pid + "x" + sequence;
        final String clientNs = "flowtap-ar-c-" + pid + "-" + sequence;
        final String serverNs = "flowtap-ar-s-" + pid + "-" + sequence;
        final int subnet = 1 + ThreadLocalRandom.current().nextInt(250);
        final String clientAddress = "10.201." + subnet + ".1";
        final String serverAddress = "10.201." + subnet + ".2";
        final int port = 20_000 + ThreadLocalRandom.current().nextInt(20_000);

        LiveNetwork.check(ip, "link", "add", bridge, "type", "bridge");
        cleanup.add(List.of(ip, "link", "del", bridge));
        LiveNetwork.check("sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/" + bridge + "/disable_ipv6 || true");
        attach(ip, bridge, clientNs, "ftc" + pid + "x" + sequence, clientAddress);
        attach(ip, bridge, serverNs, "fts" + pid + "x" + sequence, serverAddress);
        LiveNetwork.check(ip, "link", "set", bridge, "up");

        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final CaptureCommand command = new CaptureCommand().streams(
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        final int[] exitCode = {-1};
        final Thread flowtap = new Thread(() -> exitCode[0] = new CommandLine(command)
            .setErr(new PrintWriter(new StringWriter()))
            .execute("-i", bridge, "--promisc", "--block-timeout-ms", "1", "--duration", "8",
                "--rule", "reset cut-test: tcp port " + port), "flowtap-capture");
        flowtap.start();
        awaitListening(err);

        final List<String> serverCommand = new ArrayList<>(List.of(ip, "netns", "exec", serverNs));
        serverCommand.addAll(LiveNetwork.javaMain(ResetEndpointMain.class, "server", serverAddress, "" + port));
        final List<String> clientCommand = new ArrayList<>(List.of(ip, "netns", "exec", clientNs));
        clientCommand.addAll(LiveNetwork.javaMain(ResetEndpointMain.class, "client", serverAddress, "" + port));
        final Process server = LiveNetwork.start(serverCommand);
        final Process client = LiveNetwork.start(clientCommand);
        final LiveNetwork.Result clientResult = LiveNetwork.await(client, clientCommand, PROCESS_TIMEOUT_SECONDS);
        final LiveNetwork.Result serverResult = LiveNetwork.await(server, serverCommand, PROCESS_TIMEOUT_SECONDS);
        flowtap.join(30_000);

        final String log = err.toString(StandardCharsets.UTF_8);
        System.out.print("ActiveResponseLiveTest: " + clientResult.stdout() + "ActiveResponseLiveTest: " +
            serverResult.stdout());
        log.lines().filter(line -> line.contains("rule '") || line.contains("active response"))
            .forEach(line -> System.out.println("ActiveResponseLiveTest: " + line.trim()));
        assertOutcome("client", clientResult, log);
        assertOutcome("server", serverResult, log);
        assertEquals(0, exitCode[0], log);
        assertTrue(log.contains("rule 'cut-test' reset flow ") &&
            log.contains(clientAddress + ":") && log.contains(" -> " + serverAddress + ":" + port + ": matches 'tcp " +
            "port " + port + "'"), log);
        assertTrue(counter(log, "reset frames sent") >= 2, log);
        assertEquals(0, counter(log, "reset frames refused"), log);
    }

    private static void assertOutcome(final String end, final LiveNetwork.Result result, final String log)
    {
        final Matcher matcher = OUTCOME.matcher(result.stdout().trim());
        assertTrue(matcher.matches(), end + " printed: " + result.stdout() + result.stderr() + "\nflowtap:\n" + log);
        assertEquals("Connection reset", matcher.group(2), end + ": " + result.stdout() + "\nflowtap:\n" + log);
        assertTrue(Long.parseLong(matcher.group(3)) < RESET_WITHIN_MS, end + ": " + result.stdout());
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
    }

    private void attach(
        final String ip, final String bridge, final String namespace, final String link, final String address)
    {
        LiveNetwork.check(ip, "netns", "add", namespace);
        cleanup.add(List.of(ip, "netns", "del", namespace));
        LiveNetwork.check(ip, "link", "add", link + "h", "type", "veth", "peer", "name", link + "p", "netns",
            namespace);
        cleanup.add(List.of(ip, "link", "del", link + "h"));
        LiveNetwork.check("sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/" + link + "h/disable_ipv6 || true");
        LiveNetwork.check(ip, "netns", "exec", namespace, "sh", "-c",
            "echo 1 > /proc/sys/net/ipv6/conf/" + link + "p/disable_ipv6 || true");
        LiveNetwork.check(ip, "link", "set", link + "h", "master", bridge);
        LiveNetwork.check(ip, "link", "set", link + "h", "up");
        LiveNetwork.check(ip, "-n", namespace, "addr", "add", address + "/24", "dev", link + "p");
        LiveNetwork.check(ip, "-n", namespace, "link", "set", "lo", "up");
        LiveNetwork.check(ip, "-n", namespace, "link", "set", link + "p", "up");
    }

    private static void awaitListening(final ByteArrayOutputStream err) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + 30_000_000_000L;
        while (!err.toString(StandardCharsets.UTF_8).contains("listening on ") && System.nanoTime() < deadlineNs)
        {
            Thread.sleep(20);
        }
        final String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("listening on "), text);
    }

    private static long counter(final String log, final String label)
    {
        final Matcher matcher = Pattern.compile(Pattern.quote(label) + "\\s+(\\d+)").matcher(log);
        long last = -1;
        while (matcher.find())
        {
            last = Long.parseLong(matcher.group(1));
        }
        return last;
    }
}
