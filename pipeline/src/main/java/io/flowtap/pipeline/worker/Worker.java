package io.flowtap.pipeline.worker;

import io.flowtap.capture.BatchAware;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.linux.Affinity;
import io.flowtap.pipeline.shard.SegmentDescriptor;
import io.flowtap.pipeline.shard.SegmentRing;
import io.flowtap.pipeline.shard.Watermark;
import io.flowtap.pipeline.stats.Stage;
import io.flowtap.pipeline.stats.StageHistograms;
import io.flowtap.pipeline.stats.StageRecorder;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;

/**
 * A reassembly worker: an agent that owns one {@link ReassemblyEngine} (and its handlers) and the flows the pollers'
 * hashing gives it. Each duty cycle takes a bounded batch of records from each poller's {@link SegmentRing}, describes
 * each segment to its decoder from what the poller found (no header is parsed again; the checksum is verified here
 * only when the pollers left it to the workers), feeds the engine with the poller's flow hash, and releases the batch
 * with one store, so that ring blocks can go back to the kernel. When its rings are empty it moves the engine's clock
 * to the pollers' {@link Watermark}, so idle flows time out on packet time exactly as in a single engine. It never
 * blocks and, once warm, allocates nothing.
 * <p>
 * A worker given a {@link SegmentHandler} makes no engine: it hands each segment to the handler, in the order its
 * rings give them (capture's printing).
 * <p>
 * The engine and the handlers are made in {@link #onStart()}, on the worker's thread. {@link #requestShutdown()},
 * once the pollers have finished, makes the worker drain its rings, end every open flow ({@code shutdown}) and close
 * its handlers, on its thread; {@link #isShutDown()} then turns true.
 * <p>
 * Counters and the flags are safe to read from any thread; the engine's counters once the worker has shut down.
 */
public final class Worker implements Agent
{
    /** No CPU pinning. */
    public static final int NO_CPU = -1;

    private static final int LEVELS_CYCLES = 1024;

    private final int index;
    private final int cpu;
    private final SegmentRing[] inbound;
    private final EngineContext engineContext;
    private final HandlerFactory handlerFactory;
    private final PacketDecoder decoder;
    private final int drainLimit;
    private final ErrorHandler errorHandler;
    private StageRecorder latency;
    private SegmentHandler segmentHandler;
    private NanoClock nanoClock;
    private EpochNanoClock epochClock;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final WorkerCounters counters;
    private TcpHandler[] handlers;
    private BatchAware[] batchAware;
    private long[] liveTimestampsNs;
    private long[] handedOffNs;
    private int measured;
    private long takenNs;
    private long batchSegments;
    private long batchInPlace;
    private ReassemblyEngine engine;
    /** Made what it needs (the engine, or only its buffers when a segment handler replaces it): the agent's own. */
    private boolean ready;
    private long clockNs = Watermark.NONE;
    private int cyclesToLevels;
    private volatile boolean started;
    private volatile Throwable startFailure;
    private volatile boolean shutdownRequested;
    private volatile boolean shutDown;
    private volatile Throwable failure;

    /**
     * @param index          of the worker, from 0.
     * @param cpu            to pin its thread to, or {@link #NO_CPU}.
     * @param inbound        one ring from each poller, in poller order.
     * @param engineContext  for its engine, which concludes it.
     * @param handlerFactory makes its handlers, on its thread.
     * @param checksumMode   for the checksums the pollers leave to the workers.
     * @param drainLimit     most records taken from one ring per duty cycle.
     * @param errorHandler   for exceptions thrown while a segment is processed.
     * @param counters       where it counts, its decoder and engine too.
     */
    public Worker(
        final int index,
        final int cpu,
        final SegmentRing[] inbound,
        final EngineContext engineContext,
        final HandlerFactory handlerFactory,
        final ChecksumMode checksumMode,
        final int drainLimit,
        final ErrorHandler errorHandler,
        final WorkerCounters counters)
    {
        this.counters = counters;
        this.index = index;
        this.cpu = cpu;
        this.inbound = inbound.clone();
        this.engineContext = engineContext;
        this.handlerFactory = handlerFactory;
        this.decoder = new PacketDecoder(
            new DecoderContext().checksumMode(checksumMode).defragment(false), false, counters.decode());
        this.drainLimit = drainLimit;
        this.errorHandler = errorHandler;
    }

    /**
     * Measure the poller-to-worker, worker-to-journal and end-to-end stages of every segment. Configure before the
     * worker starts.
     *
     * @param histograms to record into, or null for none.
     * @param nanoClock  the clock the pollers stamp records with.
     * @param epochClock the capture clock, for end-to-end latency from a live frame's kernel timestamp.
     * @return this.
     */
    public Worker latency(
        final StageHistograms histograms, final NanoClock nanoClock, final EpochNanoClock epochClock)
    {
        this.latency = histograms == null ? null : histograms.newRecorder();
        this.nanoClock = nanoClock;
        this.epochClock = epochClock;
        return this;
    }

    /**
     * Hand every segment to this handler instead of reassembling it: no engine and no {@link TcpHandler} are made,
     * and the pollers must put each frame's number in the records ({@code SegmentDescriptor.FRAME_NUMBER_OFFSET}).
     * Configure before the worker starts.
     *
     * @param handler for every segment, or null to reassemble (the default).
     * @return this.
     */
    public Worker segmentHandler(final SegmentHandler handler)
    {
        this.segmentHandler = handler;
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
            final List<TcpHandler> made = segmentHandler != null ? List.of() : handlerFactory.newHandlers(index);
            handlers = made.toArray(new TcpHandler[0]);
            batchAware = made.stream().filter(BatchAware.class::isInstance).map(BatchAware.class::cast)
                .toArray(BatchAware[]::new);
            final int batch = inbound.length * drainLimit;
            liveTimestampsNs = new long[batch];
            handedOffNs = new long[batch];
            engine = segmentHandler != null ? null : new ReassemblyEngine(engineContext, counters.engine(), handlers);
            ready = true;
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
        if (!ready || shutDown)
        {
            return 0;
        }
        int work = 0;
        if (latency != null)
        {
            takenNs = nanoClock.nanoTime();
            latency.begin();
        }
        try
        {
            for (final SegmentRing ring : inbound)
            {
                final int taken = ring.claimBatch(drainLimit);
                if (taken > 0)
                {
                    work += taken;
                    process(ring, taken);
                }
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
                increment(WorkerCounter.SEGMENTS, batchSegments);
                increment(WorkerCounter.IN_PLACE, batchInPlace);
                increment(WorkerCounter.FROM_COPY, batchSegments - batchInPlace);
                batchSegments = 0;
                batchInPlace = 0;
            }
            if (work > 0)
            {
                endBatch();
            }
            if (--cyclesToLevels <= 0)
            {
                levels();
            }
        }
        finally
        {
            if (latency != null)
            {
                latency.end();
            }
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
     * @return the {@link Error} that stopped this worker processing segments, or null.
     */
    public Throwable failure()
    {
        return failure;
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
     * @return its engine, once started (null for a worker with a {@link SegmentHandler}); read its counters once the
     *         worker has shut down.
     */
    public ReassemblyEngine engine()
    {
        return engine;
    }

    /**
     * @return its decoder, whose counters hold the checksum verdicts the pollers left to this worker; exact once the
     * worker has shut down.
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
        return counters.get(counter);
    }

    /**
     * @return records queued for this worker now, over every poller (approximate while running).
     */
    public int queueDepth()
    {
        int depth = 0;
        for (final SegmentRing ring : inbound)
        {
            depth += ring.depth();
        }
        return depth;
    }

    /**
     * Feed the engine a batch of one ring's records, in order, then give the batch back: nothing of its frames is
     * read after that.
     */
    private void process(final SegmentRing ring, final int taken)
    {
        final UnsafeBuffer records = ring.records();
        final int start = ring.batchStart();
        try
        {
            for (int i = 0; i < taken; i++)
            {
                final int position = start + i;
                final boolean inPlace = ring.isInPlace(position);
                batchInPlace += inPlace ? 1 : 0;
                batchSegments++;
                if (failure != null)
                {
                    increment(WorkerCounter.DISCARDED_AFTER_FAILURE, 1);
                    continue;
                }
                try
                {
                    segment(records, ring.recordOffset(position), ring.frameAddress(position, inPlace));
                }
                catch (final RuntimeException ex)
                {
                    // A handler's or the engine's fault on one segment: counted and reported; the others go on.
                    increment(WorkerCounter.ERRORS, 1);
                    errorHandler.onError(ex);
                }
                catch (final Error ex)
                {
                    // Not a packet's problem (memory, a faulting mapping): stop processing, once, and let the pipeline
                    // stop.
                    increment(WorkerCounter.ERRORS, 1);
                    failure = ex;
                }
            }
        }
        finally
        {
            view.wrap(0, 0);
            ring.releaseBatch();
        }
    }

    private void segment(final UnsafeBuffer records, final int at, final long frameAddress)
    {
        final int capturedLength = records.getInt(at + SegmentDescriptor.CAPTURED_LENGTH_OFFSET);
        view.wrap(frameAddress, capturedLength);
        final int flags = records.getByte(at + SegmentDescriptor.FLAGS_OFFSET);
        final int checksum = records.getByte(at + SegmentDescriptor.CHECKSUM_OFFSET);
        decoder.wrapDecoded(
            view,
            0,
            capturedLength,
            records.getShort(at + SegmentDescriptor.LINK_TYPE_OFFSET) & 0xFFFF,
            records.getShort(at + SegmentDescriptor.IP_OFFSET_OFFSET) & 0xFFFF,
            records.getShort(at + SegmentDescriptor.DESTINATION_OFFSET_OFFSET) & 0xFFFF,
            records.getShort(at + SegmentDescriptor.TCP_OFFSET_OFFSET) & 0xFFFF,
            records.getByte(at + SegmentDescriptor.VLAN_COUNT_OFFSET),
            vlan(records.getShort(at + SegmentDescriptor.OUTER_VLAN_OFFSET)),
            vlan(records.getShort(at + SegmentDescriptor.INNER_VLAN_OFFSET)),
            checksum,
            records.getByte(at + SegmentDescriptor.TUNNEL_TYPE_OFFSET) & 0xFF,
            records.getInt(at + SegmentDescriptor.TUNNEL_ID_OFFSET),
            (flags & SegmentDescriptor.FLAG_ENCAPSULATED) != 0);
        if ((flags & SegmentDescriptor.FLAG_CHECKSUM_DEFERRED) != 0)
        {
            decoder.resolveChecksum(checksum);
        }

        final long timeNs = records.getLong(at + SegmentDescriptor.TIMESTAMP_OFFSET);
        if (segmentHandler != null)
        {
            segmentHandler.onSegment(decoder, records.getLong(at + SegmentDescriptor.FRAME_NUMBER_OFFSET), timeNs);
            return;
        }
        final long clockBeforeNs = records.getLong(at + SegmentDescriptor.CLOCK_BEFORE_OFFSET);
        if (clockBeforeNs > clockNs && clockBeforeNs > timeNs)
        {
            // One engine fed every segment would have reached this time before this (older) segment, and timed out
            // its idle flows there; the segment's own time would not get this engine there.
            clockNs = clockBeforeNs;
            increment(WorkerCounter.EXPIRED_BY_WATERMARK, engine.expire(clockBeforeNs));
        }
        if (timeNs > clockNs)
        {
            clockNs = timeNs;
        }
        engine.onSegment(decoder, timeNs, records.getInt(at + SegmentDescriptor.WIRE_LENGTH_OFFSET),
            records.getInt(at + SegmentDescriptor.FLOW_HASH_OFFSET));
        if (latency != null)
        {
            final long handedOff = records.getLong(at + SegmentDescriptor.HANDED_OFF_OFFSET);
            latency.record(Stage.POLLER_TO_WORKER, takenNs - handedOff);
            if (measured < handedOffNs.length)
            {
                handedOffNs[measured] = handedOff;
                liveTimestampsNs[measured] = (flags & SegmentDescriptor.FLAG_LIVE_TIMESTAMP) != 0 ?
                    timeNs : Long.MIN_VALUE;
                measured++;
            }
        }
    }

    private static int vlan(final short field)
    {
        return (field & 0xFFFF) == SegmentDescriptor.NO_VLAN ? PacketDecoder.NO_VLAN : field & 0xFFFF;
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
            // Every segment of the batch was taken at the same time and reaches the journal at this commit.
            final long committedNs = nanoClock.nanoTime();
            latency.record(Stage.WORKER_TO_JOURNAL, committedNs - takenNs, measured);
            final long committedEpochNs = epochClock.nanoTime();
            for (int i = 0; i < measured; i++)
            {
                final long liveTimestampNs = liveTimestampsNs[i];
                latency.record(Stage.END_TO_END, liveTimestampNs != Long.MIN_VALUE ?
                    committedEpochNs - liveTimestampNs : committedNs - handedOffNs[i]);
            }
            measured = 0;
        }
    }

    private int expireToWatermark()
    {
        if (engine == null)
        {
            return 0;
        }
        // Read every watermark before checking the queues: a segment queued before a watermark was published is
        // then seen in its queue, so the engine's clock never passes a segment still waiting.
        long timeNs = Long.MAX_VALUE;
        for (final SegmentRing ring : inbound)
        {
            final long watermarkNs = ring.watermark().timeNs();
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
        for (final SegmentRing ring : inbound)
        {
            if (!ring.isDrained())
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
        for (final SegmentRing ring : inbound)
        {
            if (!ring.isDrained())
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
        if (engine != null)
        {
            engine.shutdown();
        }
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
        levels();
        shutDown = true;
    }

    /**
     * Its queue depth and flows active (none without an engine) into their gauges: every {@link #LEVELS_CYCLES} duty
     * cycles, not every one, because the depth reads each poller's tail, a cache line the poller keeps writing.
     */
    private void levels()
    {
        cyclesToLevels = LEVELS_CYCLES;
        counters.levels(queueDepth(), engine == null ? 0 : engine.activeFlows());
    }

    private void increment(final WorkerCounter counter, final long delta)
    {
        counters.add(counter, delta);
    }
}
