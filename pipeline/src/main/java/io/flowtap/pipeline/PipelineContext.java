package io.flowtap.pipeline;

import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.filter.FlowFilter;
import io.flowtap.pipeline.shard.QueueFullPolicy;
import io.flowtap.pipeline.stats.CountersFile;
import io.flowtap.pipeline.stats.Stage;
import io.flowtap.pipeline.stats.StageHistograms;
import io.flowtap.pipeline.worker.HandlerFactory;
import io.flowtap.pipeline.worker.SegmentHandler;
import io.flowtap.reassembly.EngineContext;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.util.List;
import java.util.function.IntFunction;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Configuration of a {@link Pipeline}: fluent setters, then {@link #conclude()} checks the whole. Every option has a
 * default, so {@code new PipelineContext().handlers(w -> List.of(myHandler(w)))} is a complete configuration.
 * <p>
 * Not thread safe: configure on one thread, then hand it to {@link Pipeline#live} or {@link Pipeline#file}.
 */
public final class PipelineContext
{
    /** Default workers. */
    public static final int WORKERS_DEFAULT = 1;
    /** Default hand-offs in flight per poller and worker pair. */
    public static final int QUEUE_CAPACITY_DEFAULT = 4096;
    /** Default bytes of each hand-off's copy buffer: an Ethernet frame with room for tags. */
    public static final int COPY_BUFFER_LENGTH_DEFAULT = 2048;
    /** Default most frames a poller takes per duty cycle. */
    public static final int POLL_LIMIT_DEFAULT = 256;
    /** Default most hand-offs a worker takes from one queue per duty cycle. */
    public static final int DRAIN_LIMIT_DEFAULT = 256;
    /** Default time the oldest ring block may be held before its queued frames are copied out. */
    public static final long HOLD_TIMEOUT_NS_DEFAULT = TimeUnit.MILLISECONDS.toNanos(10);
    /** Default share of the ring that must be user-owned, from the oldest held block on, before copying out. */
    public static final double COPY_OUT_RING_FRACTION_DEFAULT = 0.5;
    /** Default lag of an idle live poller's watermark behind the wall clock. */
    public static final long IDLE_CLOCK_LAG_NS_DEFAULT = TimeUnit.SECONDS.toNanos(1);
    /** Default quiet time after a stop request: 0 means three ring retire timeouts plus 20 ms. */
    public static final long STOP_QUIET_NS_DEFAULT = 0;
    /** Default longest a live poller keeps reading after a stop request. */
    public static final long STOP_TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(2);
    /** Default longest {@link Pipeline#close()} waits for the pollers, then for the workers. */
    public static final long SHUTDOWN_TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(60);
    /** Default longest a pipeline waits for its workers to start. */
    public static final long START_TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(30);

    private int workers = WORKERS_DEFAULT;
    private int[] workerCpus = new int[0];
    private int queueCapacity = QUEUE_CAPACITY_DEFAULT;
    private QueueFullPolicy queueFullPolicy = QueueFullPolicy.WAIT;
    private int copyBufferLength = COPY_BUFFER_LENGTH_DEFAULT;
    private int pollLimit = POLL_LIMIT_DEFAULT;
    private int drainLimit = DRAIN_LIMIT_DEFAULT;
    private ChecksumMode checksumMode = ChecksumMode.AUTO;
    private DecoderContext decoderContext = new DecoderContext();
    private FlowFilter filter;
    private Supplier<EngineContext> engineContext = EngineContext::new;
    private HandlerFactory handlers = worker -> List.of();
    private IntFunction<SegmentHandler> segmentHandlers;
    private ThreadingMode threadingMode = ThreadingMode.DEDICATED;
    private Supplier<IdleStrategy> workerIdleStrategy = PipelineAgents::backoffIdleStrategy;
    private Supplier<IdleStrategy> pollerBackoffIdleStrategy = PipelineAgents::backoffIdleStrategy;
    private boolean sharedIdleOnRing = true;
    private ErrorHandler errorHandler = PipelineCounters::loggedOnly;
    private CountersFile countersFile;
    private NanoClock nanoClock = SystemNanoClock.INSTANCE;
    private StageHistograms histograms;
    private IntFunction<FrameHandler> frameTaps = poller -> null;
    private EpochNanoClock epochClock = RealTimeClock.INSTANCE;
    private long holdTimeoutNs = HOLD_TIMEOUT_NS_DEFAULT;
    private double copyOutRingFraction = COPY_OUT_RING_FRACTION_DEFAULT;
    private long idleClockLagNs = IDLE_CLOCK_LAG_NS_DEFAULT;
    private long stopQuietNs = STOP_QUIET_NS_DEFAULT;
    private long stopTimeoutNs = STOP_TIMEOUT_NS_DEFAULT;
    private long shutdownTimeoutNs = SHUTDOWN_TIMEOUT_NS_DEFAULT;
    private long startTimeoutNs = START_TIMEOUT_NS_DEFAULT;

    /**
     * Check the configuration as a whole.
     *
     * @return this.
     * @throws IllegalArgumentException naming what is wrong.
     */
    public PipelineContext conclude()
    {
        PipelineContextCheck.check(this);
        decoderContext.checksumMode(checksumMode).conclude();
        return this;
    }

    /**
     * @param workers reassembly workers, each with its own engine and handlers (default {@value #WORKERS_DEFAULT}).
     * @return this.
     */
    public PipelineContext workers(final int workers)
    {
        this.workers = workers;
        return this;
    }

    /** @return reassembly workers. */
    public int workers()
    {
        return workers;
    }

    /**
     * @param cpus CPU for each worker (worker i on {@code cpus[i % cpus.length]}), or empty for no pinning.
     * @return this.
     */
    public PipelineContext workerCpus(final int... cpus)
    {
        this.workerCpus = cpus.clone();
        return this;
    }

    /** @return CPU for each worker, or empty. */
    public int[] workerCpus()
    {
        return workerCpus.clone();
    }

    /**
     * @param capacity hand-offs in flight per poller and worker pair, rounded up to a power of two (default
     *                 {@value #QUEUE_CAPACITY_DEFAULT}).
     * @return this.
     */
    public PipelineContext queueCapacity(final int capacity)
    {
        this.queueCapacity = capacity;
        return this;
    }

    /** @return hand-offs in flight per poller and worker pair. */
    public int queueCapacity()
    {
        return queueCapacity;
    }

    /**
     * @param policy when a worker's queue is full: wait (back-pressure, the default) or drop and count.
     * @return this.
     */
    public PipelineContext queueFullPolicy(final QueueFullPolicy policy)
    {
        this.queueFullPolicy = policy;
        return this;
    }

    /** @return what a poller does when a queue is full. */
    public QueueFullPolicy queueFullPolicy()
    {
        return queueFullPolicy;
    }

    /**
     * @param length bytes of each hand-off's own buffer, for frames copied out (default
     *               {@value #COPY_BUFFER_LENGTH_DEFAULT}; a larger frame grows its buffer, counted).
     * @return this.
     */
    public PipelineContext copyBufferLength(final int length)
    {
        this.copyBufferLength = length;
        return this;
    }

    /** @return bytes of each hand-off's own buffer. */
    public int copyBufferLength()
    {
        return copyBufferLength;
    }

    /**
     * @param limit most frames a poller takes per duty cycle (default {@value #POLL_LIMIT_DEFAULT}).
     * @return this.
     */
    public PipelineContext pollLimit(final int limit)
    {
        this.pollLimit = limit;
        return this;
    }

    /** @return most frames a poller takes per duty cycle. */
    public int pollLimit()
    {
        return pollLimit;
    }

    /**
     * @param limit most hand-offs a worker takes from one queue per duty cycle (default {@value #DRAIN_LIMIT_DEFAULT}).
     * @return this.
     */
    public PipelineContext drainLimit(final int limit)
    {
        this.drainLimit = limit;
        return this;
    }

    /** @return most hand-offs a worker takes from one queue per duty cycle. */
    public int drainLimit()
    {
        return drainLimit;
    }

    /**
     * @param mode how every decoder treats TCP checksums, the decoder context's too (default: {@code AUTO}).
     * @return this.
     */
    public PipelineContext checksumMode(final ChecksumMode mode)
    {
        this.checksumMode = mode;
        return this;
    }

    /** @return how the workers' decoders treat TCP checksums. */
    public ChecksumMode checksumMode()
    {
        return checksumMode;
    }

    /**
     * @param context how the pollers' decoders open tunnels, reassemble IP fragments and drop SPAN duplicates (default:
     *                every tunnel known on its standard ports, fragments reassembled, duplicates kept).
     * @return this.
     */
    public PipelineContext decoderContext(final DecoderContext context)
    {
        this.decoderContext = context;
        return this;
    }

    /** @return how the pollers' decoders treat what they read. */
    public DecoderContext decoderContext()
    {
        return decoderContext;
    }

    /**
     * @param filter the capture filter, which the pollers apply in userspace to every segment after decoding it,
     *               counting what it rejects ({@code DispatchCounter.FILTERED_OUT}): the kernel's program passes on
     *               whole what it cannot read (IP fragments, tunnels it does not look inside), and keeps every TCP
     *               segment when the filter is too large for it (a blocklist); null (the default) for none.
     * @return this.
     */
    public PipelineContext filter(final FlowFilter filter)
    {
        this.filter = filter;
        return this;
    }

    /** @return the capture filter the pollers apply after decoding, or null. */
    public FlowFilter filter()
    {
        return filter;
    }

    /**
     * @param supplier of one engine configuration per worker (default {@code EngineContext::new}).
     * @return this.
     */
    public PipelineContext engineContext(final Supplier<EngineContext> supplier)
    {
        this.engineContext = supplier;
        return this;
    }

    /** @return supplier of one engine configuration per worker. */
    public Supplier<EngineContext> engineContext()
    {
        return engineContext;
    }

    /**
     * @param factory of each worker's handlers, called on the worker's thread (default: none).
     * @return this.
     */
    public PipelineContext handlers(final HandlerFactory factory)
    {
        this.handlers = factory;
        return this;
    }

    /** @return factory of each worker's handlers. */
    public HandlerFactory handlers()
    {
        return handlers;
    }

    /**
     * @param factory makes worker i's {@link SegmentHandler}, handed every segment instead of reassembling it
     *                (capture's printing); null (the default) to reassemble.
     * @return this.
     */
    public PipelineContext segmentHandlers(final IntFunction<SegmentHandler> factory)
    {
        this.segmentHandlers = factory;
        return this;
    }

    /** @return makes each worker's segment handler, or null when the workers reassemble. */
    public IntFunction<SegmentHandler> segmentHandlers()
    {
        return segmentHandlers;
    }

    /**
     * @param mode how agents get threads (default {@link ThreadingMode#DEDICATED}).
     * @return this.
     */
    public PipelineContext threadingMode(final ThreadingMode mode)
    {
        this.threadingMode = mode;
        return this;
    }

    /** @return how agents get threads. */
    public ThreadingMode threadingMode()
    {
        return threadingMode;
    }

    /**
     * @param supplier of each worker's idle strategy, also the shared thread's (default: spin, yield, park up to 1 ms).
     * @return this.
     */
    public PipelineContext workerIdleStrategy(final Supplier<IdleStrategy> supplier)
    {
        this.workerIdleStrategy = supplier;
        return this;
    }

    /**
     * How the one thread of {@link ThreadingMode#SHARED} waits, live, when no agent found work: in {@code poll(2)} on
     * the ring for the kernel's next block (true, the default: no CPU spent, as tcpdump waits), or with the worker idle
     * strategy (false: the core stays awake, keeping wake-up latency out of the tail on a virtual machine whose host
     * takes idle CPUs away).
     *
     * @param onRing whether to wait on the ring.
     * @return this.
     */
    public PipelineContext sharedIdleOnRing(final boolean onRing)
    {
        this.sharedIdleOnRing = onRing;
        return this;
    }

    /** @return whether the shared thread waits on the ring when idle. */
    public boolean sharedIdleOnRing()
    {
        return sharedIdleOnRing;
    }

    /** @return supplier of each worker's idle strategy. */
    public Supplier<IdleStrategy> workerIdleStrategy()
    {
        return workerIdleStrategy;
    }

    /**
     * @param supplier of the idle strategy a poller uses while it waits on workers, and a file poller always
     *                 (default a backoff). A live poller waits on its ring in {@code poll(2)} otherwise.
     * @return this.
     */
    public PipelineContext pollerBackoffIdleStrategy(final Supplier<IdleStrategy> supplier)
    {
        this.pollerBackoffIdleStrategy = supplier;
        return this;
    }

    /** @return supplier of the idle strategy a poller uses while it waits on workers. */
    public Supplier<IdleStrategy> pollerBackoffIdleStrategy()
    {
        return pollerBackoffIdleStrategy;
    }

    /**
     * @param handler for exceptions on the agents' threads, once logged in the counters file (default: nothing more).
     * @return this.
     */
    public PipelineContext errorHandler(final ErrorHandler handler)
    {
        this.errorHandler = handler;
        return this;
    }

    /** @return handler for exceptions on the agents' threads. */
    public ErrorHandler errorHandler()
    {
        return errorHandler;
    }

    /**
     * @param file for the pollers' and workers' counters and the error log, or null (the default) for memory.
     * @return this.
     */
    public PipelineContext countersFile(final CountersFile file)
    {
        this.countersFile = file;
        return this;
    }

    /** @return where the pollers and workers write their counters, or null for memory. */
    public CountersFile countersFile()
    {
        return countersFile;
    }

    /**
     * @param histograms to measure each stage's latency ({@link Stage}) into, or null (the default: no clock read
     *                   per segment).
     * @return this.
     */
    public PipelineContext histograms(final StageHistograms histograms)
    {
        this.histograms = histograms;
        return this;
    }

    /** @return the latency histograms, or null when latency is not measured. */
    public StageHistograms histograms()
    {
        return histograms;
    }

    /**
     * @param factory makes poller i's handler (the raw-packet journal's writer), or returns null for none: shown that
     *                poller's frames before decoding, on a thread of its own, it must not keep a frame.
     * @return this.
     */
    public PipelineContext frameTaps(final IntFunction<FrameHandler> factory)
    {
        this.frameTaps = factory;
        return this;
    }

    /** @return makes each poller's frame tap. */
    public IntFunction<FrameHandler> frameTaps()
    {
        return frameTaps;
    }

    /**
     * @param clock for hold times and stopping (tests step a {@code CachedNanoClock}).
     * @return this.
     */
    public PipelineContext nanoClock(final NanoClock clock)
    {
        this.nanoClock = clock;
        return this;
    }

    /** @return clock for hold times and stopping. */
    public NanoClock nanoClock()
    {
        return nanoClock;
    }

    /**
     * @param clock of real time, which the kernel stamps live frames with (for an idle poller's watermark).
     * @return this.
     */
    public PipelineContext epochClock(final EpochNanoClock clock)
    {
        this.epochClock = clock;
        return this;
    }

    /** @return clock of real time. */
    public EpochNanoClock epochClock()
    {
        return epochClock;
    }

    /**
     * @param timeoutNs how long the oldest ring block may be held before its still-queued frames are copied out and
     *                  the block released (default 10 ms), when the ring is also nearly full.
     * @return this.
     */
    public PipelineContext holdTimeoutNs(final long timeoutNs)
    {
        this.holdTimeoutNs = timeoutNs;
        return this;
    }

    /** @return how long the oldest ring block may be held before copy-out. */
    public long holdTimeoutNs()
    {
        return holdTimeoutNs;
    }

    /**
     * @param fraction of the ring's blocks that must be user-owned, from the oldest held on, for a stale block to be
     *                 copied out (default {@value #COPY_OUT_RING_FRACTION_DEFAULT}; 0 copies out on time alone).
     * @return this.
     */
    public PipelineContext copyOutRingFraction(final double fraction)
    {
        this.copyOutRingFraction = fraction;
        return this;
    }

    /** @return fraction of the ring that must be user-owned before copy-out. */
    public double copyOutRingFraction()
    {
        return copyOutRingFraction;
    }

    /**
     * @param lagNs how far behind the wall clock an idle live poller moves its watermark, so flows time out on a quiet
     *              link (default 1 s); 0 to move it on packets alone.
     * @return this.
     */
    public PipelineContext idleClockLagNs(final long lagNs)
    {
        this.idleClockLagNs = lagNs;
        return this;
    }

    /** @return lag of an idle live poller's watermark behind the wall clock. */
    public long idleClockLagNs()
    {
        return idleClockLagNs;
    }

    /**
     * @param quietNs how long a live ring must stay quiet after a stop request before its poller finishes (default 0:
     *                three retire timeouts plus 20 ms, so blocks the kernel retires on its timer are read).
     * @return this.
     */
    public PipelineContext stopQuietNs(final long quietNs)
    {
        this.stopQuietNs = quietNs;
        return this;
    }

    /** @return quiet time after a stop request, or 0 for three ring retire timeouts plus 20 ms. */
    public long stopQuietNs()
    {
        return stopQuietNs;
    }

    /**
     * @param timeoutNs longest a live poller keeps reading after a stop request (default 2 s).
     * @return this.
     */
    public PipelineContext stopTimeoutNs(final long timeoutNs)
    {
        this.stopTimeoutNs = timeoutNs;
        return this;
    }

    /** @return longest a live poller keeps reading after a stop request. */
    public long stopTimeoutNs()
    {
        return stopTimeoutNs;
    }

    /**
     * @param timeoutNs longest {@link Pipeline#close} waits for pollers to stop, then workers to drain (default 60 s).
     * @return this.
     */
    public PipelineContext shutdownTimeoutNs(final long timeoutNs)
    {
        this.shutdownTimeoutNs = timeoutNs;
        return this;
    }

    /** @return longest close waits for each step. */
    public long shutdownTimeoutNs()
    {
        return shutdownTimeoutNs;
    }

    /**
     * @param timeoutNs longest a pipeline waits for its workers to start (default 30 s).
     * @return this.
     */
    public PipelineContext startTimeoutNs(final long timeoutNs)
    {
        this.startTimeoutNs = timeoutNs;
        return this;
    }

    /** @return longest a pipeline waits for its workers to start. */
    public long startTimeoutNs()
    {
        return startTimeoutNs;
    }
}
