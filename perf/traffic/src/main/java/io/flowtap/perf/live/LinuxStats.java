package io.flowtap.perf.live;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The few kernel accounting files the capture benchmark reads: CPU time of a process or thread, busy time of a CPU,
 * the backlog drops of the receive path, and an interface's counters. Cold path only: every call allocates.
 */
public final class LinuxStats
{
    /** Clock ticks per second of {@code /proc/.../stat} ({@code USER_HZ}); 100 on every Linux the JDK runs on. */
    public static final long USER_HZ = 100;
    private static final long NANOS_PER_TICK = 1_000_000_000L / USER_HZ;
    private static final int STAT_UTIME_FIELD = 13;
    private static final int STAT_STIME_FIELD = 14;
    private static final int SOFTNET_DROPPED_FIELD = 1;

    private LinuxStats()
    {
    }

    /**
     * Time on CPU (user and system) of a task, from the scheduler's {@code sum_exec_runtime}: nanoseconds, the same
     * clock as {@code CLOCK_THREAD_CPUTIME_ID}, which the JVM's thread CPU time reads.
     *
     * @param pid process (for a single-threaded one) or thread id.
     * @return nanoseconds on CPU so far.
     */
    public static long schedRuntimeNs(final long pid)
    {
        final String line = readFirstLine(Paths.get("/proc", Long.toString(pid), "schedstat"));
        return Long.parseLong(line.substring(0, line.indexOf(' ')));
    }

    /**
     * @return user plus system time of this whole process (every thread, the JVM's own included), in nanoseconds at
     * the resolution of a clock tick (10 ms).
     */
    public static long selfProcessCpuNs()
    {
        final String line = readFirstLine(Paths.get("/proc/self/stat"));
        // The command name in parentheses may hold spaces: count fields after its closing parenthesis.
        final String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
        final int offset = 2;
        return (Long.parseLong(fields[STAT_UTIME_FIELD - offset]) + Long.parseLong(fields[STAT_STIME_FIELD - offset])) *
            NANOS_PER_TICK;
    }

    /**
     * @return for each CPU, time it was not idle (user, nice, system, irq, softirq, steal), in nanoseconds at tick
     * resolution.
     */
    public static long[] cpuBusyNs()
    {
        final List<long[]> cpus = new ArrayList<>();
        for (final String line : readAll(Paths.get("/proc/stat")))
        {
            if (line.startsWith("cpu") && Character.isDigit(line.charAt(3)))
            {
                final String[] fields = line.trim().split("\\s+");
                final int cpu = Integer.parseInt(fields[0].substring(3));
                long busy = 0;
                // user nice system idle iowait irq softirq steal: leave out idle (4) and iowait (5).
                for (final int field : new int[]{1, 2, 3, 6, 7, 8})
                {
                    busy += Long.parseLong(fields[field]);
                }
                cpus.add(new long[]{cpu, busy * NANOS_PER_TICK});
            }
        }
        final long[] busy = new long[cpus.size()];
        for (final long[] cpu : cpus)
        {
            busy[(int)cpu[0]] = cpu[1];
        }
        return busy;
    }

    /**
     * @return packets the receive backlogs of all CPUs dropped because they were full ({@code netdev_max_backlog}):
     * lost before any packet socket saw them.
     */
    public static long backlogDrops()
    {
        long dropped = 0;
        for (final String line : readAll(Paths.get("/proc/net/softnet_stat")))
        {
            dropped += Long.parseLong(line.trim().split("\\s+")[SOFTNET_DROPPED_FIELD], 16);
        }
        return dropped;
    }

    /**
     * @param interfaceName in this namespace.
     * @param counter       file under {@code statistics/}, such as {@code rx_packets}.
     * @return its value.
     */
    public static long interfaceCounter(final String interfaceName, final String counter)
    {
        return Long.parseLong(readFirstLine(Paths.get("/sys/class/net", interfaceName, "statistics", counter)).trim());
    }

    /**
     * @return the effective capability set of this process.
     */
    public static long effectiveCapabilities()
    {
        for (final String line : readAll(Paths.get("/proc/self/status")))
        {
            if (line.startsWith("CapEff:"))
            {
                return Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
            }
        }
        return 0;
    }

    /**
     * @param name of a program.
     * @return its path on {@code PATH} or in the usual system directories, or null.
     */
    public static String findProgram(final String name)
    {
        final String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (final String directory : path.split(":"))
        {
            if (!directory.isEmpty())
            {
                final Path candidate = Paths.get(directory, name);
                if (Files.isExecutable(candidate))
                {
                    return candidate.toString();
                }
            }
        }
        return null;
    }

    private static String readFirstLine(final Path path)
    {
        final List<String> lines = readAll(path);
        if (lines.isEmpty())
        {
            throw new IllegalStateException(path + " is empty");
        }
        return lines.get(0);
    }

    private static List<String> readAll(final Path path)
    {
        try
        {
            return Files.readAllLines(path);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
