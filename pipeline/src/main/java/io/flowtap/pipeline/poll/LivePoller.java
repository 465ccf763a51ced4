package io.flowtap.pipeline.poll;

import io.flowtap.capture.Frame;
import io.flowtap.capture.ring.AfPacketRingSource;
import io.flowtap.capture.ring.BlockFrameHandler;
import io.flowtap.capture.ring.RingCounter;
import io.flowtap.linux.Affinity;
import io.flowtap.pipeline.shard.DispatchCounter;
import io.flowtap.pipeline.shard.DispatchCounters;
import io.flowtap.pipeline.shard.Dispatcher;
import io.flowtap.pipeline.shard.QueueFullPolicy;
import io.flowtap.pipeline.shard.SegmentRing;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;

import java.util.concurrent.TimeUnit;

/**
 * A poller of a live pipeline: walks its AF_PACKET ring with {@link AfPacketRingSource#pollDeferred}, hands each TCP
 * segment to its flow's worker by reference to the frame in the ring, and gives each block back to the kernel, oldest
 * first, once the workers are done with every frame of it. Workers finish their ring records in order, so a block is
 * done when every worker's ring head has passed the position its last frame was published at: the poller notes those
 * positions when it finishes walking a block, and no frame is counted one by one.
 * <p>
 * A worker that falls behind must not freeze the ring. When the oldest block has been held longer than the hold
 * timeout and the ring is nearly full (the block {@code nearFullBlocks - 1} places after it is user-owned too), the
 * frames of that block the workers have not taken yet are copied into their ring slots' own buffers
 * ({@link SegmentRing#copyOut}), and the block goes back as soon as the frames the workers had taken are done. Copies
 * are counted.
 * <p>
 * Duty cycle: read the clock once, release finished blocks, take at most {@code pollLimit} frames (under
 * {@link QueueFullPolicy#WAIT}, no more than every ring can take), release again, copy out a stale block. Never
 * blocks and allocates nothing. When idle it moves its time watermark to the wall clock minus a lag, so the workers'
 * flows still time out on a quiet link.
 * <p>
 * Stopping: after {@link #requestStop()} the poller keeps reading until the ring has been quiet for a while (so blocks
 * the kernel retires on its timer are read too), or a deadline passes; then it is finished, and keeps releasing
 * blocks until closed.
 */
public final class LivePoller implements PipelinePoller, BlockFrameHandler
{
    /** No CPU pinning. */
    public static final int NO_CPU = -1;

    private static final long STATISTICS_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);

    private final int index;
    private final int cpu;
    private final AfPacketRingSource source;
    private final Dispatcher dispatcher;
    private final DispatchCounters counters;
    private final FlowAffinity affinity;
    private final QueueFullPolicy policy;
    private final int pollLimit;
    private final long holdTimeoutNs;
    private final int nearFullBlocks;
    private final long idleClockLagNs;
    private final long stopQuietNs;
    private final long stopTimeoutNs;
    private final NanoClock nanoClock;
    private final EpochNanoClock epochClock;
    private final int blockCount;
    /** Rings the poller fills: the workers', and the tap's. */
    private final int workers;
    private final int[] blockEnds;
    private final long[] heldSinceNs;
    private final boolean[] copiedOut;

    private long nowNs;
    private int currentBlock;
    private long stopRequestedNs = -1;
    private long lastFrameNs;
    private long nextStatisticsNs;
    private boolean sourceClosed;
    private volatile boolean stopRequested;
    private volatile boolean finished;
    private volatile boolean waitingOnWorkers;
    private volatile int sourceErrno;

    /**
     * @param index          of the poller, from 0.
     * @param cpu            to pin its thread to, or {@link #NO_CPU}.
     * @param source         its ring, from now on polled only through this poller.
     * @param dispatcher     its queues to the workers.
     * @param affinity       shared by the pollers of a fanout group to count flows split between them, or null.
     * @param policy         when a queue is full.
     * @param pollLimit      most frames per duty cycle.
     * @param holdTimeoutNs  how long the oldest block may be held before its queued frames are copied out.
     * @param nearFullBlocks blocks that must be user-owned, from the oldest held on, before copying out.
     * @param idleClockLagNs how far behind the wall clock an idle poller's watermark is; 0 to never move it idle.
     * @param stopQuietNs    how long the ring must stay quiet after a stop request before the poller finishes.
     * @param stopTimeoutNs  how long after a stop request it finishes regardless.
     * @param nanoClock      for hold times and stopping.
     * @param epochClock     for the idle watermark (the kernel stamps frames with the real-time clock).
     */
    public LivePoller(
        final int index,
        final int cpu,
        final AfPacketRingSource source,
        final Dispatcher dispatcher,
        final FlowAffinity affinity,
        final QueueFullPolicy policy,
        final int pollLimit,
        final long holdTimeoutNs,
        final int nearFullBlocks,
        final long idleClockLagNs,
        final long stopQuietNs,
        final long stopTimeoutNs,
        final NanoClock nanoClock,
        final EpochNanoClock epochClock)
    {
        this.index = index;
        this.cpu = cpu;
        this.source = source;
        this.dispatcher = dispatcher;
        this.counters = dispatcher.counters();
        this.affinity = affinity;
        this.policy = policy;
        this.pollLimit = pollLimit;
        this.holdTimeoutNs = holdTimeoutNs;
        this.blockCount = source.geometry().blockCount();
        this.nearFullBlocks = Math.max(1, Math.min(nearFullBlocks, blockCount));
        this.idleClockLagNs = idleClockLagNs;
        this.stopQuietNs = stopQuietNs;
        this.stopTimeoutNs = stopTimeoutNs;
        this.nanoClock = nanoClock;
        this.epochClock = epochClock;
        this.workers = dispatcher.ringCount();
        this.blockEnds = new int[blockCount * workers];
        this.heldSinceNs = new long[blockCount];
        this.copiedOut = new boolean[blockCount];
    }

    @Override
    public void onStart()
    {
        if (cpu != NO_CPU)
        {
            Affinity.pinCurrentThread(cpu);
        }
        nextStatisticsNs = nanoClock.nanoTime() + STATISTICS_INTERVAL_NS;
    }

    @Override
    public int doWork()
    {
        nowNs = nanoClock.nanoTime();
        int work = releaseFinishedBlocks();
        int limit = pollLimit;
        if (!finished)
        {
            if (stopRequested && stopRequestedNs < 0)
            {
                stopRequestedNs = nowNs;
                lastFrameNs = nowNs;
            }
            if (policy == QueueFullPolicy.WAIT)
            {
                limit = dispatcher.freeSlots(pollLimit);
                if (limit == 0)
                {
                    counters.increment(DispatchCounter.QUEUE_FULL_STALLS);
                }
            }
            int frames = 0;
            if (limit > 0)
            {
                dispatcher.beginCycle(dispatcher.measuresLatency() ? epochClock.nanoTime() : Dispatcher.NOT_LIVE);
                try
                {
                    frames = source.pollDeferred(this, limit);
                }
                finally
                {
                    dispatcher.endCycle();
                }
            }
            if (frames > 0)
            {
                lastFrameNs = nowNs;
                dispatcher.publishWatermark();
                work += frames;
                work += releaseFinishedBlocks();
            }
            else if (limit > 0 && idleClockLagNs > 0)
            {
                dispatcher.advanceWatermark(epochClock.nanoTime() - idleClockLagNs);
            }
            if (stopRequestedNs >= 0 &&
                (nowNs - lastFrameNs >= stopQuietNs || nowNs - stopRequestedNs >= stopTimeoutNs))
            {
                finish();
            }
        }
        work += copyOutStaleBlock();
        if (nowNs >= nextStatisticsNs)
        {
            nextStatisticsNs = nowNs + STATISTICS_INTERVAL_NS;
            source.readKernelStatistics();
            checkSource();
        }
        if (sourceErrno != 0 && !finished)
        {
            // The interface went down or away: the ring gets nothing more; what it holds was read above.
            finish();
        }
        waitingOnWorkers = limit == 0 || source.heldBlocks() > 0;
        return work;
    }

    @Override
    public void onBlockStart(final int blockIndex)
    {
        currentBlock = blockIndex;
        heldSinceNs[blockIndex] = nowNs;
        copiedOut[blockIndex] = false;
    }

    @Override
    public void onFrame(final Frame frame)
    {
        final int result = dispatcher.dispatch(frame);
        if (result != Dispatcher.NOT_A_SEGMENT && result != Dispatcher.FILTERED_OUT && affinity != null)
        {
            final int verdict = affinity.check(dispatcher.lastFlowHash(), index);
            if (verdict == FlowAffinity.WRONG_POLLER)
            {
                counters.increment(DispatchCounter.WRONG_POLLER);
            }
            else if (verdict == FlowAffinity.UNCHECKED)
            {
                counters.increment(DispatchCounter.AFFINITY_UNCHECKED);
            }
        }
    }

    @Override
    public void onBlockEnd(final int blockIndex)
    {
        // Every frame of the block is in the rings below their tails now: the block is done when the heads get there.
        final int base = blockIndex * workers;
        for (int w = 0; w < workers; w++)
        {
            blockEnds[base + w] = dispatcher.anyRing(w).tail();
        }
    }

    /**
     * The socket reported an error while waiting (its interface went down or was deleted): the poller finishes on
     * its next duty cycle, as plain capture stops. Any thread.
     *
     * @param errno positive, such as ENETDOWN.
     */
    public void sourceFailed(final int errno)
    {
        if (sourceErrno == 0 && errno > 0)
        {
            sourceErrno = errno;
        }
    }

    @Override
    public boolean isLive()
    {
        return true;
    }

    @Override
    public String sourceFailure()
    {
        final int errno = sourceErrno();
        if (errno == 0)
        {
            return null;
        }
        return errno == io.flowtap.linux.Errno.ENETDOWN ? "interface " + source().name() + " went down" :
            "waiting for frames on " + source().name() + " failed: " + io.flowtap.linux.Errno.name(errno);
    }

    @Override
    public IdleStrategy idleOnSource(final int waitMs, final IdleStrategy otherwise)
    {
        // Through the poller, so that a wait the kernel fails (the interface went down or away) ends the poller.
        return new RingIdleStrategy(this, waitMs);
    }

    /**
     * @return the error that ended the source (ENETDOWN when the interface went down or away), or 0.
     */
    public int sourceErrno()
    {
        return sourceErrno;
    }

    @Override
    public String roleName()
    {
        return "flowtap-poller-" + index;
    }

    @Override
    public int index()
    {
        return index;
    }

    @Override
    public Dispatcher dispatcher()
    {
        return dispatcher;
    }

    @Override
    public void requestStop()
    {
        stopRequested = true;
    }

    @Override
    public boolean isFinished()
    {
        return finished;
    }

    @Override
    public boolean isWaitingOnWorkers()
    {
        return waitingOnWorkers;
    }

    /**
     * @return its ring; poll it only through this poller.
     */
    public AfPacketRingSource source()
    {
        return source;
    }

    /**
     * @return the CPU it is pinned to, or {@link #NO_CPU}.
     */
    public int cpu()
    {
        return cpu;
    }

    /**
     * @param counter of the ring.
     * @return its value, from any thread; the kernel's as of the last statistics read (every second, at the finish
     * and at close).
     */
    @Override
    public long ringCounter(final RingCounter counter)
    {
        return source.counter(counter);
    }

    @Override
    public void closeSource()
    {
        if (sourceClosed)
        {
            return;
        }
        sourceClosed = true;
        releaseFinishedBlocks();
        source.close();
        final long unread = source.counter(RingCounter.KERNEL_PACKETS) - source.counter(RingCounter.KERNEL_DROPS) -
            source.counter(RingCounter.FRAMES) - source.counter(RingCounter.LOOPBACK_OUTGOING_SKIPPED);
        if (unread > 0)
        {
            counters.add(DispatchCounter.RING_UNREAD_AT_CLOSE, unread);
        }
    }

    /**
     * Once a second, whatever the threading mode: a zero-timeout wait on the ring reports a socket error the idle
     * strategy did not (it reads and clears the error only when it waits).
     */
    private void checkSource()
    {
        if (sourceErrno == 0 && !finished)
        {
            final int result = source.awaitFrames(0);
            if (result < 0)
            {
                sourceFailed(-result);
            }
        }
    }

    private int releaseFinishedBlocks()
    {
        int released = 0;
        while (source.heldBlocks() > 0)
        {
            final int oldest = source.oldestHeldBlock();
            if (!source.isBlockDelivered(oldest) || !isBlockDone(oldest))
            {
                break;
            }
            source.releaseDeferredBlock(oldest);
            released++;
        }
        if (released > 0)
        {
            counters.add(DispatchCounter.BLOCKS_RELEASED, released);
        }
        return released;
    }

    private int copyOutStaleBlock()
    {
        if (source.heldBlocks() == 0)
        {
            return 0;
        }
        final int oldest = source.oldestHeldBlock();
        if (copiedOut[oldest] || !source.isBlockDelivered(oldest) || nowNs - heldSinceNs[oldest] < holdTimeoutNs ||
            !isRingNearlyFull(oldest))
        {
            return 0;
        }
        copiedOut[oldest] = true;
        final int base = oldest * workers;
        for (int w = 0; w < workers; w++)
        {
            final int end = blockEnds[base + w];
            final int mustFinish = dispatcher.copyOut(w, end);
            // Only the frames the worker had taken before the copy are still read in the block.
            blockEnds[base + w] = mustFinish - end < 0 ? mustFinish : end;
        }
        counters.increment(DispatchCounter.BLOCKS_COPIED_OUT);
        return 1 + releaseFinishedBlocks();
    }

    private boolean isBlockDone(final int block)
    {
        final int base = block * workers;
        for (int w = 0; w < workers; w++)
        {
            final SegmentRing ring = dispatcher.anyRing(w);
            if (ring.head() - blockEnds[base + w] < 0)
            {
                return false;
            }
        }
        return true;
    }

    private boolean isRingNearlyFull(final int oldest)
    {
        return nearFullBlocks <= 1 || source.isUserOwned((oldest + nearFullBlocks - 1) % blockCount);
    }

    private void finish()
    {
        source.readKernelStatistics();
        dispatcher.publishWatermark();
        finished = true;
    }
}
