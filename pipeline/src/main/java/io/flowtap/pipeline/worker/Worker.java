package io.flowtap.pipeline.worker;

import io.flowtap.capture.BatchAware;
import io.flowtap.capture.Frame;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.linux.Affinity;
import io.flowtap.pipeline.shard.FrameHandOff;
import io.flowtap.pipeline.shard.HandOffQueue;
import io.flowtap.pipeline.shard.Watermark;
import io.flowtap.pipeline.stats.Stage;
import io.flowtap.pipeline.stats.StageHistograms;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * A reassembly worker: an agent that owns one {@link ReassemblyEngine} (and its handlers) and the flows the pollers'
 * hashing gives it. Each duty cycle drains a bounded number of hand-offs from each poller's queue, reads each frame
 * where it is (or from its copy), decodes it and feeds the engine, then tells the hand-off it is done so that the
 * ring block can go back to the kernel. When its queues are empty it moves the engine's clock to the pollers'
 * {@link Watermark}, so idle flows time out on packet time exactly as in a single engine. It never blocks and, once
 * warm, allocates nothing.
 * <p>
 * The engine and the handlers are made in {@link #onStart()}, on the worker's thread. {@link #requestShutdown()},
 * once the pollers have finished, makes the worker drain its queues, end every open flow ({@code shutdown}) and close
 * its handlers, on its thread; {@link #isShutDown()} then turns true.
 * <p>
 * Counters and the flags are safe to read from any thread; the engine's counters once the worker has shut down.
 */
public final class Worker implements Agent
{
    /** No CPU pinning. */
    public static final int NO_CPU = -1;

    private final int index;
    private final int cpu;
    private final HandOffQueue[] inbound;
    private final EngineContext engineContext;
    private final HandlerFactory handlerFactory;
    private final PacketDecoder decoder;
    private final int drainLimit;
    private final ErrorHandler errorHandler;
    private StageHistograms histograms;
    private NanoClock nanoClock;
    private final Frame frame = new Frame();
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final AtomicLongArray counters = new AtomicLongArray(WorkerCounter.count());
    private final Consumer<FrameHandOff> onHandOff = this::onHandOff;
    private TcpHandler[] handlers;
    private BatchAware[] batchAware;
    private long[] takenNs;
    private long[] handedOffNs;
    private long[] kernelLatencyNs;
    private int measured;
    private ReassemblyEngine engine;
    private long clockNs = Watermark.NONE;
    private volatile boolean started;
    private volatile Throwable startFailure;
    private volatile boolean shutdownRequested;
    private volatile boolean shutDown;
    private volatile Throwable failure;

    /**
     * @param index          of the worker, from 0.
     * @param cpu            to pin its thread to, or {@link #NO_CPU}.
     * @param inbound        one queue from each poller, in poller order.
     * @param engineContext  for its engine, which concludes it.
     * @param handlerFactory makes its handlers, on its thread.
     * @param checksumMode   for its decoder.
     * @param drainLimit     most hand-offs taken from one queue per duty cycle.
     * @param errorHandler   for exceptions thrown while a segment is processed.
     */
    public Worker(
        final int index,
        final int cpu,
        final HandOffQueue[] inbound,
        final EngineContext engineContext,
        final HandlerFactory handlerFactory,
        final ChecksumMode checksumMode,
        final int drainLimit,
        final ErrorHandler errorHandler)
    {
        this.index = index;
        this.cpu = cpu;
        this.inbound = inbound.clone();
        this.engineContext = engineContext;
        this.handlerFactory = handlerFactory;
        this.decoder = new PacketDecoder(checksumMode);
        this.drainLimit = drainLimit;
        this.errorHandler = errorHandler;
    }

    /**
     * Measure the poller-to-worker, worker-to-journal and end-to-end stages of every segment. Configure before the
     * worker starts.
     *
     * @param histograms to record into, or null for none.
     * @param nanoClock  the clock the pollers stamp hand-offs with.
     * @return this.
     */
    public Worker latency(final StageHistograms histograms, final NanoClock nanoClock)
    {
        this.histograms = histograms;
        this.nanoClock = nanoClock;
        return this;
    }

    @Override
    public void onStart()
    {
        try
        {
            if (cpu != NO_CPU)
            {
                Affinity.pinCurrentThread(cpu);
            }
            final List<TcpHandler> made = handlerFactory.newHandlers(index);
            handlers = made.toArray(new TcpHandler[0]);
            batchAware = made.stream().filter(BatchAware.class::isInstance).map(BatchAware.class::cast)
                .toArray(BatchAware[]::new);
            final int batch = inbound.length * drainLimit;
            takenNs = new long[batch];
            handedOffNs = new long[batch];
            kernelLatencyNs = new long[batch];
            engine = new ReassemblyEngine(engineContext, handlers);
            started = true;
        }
        catch (final RuntimeException | Error ex)
        {
            startFailure = ex;
            throw ex;
        }
    }

    @Override
    public int doWork()
    {
        if (engine == null || shutDown)
        {
            return 0;
        }
        int work = 0;
        for (final HandOffQueue queue : inbound)
        {
            work += queue.drain(onHandOff, drainLimit);
        }
        if (work == 0)
        {
            work += expireToWatermark();
            if (shutdownRequested)
            {
                shutdown();
            }
        }
        else
        {
            increment(WorkerCounter.BUSY_CYCLES, 1);
        }
        if (work > 0)
        {
            endBatch();
        }
        return work;
    }

    @Override
    public String roleName()
    {
        return "flowtap-worker-" + index;
    }

    /**
     * Drain, end every flow and close the handlers once the queues are empty; the pollers must have finished first,
     * so that nothing more arrives. Any thread.
     */
    public void requestShutdown()
    {
        shutdownRequested = true;
    }

    /**
     * @return whether the worker has drained, ended every flow and closed its handlers.
     */
    public boolean isShutDown()
    {
        return shutDown;
    }

    /**
     * @return whether the engine and handlers are made.
     */
    public boolean isStarted()
    {
        return started;
    }

    /**
     * @return what made {@link #onStart()} fail, or null.
     */
    public Throwable startFailure()
    {
        return startFailure;
    }

    /**
     * @return the {@link Error} that stopped this worker processing segments, or null.
     */
    public Throwable failure()
    {
        return failure;
    }

    /**
     * @return index of the worker.
     */
    public int index()
    {
        return index;
    }

    /**
     * @return the CPU it is pinned to, or {@link #NO_CPU}.
     */
    public int cpu()
    {
        return cpu;
    }

    /**
     * @return its engine, once started; read its counters once the worker has shut down.
     */
    public ReassemblyEngine engine()
    {
        return engine;
    }

    /**
     * @return its decoder, whose counters include the checksum verdicts; exact once the worker has shut down.
     */
    public PacketDecoder decoder()
    {
        return decoder;
    }

    /**
     * @param counter to read.
     * @return its value, from any thread.
     */
    public long counter(final WorkerCounter counter)
    {
        return counters.get(counter.ordinal());
    }

    /**
     * @return hand-offs queued for this worker now, over every poller (approximate while running).
     */
    public int queueDepth()
    {
        int depth = 0;
        for (final HandOffQueue queue : inbound)
        {
            depth += queue.depth();
        }
        return depth;
    }

    private void onHandOff(final FrameHandOff handOff)
    {
        final long takenNs = histograms != null ? nanoClock.nanoTime() : 0;
        final boolean inPlace = handOff.claimInPlace();
        if (failure != null)
        {
            increment(WorkerCounter.SEGMENTS, 1);
            increment(WorkerCounter.DISCARDED_AFTER_FAILURE, 1);
            handOff.done();
            return;
        }
        try
        {
            handOff.wrap(frame, inPlace, view);
            increment(WorkerCounter.SEGMENTS, 1);
            increment(inPlace ? WorkerCounter.IN_PLACE : WorkerCounter.FROM_COPY, 1);
            if (decoder.decode(frame))
            {
                final long timeNs = frame.timestampNs();
                final long clockBeforeNs = handOff.clockBeforeNs();
                if (clockBeforeNs > clockNs && clockBeforeNs > timeNs)
                {
                    // One engine fed every segment would have reached this time before this (older) segment, and
                    // timed out its idle flows there; the segment's own time would not get this engine there.
                    clockNs = clockBeforeNs;
                    increment(WorkerCounter.EXPIRED_BY_WATERMARK, engine.expire(clockBeforeNs));
                }
                if (timeNs > clockNs)
                {
                    clockNs = timeNs;
                }
                engine.onSegment(decoder, timeNs, frame.wireLength());
                if (histograms != null)
                {
                    recordLatency(handOff, takenNs);
                }
            }
            else
            {
                increment(WorkerCounter.NOT_DECODED, 1);
            }
        }
        catch (final RuntimeException ex)
        {
            increment(WorkerCounter.ERRORS, 1);
            errorHandler.onError(ex);
        }
        catch (final Error ex)
        {
            // Not a packet's problem (memory, a faulting mapping): stop processing, once, and let the pipeline stop.
            increment(WorkerCounter.ERRORS, 1);
            failure = ex;
        }
        finally
        {
            // Nothing of the frame is read after this: its ring block may go back to the kernel.
            view.wrap(0, 0);
            handOff.done();
        }
    }

    private void recordLatency(final FrameHandOff handOff, final long taken)
    {
        histograms.record(Stage.POLLER_TO_WORKER, taken - handOff.handedOffNs());
        if (measured < takenNs.length)
        {
            takenNs[measured] = taken;
            handedOffNs[measured] = handOff.handedOffNs();
            final long kernel = handOff.kernelLatencyNs();
            kernelLatencyNs[measured] = kernel == FrameHandOff.NO_KERNEL_LATENCY ? 0 : kernel;
            measured++;
        }
    }

    /**
     * The batch of segments is processed: handlers that batch (the journal) commit, and only then is each segment's
     * time to the journal commit, and end to end, known.
     */
    private void endBatch()
    {
        for (final BatchAware handler : batchAware)
        {
            try
            {
                handler.onBatchEnd();
            }
            catch (final RuntimeException ex)
            {
                increment(WorkerCounter.ERRORS, 1);
                errorHandler.onError(ex);
            }
            catch (final Error ex)
            {
                increment(WorkerCounter.ERRORS, 1);
                failure = ex;
            }
        }
        if (measured > 0)
        {
            final long committedNs = nanoClock.nanoTime();
            for (int i = 0; i < measured; i++)
            {
                histograms.record(Stage.WORKER_TO_JOURNAL, committedNs - takenNs[i]);
                histograms.record(Stage.END_TO_END, kernelLatencyNs[i] + committedNs - handedOffNs[i]);
            }
            measured = 0;
        }
    }

    private int expireToWatermark()
    {
        // Read every watermark before checking the queues: a segment queued before a watermark was published is
        // then seen in its queue, so the engine's clock never passes a segment still waiting.
        long timeNs = Long.MAX_VALUE;
        for (final HandOffQueue queue : inbound)
        {
            final long watermarkNs = queue.watermark().timeNs();
            if (watermarkNs == Watermark.NONE)
            {
                return 0;
            }
            timeNs = Math.min(timeNs, watermarkNs);
        }
        if (timeNs <= clockNs)
        {
            // Only a clock that moves times flows out, as in one engine: never re-check at the same time.
            return 0;
        }
        for (final HandOffQueue queue : inbound)
        {
            if (!queue.isEmpty())
            {
                return 0;
            }
        }
        clockNs = timeNs;
        final int ended = engine.expire(timeNs);
        increment(WorkerCounter.EXPIRED_BY_WATERMARK, ended);
        return ended;
    }

    private void shutdown()
    {
        for (final HandOffQueue queue : inbound)
        {
            if (!queue.isEmpty())
            {
                return;
            }
        }
        if (failure != null)
        {
            // The engine may be half way through a segment: leave it, and its handlers, as they are.
            shutDown = true;
            return;
        }
        expireToWatermark();
        engine.shutdown();
        for (final TcpHandler handler : handlers)
        {
            if (handler instanceof AutoCloseable)
            {
                try
                {
                    ((AutoCloseable)handler).close();
                }
                catch (final Exception ex)
                {
                    errorHandler.onError(ex);
                }
            }
        }
        shutDown = true;
    }

    private void increment(final WorkerCounter counter, final long delta)
    {
        // Single writer: a plain read and a release store are enough for readers on other threads.
        final int i = counter.ordinal();
        counters.lazySet(i, counters.get(i) + delta);
    }
}
