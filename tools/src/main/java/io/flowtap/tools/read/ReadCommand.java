package io.flowtap.tools.read;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.PipelineContext;
import io.flowtap.pipeline.journal.JournalException;
import io.flowtap.pipeline.worker.Worker;
import io.flowtap.pipeline.worker.WorkerCounter;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.tools.CounterReport;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.MemoryBudget;
import io.flowtap.tools.handler.HandlerLoadException;
import io.flowtap.tools.handler.HandlerOptions;
import io.flowtap.tools.handler.UserHandlers;
import io.flowtap.tools.options.DecoderOptions;
import io.flowtap.tools.options.EngineOptions;
import io.flowtap.tools.sensor.Sensor;
import io.flowtap.tools.sensor.SensorOptions;
import io.flowtap.tools.sensor.StopOnSignal;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code flowtap read FILE --workers N}: a capture file through the whole pipeline, as a sensor runs live traffic: a
 * file poller hands each segment to the worker that owns its flow, each worker runs its own reassembly engine. Shows
 * progress on a terminal (percent of the file, packets and MB per second), then the counters, in which every frame
 * is accounted for.
 */
@Command(
    name = "read",
    mixinStandardHelpOptions = true,
    description = {
        "Read a pcap or pcapng file through the flow-sharded pipeline, as a sensor runs live traffic: segments go "
            + "to N reassembly workers, each flow always to the same one, and what they reassemble can be journaled. "
            + "Progress (percent of the file, packets/s, MB/s) is shown on a terminal; the counters, and the latency "
            + "percentiles when measured, follow on standard error."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap read capture.pcap",
        "  flowtap read big.pcap --workers 2 --checksum off",
        "  flowtap read big.pcap --workers 2 --journal /var/lib/flowtap/journal --histogram-log latency.hlog",
        "  flowtap read big.pcap --config sensor.yaml --workers 4",
        "  flowtap read big.pcap --counters /dev/shm/flowtap.ctr  (meanwhile: flowtap stats /dev/shm/flowtap.ctr)",
        "  flowtap read big.pcap --journal j/ --kafka kafka1:9092 --topic flows --sensor lab --metrics-listen :9464",
        "  flowtap read capture.pcap --workers 2 --handler-path my-handlers.jar --handler com.example.MyHandler",
        "  flowtap read capture.pcap --handler-source TrisulByteCounter.java --handler-option port=80"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the file is unreadable or damaged (what was before the damage was processed)",
        "2:bad command line, or a handler that cannot be loaded, compiled or made",
        "3:the journal's disk filled (--journal-full stop: reading stopped there; drop: events were dropped, "
            + "counted) or a journal write failed: everything committed before is readable; or --kafka had not "
            + "shipped the whole journal by the end (the journal keeps it)",
        "4:a handler threw and --handler-errors stop stopped the run"})
public final class ReadCommand implements Callable<Integer>
{
    private static final String PREFIX = "flowtap read: ";
    private static final long PROGRESS_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long LOOP_WAIT_NS = TimeUnit.MILLISECONDS.toNanos(50);

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE",
        description = "pcap or pcapng file; - (or a pipe, /dev/stdin) is read as a stream: tcpdump -w - | ...")
    private Path file;

    @Mixin
    private DecoderOptions decoderOptions = new DecoderOptions();

    @Mixin
    private SensorOptions sensorOptions = new SensorOptions();

    @Mixin
    private EngineOptions engineOptions = new EngineOptions();

    @Mixin
    private HandlerOptions handlerOptions = new HandlerOptions();

    @Option(names = "--progress", negatable = true,
        description = "show progress (default: only when standard error is a terminal)")
    private Boolean progress;

    private final List<HandlerFactoryPart> parts = new ArrayList<>();
    private volatile boolean running = true;

    /**
     * Something that adds handlers to each worker (attribute extractors, rules ...), before the journal's writer.
     */
    @FunctionalInterface
    public interface HandlerFactoryPart
    {
        /**
         * @param worker   index.
         * @param handlers to add to.
         */
        void addTo(int worker, List<TcpHandler> handlers);
    }

    @Override
    public Integer call()
    {
        final PrintWriter err = spec.commandLine().getErr();
        sensorOptions.validate(spec.commandLine());
        new MemoryBudget().engines(sensorOptions.workers(), engineOptions.context(spec.commandLine()))
            .queues(1, sensorOptions.workers(), sensorOptions.queueCapacity(),
                PipelineContext.COPY_BUFFER_LENGTH_DEFAULT)
            .decoders(1, decoderOptions.context(spec.commandLine(), engineOptions.checksumMode(),
                engineOptions.hostPolicies()))
            .check(spec.commandLine());
        final UserHandlers user;
        try
        {
            user = handlerOptions.load(sensorOptions.workers(), spec.commandLine().getOut(),
                line -> err.println(PREFIX + line));
        }
        catch (final HandlerLoadException ex)
        {
            ex.lines().forEach(line -> err.println(PREFIX + line));
            err.flush();
            return ExitCodes.USAGE;
        }
        final CaptureFileSource source;
        try
        {
            source = CaptureFiles.open(file);
        }
        catch (final CaptureFileException ex)
        {
            err.println(PREFIX + ex.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
        final Sensor sensor;
        try
        {
            sensor = Sensor.open(sensorOptions, false);
            sensor.ruleLog(line -> err.println("flowtap read: " + line)).handlerErrors(user.errors()::count);
        }
        catch (final IllegalArgumentException ex)
        {
            // The shipper's position file (--kafka) is another topic's or sensor's.
            source.close();
            err.println(PREFIX + ex.getMessage());
            return ExitCodes.USAGE;
        }
        catch (final JournalException | UncheckedIOException ex)
        {
            source.close();
            err.println(PREFIX + ex.getMessage());
            return ex instanceof JournalException journalException &&
                journalException.kind() == JournalException.Kind.FULL ? ExitCodes.OUTPUT_ERROR :
                ExitCodes.INPUT_ERROR;
        }
        final PipelineContext context = sensor
            .pipelineContext(() -> engineOptions.context(spec.commandLine()).dataSlots(user.dataSlots()),
                engineOptions.attributes(),
                (worker, handlers) ->
                {
                    for (final HandlerFactoryPart part : parts)
                    {
                        part.addTo(worker, handlers);
                    }
                    handlers.addAll(user.forWorker(worker));
                })
            .checksumMode(engineOptions.checksumMode())
            .decoderContext(decoderOptions.context(spec.commandLine(), engineOptions.checksumMode(),
                engineOptions.hostPolicies()));
        final boolean showProgress = progress != null ? progress : System.console() != null;
        final long startNs = System.nanoTime();
        final int exitCode;
        final Pipeline pipeline;
        try
        {
            pipeline = Pipeline.file(context, source);
        }
        catch (final RuntimeException ex)
        {
            sensor.close();
            throw ex;
        }
        try (StopOnSignal stop = new StopOnSignal(() -> running = false))
        {
            exitCode = run(pipeline, sensor, user, source, showProgress, startNs, err);
            stop.exitCode(exitCode);
        }
        return exitCode;
    }

    private int run(
        final Pipeline pipeline,
        final Sensor sensor,
        final UserHandlers user,
        final CaptureFileSource source,
        final boolean showProgress,
        final long startNs,
        final PrintWriter err)
    {
        int exitCode = ExitCodes.OK;
        long endNs = 0;
        String journalStopped = null;
        String failure = null;
        try
        {
            sensor.attach(pipeline, startNs);
            long nextNs = startNs + PROGRESS_INTERVAL_NS;
            // Until the workers drained too: a journal may fill while they finish what the poller read ahead.
            while (running && !user.errors().stopRequested() && !pipeline.awaitDrained(LOOP_WAIT_NS))
            {
                final long nowNs = System.nanoTime();
                sensor.tick(nowNs);
                journalStopped = sensor.journalStopped();
                failure = pipeline.failure();
                if (journalStopped != null || failure != null)
                {
                    break;
                }
                if (showProgress && nowNs >= nextNs)
                {
                    nextNs = nowNs + PROGRESS_INTERVAL_NS;
                    err.print("\r" + progress(source, pipeline, nowNs - startNs));
                    err.flush();
                }
            }
            if (journalStopped == null && failure == null)
            {
                // The input may have run out between the last look and the journal stopping (the rest of the file
                // can go by within one wait once it stops: dropping is fast): the journal's end is still to be said.
                journalStopped = sensor.journalStopped();
                failure = pipeline.failure();
            }
            if (showProgress)
            {
                err.println("\r" + progress(source, pipeline, System.nanoTime() - startNs));
            }
            if (failure != null)
            {
                err.println(PREFIX + failure + "; stopped reading " + file + " at byte " + source.position() +
                    " of " + source.size());
                exitCode = ExitCodes.INPUT_ERROR;
            }
            else if (journalStopped != null)
            {
                err.println(PREFIX + journalStopped);
                err.println(PREFIX + (source.position() < source.size() ?
                    "stopped reading " + file + " at byte " + source.position() + " of " + source.size() :
                    "read " + file + " to its end, but the workers had not journaled all of it") +
                    "; the journal holds everything committed before it (flows still open were ended, not journaled)");
            }
            else if (!running)
            {
                err.println(PREFIX + "stopped by a signal at " + source.position() + " of " + source.size() +
                    " bytes; every flow open was ended (shutdown) and journaled");
            }
            else if (user.errors().stopRequested())
            {
                err.println(PREFIX + "stopping at " + source.position() + " of " + source.size() + " bytes: a " +
                    "handler threw and --handler-errors is stop");
            }
        }
        finally
        {
            try
            {
                pipeline.close();
            }
            finally
            {
                // Read and reassembled: the rate is of that, not of the wait for --kafka's last acknowledgements.
                endNs = System.nanoTime();
                sensor.close();
                spec.commandLine().getOut().flush();
            }
        }
        if (pipeline.damage() != null)
        {
            err.println(PREFIX + pipeline.damage().getMessage());
            exitCode = ExitCodes.INPUT_ERROR;
        }
        if (user.errors().stopRequested())
        {
            // Also when the error came as the workers drained the end of the file: the policy is to stop on one.
            err.println(PREFIX + "stopped: a handler threw and --handler-errors is stop; every flow open was ended " +
                "(shutdown)" + (sensorOptions.journal() == null ? "" : " and journaled"));
            exitCode = ExitCodes.HANDLER_STOPPED;
        }
        final double seconds = (endNs - startNs) / 1e9;
        final long segments = pipeline.total(WorkerCounter.SEGMENTS);
        final int workers = pipeline.workers().size();
        err.printf(Locale.ROOT, "%sread %s with %d worker%s in %.2f s: %d segments (%.0f/s)%n", PREFIX, file,
            workers, workers == 1 ? "" : "s", seconds, segments, segments / seconds);
        err.print(pipeline.counterSummary());
        CounterReport.print(err, pipeline.engineCounters());
        long flows = 0;
        long delivered = 0;
        for (final Worker worker : pipeline.workers())
        {
            flows += worker.engine().counters().get(EngineCounter.FLOWS_CREATED);
            delivered += worker.engine().counters().get(EngineCounter.DELIVERED_BYTES);
        }
        err.printf("flows %d, stream bytes delivered %d%n", flows, delivered);
        err.print(Sensor.activeResponseSummary(pipeline));
        err.print(Sensor.checksumAndFragmentSummary(pipeline));
        err.print(user.summary());
        sensor.printSummary(err);
        final String accounting = pipeline.accountingError();
        if (accounting != null)
        {
            err.println(PREFIX + "accounting does not add up: " + accounting);
            exitCode = ExitCodes.INPUT_ERROR;
        }
        if (sensor.journalLostAnything() || sensor.shipIncomplete() != null && exitCode == ExitCodes.OK)
        {
            exitCode = ExitCodes.OUTPUT_ERROR;
        }
        err.flush();
        return exitCode;
    }

    /**
     * Add handlers to every worker (used by options that plug in attribute extractors and the like).
     *
     * @param part adds handlers.
     * @return this.
     */
    public ReadCommand addHandlers(final HandlerFactoryPart part)
    {
        parts.add(part);
        return this;
    }

    private static String progress(final CaptureFileSource source, final Pipeline pipeline, final long elapsedNs)
    {
        final double seconds = Math.max(1e-9, elapsedNs / 1e9);
        final long position = source.position();
        final long frames = pipeline.total(DecodeCounter.FRAMES);
        return String.format(Locale.ROOT, "%5.1f%%  %d packets  %.0f packets/s  %.1f MB/s",
            100.0 * position / Math.max(1, source.size()), frames, frames / seconds, position / seconds / 1e6);
    }
}
