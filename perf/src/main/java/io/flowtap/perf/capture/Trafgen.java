package io.flowtap.perf.capture;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sender: netsniff-ng's {@code trafgen}, one process, sending TCP frames of {@value #FLOWS} flows (source ports
 * vary) to a MAC address nobody owns, so the receiving stack drops them right after the packet taps. At top speed it
 * fills a PACKET_TX_RING; with a rate it paces {@code sendto(2)} calls, which has a lower ceiling. trafgen pins its
 * process to CPU 0 itself ({@code --cpus 1} forks one process, pinned to the first CPU), and the veth pair delivers
 * each frame to the packet sockets in the sender's softirq, so CPU 0 carries the sender and the kernel's copy into
 * every capturer's ring.
 */
final class Trafgen
{
    /** Flows in the traffic: source ports 10000 to 10063. */
    static final int FLOWS = 64;
    /** Ethernet, IPv4 and TCP headers without options. */
    static final int HEADERS_LENGTH = 14 + 20 + 20;

    private static final Pattern SENT = Pattern.compile("(\\d+) packets outgoing");
    private static final Pattern ELAPSED = Pattern.compile("(\\d+) sec, (\\d+) usec on CPU(\\d+)");
    private static final long TIMEOUT_MARGIN_SECONDS = 60;

    private final String path;
    private final String peerInterface;
    private final UnaryOperator<List<String>> inNamespace;

    /**
     * @param path          of trafgen.
     * @param peerInterface to send on, in the namespace.
     * @param inNamespace   wraps a command so it runs in the peer's namespace.
     */
    Trafgen(final String path, final String peerInterface, final UnaryOperator<List<String>> inNamespace)
    {
        this.path = path;
        this.peerInterface = peerInterface;
        this.inNamespace = inNamespace;
    }

    /**
     * What one send did.
     *
     * @param sent      frames trafgen reports sent.
     * @param elapsedNs from its first frame to its last, as trafgen reports it.
     * @param cpu       the CPU trafgen's process ran on.
     */
    record Sent(long sent, long elapsedNs, int cpu)
    {
        /**
         * @return frames per second actually offered.
         */
        double pps()
        {
            return elapsedNs == 0 ? 0 : sent * 1e9 / elapsedNs;
        }
    }

    /**
     * Write trafgen's configuration for frames of one length.
     *
     * @param frameLength Ethernet frame length without FCS, at least {@link #HEADERS_LENGTH}.
     * @return the configuration file, deleted on exit.
     */
    static Path configuration(final int frameLength)
    {
        if (frameLength < HEADERS_LENGTH + 1 || frameLength > 1514)
        {
            throw new IllegalArgumentException("frame length " + frameLength + " must be 55 to 1514");
        }
        final String config = String.join("\n",
            "{",
            "  eth(da=02:00:00:00:00:02, sa=02:00:00:00:00:01),",
            "  ipv4(sa=10.201.0.2, da=10.202.0.1, ttl=64),",
            "  tcp(sp=dinc(10000, " + (10000 + FLOWS - 1) + ", 1), dp=80, seq=1000, aseq=5000, ack),",
            "  fill(0x41, " + (frameLength - HEADERS_LENGTH) + ")",
            "}",
            "");
        try
        {
            final Path file = Files.createTempFile("flowtap-capture-bench-" + frameLength + "-", ".cfg");
            file.toFile().deleteOnExit();
            Files.writeString(file, config, StandardCharsets.US_ASCII);
            return file;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Send and wait until done.
     *
     * @param configuration from {@link #configuration}.
     * @param count         frames to send.
     * @param ratePps       frames per second, or 0 for as fast as the TX ring goes.
     * @return what trafgen reports.
     */
    Sent send(final Path configuration, final long count, final long ratePps)
    {
        final List<String> command = new ArrayList<>(List.of(path, "--dev", peerInterface, "--in",
            configuration.toString(), "--num", Long.toString(count), "--cpus", "1", "--no-sock-mem", "--notouch-irq"));
        if (ratePps > 0)
        {
            command.addAll(List.of("--rate", ratePps + "pps"));
        }
        final List<String> wrapped = inNamespace.apply(command);
        File output = null;
        try
        {
            output = File.createTempFile("flowtap-capture-bench-trafgen", ".out");
            final Process process = new ProcessBuilder(wrapped)
                .redirectErrorStream(true)
                .redirectOutput(output)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
            final long timeoutSeconds = TIMEOUT_MARGIN_SECONDS + (ratePps > 0 ? count / ratePps : count / 100_000);
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", wrapped) + " did not finish in " + timeoutSeconds +
                    " s");
            }
            final String text = Files.readString(output.toPath(), StandardCharsets.UTF_8);
            final Matcher sent = SENT.matcher(text);
            final Matcher elapsed = ELAPSED.matcher(text);
            if (process.exitValue() != 0 || !sent.find() || !elapsed.find())
            {
                throw new IllegalStateException(String.join(" ", wrapped) + " exited " + process.exitValue() + ": " +
                    text.trim());
            }
            return new Sent(Long.parseLong(sent.group(1)),
                TimeUnit.SECONDS.toNanos(Long.parseLong(elapsed.group(1))) +
                TimeUnit.MICROSECONDS.toNanos(Long.parseLong(elapsed.group(2))),
                Integer.parseInt(elapsed.group(3)));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
        finally
        {
            if (output != null)
            {
                output.delete();
            }
        }
    }
}
