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
 * The peer: {@code tcpdump -i IFACE -w /dev/null -B KiB -s 0} as a child process, pinned with {@code taskset} when
 * given a CPU. libpcap gives it a TPACKET_V3 ring of the {@code -B} size. Its CPU time is the process's
 * ({@code /proc/PID/schedstat}, nanoseconds; tcpdump is single-threaded); its counts come from the summary it
 * prints when stopped with SIGTERM.
 */
public final class TcpdumpCapturer implements Capturer
{
    private static final long START_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long STOP_TIMEOUT_SECONDS = 10;
    private static final Pattern CAPTURED = Pattern.compile("(\\d+) packets? captured");
    private static final Pattern RECEIVED = Pattern.compile("(\\d+) packets? received by filter");
    private static final Pattern DROPPED = Pattern.compile("(\\d+) packets? dropped by kernel");

    private final String tcpdump;
    private final String taskset;
    private final int cpu;
    private final int bufferKiB;
    private Process process;
    private File stderr;

    /**
     * @param tcpdump   path of tcpdump.
     * @param taskset   path of taskset, or null when {@code cpu} is negative.
     * @param cpu       to pin tcpdump to, or negative for none.
     * @param bufferKiB ring size, tcpdump's {@code -B}.
     */
    public TcpdumpCapturer(final String tcpdump, final String taskset, final int cpu, final int bufferKiB)
    {
        this.tcpdump = tcpdump;
        this.taskset = taskset;
        this.cpu = cpu;
        this.bufferKiB = bufferKiB;
    }

    @Override
    public String name()
    {
        return "tcpdump";
    }

    @Override
    public void start(final String interfaceName)
    {
        final List<String> command = new ArrayList<>();
        if (cpu >= 0)
        {
            command.addAll(List.of(taskset, "-c", Integer.toString(cpu)));
        }
        command.addAll(List.of(tcpdump, "-i", interfaceName, "-w", "/dev/null", "-B", Integer.toString(bufferKiB),
            "-s", "0"));
        try
        {
            stderr = File.createTempFile("flowtap-capture-bench-tcpdump", ".err");
            stderr.deleteOnExit();
            process = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
            // tcpdump says it is listening once its ring is bound: from then on it sees every packet.
            final long deadlineNs = System.nanoTime() + START_TIMEOUT_NS;
            while (!readStderr().contains("listening on"))
            {
                if (!process.isAlive() || System.nanoTime() > deadlineNs)
                {
                    close();
                    throw new IllegalStateException(String.join(" ", command) + " did not start: " + readStderr());
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
        // taskset execs tcpdump, so the child's pid is tcpdump's.
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
                throw new IllegalStateException("tcpdump did not stop on SIGTERM");
            }
            final String summary = readStderr();
            final Counts counts = new Counts(
                find(CAPTURED, summary), find(RECEIVED, summary), find(DROPPED, summary));
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
        if (stderr != null)
        {
            stderr.delete();
            stderr = null;
        }
    }

    private String readStderr()
    {
        try
        {
            return Files.readString(stderr.toPath(), StandardCharsets.UTF_8);
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
            throw new IllegalStateException("no '" + pattern.pattern() + "' in tcpdump's summary: " + summary);
        }
        return Long.parseLong(matcher.group(1));
    }
}
