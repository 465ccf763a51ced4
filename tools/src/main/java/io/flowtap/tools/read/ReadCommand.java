package io.flowtap.tools.read;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.PipelineContext;
import io.flowtap.pipeline.worker.WorkerCounter;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.tools.Flowtap;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
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
        "Read a pcap or pcapng file through the flow-sharded pipeline: segments go to N reassembly workers, each flow "
            + "always to the same one. Progress (percent of the file, packets/s, MB/s) is shown on a terminal; the "
            + "counters follow on standard error."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap read capture.pcap",
        "  flowtap read big.pcap --workers 2 --checksum off"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the file is unreadable or damaged (what was before the damage was processed)",
        "2:bad command line"})
public final class ReadCommand implements Callable<Integer>
{
    private static final String PREFIX = "flowtap read: ";
    private static final long PROGRESS_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(500);

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "pcap or pcapng file")
    private Path file;

    @Option(names = "--workers", paramLabel = "N", description = "reassembly workers (default: ${DEFAULT-VALUE})")
    private int workers = 1;

    @Option(names = "--checksum", paramLabel = "MODE",
        description = "TCP checksum handling: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    private ChecksumMode checksumMode = ChecksumMode.AUTO;

    @Option(names = "--progress", negatable = true,
        description = "show progress (default: only when standard error is a terminal)")
    private Boolean progress;

    private final List<HandlerFactoryPart> parts = new ArrayList<>();

    /**
     * Something that adds handlers to each worker (the journal, attribute extractors ...).
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
        if (workers < 1 || workers > 64)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--workers must be between 1 and 64");
        }
        final CaptureFileSource source;
        try
        {
            source = CaptureFiles.open(file);
        }
        catch (final CaptureFileException ex)
        {
            err.println(PREFIX + ex.getMessage());
            return Flowtap.EXIT_INPUT_ERROR;
        }
        final PipelineContext context = new PipelineContext()
            .workers(workers)
            .checksumMode(checksumMode)
            .engineContext(EngineContext::new)
            .handlers(worker ->
            {
                final List<TcpHandler> handlers = new ArrayList<>();
                for (final HandlerFactoryPart part : parts)
                {
                    part.addTo(worker, handlers);
                }
                return handlers;
            });
        final boolean showProgress = progress != null ? progress : System.console() != null;
        final long startNs = System.nanoTime();
        int exitCode = Flowtap.EXIT_OK;
        final Pipeline pipeline = Pipeline.file(context, source);
        try
        {
            long nextNs = startNs + PROGRESS_INTERVAL_NS;
            while (!pipeline.awaitInputFinished(TimeUnit.MILLISECONDS.toNanos(50)))
            {
                final long nowNs = System.nanoTime();
                if (showProgress && nowNs >= nextNs)
                {
                    nextNs = nowNs + PROGRESS_INTERVAL_NS;
                    err.print("\r" + progress(source, pipeline, nowNs - startNs));
                    err.flush();
                }
            }
            if (showProgress)
            {
                err.println("\r" + progress(source, pipeline, System.nanoTime() - startNs));
            }
        }
        finally
        {
            pipeline.close();
        }
        if (pipeline.damage() != null)
        {
            err.println(PREFIX + pipeline.damage().getMessage());
            exitCode = Flowtap.EXIT_INPUT_ERROR;
        }
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        final long segments = pipeline.total(WorkerCounter.SEGMENTS);
        err.printf(Locale.ROOT, "%sread %s with %d worker%s in %.2f s: %d segments (%.0f/s)%n", PREFIX, file,
            workers, workers == 1 ? "" : "s", seconds, segments, segments / seconds);
        err.print(pipeline.counterSummary());
        long flows = 0;
        long delivered = 0;
        for (final io.flowtap.pipeline.worker.Worker worker : pipeline.workers())
        {
            flows += worker.engine().counters().get(EngineCounter.FLOWS_CREATED);
            delivered += worker.engine().counters().get(EngineCounter.DELIVERED_BYTES);
        }
        err.printf("flows %d, stream bytes delivered %d%n", flows, delivered);
        final String accounting = pipeline.accountingError();
        if (accounting != null)
        {
            err.println(PREFIX + "accounting does not add up: " + accounting);
            exitCode = Flowtap.EXIT_INPUT_ERROR;
        }
        err.flush();
        return exitCode;
    }

    /**
     * Add handlers to every worker (used by options that plug in the journal and the like).
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
        final long frames = pipeline.total(io.flowtap.capture.codec.DecodeCounter.FRAMES);
        return String.format(Locale.ROOT, "%5.1f%%  %d packets  %.0f packets/s  %.1f MB/s",
            100.0 * position / Math.max(1, source.size()), frames, frames / seconds, position / seconds / 1e6);
    }
}
