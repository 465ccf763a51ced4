package io.flowtap.perf.load;

import io.flowtap.capture.ring.RingGeometry;
import io.flowtap.pipeline.ThreadingMode;
import io.flowtap.pipeline.journal.JournalRollCycle;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * Configuration of a {@link LoadTest}: fluent setters, then {@link #conclude()} checks the whole.
 * <p>
 * Not thread safe: configure on one thread, then hand it to the load test.
 */
public final class LoadTestContext
{
    /** Offered rates when none is given, in packets per second; 0 is the blaster's top speed. */
    public static final long[] RATES_DEFAULT = {50_000, 100_000, 200_000, 0};
    /** Seconds each step sends for when none is given. */
    public static final double STEP_SECONDS_DEFAULT = 3;
    /**
     * Milliseconds a capturer is given after the sender stops: over libpcap's 1 s block timeout, so tcpdump has read
     * its last block before it is stopped.
     */
    public static final long SETTLE_MS_DEFAULT = 1500;
    /** Packets in the generated capture the blaster loops. */
    public static final long TRAFFIC_PACKETS_DEFAULT = 200_000;
    /** The histogram log when none is given. */
    public static final Path HISTOGRAM_LOG_DEFAULT = Paths.get("flowtap-loadtest.hlog");
    /** The peers {@code --compare} knows. */
    public static final List<String> PEERS = List.of("tcpdump", "netsniff-ng");

    private long[] rates = RATES_DEFAULT;
    private double stepSeconds = STEP_SECONDS_DEFAULT;
    private long settleMs = SETTLE_MS_DEFAULT;
    private double warmupSeconds = 1;
    private int frameSize;
    private List<String> compare = List.of();
    private int pollers = 1;
    private int[] pollerCpus = {1};
    private int workers = 1;
    private int[] workerCpus = {1};
    private int blasterCpu;
    private int peerCpu = 1;
    private int ringMiB = 64;
    private int blockSize = RingGeometry.BLOCK_SIZE_DEFAULT;
    private int blockTimeoutMs = RingGeometry.RETIRE_TIMEOUT_MS_DEFAULT;
    private long trafficPackets = TRAFFIC_PACKETS_DEFAULT;
    private Path histogramLog = HISTOGRAM_LOG_DEFAULT;
    private ThreadingMode threadingMode = ThreadingMode.DEDICATED;
    private boolean sharedIdleOnRing = true;
    private Path journal;
    private JournalRollCycle journalRollCycle = JournalRollCycle.HOURLY;
    private int journalRetainCycles;

    /**
     * @param rates offered packet rates to step through, in order; 0 for the blaster's top speed.
     * @return this.
     */
    public LoadTestContext rates(final long... rates)
    {
        this.rates = rates.clone();
        return this;
    }

    /**
     * @return the rates to step through.
     */
    public long[] rates()
    {
        return rates.clone();
    }

    /**
     * @param seconds each step sends for.
     * @return this.
     */
    public LoadTestContext stepSeconds(final double seconds)
    {
        this.stepSeconds = seconds;
        return this;
    }

    /**
     * @return seconds each step sends for.
     */
    public double stepSeconds()
    {
        return stepSeconds;
    }

    /**
     * @param ms a capturer is given to drain after the sender stops.
     * @return this.
     */
    public LoadTestContext settleMs(final long ms)
    {
        this.settleMs = ms;
        return this;
    }

    /**
     * @return milliseconds to drain after each step.
     */
    public long settleMs()
    {
        return settleMs;
    }

    /**
     * @param seconds of unreported traffic through flowtap first, so the measured steps run compiled code.
     * @return this.
     */
    public LoadTestContext warmupSeconds(final double seconds)
    {
        this.warmupSeconds = seconds;
        return this;
    }

    /**
     * @return seconds of warm-up.
     */
    public double warmupSeconds()
    {
        return warmupSeconds;
    }

    /**
     * @param frameSize every data frame's length (such as 64), or 0 for the generator's mix (median near 900).
     * @return this.
     */
    public LoadTestContext frameSize(final int frameSize)
    {
        this.frameSize = frameSize;
        return this;
    }

    /**
     * @return the data frames' length, or 0 for the mix.
     */
    public int frameSize()
    {
        return frameSize;
    }

    /**
     * @param peers to measure on the same traffic, from {@link #PEERS}.
     * @return this.
     */
    public LoadTestContext compare(final List<String> peers)
    {
        this.compare = List.copyOf(peers);
        return this;
    }

    /**
     * @return the peers measured beside flowtap.
     */
    public List<String> compare()
    {
        return compare;
    }

    /**
     * @param pollers flowtap's pollers (sockets in one fanout group).
     * @param cpus    to pin them to, or empty.
     * @return this.
     */
    public LoadTestContext pollers(final int pollers, final int... cpus)
    {
        this.pollers = pollers;
        this.pollerCpus = cpus.clone();
        return this;
    }

    /**
     * @return flowtap's pollers.
     */
    public int pollers()
    {
        return pollers;
    }

    /**
     * @return CPUs for the pollers.
     */
    public int[] pollerCpus()
    {
        return pollerCpus.clone();
    }

    /**
     * @param workers flowtap's workers.
     * @param cpus    to pin them to, or empty.
     * @return this.
     */
    public LoadTestContext workers(final int workers, final int... cpus)
    {
        this.workers = workers;
        this.workerCpus = cpus.clone();
        return this;
    }

    /**
     * @return flowtap's workers.
     */
    public int workers()
    {
        return workers;
    }

    /**
     * @return CPUs for the workers.
     */
    public int[] workerCpus()
    {
        return workerCpus.clone();
    }

    /**
     * @param cpu for the blaster (and so the kernel's delivery to every ring, which veth does on the sender's CPU),
     *            or -1 for none.
     * @return this.
     */
    public LoadTestContext blasterCpu(final int cpu)
    {
        this.blasterCpu = cpu;
        return this;
    }

    /**
     * @return the blaster's CPU.
     */
    public int blasterCpu()
    {
        return blasterCpu;
    }

    /**
     * @param cpu for the peers (tcpdump, netsniff-ng), or -1 for none.
     * @return this.
     */
    public LoadTestContext peerCpu(final int cpu)
    {
        this.peerCpu = cpu;
        return this;
    }

    /**
     * @return the peers' CPU.
     */
    public int peerCpu()
    {
        return peerCpu;
    }

    /**
     * @param mib ring size for flowtap and the peers alike.
     * @return this.
     */
    public LoadTestContext ringMiB(final int mib)
    {
        this.ringMiB = mib;
        return this;
    }

    /**
     * @return ring size in MiB.
     */
    public int ringMiB()
    {
        return ringMiB;
    }

    /**
     * @param bytes flowtap's ring block size.
     * @return this.
     */
    public LoadTestContext blockSize(final int bytes)
    {
        this.blockSize = bytes;
        return this;
    }

    /**
     * @return flowtap's ring block size.
     */
    public int blockSize()
    {
        return blockSize;
    }

    /**
     * @param ms flowtap's ring block retire timeout.
     * @return this.
     */
    public LoadTestContext blockTimeoutMs(final int ms)
    {
        this.blockTimeoutMs = ms;
        return this;
    }

    /**
     * @return flowtap's ring block retire timeout.
     */
    public int blockTimeoutMs()
    {
        return blockTimeoutMs;
    }

    /**
     * @param packets in the generated capture the blaster loops.
     * @return this.
     */
    public LoadTestContext trafficPackets(final long packets)
    {
        this.trafficPackets = packets;
        return this;
    }

    /**
     * @return packets in the generated capture.
     */
    public long trafficPackets()
    {
        return trafficPackets;
    }

    /**
     * @param path of the HdrHistogram interval log of flowtap's stage latencies, one interval a second.
     * @return this.
     */
    public LoadTestContext histogramLog(final Path path)
    {
        this.histogramLog = path;
        return this;
    }

    /**
     * @return the histogram log's path.
     */
    public Path histogramLog()
    {
        return histogramLog;
    }

    /**
     * @param mode how flowtap's pollers and workers get threads: a thread each, or one thread for all.
     * @return this.
     */
    public LoadTestContext threadingMode(final ThreadingMode mode)
    {
        this.threadingMode = mode;
        return this;
    }

    /**
     * @return how flowtap's agents get threads.
     */
    public ThreadingMode threadingMode()
    {
        return threadingMode;
    }

    /**
     * @param onRing whether flowtap's shared thread waits in poll(2) on the ring when idle (else it backs off).
     * @return this.
     */
    public LoadTestContext sharedIdleOnRing(final boolean onRing)
    {
        this.sharedIdleOnRing = onRing;
        return this;
    }

    /**
     * @return whether flowtap's shared thread waits on the ring when idle.
     */
    public boolean sharedIdleOnRing()
    {
        return sharedIdleOnRing;
    }

    /**
     * @param directory under which each flowtap step journals its events ({@code step-N}), so the worker-to-journal
     *                  stage includes the commit; null for no journal (the default).
     * @return this.
     */
    public LoadTestContext journal(final Path directory)
    {
        this.journal = directory;
        return this;
    }

    /**
     * @return the journal directory, or null.
     */
    public Path journal()
    {
        return journal;
    }

    /**
     * @param rollCycle how often each step's journal starts a new file.
     * @param retain    newest files kept, 0 for all: a long run at a high rate keeps a bounded journal on disk.
     * @return this.
     */
    public LoadTestContext journalCycles(final JournalRollCycle rollCycle, final int retain)
    {
        this.journalRollCycle = rollCycle;
        this.journalRetainCycles = retain;
        return this;
    }

    /**
     * @return how often each step's journal starts a new file.
     */
    public JournalRollCycle journalRollCycle()
    {
        return journalRollCycle;
    }

    /**
     * @return newest journal files kept per writer, 0 for all.
     */
    public int journalRetainCycles()
    {
        return journalRetainCycles;
    }

    /**
     * Check the configuration as a whole.
     *
     * @return this.
     * @throws IllegalArgumentException naming what is wrong.
     */
    public LoadTestContext conclude()
    {
        if (rates.length == 0)
        {
            throw new IllegalArgumentException("at least one rate is needed");
        }
        for (final long rate : rates)
        {
            if (rate < 0)
            {
                throw new IllegalArgumentException("rate " + rate + " must not be negative (0 is top speed)");
            }
        }
        if (!(stepSeconds > 0) || warmupSeconds < 0 || settleMs < 0)
        {
            throw new IllegalArgumentException("the step must last some time; warm-up and settle must not be negative");
        }
        for (final String peer : compare)
        {
            if (!PEERS.contains(peer))
            {
                throw new IllegalArgumentException("unknown peer '" + peer + "': expected one of " + PEERS);
            }
        }
        if (pollers < 1 || workers < 1 || ringMiB < 1 || trafficPackets < 1)
        {
            throw new IllegalArgumentException("pollers, workers, ring size and traffic packets must be at least 1");
        }
        if (threadingMode == ThreadingMode.INVOKER)
        {
            throw new IllegalArgumentException("the load test runs flowtap on its own threads: dedicated or shared");
        }
        if (histogramLog == null)
        {
            throw new IllegalArgumentException("a histogram log path is needed");
        }
        return this;
    }
}
