package io.flowtap.pipeline;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.FanoutMode;
import io.flowtap.capture.ring.RingCounter;
import io.flowtap.pipeline.poll.PipelinePoller;
import io.flowtap.pipeline.shard.DispatchCounter;
import io.flowtap.pipeline.shard.Dispatcher;
import io.flowtap.pipeline.shard.FrameTapAgent;
import io.flowtap.pipeline.worker.Worker;
import io.flowtap.pipeline.worker.WorkerCounter;
import io.flowtap.reassembly.EngineCounters;
import org.agrona.ErrorHandler;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The appliance's data path: pollers read a source (a live interface through AF_PACKET rings, or a capture file) and
 * hand each TCP segment, by reference to where its frame is, to the worker that owns its flow; each worker runs one
 * reassembly engine with its own handlers. One bounded queue links each poller to each worker.
 * <pre>
 *   ring/file --&gt; poller 0 --+--&gt; queue 0,0 --&gt; worker 0 (engine, handlers)
 *                            +--&gt; queue 0,1 --&gt; worker 1 (engine, handlers)
 *   ring      --&gt; poller 1 --+--&gt; ...
 * </pre>
 * Given {@link PipelineContext#segmentHandlers}, the workers hand each segment on instead of reassembling it
 * (capture's printing).
 * <p>
 * Built and started by {@link #live} or {@link #file} (see {@code PipelineWiring}), its agents run as the threading
 * mode says ({@code PipelineAgents}); {@link #close()} shuts it down cleanly: the pollers read what
 * their sources have already captured and stop, the workers drain their queues, every open flow ends with reason
 * {@code shutdown}, the handlers are closed on their workers' threads, and the sources are closed. Nothing captured is
 * lost: every frame is handed to a worker or counted under a reason (see {@link #accountingError()}).
 * <p>
 * Opened, stepped (in {@link ThreadingMode#INVOKER} mode) and closed by one thread; the counters may be read from any.
 */
public final class Pipeline implements AutoCloseable
{
    private final PipelineContext context;
    private final List<PipelinePoller> pollers;
    private final List<Worker> workers;
    private final List<FrameTapAgent> taps = new ArrayList<>();
    private final PipelineAgents agents;
    private final int fanoutGroupId;
    private boolean closed;

    Pipeline(
        final PipelineContext context,
        final List<PipelinePoller> pollers,
        final List<Worker> workers,
        final int fanoutGroupId,
        final ErrorHandler errorHandler)
    {
        this.context = context;
        this.agents = new PipelineAgents(context, errorHandler);
        this.fanoutGroupId = fanoutGroupId;
        this.pollers = Collections.unmodifiableList(pollers);
        this.workers = Collections.unmodifiableList(workers);
        for (final PipelinePoller poller : pollers)
        {
            final FrameTapAgent tap = poller.dispatcher().tapAgent();
            if (tap != null)
            {
                taps.add(tap);
            }
        }
    }

    /**
     * Capture live: open one ring per poller on the interface (a fanout group spreads flows over them when there
     * are several) and start the pollers and workers.
     *
     * @param context     pipeline configuration; concluded here.
     * @param ring        ring settings for every socket (filter included; its fanout, if any, is replaced).
     * @param pollerCount pollers, at least 1.
     * @param pollerCpus  CPU for each poller (index i uses {@code cpus[i % cpus.length]}), or empty.
     * @param fanoutMode  how the kernel spreads packets over several pollers ({@link FanoutMode#HASH} keeps a flow on
     *                    one poller, so its order holds).
     * @return the running pipeline.
     * @throws io.flowtap.linux.LinuxException when a socket cannot be opened (those opened are closed).
     * @throws IllegalStateException when a worker cannot start.
     */
    public static Pipeline live(
        final PipelineContext context,
        final AfPacketContext ring,
        final int pollerCount,
        final int[] pollerCpus,
        final FanoutMode fanoutMode)
    {
        return PipelineWiring.live(context, ring, pollerCount, pollerCpus, fanoutMode);
    }

    /**
     * Read a capture file through the pipeline: one poller reads the file in place and hands its segments to the
     * workers as a live poller does.
     *
     * @param context pipeline configuration; concluded here.
     * @param source  the opened file, owned by the pipeline from now on.
     * @return the running pipeline; {@link #isInputFinished()} turns true at the end of the file.
     * @throws IllegalStateException when a worker cannot start.
     */
    public static Pipeline file(final PipelineContext context, final CaptureFileSource source)
    {
        return PipelineWiring.file(context, source);
    }

    /**
     * @param context pipeline configuration; concluded here.
     * @param path    of a pcap or pcapng file.
     * @return the running pipeline.
     * @throws CaptureFileException when the file cannot be opened as a capture.
     */
    public static Pipeline file(final PipelineContext context, final Path path)
    {
        return file(context, CaptureFiles.open(path));
    }

    /**
     * Step every agent once, pollers first. {@link ThreadingMode#INVOKER} only.
     *
     * @return work done.
     */
    public int doWork()
    {
        return agents.invoke();
    }

    /**
     * @return whether every poller has finished: the end of the file, or stopped.
     */
    public boolean isInputFinished()
    {
        for (final PipelinePoller poller : pollers)
        {
            if (!poller.isFinished())
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Wait (stepping the agents in invoker mode) until every poller has finished; for a file, its end.
     *
     * @param timeoutNs longest wait.
     * @return whether they finished.
     */
    public boolean awaitInputFinished(final long timeoutNs)
    {
        return await(this::isInputFinished, timeoutNs);
    }

    /**
     * Wait (stepping the agents in invoker mode) until every poller has finished and the workers have taken in every
     * segment handed to them: what a worker does with the end of a file (journal it, or find the journal full) is
     * done by then. Open flows are still open; {@link #close()} ends them.
     *
     * @param timeoutNs longest wait.
     * @return whether the input finished and the queues drained.
     */
    public boolean awaitDrained(final long timeoutNs)
    {
        return await(() -> isInputFinished() && queueDepth() == 0, timeoutNs);
    }

    /**
     * @return the pollers, in index order.
     */
    public List<PipelinePoller> pollers()
    {
        return pollers;
    }

    /**
     * @return the workers, in index order.
     */
    public List<Worker> workers()
    {
        return workers;
    }

    /**
     * @return the fanout group the live pollers' sockets joined, or {@link AfPacketContext#NO_FANOUT} (one poller and
     *         none asked for, or a file).
     */
    public int fanoutGroupId()
    {
        return fanoutGroupId;
    }

    /**
     * @return the configuration.
     */
    public PipelineContext context()
    {
        return context;
    }

    /**
     * @return one line naming the first worker that failed (an {@link Error} while processing a segment) and why, or
     *         null; its later segments were discarded, counted.
     */
    public String failure()
    {
        for (final Worker worker : workers)
        {
            final Throwable failure = worker.failure();
            if (failure != null)
            {
                return worker.roleName() + " failed: " + failure;
            }
        }
        return null;
    }

    /**
     * @return one line saying why a live poller's source stopped on its own (its interface went down or was deleted:
     *         the poller then finished, so the input is finished), or null.
     */
    public String sourceFailure()
    {
        for (final PipelinePoller poller : pollers)
        {
            final String failure = poller.sourceFailure();
            if (failure != null)
            {
                return failure;
            }
        }
        return null;
    }

    /**
     * @return the damage that ended a capture file early, or null.
     */
    public CaptureFileException damage()
    {
        for (final PipelinePoller poller : pollers)
        {
            final CaptureFileException damage = poller.damage();
            if (damage != null)
            {
                return damage;
            }
        }
        return null;
    }

    /**
     * @param counter of the pollers' hand-offs.
     * @return its total over the pollers; allocates nothing, like the other totals.
     */
    public long total(final DispatchCounter counter)
    {
        long sum = 0;
        for (int i = 0; i < pollers.size(); i++)
        {
            sum += pollers.get(i).dispatcher().counters().get(counter);
        }
        return sum;
    }

    /**
     * @param counter of the workers.
     * @return its total over the workers.
     */
    public long total(final WorkerCounter counter)
    {
        long sum = 0;
        for (int i = 0; i < workers.size(); i++)
        {
            sum += workers.get(i).counter(counter);
        }
        return sum;
    }

    /**
     * @param counter of the pollers' decoders (every frame read, by outcome) and of the workers' checksum verdicts.
     * @return its total over the pollers and workers; exact once closed.
     */
    public long total(final DecodeCounter counter)
    {
        long sum = 0;
        for (int i = 0; i < pollers.size(); i++)
        {
            sum += pollers.get(i).dispatcher().decoder().counters().get(counter);
        }
        for (int i = 0; i < workers.size(); i++)
        {
            // Checksum verdicts the pollers left to the workers; no other counter moves there.
            sum += workers.get(i).decoder().counters().get(counter);
        }
        return sum;
    }

    /**
     * @param counter of the live rings.
     * @return its total over the rings, as of their last statistics read (exact once closed); 0 for a file.
     */
    public long total(final RingCounter counter)
    {
        long sum = 0;
        for (final PipelinePoller poller : pollers)
        {
            sum += poller.ringCounter(counter);
        }
        return sum;
    }

    /**
     * @return hand-offs queued now over every queue (approximate while running).
     */
    public int queueDepth()
    {
        int depth = 0;
        for (final Worker worker : workers)
        {
            depth += worker.queueDepth();
        }
        return depth;
    }

    /**
     * Check that every frame is accounted for. Once closed: frames read = TCP segments decoded + frames the decoder
     * dropped under a reason; segments decoded = dispatched + filtered out in userspace (the capture filter, applied
     * after decoding, see {@link Dispatcher#filter}); dispatched = handed off + dropped on a full queue; handed off =
     * segments the workers took; and for live rings, kernel packets = frames + loopback copies skipped + kernel drops
     * + frames unread at close.
     *
     * @return null when everything adds up, or a description of what does not.
     */
    public String accountingError()
    {
        final StringBuilder errors = new StringBuilder();
        final long frames = total(DecodeCounter.FRAMES);
        final long segments = total(DecodeCounter.TCP_SEGMENT);
        long dropped = 0;
        for (final DecodeCounter counter : DecodeCounter.values())
        {
            dropped += counter.isDropReason() ? total(counter) : 0;
        }
        check(errors, "frames = segments + decoder drops", frames, segments + dropped);
        check(errors, "segments decoded = segments dispatched + filtered out in userspace", segments,
            total(DispatchCounter.SEGMENTS) + total(DispatchCounter.FILTERED_OUT));
        check(errors, "segments dispatched = handed off + dropped on a full queue", total(DispatchCounter.SEGMENTS),
            total(DispatchCounter.HANDED_OFF) + total(DispatchCounter.DROPPED_QUEUE_FULL));
        check(errors, "handed off = taken by workers", total(DispatchCounter.HANDED_OFF),
            total(WorkerCounter.SEGMENTS));
        if (pollers.get(0).isLive())
        {
            check(errors, "ring frames = frames decoded", total(RingCounter.FRAMES), frames);
            check(errors, "kernel packets = frames + loopback skipped + kernel drops + unread at close",
                total(RingCounter.KERNEL_PACKETS), total(RingCounter.FRAMES) +
                total(RingCounter.LOOPBACK_OUTGOING_SKIPPED) + total(RingCounter.KERNEL_DROPS) +
                total(DispatchCounter.RING_UNREAD_AT_CLOSE));
        }
        return errors.length() == 0 ? null : errors.toString();
    }

    /**
     * @return every counter that is not zero, one per line: the pollers' decoders, hand-offs, rings, and workers.
     */
    public String counterSummary()
    {
        final StringBuilder out = new StringBuilder();
        for (final DecodeCounter counter : DecodeCounter.values())
        {
            line(out, "decode", counter.label(), total(counter));
        }
        for (final DispatchCounter counter : DispatchCounter.values())
        {
            line(out, "hand-off", counter.label(), total(counter));
        }
        for (final RingCounter counter : RingCounter.values())
        {
            line(out, "ring", counter.label(), total(counter));
        }
        for (final WorkerCounter counter : WorkerCounter.values())
        {
            line(out, "worker", counter.label(), total(counter));
        }
        return out.toString();
    }

    /**
     * @return the workers' engines' counters added up (exact once closed): every segment the engines were given,
     *         tracked or ignored under a reason, and what memcaps, evictions and timeouts did.
     */
    public EngineCounters engineCounters()
    {
        final EngineCounters sum = new EngineCounters();
        for (final Worker worker : workers)
        {
            if (worker.engine() != null)
            {
                sum.add(worker.engine().counters());
            }
        }
        return sum;
    }

    /**
     * Shut down cleanly: the pollers read what their sources have captured and stop, the workers drain their queues,
     * every open flow ends (reason {@code shutdown}), handlers are closed on their workers' threads, the agents'
     * threads stop, and the sources are closed. Idempotent.
     *
     * @throws IllegalStateException when the pollers or workers did not get there within the shutdown timeout (the
     *                               pipeline is closed all the same).
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        String timedOut = null;
        try
        {
            for (final PipelinePoller poller : pollers)
            {
                poller.requestStop();
            }
            if (!await(this::isInputFinished, context.shutdownTimeoutNs()))
            {
                timedOut = "pollers did not finish";
            }
            for (final Worker worker : workers)
            {
                worker.requestShutdown();
            }
            if (!await(this::areWorkersDone, context.shutdownTimeoutNs()))
            {
                timedOut = timedOut == null ? "workers did not drain" : timedOut + ", workers did not drain";
            }
            if (!await(this::areTapsDrained, context.shutdownTimeoutNs()))
            {
                timedOut = timedOut == null ? "taps did not drain" : timedOut + ", taps did not drain";
            }
        }
        finally
        {
            agents.stop();
            for (final PipelinePoller poller : pollers)
            {
                poller.closeSource();
            }
        }
        if (timedOut != null)
        {
            throw new IllegalStateException("pipeline shutdown: " + timedOut + " within " +
                TimeUnit.NANOSECONDS.toMillis(context.shutdownTimeoutNs()) + " ms");
        }
    }

    /**
     * Start the agents and wait for the workers to be ready; on failure everything started is stopped and closed.
     */
    void start()
    {
        try
        {
            agents.start(pollers, workers, taps);
            awaitWorkersStarted();
        }
        catch (final RuntimeException ex)
        {
            closed = true;
            agents.stop();
            for (final PipelinePoller poller : pollers)
            {
                poller.closeSource();
            }
            throw ex;
        }
    }

    private void awaitWorkersStarted()
    {
        final boolean started = await(() ->
        {
            for (final Worker worker : workers)
            {
                if (worker.startFailure() != null || !worker.isStarted())
                {
                    return worker.startFailure() != null;
                }
            }
            return true;
        }, context.startTimeoutNs());
        for (final Worker worker : workers)
        {
            if (worker.startFailure() != null)
            {
                throw new IllegalStateException(worker.roleName() + " could not start: " + worker.startFailure(),
                    worker.startFailure());
            }
        }
        if (!started)
        {
            throw new IllegalStateException("workers did not start within " +
                TimeUnit.NANOSECONDS.toMillis(context.startTimeoutNs()) + " ms");
        }
    }

    private boolean areTapsDrained()
    {
        for (final FrameTapAgent tap : taps)
        {
            if (!tap.isDrained())
            {
                return false;
            }
        }
        return true;
    }

    private boolean areWorkersDone()
    {
        for (final Worker worker : workers)
        {
            if (!worker.isShutDown() && worker.startFailure() == null)
            {
                return false;
            }
        }
        return true;
    }

    private boolean await(final BooleanSupplier condition, final long timeoutNs)
    {
        return agents.await(condition, timeoutNs);
    }

    private static void check(final StringBuilder errors, final String what, final long left, final long right)
    {
        if (left != right)
        {
            errors.append(what).append(": ").append(left).append(" != ").append(right).append('\n');
        }
    }

    private static void line(final StringBuilder out, final String group, final String label, final long value)
    {
        if (value != 0)
        {
            out.append(group).append(": ").append(label).append(' ').append(value).append('\n');
        }
    }
}
