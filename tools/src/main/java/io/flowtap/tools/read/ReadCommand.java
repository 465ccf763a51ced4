package io.flowtap.tools.read;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.PipelineContext;
import io.flowtap.pipeline.journal.JournalException;
import io.flowtap.reassembly.TcpHandler;
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
import java.util.concurrent.Callable;

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
            exitCode = sensor.run(pipeline, startNs,
                new FileRun(file, source, user, sensorOptions.journal() != null, showProgress, startNs, err,
                    spec.commandLine().getOut()),
                err, () -> running, user.errors()::stopRequested);
            stop.exitCode(exitCode);
        }
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
}
