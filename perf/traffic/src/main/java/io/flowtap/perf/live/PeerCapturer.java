package io.flowtap.perf.live;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A peer capturer run as a child process (tcpdump, netsniff-ng): started, waited for until it says its ring is bound,
 * stopped with SIGTERM, and read from the summary it prints then. Its CPU time is the process's
 * ({@code /proc/PID/schedstat}, nanoseconds; both peers are single-threaded, and a {@code taskset} in front execs
 * the peer, so the child's pid is the peer's).
 */
abstract class PeerCapturer implements Capturer
{
    private static final long START_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long STOP_TIMEOUT_SECONDS = 10;

    private Process process;
    private File output;

    /**
     * @param interfaceName to capture on.
     * @return the command line.
     */
    abstract List<String> command(String interfaceName);

    /**
     * @return what the peer prints once every packet from then on reaches its ring.
     */
    abstract String readyText();

    /**
     * @param summary what the peer printed, its stop summary included.
     * @return the counts in it.
     */
    abstract Counts counts(String summary);

    @Override
    public final void start(final String interfaceName)
    {
        final List<String> command = command(interfaceName);
        try
        {
            output = File.createTempFile("flowtap-peer-" + name(), ".out");
            output.deleteOnExit();
            process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
            final long deadlineNs = System.nanoTime() + START_TIMEOUT_NS;
            while (!readOutput().contains(readyText()))
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
    public final long captureCpuNs()
    {
        return LinuxStats.schedRuntimeNs(process.pid());
    }

    @Override
    public final long processCpuNs()
    {
        return captureCpuNs();
    }

    @Override
    public final Counts stop()
    {
        try
        {
            process.destroy();
            if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                throw new IllegalStateException(name() + " did not stop on SIGTERM");
            }
            final Counts counts = counts(readOutput());
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
    public final void close()
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

    /**
     * @param pattern with the number as its first group.
     * @param summary to look in.
     * @return the number.
     * @throws IllegalStateException when the summary does not have it.
     */
    final long find(final Pattern pattern, final String summary)
    {
        final Matcher matcher = pattern.matcher(summary);
        if (!matcher.find())
        {
            throw new IllegalStateException("no '" + pattern.pattern() + "' in " + name() + "'s summary: " + summary);
        }
        return Long.parseLong(matcher.group(1));
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
}
