package io.flowtap.pipeline;

import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.AfPacketRingSource;
import io.flowtap.capture.ring.FanoutMode;
import io.flowtap.pipeline.poll.FilePoller;
import io.flowtap.pipeline.poll.FlowAffinity;
import io.flowtap.pipeline.poll.LivePoller;
import io.flowtap.pipeline.poll.PipelinePoller;
import io.flowtap.pipeline.shard.Dispatcher;
import io.flowtap.pipeline.shard.SegmentRing;
import io.flowtap.pipeline.worker.Worker;
import io.flowtap.reassembly.EngineContext;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * How a {@link Pipeline} is put together from its {@link PipelineContext}: the sockets of a fanout group (or the
 * file), one poller with its dispatcher for each, one ring from every poller to every worker, and the workers, each
 * reassembling or, given {@link PipelineContext#segmentHandlers}, handing its segments on; each poller and worker
 * counts where {@link PipelineCounters} allocates (the counters file, or memory). What runs them is
 * {@link PipelineAgents}; what is left open when a step fails is closed here.
 */
final class PipelineWiring
{
    /** How long an idle live poller waits in {@code poll(2)}, and so how late it sees a stop. */
    static final int IDLE_WAIT_MS = 50;

    private PipelineWiring()
    {
    }

    static Pipeline live(
        final PipelineContext context,
        final AfPacketContext ring,
        final int pollerCount,
        final int[] pollerCpus,
        final FanoutMode fanoutMode)
    {
        context.conclude();
        ring.conclude();
        if (pollerCount < 1)
        {
            throw new IllegalArgumentException("pollers must be at least 1: " + pollerCount);
        }
        // A group asked for is joined even by one poller (processes sharing an interface); several pollers make one.
        final int group = ring.fanoutGroupId() != AfPacketContext.NO_FANOUT ? ring.fanoutGroupId() :
            pollerCount == 1 ? AfPacketContext.NO_FANOUT : ThreadLocalRandom.current().nextInt(1, 0xFFFF);
        final FlowAffinity affinity = pollerCount > 1 ? new FlowAffinity(1 << 20) : null;
        final List<AfPacketRingSource> sources = new ArrayList<>();
        final List<PipelinePoller> pollers = new ArrayList<>();
        final PipelineCounters counters = new PipelineCounters(context, pollerCount);
        try
        {
            for (int i = 0; i < pollerCount; i++)
            {
                final AfPacketContext socket = copy(ring);
                if (group != AfPacketContext.NO_FANOUT)
                {
                    // The kernel reassembles IPv4 fragments before choosing a socket, whatever the mode, so a
                    // datagram's fragments reach one poller's reassembler.
                    socket.fanout(group, fanoutMode, true);
                }
                final PipelineCounters.Poller pollerCounters = counters.poller(i);
                final AfPacketRingSource source = AfPacketRingSource.open(socket, pollerCounters.ring);
                sources.add(source);
                final Dispatcher dispatcher = newDispatcher(context, i, pollerCount, pollerCounters);
                final int blockCount = source.geometry().blockCount();
                pollers.add(new LivePoller(
                    i,
                    pollerCpus.length == 0 ? LivePoller.NO_CPU : pollerCpus[i % pollerCpus.length],
                    source,
                    dispatcher,
                    affinity,
                    context.queueFullPolicy(),
                    context.pollLimit(),
                    context.holdTimeoutNs(),
                    nearFullBlocks(context, blockCount),
                    context.idleClockLagNs(),
                    stopQuietNs(context, source.geometry().retireTimeoutMs()),
                    context.stopTimeoutNs(),
                    context.nanoClock(),
                    context.epochClock()));
            }
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(sources);
            throw ex;
        }
        return start(context, pollers, group, counters);
    }

    static Pipeline file(final PipelineContext context, final CaptureFileSource source)
    {
        try
        {
            context.conclude();
            final PipelineCounters counters = new PipelineCounters(context, 1);
            final List<PipelinePoller> pollers = new ArrayList<>();
            pollers.add(new FilePoller(0, source, newDispatcher(context, 0, 1, counters.poller(0)),
                context.queueFullPolicy(), context.pollLimit()));
            return start(context, pollers, AfPacketContext.NO_FANOUT, counters);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(source);
            throw ex;
        }
    }

    private static Pipeline start(
        final PipelineContext context,
        final List<PipelinePoller> pollers,
        final int group,
        final PipelineCounters counters)
    {
        // Every agent's errors are counted and logged in the counters file, then go to the context's handler.
        final ErrorHandler errorHandler = counters.errorHandler(context.errorHandler());
        final List<Worker> workers = new ArrayList<>();
        for (int w = 0; w < context.workers(); w++)
        {
            final SegmentRing[] inbound = new SegmentRing[pollers.size()];
            for (int p = 0; p < inbound.length; p++)
            {
                inbound[p] = pollers.get(p).dispatcher().ring(w);
            }
            final int[] cpus = context.workerCpus();
            workers.add(new Worker(
                w,
                cpus.length == 0 ? Worker.NO_CPU : cpus[w % cpus.length],
                inbound,
                context.engineContext().get(),
                context.handlers(),
                context.checksumMode(),
                context.drainLimit(),
                errorHandler,
                counters.worker(w))
                .latency(context.histograms(), context.nanoClock(), context.epochClock())
                .segmentHandler(context.segmentHandlers() == null ? null : context.segmentHandlers().apply(w)));
        }
        final Pipeline pipeline = new Pipeline(context, pollers, workers, group, errorHandler);
        pipeline.start();
        return pipeline;
    }

    private static Dispatcher newDispatcher(
        final PipelineContext context, final int poller, final int pollers, final PipelineCounters.Poller counters)
    {
        // Checksums are verified where there are fewer segments per thread: in the pollers unless workers outnumber
        // them (see Dispatcher).
        final boolean checksumInPoller = pollers >= context.workers();
        final EngineContext engine = context.engineContext().get();
        return new Dispatcher(
            poller,
            context.workers(),
            context.queueCapacity(),
            context.copyBufferLength(),
            context.decoderContext(),
            checksumInPoller,
            engine.vlanInKey(),
            engine.tunnelInKey(),
            counters.decode,
            counters.dispatch)
            .tap(context.frameTaps().apply(poller))
            .filter(context.filter())
            .frameNumbers(context.segmentHandlers() != null)
            .latency(context.histograms(), context.nanoClock());
    }

    /**
     * @return blocks of a ring of {@code blockCount} that must be user-owned, from the oldest held one on, before a
     *         stale block is copied out: the context's share of the ring, at least 1.
     */
    private static int nearFullBlocks(final PipelineContext context, final int blockCount)
    {
        return Math.max(1, (int)Math.ceil(blockCount * context.copyOutRingFraction()));
    }

    /**
     * @return how long a ring must stay quiet after a stop request before its poller finishes: as set, or by default
     *         three of its retire timeouts plus 20 ms, so that blocks the kernel retires on its timer are read.
     */
    private static long stopQuietNs(final PipelineContext context, final int retireTimeoutMs)
    {
        final long quietNs = context.stopQuietNs();
        return quietNs > 0 ? quietNs : TimeUnit.MILLISECONDS.toNanos(3L * retireTimeoutMs + 20);
    }

    private static AfPacketContext copy(final AfPacketContext template)
    {
        final AfPacketContext copy = new AfPacketContext()
            .interfaceName(template.interfaceName())
            .blockSize(template.geometry().blockSize())
            .blockCount(template.geometry().blockCount())
            .frameSize(template.geometry().frameSize())
            .retireTimeoutMs(template.geometry().retireTimeoutMs())
            .promiscuous(template.promiscuous())
            .ignoreOutgoing(template.ignoreOutgoing());
        if (template.filterProgram() != null)
        {
            copy.filter(template.filterProgram());
        }
        return copy;
    }
}
