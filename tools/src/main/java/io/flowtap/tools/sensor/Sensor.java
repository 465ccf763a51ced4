package io.flowtap.tools.sensor;

import io.flowtap.kafka.JournalShipper;
import io.flowtap.kafka.ShipContext;
import io.flowtap.metrics.MetricsEndpoint;
import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.PipelineContext;
import io.flowtap.pipeline.stats.CounterTable;
import io.flowtap.pipeline.stats.CountersFile;
import io.flowtap.pipeline.stats.HistogramLog;
import io.flowtap.pipeline.stats.LatencyCounters;
import io.flowtap.pipeline.stats.SampledCounters;
import io.flowtap.pipeline.stats.Stage;
import io.flowtap.pipeline.stats.StageHistograms;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.FlowRuleHandler;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.reassembly.attribute.FlowBoundaryAttributes;
import io.flowtap.reassembly.attribute.HttpAttributeExtractor;
import io.flowtap.reassembly.attribute.TlsAttributeExtractor;
import org.agrona.CloseHelper;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What a sensor run owns around its {@link Pipeline}: the journals ({@link SensorJournals}: the event journal's writer
 * registered last on each worker, so it sees what the other handlers add; the raw-packet journal's on each poller), the
 * latency histograms and their log, the counters file and, with {@code --kafka}, the journal's shipper ({@link
 * SensorShipper}). Made from {@link SensorOptions} before the pipeline, it runs the command's loop ({@link #run}):
 * attached to the pipeline once it runs, ticked, and closed after the pipeline has drained, so that every flow's end is
 * journaled before the journal closes, and shipped after.
 * <p>
 * Not thread safe: one reporting thread makes, ticks and closes it; the shipper runs on a thread of its own.
 */
public final class Sensor implements AutoCloseable
{
    private static final long PUBLISH_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(200);
    /** The most pollers a sensor has (capture's {@code --pollers} range), each with its own copy of its counters. */
    private static final int MAX_POLLERS = 64;
    private static final int COUNTERS_FIXED = 256;
    private static final int COUNTERS_SHIP = 16;
    private static final int COUNTERS_LATENCY = Stage.values().length * (LatencyCounters.BOUNDS_NS.length + 3);
    private static final long LATENCY_PUBLISH_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final int MAX_ERRORS_SHOWN = 16;

    private final SensorOptions options;
    private final SensorJournals journals;
    private final StageHistograms histograms;
    private final HistogramLog histogramLog;
    private final CountersFile countersFile;
    private final long histogramIntervalNs;
    private final List<FlowRuleHandler.Rule> rules;
    private final java.util.Set<String> errorsShown = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile Consumer<String> ruleLog = line -> System.err.println("flowtap: " + line);
    private LongSupplier handlerErrors;
    private SampledCounters publisher;
    private final MetricsEndpoint metrics;
    private final SensorShipper shipper;
    private final boolean live;
    private String shipSummary;
    private String shipIncomplete;
    private long startNs;
    private boolean shipping;
    private LatencyCounters latencyCounters;
    private long nextPublishNs;
    private long nextLatencyNs;
    private long nextIntervalNs;
    private boolean closed;

    private Sensor(
        final SensorOptions options,
        final SensorJournals journals,
        final StageHistograms histograms,
        final HistogramLog histogramLog,
        final CountersFile countersFile,
        final MetricsEndpoint metrics,
        final ShipContext ship,
        final boolean live)
    {
        this.live = live;
        this.metrics = metrics;
        // Lines go through the rule log, which the command sets after opening: looked up when a line comes.
        this.shipper = ship == null ? null : new SensorShipper(
            new JournalShipper(ship.counters(countersFile).log(line -> ruleLog.accept("ship: " + line))),
            this::onError);
        this.options = options;
        this.journals = journals;
        this.histograms = histograms;
        this.histogramLog = histogramLog;
        this.countersFile = countersFile;
        this.histogramIntervalNs = (long)(options.histogramIntervalSeconds * 1e9);
        this.rules = options.rules();
    }

    /**
     * @param log receives the line a rule logs when it resets or drops a connection (from the workers' threads:
     *            it must be thread safe); standard error by default.
     * @return this.
     */
    public Sensor ruleLog(final Consumer<String> log)
    {
        this.ruleLog = log;
        return this;
    }

    /**
     * Publish the user's handlers' error count in the counters file, as {@code handler: errors}. Call before
     * {@link #attach}.
     *
     * @param count of exceptions the handlers threw, readable from any thread.
     * @return this.
     */
    public Sensor handlerErrors(final LongSupplier count)
    {
        this.handlerErrors = count;
        return this;
    }

    /**
     * Run the sensor over its started pipeline, on the command's thread: the one loop of {@code capture} and
     * {@code read} ({@link SensorLoop}), which stops when told, when the journal stops, a worker fails or a live source
     * goes, or at the command's own limits; then closes the pipeline and this sensor, and finishes the summary.
     *
     * @param pipeline    started from {@link #pipelineContext}.
     * @param startNs     when the run started, on {@link System#nanoTime()}.
     * @param run         what the command adds: its reports, its stop lines, its summary.
     * @param err         for the summary and errors.
     * @param running     false once a signal asks to stop.
     * @param handlerStop true once a handler threw under {@code --handler-errors stop}.
     * @return the exit code.
     */
    public int run(
        final Pipeline pipeline,
        final long startNs,
        final SensorRun run,
        final PrintWriter err,
        final BooleanSupplier running,
        final BooleanSupplier handlerStop)
    {
        return SensorLoop.run(this, pipeline, startNs, run, err, running, handlerStop);
    }

    /**
     * Open the journals, the histogram log and the counters file the options ask for.
     *
     * @param options validated.
     * @param live    whether the input is a live interface.
     * @return the sensor.
     * @throws io.flowtap.pipeline.journal.JournalException when a journal directory cannot be used.
     * @throws java.io.UncheckedIOException                 when the histogram log or counters file cannot be made.
     * @throws IllegalArgumentException                     when the shipper's position file is not one, or another
     *                                                      topic's or sensor's.
     */
    public static Sensor open(final SensorOptions options, final boolean live)
    {
        SensorJournals journals = null;
        HistogramLog log = null;
        CountersFile counters = null;
        MetricsEndpoint endpoint = null;
        try
        {
            journals = SensorJournals.open(options);
            final StageHistograms histograms = options.measuresLatency(live) ? new StageHistograms() : null;
            if (options.histogramLog != null)
            {
                log = new HistogramLog(options.histogramLog, histograms);
            }
            final int maxCounters = COUNTERS_FIXED + CounterTable.countersFor(MAX_POLLERS, options.workers) +
                COUNTERS_LATENCY + COUNTERS_SHIP;
            if (options.counters != null)
            {
                counters = CountersFile.create(options.counters, maxCounters);
            }
            else if (options.metricsListen != null)
            {
                // Served, not shared: the counters live in this process only.
                counters = CountersFile.inMemory(maxCounters);
            }
            if (options.metricsListen != null)
            {
                endpoint = MetricsEndpoint.start(options.metricsListen, counters.reader());
            }
            return new Sensor(options, journals, histograms, log, counters, endpoint,
                options.shipContext(), live);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(endpoint, journals, log, counters);
            throw ex;
        }
    }

    /**
     * Configure a pipeline for this sensor: workers, queues, latency, the journals' handlers and taps.
     *
     * @param engineContext makes each worker's engine settings.
     * @param attributes    whether each worker extracts HTTP and TLS attributes (first, before every other handler).
     * @param handlers      adds a worker's own handlers (the user's: after the built-in ones, before the journal's
     *                      writer, so that the journal records a flow a handler failed on as marked), or null.
     * @return the context, to complete (checksum mode ...) and start.
     */
    public PipelineContext pipelineContext(
        final Supplier<EngineContext> engineContext,
        final boolean attributes,
        final BiConsumer<Integer, List<TcpHandler>> handlers)
    {
        final PipelineContext context = new PipelineContext()
            .errorHandler(this::onError)
            .countersFile(countersFile)
            .workers(options.workers)
            .queueCapacity(options.queueCapacity)
            .queueFullPolicy(options.queueFullPolicy)
            .workerIdleStrategy((options.workerIdle != null ? options.workerIdle : IdleChoice.BACKOFF).supplier())
            .threadingMode(options.threading)
            .sharedIdleOnRing(options.workerIdle == null)
            .engineContext(engineContext)
            .histograms(histograms)
            .handlers(worker ->
            {
                final List<TcpHandler> list = new ArrayList<>();
                if (attributes)
                {
                    // First, so every later handler (the journal's writer last) hears of a flow's end attribute
                    // before its own end.
                    list.add(new FlowBoundaryAttributes());
                    list.add(countersFile == null ? new HttpAttributeExtractor() :
                        new HttpAttributeExtractor(CounterTable.WORKER_HTTP.allocator(countersFile, worker)));
                    list.add(countersFile == null ? new TlsAttributeExtractor() :
                        new TlsAttributeExtractor(CounterTable.WORKER_TLS.allocator(countersFile, worker)));
                }
                if (!rules.isEmpty())
                {
                    list.add(new FlowRuleHandler(rules, ruleLog));
                }
                if (handlers != null)
                {
                    handlers.accept(worker, list);
                }
                if (journals.hasEvents())
                {
                    list.add(journals.newWriter(worker));
                }
                return list;
            });
        if (options.workerCpus != null)
        {
            context.workerCpus(options.workerCpus);
        }
        if (journals.hasRawPackets())
        {
            context.frameTaps(journals::newRawWriter);
        }
        return context;
    }

    /**
     * An exception on an agent's thread (a handler's bug, say): counted by the agent; shown here once per kind, in
     * one line, rather than as a trace per packet.
     */
    private void onError(final Throwable error)
    {
        final String line = error.getClass().getSimpleName() + ": " + error.getMessage();
        if (errorsShown.add(line) && errorsShown.size() <= MAX_ERRORS_SHOWN)
        {
            ruleLog.accept("error on a pipeline thread (counted, shown once): " + line);
        }
    }

    /**
     * The pipeline is running: start publishing its counters.
     *
     * @param pipeline started from {@link #pipelineContext}.
     * @param nowNs    now on {@link System#nanoTime()}.
     */
    public void attach(final Pipeline pipeline, final long nowNs)
    {
        startNs = nowNs;
        nextIntervalNs = nowNs + histogramIntervalNs;
        if (shipper != null)
        {
            shipper.start();
            shipping = true;
        }
        if (countersFile != null)
        {
            // The pipeline's own counters are in the file already, written by its threads; these are sampled.
            publisher = new SampledCounters(countersFile)
                .add("journal: payload bytes", this::journalPayloadBytes)
                .add("journal: raw frame bytes", this::rawFrameBytes)
                .add("journal: raw frames cut to the frame limit", this::rawFramesCut)
                .add("journal: events not journaled, disk full", this::journalEventsDropped)
                .add("jvm: heap used bytes", Sensor::heapUsedBytes)
                .add("jvm: direct memory bytes", Sensor::directMemoryBytes);
            if (handlerErrors != null)
            {
                publisher.add("handler: errors", handlerErrors);
            }
            if (histograms != null)
            {
                latencyCounters = new LatencyCounters(histograms, countersFile);
                latencyCounters.publish();
            }
            publisher.sample();
            nextPublishNs = nowNs + PUBLISH_INTERVAL_NS;
        }
    }

    /**
     * Called by the reporting loop, often: writes a histogram interval and publishes counters when due.
     *
     * @param nowNs now on {@link System#nanoTime()}.
     */
    public void tick(final long nowNs)
    {
        if (histogramLog != null && nowNs - nextIntervalNs >= 0)
        {
            nextIntervalNs = nowNs + histogramIntervalNs;
            histogramLog.writeInterval();
        }
        if (publisher != null && nowNs - nextPublishNs >= 0)
        {
            nextPublishNs = nowNs + PUBLISH_INTERVAL_NS;
            publisher.sample();
        }
        if (latencyCounters != null && nowNs - nextLatencyNs >= 0)
        {
            // Once a second: a pass over each stage's histogram, for a scrape every few seconds at most.
            nextLatencyNs = nowNs + LATENCY_PUBLISH_INTERVAL_NS;
            latencyCounters.publish();
        }
    }

    /**
     * @return bytes of payload journaled so far, over every worker.
     */
    public long journalPayloadBytes()
    {
        return journals.payloadBytes();
    }

    /**
     * @return bytes of raw frames journaled so far, over every poller.
     */
    public long rawFrameBytes()
    {
        return journals.rawFrameBytes();
    }

    /**
     * @return Java heap in use now (garbage not yet collected included).
     */
    private static long heapUsedBytes()
    {
        final Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    /**
     * @return bytes of direct buffers (the engines' page slabs, hand-off copies, Agrona's aligned buffers).
     */
    private static long directMemoryBytes()
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if ("direct".equals(pool.getName()))
            {
                return pool.getMemoryUsed();
            }
        }
        return -1;
    }

    private long journalEventsDropped()
    {
        return journals.eventsDropped();
    }

    private long rawFramesCut()
    {
        return journals.rawFramesCut();
    }

    /**
     * @return why journaling stopped for good (a full disk under {@code --journal-full stop}, or a write that
     *         faulted), one line naming the journal; null while it goes on.
     */
    public String journalStopped()
    {
        return journals.stopped();
    }

    /**
     * @return whether any event or frame was not journaled (the disk was full, or a write faulted).
     */
    public boolean journalLostAnything()
    {
        return journals.lostAnything();
    }

    /**
     * @return the latency histograms, or null when latency is not measured.
     */
    public StageHistograms histograms()
    {
        return histograms;
    }

    /**
     * Print what the run journaled and its latency percentiles.
     *
     * @param err to print to.
     */
    public void printSummary(final PrintWriter err)
    {
        journals.printSummary(err);
        if (shipSummary != null)
        {
            err.println(shipSummary);
        }
        if (shipIncomplete != null)
        {
            err.println("flowtap: " + shipIncomplete);
        }
        if (histograms != null)
        {
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
            {
                histograms.printSummary(out);
            }
            final String summary = bytes.toString(StandardCharsets.UTF_8);
            if (!summary.isEmpty())
            {
                err.println("latency per stage:");
                err.print(summary);
            }
        }
        err.flush();
    }

    /**
     * After the pipeline has closed: the last counters and histogram interval, then the journals, histogram log and
     * counters file are closed. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (publisher != null)
        {
            publisher.sample();
        }
        if (latencyCounters != null)
        {
            latencyCounters.publish();
        }
        try
        {
            // The journal first: its last excerpts are then committed, and the shipper can send them.
            CloseHelper.closeAll(histogramLog, journals);
        }
        finally
        {
            if (shipping)
            {
                finishShipping();
            }
            CloseHelper.closeAll(metrics, countersFile);
        }
    }

    private void finishShipping()
    {
        final boolean complete = shipper.drain(SensorShipper.DRAIN_STALL_NS,
            live ? SensorShipper.DRAIN_LIVE_LIMIT_NS : Long.MAX_VALUE);
        final JournalShipper journalShipper = shipper.shipper();
        shipSummary = journalShipper.summary(System.nanoTime() - startNs);
        if (shipper.failure() != null)
        {
            shipIncomplete = "shipping stopped: " + shipper.failure() + "; what was not acknowledged is in the " +
                "journal, after the position in " + journalShipper.positionFile();
        }
        else if (!complete && (journalShipper.counters().lagEvents() > 0 || journalShipper.counters().lagBytes() > 0))
        {
            // Not caught up, with something left to ship (a broker away all along, with an empty journal, is not).
            shipIncomplete = "the broker had not acknowledged the whole journal when the run ended (no " +
                "acknowledgement for " + TimeUnit.NANOSECONDS.toSeconds(SensorShipper.DRAIN_STALL_NS) + " s, or " +
                TimeUnit.NANOSECONDS.toSeconds(SensorShipper.DRAIN_LIVE_LIMIT_NS) + " s for a capture) (lag " +
                journalShipper.counters().lagEvents() + " events, " + journalShipper.counters().lagBytes() +
                " bytes): the journal keeps it, flowtap ship " + options.journal + " --kafka " + options.kafka +
                " --topic " + options.topic + " --sensor " + options.sensor + " --once sends it";
        }
    }

    /**
     * @return after {@link #close}: why the run's journal was not all shipped (--kafka), one line; null when it was,
     *         or nothing was to be shipped.
     */
    public String shipIncomplete()
    {
        return shipIncomplete;
    }
}
