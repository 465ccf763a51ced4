package io.flowtap.perf.capture;

import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.ring.RingGeometry;
import io.flowtap.capture.ring.VethPair;
import io.flowtap.perf.live.Capturer;
import io.flowtap.perf.live.LinuxStats;
import io.flowtap.perf.live.TcpdumpCapturer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue 4's benchmark: CPU time per captured packet, and drops, of flowtap's live capture path next to
 * {@code tcpdump -w /dev/null}, on a veth pair, at stepped offered rates, for each frame size.
 * <p>
 * One veth pair for the whole run, its peer end in a network namespace of its own. For each frame size and each
 * target rate, each capturer in turn (the order alternates from step to step) is started on the host end, trafgen
 * sends the same frames at the same rate from the peer end, the capturer is given time to drain (longer than
 * either ring's block timeout), its CPU time is read, and it is stopped to collect its counts. flowtap is warmed up
 * (JIT) on unmeasured traffic of each size first.
 * <p>
 * Needs root (CAP_NET_RAW, CAP_NET_ADMIN, CAP_SYS_ADMIN), {@code ip}, {@code taskset}, {@code tcpdump} and
 * {@code trafgen} (Debian package netsniff-ng); without them it prints why and exits 0 having measured nothing. It
 * is a benchmark: it never fails on a slow result, and {@code .ci/run} does not run it.
 * <p>
 * Options (all optional): {@code --sizes 64,1514}, {@code --rates 50000,100000,200000,300000,0} (0: trafgen's top
 * speed), {@code --seconds 3} (length of each paced step), {@code --top-count 1000000} (frames at top speed),
 * {@code --pollers 1}, {@code --cpus 1} (poller CPUs), {@code --tcpdump-cpu 1} (-1: not pinned),
 * {@code --ring-mib 64} (both rings), {@code --block-kib 1024} and
 * {@code --block-timeout-ms 10} (flowtap's ring blocks), {@code --checksum AUTO},
 * {@code --settle-ms 2000}, {@code --repeat 1},
 * {@code --capturers flowtap,tcpdump} (add {@code none} for the sender alone), {@code --warmup-count 500000}.
 */
public final class CaptureBench
{
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_NET_RAW = 13;
    private static final int CAP_SYS_ADMIN = 21;
    private static final int KIB_PER_MIB = 1024;

    private static final List<String> OPTION_NAMES = List.of("sizes", "rates", "seconds", "top-count", "pollers",
        "cpus", "tcpdump-cpu", "ring-mib", "block-kib", "block-timeout-ms",
        "checksum", "settle-ms", "repeat", "capturers",
        "warmup-count");

    private final Map<String, String> options;
    private final List<Integer> sizes;
    private final List<Long> rates;
    private final long seconds;
    private final long topCount;
    private final long settleMs;
    private final int repeat;
    private final long warmupCount;
    private final List<Capturer> capturers = new ArrayList<>();
    private final List<Result> results = new ArrayList<>();

    private CaptureBench(final Map<String, String> options)
    {
        this.options = options;
        sizes = ints(option("sizes", "64,1514"));
        rates = longs(option("rates", "50000,100000,200000,300000,0"));
        seconds = Long.parseLong(option("seconds", "3"));
        topCount = Long.parseLong(option("top-count", "1000000"));
        settleMs = Long.parseLong(option("settle-ms", "2000"));
        repeat = Integer.parseInt(option("repeat", "1"));
        warmupCount = Long.parseLong(option("warmup-count", "500000"));
    }

    /**
     * @param args options as {@code --name value} pairs; see the class comment.
     */
    public static void main(final String[] args)
    {
        final Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2)
        {
            if (!args[i].startsWith("--") || i + 1 == args.length || !OPTION_NAMES.contains(args[i].substring(2)))
            {
                System.err.println("usage: CaptureBench [--name value]... with names " + OPTION_NAMES);
                System.exit(2);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        final String missing = missingPrerequisite();
        if (missing != null)
        {
            System.out.println("capture bench SKIPPED: it needs " + missing + "; nothing was measured");
            return;
        }
        new CaptureBench(options).run();
    }

    private void run()
    {
        final int ringMiB = Integer.parseInt(option("ring-mib", "64"));
        final int blockKiB = Integer.parseInt(option("block-kib", Integer.toString(
            RingGeometry.BLOCK_SIZE_DEFAULT / KIB_PER_MIB)));
        final int blockTimeoutMs = Integer.parseInt(option("block-timeout-ms", Integer.toString(
            RingGeometry.RETIRE_TIMEOUT_MS_DEFAULT)));
        final int pollers = Integer.parseInt(option("pollers", "1"));
        final int[] cpus = ints(option("cpus", "1")).stream().mapToInt(Integer::intValue).toArray();
        final int tcpdumpCpu = Integer.parseInt(option("tcpdump-cpu", "1"));
        final ChecksumMode checksumMode = ChecksumMode.valueOf(option("checksum", "AUTO"));
        for (final String name : option("capturers", "flowtap,tcpdump").split(","))
        {
            switch (name)
            {
                case "flowtap":
                    capturers.add(new FlowtapCapturer(pollers, cpus, blockKiB * KIB_PER_MIB,
                        ringMiB * KIB_PER_MIB / blockKiB, blockTimeoutMs, checksumMode));
                    break;
                case "tcpdump":
                    capturers.add(new TcpdumpCapturer(LinuxStats.findProgram("tcpdump"),
                        LinuxStats.findProgram("taskset"), tcpdumpCpu, ringMiB * KIB_PER_MIB));
                    break;
                case "none":
                    capturers.add(new NoCapturer());
                    break;
                default:
                    throw new IllegalArgumentException("unknown capturer " + name + ": flowtap, tcpdump or none");
            }
        }

        System.out.printf("# capture bench: %s; Java %s; kernel %s; %d CPUs%n", options, System.getProperty(
            "java.vm.version"), System.getProperty("os.version"), Runtime.getRuntime().availableProcessors());
        System.out.printf("# flowtap: %d poller(s) on CPU(s) %s, ring %d x %d KiB, block timeout %d ms, " +
            "checksum %s, hash fanout; " +
            "tcpdump -B %d -s 0 -w /dev/null on CPU %s%n", pollers, Arrays.toString(cpus),
            ringMiB * KIB_PER_MIB / blockKiB, blockKiB, blockTimeoutMs, checksumMode, ringMiB * KIB_PER_MIB,
            tcpdumpCpu < 0 ? "any" : Integer.toString(tcpdumpCpu));
        try (VethPair veth = VethPair.create())
        {
            final Trafgen trafgen = new Trafgen(LinuxStats.findProgram("trafgen"), veth.peerInterface(),
                veth::inNamespace);
            for (final int size : sizes)
            {
                final Path configuration = Trafgen.configuration(size);
                warmUp(veth, trafgen, configuration, size);
                printHeader();
                int step = 0;
                for (int r = 0; r < repeat; r++)
                {
                    for (final long rate : rates)
                    {
                        final long count = rate == 0 ? topCount : rate * seconds;
                        for (int c = 0; c < capturers.size(); c++)
                        {
                            // Alternate who goes first, so a drift in the machine does not favour one.
                            final Capturer capturer = capturers.get((c + step) % capturers.size());
                            final Result result = measure(veth, trafgen, configuration, size, rate, count, capturer);
                            results.add(result);
                            System.out.println(result.row());
                        }
                        step++;
                    }
                }
            }
        }
        finally
        {
            capturers.forEach(Capturer::close);
        }
        printSummary();
    }

    private void warmUp(final VethPair veth, final Trafgen trafgen, final Path configuration, final int size)
    {
        for (final Capturer capturer : capturers)
        {
            if (capturer instanceof FlowtapCapturer)
            {
                final Result result =
                    measure(veth, trafgen, configuration, size, 0, warmupCount, capturer);
                System.out.printf("# warm-up, not counted: %s%n", result.row());
            }
        }
    }

    private Result measure(
        final VethPair veth,
        final Trafgen trafgen,
        final Path configuration,
        final int size,
        final long rate,
        final long count,
        final Capturer capturer)
    {
        capturer.start(veth.hostInterface());
        try
        {
            final long backlogDrops = LinuxStats.backlogDrops();
            final long cpu0 = capturer.captureCpuNs();
            final long process0 = capturer.processCpuNs();
            final long[] busy0 = LinuxStats.cpuBusyNs();
            final long startNs = System.nanoTime();
            final Trafgen.Sent sent = trafgen.send(configuration, count, rate);
            final long sendWallNs = System.nanoTime() - startNs;
            final long senderBusyNs = LinuxStats.cpuBusyNs()[sent.cpu()] - busy0[sent.cpu()];
            TimeUnit.MILLISECONDS.sleep(settleMs);
            final long cpuNs = capturer.captureCpuNs() - cpu0;
            final long processNs = capturer.processCpuNs() - process0;
            final Capturer.Counts counts = capturer.stop();
            return new Result(size, rate, capturer.name(), sent, counts, cpuNs, processNs, senderBusyNs, sendWallNs,
                LinuxStats.backlogDrops() - backlogDrops);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
        finally
        {
            capturer.close();
        }
    }

    private static void printHeader()
    {
        System.out.println();
        System.out.println("| frame | target pps | capturer | sent | offered pps | captured | ring drops | " +
            "lost before ring | CPU ns/pkt | process ns/pkt | capturer % of a CPU | sender CPU busy |");
        System.out.println("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    }

    private void printSummary()
    {
        System.out.println();
        System.out.println("# highest offered rate with nothing lost (captured == sent), and CPU per packet there");
        System.out.println("| frame | capturer | highest zero-drop pps | CPU ns/pkt there | process ns/pkt there | " +
            "lowest rate with a loss |");
        System.out.println("|---:|---|---:|---:|---:|---:|");
        for (final int size : sizes)
        {
            for (final Capturer capturer : capturers)
            {
                Result best = null;
                Result firstLoss = null;
                for (final Result result : results)
                {
                    if (result.size() != size || !result.capturer().equals(capturer.name()))
                    {
                        continue;
                    }
                    if (result.lossless())
                    {
                        if (best == null || result.sent().pps() > best.sent().pps())
                        {
                            best = result;
                        }
                    }
                    else if (firstLoss == null || result.sent().pps() < firstLoss.sent().pps())
                    {
                        firstLoss = result;
                    }
                }
                System.out.printf(Locale.ROOT, "| %d | %s | %s | %s | %s | %s |%n", size, capturer.name(),
                    best == null ? "none" : String.format(Locale.ROOT, "%,.0f", best.sent().pps()),
                    best == null ? "-" : String.format(Locale.ROOT, "%.0f", best.cpuNsPerPacket()),
                    best == null ? "-" : String.format(Locale.ROOT, "%.0f", best.processNsPerPacket()),
                    firstLoss == null ? "none" : String.format(Locale.ROOT, "%,.0f", firstLoss.sent().pps()));
            }
        }
    }

    private static String missingPrerequisite()
    {
        if (!System.getProperty("os.name", "").startsWith("Linux"))
        {
            return "Linux";
        }
        final long capabilities = LinuxStats.effectiveCapabilities();
        for (final int capability : new int[]{CAP_NET_RAW, CAP_NET_ADMIN, CAP_SYS_ADMIN})
        {
            if ((capabilities & (1L << capability)) == 0)
            {
                return "root (CAP_NET_RAW, CAP_NET_ADMIN, CAP_SYS_ADMIN) for a namespace, a veth pair and packet " +
                    "sockets";
            }
        }
        if (LinuxStats.findProgram("trafgen") == null)
        {
            return "trafgen, the sender (Debian: apt-get install netsniff-ng)";
        }
        if (LinuxStats.findProgram("tcpdump") == null)
        {
            return "tcpdump, the peer it is compared with (Debian: apt-get install tcpdump)";
        }
        if (LinuxStats.findProgram("ip") == null || LinuxStats.findProgram("taskset") == null)
        {
            return "ip (iproute2) and taskset (util-linux)";
        }
        return null;
    }

    private String option(final String name, final String defaultValue)
    {
        return options.getOrDefault(name, defaultValue);
    }

    private static List<Integer> ints(final String list)
    {
        final List<Integer> values = new ArrayList<>();
        for (final String value : list.split(","))
        {
            values.add(Integer.parseInt(value.trim()));
        }
        return values;
    }

    private static List<Long> longs(final String list)
    {
        final List<Long> values = new ArrayList<>();
        for (final String value : list.split(","))
        {
            values.add(Long.parseLong(value.trim()));
        }
        return values;
    }

    /**
     * One capturer's run at one rate.
     *
     * @param size         frame length.
     * @param targetPps    rate asked of the sender, 0 for top speed.
     * @param capturer     name.
     * @param sent         what the sender did.
     * @param counts       what the capturer saw.
     * @param cpuNs        CPU time of the capturing threads (or process) from just before the send to after settling.
     * @param processNs    CPU time of the capturer's whole process over the same window.
     * @param senderBusyNs busy time of the sender's CPU during the send (sender, softirq, anything else there).
     * @param sendWallNs   wall time of the sender process.
     * @param backlogDrops packets the receive backlogs dropped during the run.
     */
    record Result(
        int size,
        long targetPps,
        String capturer,
        Trafgen.Sent sent,
        Capturer.Counts counts,
        long cpuNs,
        long processNs,
        long senderBusyNs,
        long sendWallNs,
        long backlogDrops)
    {
        boolean lossless()
        {
            return counts.captured() == sent.sent() && counts.kernelDrops() == 0;
        }

        double cpuNsPerPacket()
        {
            return counts.captured() == 0 ? 0 : (double)cpuNs / counts.captured();
        }

        double processNsPerPacket()
        {
            return counts.captured() == 0 ? 0 : (double)processNs / counts.captured();
        }

        String lostBeforeRing()
        {
            final long lost = sent.sent() - counts.kernelPackets();
            return backlogDrops == 0 ? String.format(Locale.ROOT, "%,d", lost) :
                String.format(Locale.ROOT, "%,d (backlog dropped %,d)", lost, backlogDrops);
        }

        String row()
        {
            return String.format(Locale.ROOT,
                "| %d | %s | %s | %,d | %,.0f | %,d | %,d | %s | %.0f | %.0f | %.1f %% | %.0f %% |",
                size, targetPps == 0 ? "top" : String.format(Locale.ROOT, "%,d", targetPps), capturer,
                sent.sent(), sent.pps(), counts.captured(), counts.kernelDrops(),
                lostBeforeRing(), cpuNsPerPacket(), processNsPerPacket(),
                sent.elapsedNs() == 0 ? 0 : 100.0 * cpuNs / sent.elapsedNs(),
                sendWallNs == 0 ? 0 : 100.0 * senderBusyNs / sendWallNs);
        }
    }
}
