package io.flowtap.tools.capture;

import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.DecodeCounters;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.filter.FlowFilter;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.FanoutMode;
import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.PipelineContext;
import io.flowtap.pipeline.poll.LivePoller;
import io.flowtap.pipeline.poll.PipelinePoller;
import io.flowtap.pipeline.shard.DispatchCounter;
import io.flowtap.pipeline.worker.Worker;
import io.flowtap.tools.CounterReport;
import io.flowtap.tools.ExitCodes;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * {@code flowtap capture} printing each segment: a pipeline that does not reassemble, whose worker prints what its
 * pollers hand on ({@link SegmentPrinter}), in the order they read it. With one poller and no CPUs the counters are
 * the ring's; with several pollers (or CPUs to pin them to) they share a fanout group, and the counters are per poller.
 * This thread only watches the count, the duration, the stop flag and the pollers' sources, and prints counters.
 */
final class PrintingCapture
{
    private static final String PREFIX = "flowtap capture: ";
    private static final long WATCH_MS = 20;

    private final PrintStream out;
    private final PrintStream err;
    private final boolean json;
    private final long count;
    private final FlowFilter filter;
    private final AtomicLong printed = new AtomicLong();
    private volatile String failure;

    /**
     * @param out    for the segment lines.
     * @param err    for counters and errors.
     * @param json   one JSON object per line rather than text.
     * @param count  stop after this many lines.
     * @param filter the capture filter, applied again after decoding to what the kernel passes on whole.
     */
    PrintingCapture(
        final PrintStream out, final PrintStream err, final boolean json, final long count, final FlowFilter filter)
    {
        this.out = out;
        this.err = err;
        this.json = json;
        this.count = count;
        this.filter = filter;
    }

    /**
     * Capture until stopped, the count is printed, the duration is over, standard output fails or the interface goes.
     *
     * @param ring         ring settings (filter and fanout group included).
     * @param pollers      sockets in the fanout group.
     * @param cpus         to pin the pollers to, or null.
     * @param mode         how the kernel spreads packets over the pollers.
     * @param decoding     how frames are decoded.
     * @param checksums    how TCP checksums are verified.
     * @param kernelFilter ", kernel filter: ..." for the first line, or empty.
     * @param durationSeconds      0 for no limit.
     * @param statsIntervalSeconds 0 for counters only at the end.
     * @param running      false once a signal asks to stop.
     * @return the exit code.
     * @throws io.flowtap.linux.LinuxException when a socket cannot be opened.
     */
    int run(
        final AfPacketContext ring,
        final int pollers,
        final int[] cpus,
        final FanoutMode mode,
        final DecoderContext decoding,
        final ChecksumMode checksums,
        final String kernelFilter,
        final long durationSeconds,
        final long statsIntervalSeconds,
        final BooleanSupplier running)
    {
        final boolean perPoller = pollers > 1 || cpus != null;
        final PipelineContext context = new PipelineContext()
            .checksumMode(checksums)
            .decoderContext(decoding)
            .filter(filter)
            .errorHandler(throwable -> failure = throwable.getMessage())
            .segmentHandlers(worker -> new SegmentPrinter(out, json, count, printed));
        final Pipeline pipeline = Pipeline.live(context, ring, pollers, cpus == null ? new int[0] : cpus, mode);
        final String interfaceName = ring.interfaceName();
        int exitCode = ExitCodes.OK;
        try
        {
            err.println(perPoller ? PREFIX + "listening on " + interfaceName + " with " + pollers + " pollers in " +
                "fanout group " + pipeline.fanoutGroupId() + " (" + mode.name().toLowerCase(Locale.ROOT) + "), ring " +
                "of " + ring.geometry() + " each" + describeCpus(pipeline) :
                PREFIX + "listening on " + interfaceName + ", ring of " + live(pipeline.pollers().get(0)).source()
                    .geometry() + kernelFilter);
            final long startNs = System.nanoTime();
            final long durationNs = TimeUnit.SECONDS.toNanos(durationSeconds);
            final long intervalNs = TimeUnit.SECONDS.toNanos(statsIntervalSeconds);
            long nextStatsNs = startNs + intervalNs;
            while (running.getAsBoolean() && printed.get() < count && failure == null && !out.checkError() &&
                !pipeline.isInputFinished())
            {
                sleep();
                final long nowNs = System.nanoTime();
                if (durationNs > 0 && nowNs - startNs >= durationNs)
                {
                    break;
                }
                if (intervalNs > 0 && nowNs - nextStatsNs >= 0)
                {
                    nextStatsNs = nowNs + intervalNs;
                    flushOut();
                    err.printf(Locale.ROOT, PREFIX + "counters on %s after %.1f s%n",
                        interfaceName, (nowNs - startNs) / 1e9);
                    printCounters(pipeline, perPoller);
                }
            }
            final String stopped = pipeline.sourceFailure() != null ? pipeline.sourceFailure() : failure;
            flushOut();
            if (stopped != null)
            {
                err.println(PREFIX + stopped);
                exitCode = ExitCodes.INPUT_ERROR;
            }
        }
        finally
        {
            try
            {
                pipeline.close();
            }
            catch (final IllegalStateException ex)
            {
                err.println(PREFIX + ex.getMessage());
                exitCode = ExitCodes.INPUT_ERROR;
            }
            flushOut();
            err.println(PREFIX + "final counters on " + interfaceName);
            printCounters(pipeline, perPoller);
        }
        return exitCode;
    }

    private void flushOut()
    {
        synchronized (out)
        {
            out.flush();
        }
    }

    /**
     * The decoders' counters over every poller (every frame read, by outcome), what the filter dropped after
     * decoding, and each ring's counters: per poller, with its segments and split flows, when there are several.
     */
    private void printCounters(final Pipeline pipeline, final boolean perPoller)
    {
        final DecodeCounters total = new DecodeCounters();
        for (final PipelinePoller poller : pipeline.pollers())
        {
            total.add(poller.dispatcher().decoder().counters());
        }
        for (final Worker worker : pipeline.workers())
        {
            // The checksum verdicts a poller left to the worker, if any.
            total.add(worker.decoder().counters());
        }
        CounterReport.print(err, total);
        if (!filter.matchesEverything())
        {
            err.printf("  %-28s %d%n", "filtered out in userspace", pipeline.total(DispatchCounter.FILTERED_OUT));
        }
        for (final PipelinePoller poller : pipeline.pollers())
        {
            final LivePoller live = live(poller);
            if (perPoller)
            {
                err.printf("poller %d%s: %s %d, %s %d%n", live.index(),
                    live.cpu() == LivePoller.NO_CPU ? "" : " on cpu " + live.cpu(),
                    "segments", live.dispatcher().decoder().counters().get(DecodeCounter.TCP_SEGMENT),
                    DispatchCounter.WRONG_POLLER.label(),
                    live.dispatcher().counters().get(DispatchCounter.WRONG_POLLER));
            }
            CounterReport.print(err, live.source());
        }
    }

    private static LivePoller live(final PipelinePoller poller)
    {
        return (LivePoller)poller;
    }

    private static String describeCpus(final Pipeline pipeline)
    {
        final StringBuilder cpus = new StringBuilder();
        for (final PipelinePoller poller : pipeline.pollers())
        {
            final int cpu = live(poller).cpu();
            if (cpu != LivePoller.NO_CPU)
            {
                cpus.append(cpus.length() == 0 ? ", pinned to cpus " : ",").append(cpu);
            }
        }
        return cpus.toString();
    }

    private static void sleep()
    {
        try
        {
            Thread.sleep(WATCH_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
