package io.flowtap.tools.capture;

import io.flowtap.capture.Frame;
import io.flowtap.capture.codec.DecodeCounters;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.filter.FlowFilter;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.FanoutMode;
import io.flowtap.pipeline.poll.Poller;
import io.flowtap.pipeline.poll.PollerCounter;
import io.flowtap.pipeline.poll.PollerGroup;
import io.flowtap.tools.CounterReport;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.text.SegmentFormatter;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * {@code flowtap capture} with several pollers: one socket each in one fanout group, each on its own thread (pinned
 * when CPUs are given). Each poller formats its own lines and writes each whole line under the output's lock, so lines
 * never interleave; this thread only watches the count, the duration and the stop flag, and prints counters.
 */
final class PollerCapture
{
    private static final String PREFIX = "flowtap capture: ";
    private static final long WATCH_MS = 20;

    private final PrintStream out;
    private final PrintStream err;
    private final boolean json;
    private final long count;
    private final AtomicLong printed = new AtomicLong();
    private final AtomicLong filteredOut = new AtomicLong();
    private final FlowFilter filter;
    private volatile String failure;

    PollerCapture(
        final PrintStream out, final PrintStream err, final boolean json, final long count, final FlowFilter filter)
    {
        this.out = out;
        this.err = err;
        this.json = json;
        this.count = count;
        this.filter = filter;
    }

    int run(
        final AfPacketContext context,
        final int pollers,
        final int[] cpus,
        final FanoutMode mode,
        final int groupId,
        final DecoderContext decoding,
        final long durationSeconds,
        final long statsIntervalSeconds,
        final BooleanSupplier running)
    {
        final SegmentFormatter[] formatters = new SegmentFormatter[pollers];
        for (int i = 0; i < pollers; i++)
        {
            formatters[i] = new SegmentFormatter();
        }
        final PollerGroup group = PollerGroup.start(context, pollers, cpus, mode, groupId, decoding,
            (poller, frame, decoder, hash) -> print(formatters[poller], frame, decoder),
            (throwable) -> failure = throwable.getMessage());
        try
        {
            err.println(PREFIX + "listening on " + context.interfaceName() + " with " + pollers + " pollers in " +
                "fanout group " + group.groupId() + " (" + mode.name().toLowerCase(Locale.ROOT) + "), ring of " +
                context.geometry() + " each" + describeCpus(group));
            final long startNs = System.nanoTime();
            final long durationNs = TimeUnit.SECONDS.toNanos(durationSeconds);
            final long intervalNs = TimeUnit.SECONDS.toNanos(statsIntervalSeconds);
            long nextStatsNs = startNs + intervalNs;
            while (running.getAsBoolean() && printed.get() < count && failure == null && !out.checkError())
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
                    synchronized (out)
                    {
                        out.flush();
                    }
                    err.printf(Locale.ROOT, PREFIX + "counters on %s after %.1f s%n",
                        context.interfaceName(), (nowNs - startNs) / 1e9);
                    printCounters(group, false);
                }
            }
            group.stop();
            synchronized (out)
            {
                out.flush();
            }
            if (failure != null)
            {
                err.println(PREFIX + failure);
            }
            err.println(PREFIX + "final counters on " + context.interfaceName());
            printCounters(group, true);
            return failure == null ? ExitCodes.OK : ExitCodes.INPUT_ERROR;
        }
        finally
        {
            group.close();
        }
    }

    private void print(final SegmentFormatter formatter, final Frame frame, final PacketDecoder decoder)
    {
        // The kernel passes fragments and tunnels it cannot read on whole, and everything when the filter is too
        // large for it: the filter decides here, after decoding.
        if (!filter.matchesEverything() && !filter.matches(decoder))
        {
            filteredOut.incrementAndGet();
            return;
        }
        if (printed.get() < count && printed.incrementAndGet() <= count)
        {
            final StringBuilder line = json ? formatter.json(frame, decoder) : formatter.text(frame, decoder);
            line.append('\n');
            synchronized (out)
            {
                out.append(line);
            }
        }
    }

    private void printCounters(final PollerGroup group, final boolean stopped)
    {
        final DecodeCounters total = new DecodeCounters();
        for (final Poller poller : group.pollers())
        {
            total.add(poller.decoder().counters());
        }
        CounterReport.print(err, total);
        if (!filter.matchesEverything())
        {
            err.printf("  %-28s %d%n", "filtered out in userspace", filteredOut.get());
        }
        for (final Poller poller : group.pollers())
        {
            if (stopped)
            {
                // The poller's thread has ended: its ring's statistics can be read here.
                poller.source().readKernelStatistics();
            }
            err.printf("poller %d%s: %s %d, %s %d%n", poller.index(),
                poller.cpu() == Poller.NO_CPU ? "" : " on cpu " + poller.cpu(),
                PollerCounter.SEGMENTS.label(), poller.counter(PollerCounter.SEGMENTS),
                PollerCounter.WRONG_POLLER.label(), poller.counter(PollerCounter.WRONG_POLLER));
            CounterReport.print(err, poller.source());
        }
    }

    private static String describeCpus(final PollerGroup group)
    {
        final StringBuilder cpus = new StringBuilder();
        for (final Poller poller : group.pollers())
        {
            if (poller.cpu() != Poller.NO_CPU)
            {
                cpus.append(cpus.length() == 0 ? ", pinned to cpus " : ",").append(poller.cpu());
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
