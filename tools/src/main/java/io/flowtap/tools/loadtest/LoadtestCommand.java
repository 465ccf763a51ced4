package io.flowtap.tools.loadtest;

import io.flowtap.capture.ring.RingGeometry;
import io.flowtap.linux.LinuxException;
import io.flowtap.perf.load.LoadTest;
import io.flowtap.perf.load.LoadTestContext;
import io.flowtap.pipeline.ThreadingMode;
import io.flowtap.pipeline.journal.JournalRollCycle;
import io.flowtap.tools.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code flowtap loadtest}: step the offered rate through a veth pair in a namespace of its own and report, per step,
 * what flowtap's full pipeline (and optionally tcpdump and netsniff-ng) captured, dropped and spent.
 * <p>
 * Threading: the calling thread runs the load test. Ctrl-C or SIGTERM run a shutdown hook that stops it after the
 * step in hand and waits for it to remove the namespace.
 */
@Command(
    name = "loadtest",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Make a network namespace and a veth pair (10.203.N.0/24), generate TCP traffic (flowtap gen), and for each "
            + "offered rate blast it from the namespace through a transmit ring while a full flowtap pipeline "
            + "(pollers and workers, every segment reassembled) captures the other end; then the same for each "
            + "--compare peer.",
        "Per step: offered and captured packets per second, kernel drops, flowtap's drops by reason, CPU ns per "
            + "packet of the capturing threads and of the whole process, and the p50/p99/p99.9/max latency of each "
            + "pipeline stage; then the highest zero-drop rate of each capturer. Stage latencies also go to an "
            + "HdrHistogram interval log, one interval a second.",
        "The namespace is removed at the end, and on Ctrl-C or SIGTERM. Needs root (CAP_NET_ADMIN, CAP_NET_RAW, "
            + "CAP_SYS_ADMIN) and ip; tcpdump or netsniff-ng to compare."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap loadtest --rates 50k,100k,200k,top --duration 5",
        "  flowtap loadtest --size 64 --rates 100k,200k,400k --compare tcpdump,netsniff-ng",
        "  flowtap loadtest --rate 150k --duration 60 --histogram-log hold.hlog"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success, including a stop by Ctrl-C or SIGTERM",
        "1:the load test could not run (no privilege, no ip, a peer not installed) or failed part way",
        "2:bad command line"})
public final class LoadtestCommand implements Callable<Integer>
{
    private static final String PREFIX = "flowtap loadtest: ";
    private static final long SHUTDOWN_WAIT_MS = 30_000;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--rates", paramLabel = "LIST", split = ",",
        description = "offered rates in packets per second, stepped in order: 50000, 50k, 1.5M, or top for the "
            + "blaster's top speed (default: 50k,100k,200k,top)")
    private List<String> rates;

    @Option(names = "--rate", paramLabel = "N", description = "hold one rate instead of stepping")
    private String rate;

    @Option(names = "--duration", paramLabel = "SECONDS",
        description = "seconds each step sends for (default: ${DEFAULT-VALUE})")
    private double duration = LoadTestContext.STEP_SECONDS_DEFAULT;

    @Option(names = "--size", paramLabel = "SIZE",
        description = "64 (or another length) for fixed data frames, or mix for the generator's mix with a median "
            + "near 900 bytes (default: ${DEFAULT-VALUE})")
    private String size = "mix";

    @Option(names = "--compare", paramLabel = "LIST", split = ",",
        description = "peers to measure on the same traffic: tcpdump, netsniff-ng")
    private List<String> compare = List.of();

    @Option(names = "--pollers", paramLabel = "N", description = "flowtap pollers (default: ${DEFAULT-VALUE})")
    private int pollers = 1;

    @Option(names = "--cpus", paramLabel = "LIST", split = ",",
        description = "CPUs for the pollers (default: 1)")
    private int[] cpus = {1};

    @Option(names = "--workers", paramLabel = "N", description = "flowtap workers (default: ${DEFAULT-VALUE})")
    private int workers = 1;

    @Option(names = "--worker-cpus", paramLabel = "LIST", split = ",",
        description = "CPUs for the workers (default: 1)")
    private int[] workerCpus = {1};

    @Option(names = "--threading", paramLabel = "MODE",
        description = "dedicated (a thread per poller and worker) or shared (one thread runs them all in turn) "
            + "(default: ${DEFAULT-VALUE})")
    private ThreadingMode threading = ThreadingMode.DEDICATED;

    @Option(names = "--shared-idle", paramLabel = "HOW",
        description = "how the shared thread waits when idle: ring (in poll(2) until the kernel hands over a block, "
            + "no CPU spent waiting) or spin (backs off without sleeping, lower tail latency) "
            + "(default: ${DEFAULT-VALUE})")
    private SharedIdle sharedIdle = SharedIdle.RING;

    @Option(names = "--blaster-cpu", paramLabel = "C",
        description = "CPU for the blaster, and so for the kernel's delivery into the rings, -1 for any "
            + "(default: ${DEFAULT-VALUE})")
    private int blasterCpu;

    @Option(names = "--peer-cpu", paramLabel = "C",
        description = "CPU for tcpdump and netsniff-ng, -1 for any (default: ${DEFAULT-VALUE})")
    private int peerCpu = 1;

    @Option(names = "--ring-mib", paramLabel = "MIB",
        description = "ring size of flowtap and the peers alike (default: ${DEFAULT-VALUE})")
    private int ringMiB = 64;

    @Option(names = "--block-size", paramLabel = "BYTES",
        description = "flowtap's ring block size, a power-of-two multiple of the page size (default: "
            + "${DEFAULT-VALUE})")
    private int blockSize = RingGeometry.BLOCK_SIZE_DEFAULT;

    @Option(names = "--block-timeout-ms", paramLabel = "MS",
        description = "flowtap's ring block retire timeout, the floor of kernel-to-poller latency at low rates "
            + "(default: ${DEFAULT-VALUE})")
    private int blockTimeoutMs = RingGeometry.RETIRE_TIMEOUT_MS_DEFAULT;

    @Option(names = "--settle-ms", paramLabel = "MS",
        description = "time each capturer gets to drain after the blaster stops (default: ${DEFAULT-VALUE})")
    private long settleMs = LoadTestContext.SETTLE_MS_DEFAULT;

    @Option(names = "--warmup", paramLabel = "SECONDS",
        description = "unreported traffic through flowtap first, so steps run compiled code (default: 1)")
    private double warmup = 1;

    @Option(names = "--traffic-packets", paramLabel = "N",
        description = "packets in the generated capture the blaster loops (default: ${DEFAULT-VALUE})")
    private long trafficPackets = LoadTestContext.TRAFFIC_PACKETS_DEFAULT;

    @Option(names = "--journal", paramLabel = "DIR",
        description = "journal each flowtap step's events under DIR/step-N, so worker-to-journal includes the "
            + "commit (default: no journal)")
    private Path journal;

    @Option(names = "--roll-cycle", paramLabel = "CYCLE",
        description = "with --journal: start a new journal file every secondly, five_minutely, hourly, daily, "
            + "weekly (default: ${DEFAULT-VALUE})")
    private JournalRollCycle rollCycle = JournalRollCycle.HOURLY;

    @Option(names = "--retain-cycles", paramLabel = "N",
        description = "with --journal: keep only the newest N journal files of each writer, 0 for all, so a long "
            + "run keeps a bounded journal on disk (default: ${DEFAULT-VALUE})")
    private int retainCycles;

    @Option(names = "--histogram-log", paramLabel = "FILE",
        description = "HdrHistogram interval log of flowtap's stage latencies (default: ${DEFAULT-VALUE})")
    private Path histogramLog = LoadTestContext.HISTOGRAM_LOG_DEFAULT;

    private PrintStream out = System.out;

    /**
     * Send the report and messages somewhere else than standard output (tests).
     *
     * @param out for the report and messages.
     * @return this command.
     */
    public LoadtestCommand messages(final PrintStream out)
    {
        this.out = out;
        return this;
    }

    @Override
    public Integer call()
    {
        final LoadTestContext context;
        try
        {
            context = new LoadTestContext()
                .rates(parseRates())
                .stepSeconds(duration)
                .warmupSeconds(warmup)
                .frameSize("mix".equals(size) ? 0 : Integer.parseInt(size))
                .compare(compare)
                .pollers(pollers, cpus)
                .workers(workers, workerCpus)
                .threadingMode(threading)
                .sharedIdleOnRing(sharedIdle == SharedIdle.RING)
                .blasterCpu(blasterCpu)
                .peerCpu(peerCpu)
                .ringMiB(ringMiB)
                .blockSize(blockSize)
                .blockTimeoutMs(blockTimeoutMs)
                .settleMs(settleMs)
                .trafficPackets(trafficPackets)
                .histogramLog(histogramLog)
                .journal(journal)
                .journalCycles(rollCycle, retainCycles)
                .conclude();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        final LoadTest loadTest = new LoadTest(context, out);
        final CountDownLatch done = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            loadTest.stop();
            try
            {
                done.await(SHUTDOWN_WAIT_MS, TimeUnit.MILLISECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "flowtap-loadtest-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try
        {
            loadTest.run();
            return ExitCodes.OK;
        }
        catch (final LinuxException | IllegalStateException | UncheckedIOException ex)
        {
            out.println(PREFIX + ex.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
        catch (final IOException ex)
        {
            out.println(PREFIX + ex.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
        finally
        {
            done.countDown();
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ex)
            {
                // Shutting down: the hook is running and waits on the latch just released.
            }
        }
    }

    private long[] parseRates()
    {
        final List<String> list = rate != null ? List.of(rate) :
            rates != null ? rates : Arrays.stream(LoadTestContext.RATES_DEFAULT)
                .mapToObj(value -> value == 0 ? "top" : Long.toString(value)).toList();
        final long[] parsed = new long[list.size()];
        for (int i = 0; i < parsed.length; i++)
        {
            parsed[i] = parseRate(list.get(i).trim().toLowerCase(Locale.ROOT));
        }
        return parsed;
    }

    private static long parseRate(final String value)
    {
        if ("top".equals(value))
        {
            return 0;
        }
        try
        {
            final char unit = value.isEmpty() ? ' ' : value.charAt(value.length() - 1);
            final double multiplier = unit == 'k' ? 1e3 : unit == 'm' ? 1e6 : 1;
            final String number = multiplier == 1 ? value : value.substring(0, value.length() - 1);
            final long parsed = Math.round(Double.parseDouble(number) * multiplier);
            if (parsed <= 0)
            {
                throw new IllegalArgumentException("rate '" + value + "' must be positive, or top");
            }
            return parsed;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("rate '" + value + "' is not a number like 50000, 50k, 1.5M or top");
        }
    }

    /**
     * How the shared thread waits when idle.
     */
    enum SharedIdle
    {
        /** In poll(2) on the ring. */
        RING,
        /** Backing off without sleeping. */
        SPIN
    }
}
