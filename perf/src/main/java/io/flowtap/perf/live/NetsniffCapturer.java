package io.flowtap.perf.live;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A peer: {@code netsniff-ng --in IFACE --out /dev/null --silent --ring-size N}, pinned with its own
 * {@code --bind-cpu} when given a CPU. It reads a TPACKET ring and writes pcap to {@code /dev/null}, as
 * {@code tcpdump -w /dev/null} does. Its CPU time is the process's ({@code /proc/PID/schedstat}); its counts come
 * from the summary it prints when stopped with SIGTERM: packets incoming (the kernel's tp_packets), passed filter
 * and failed filter, out of space (tp_drops).
 */
public final class NetsniffCapturer implements Capturer
{
    private static final long START_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long STOP_TIMEOUT_SECONDS = 10;
    private static final Pattern INCOMING = Pattern.compile("(\\d+)\\s+packets incoming");
    private static final Pattern PASSED = Pattern.compile("(\\d+)\\s+packets passed filter");
    private static final Pattern FAILED = Pattern.compile("(\\d+)\\s+packets failed filter");

    private final String netsniff;
    private final int cpu;
    private final int ringMiB;
    private Process process;
    private File output;

    /**
     * @param netsniff path of netsniff-ng.
     * @param cpu      to bind it to, or negative for none.
     * @param ringMiB  ring size.
     */
    public NetsniffCapturer(final String netsniff, final int cpu, final int ringMiB)
    {
        this.netsniff = netsniff;
        this.cpu = cpu;
        this.ringMiB = ringMiB;
    }

    @Override
    public String name()
    {
        return "netsniff-ng";
    }

    @Override
    public void start(final String interfaceName)
    {
        final List<String> command = new ArrayList<>(List.of(netsniff, "--in", interfaceName, "--out", "/dev/null",
            "--silent", "--ring-size", ringMiB + "MiB"));
        if (cpu >= 0)
        {
            command.addAll(List.of("--bind-cpu", Integer.toString(cpu)));
        }
        try
        {
            output = File.createTempFile("flowtap-netsniff", ".out");
            output.deleteOnExit();
            process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
            // It says it is running once its ring is set up and bound.
            final long deadlineNs = System.nanoTime() + START_TIMEOUT_NS;
            while (!readOutput().contains("Running!"))
            {
                if (!process.isAlive() || System.nanoTime() > deadlineNs)
                {
                    final String said = readOutput();
                    close();
                    throw new IllegalStateException(String.join(" ", command) + " did not start: " + said);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public long captureCpuNs()
    {
        return LinuxStats.schedRuntimeNs(process.pid());
    }

    @Override
    public long processCpuNs()
    {
        return captureCpuNs();
    }

    @Override
    public Counts stop()
    {
        try
        {
            process.destroy();
            if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("netsniff-ng did not stop on SIGTERM");
            }
            final String summary = readOutput();
            final long incoming = find(INCOMING, summary);
            final Counts counts = new Counts(find(PASSED, summary), incoming, find(FAILED, summary));
            close();
            return counts;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    @Override
    public void close()
    {
        if (process != null)
        {
            process.destroyForcibly();
            process = null;
        }
        if (output != null)
        {
            output.delete();
            output = null;
        }
    }

    private String readOutput()
    {
        try
        {
            return Files.readString(output.toPath(), StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static long find(final Pattern pattern, final String summary)
    {
        final Matcher matcher = pattern.matcher(summary);
        if (!matcher.find())
        {
            throw new IllegalStateException("no '" + pattern.pattern() + "' in netsniff-ng's summary: " + summary);
        }
        return Long.parseLong(matcher.group(1));
    }
}
