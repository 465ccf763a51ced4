package io.flowtap.pipeline.poll;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.WindowListener;
import io.flowtap.pipeline.shard.DispatchCounter;
import io.flowtap.pipeline.shard.Dispatcher;
import io.flowtap.pipeline.shard.QueueFullPolicy;
import io.flowtap.pipeline.shard.SegmentRing;

/**
 * The poller of a pipeline reading a capture file: the same hand-off as a live poller, with frames read in place in
 * the file's mapped window instead of a ring.
 * <p>
 * The window moves (one mapping per window, 1 GiB by default) and the old one is unmapped, so a ring record cannot
 * keep pointing into it. When told the window is about to move ({@link WindowListener}), the poller copies out every
 * record the workers have not taken yet ({@link SegmentRing#copyOut}) and waits for the records they have taken to be
 * finished: at most one batch per worker, once per window (counted when it waits). Pinning the window instead would
 * make the poller wait for the slowest worker's whole ring inside the source's poll, or need a second mapping kept
 * alive beside the first.
 * <p>
 * A damaged file ends the input: every frame before the damage is handed off, {@link #damage()} says what and where.
 */
public final class FilePoller implements PipelinePoller, FrameHandler, WindowListener
{
    private final int index;
    private final CaptureFileSource source;
    private final Dispatcher dispatcher;
    private final QueueFullPolicy policy;
    private final int pollLimit;
    private long handedOffInWindow;
    private boolean sourceClosed;
    private volatile long position;
    private volatile CaptureFileException damage;
    private volatile boolean stopRequested;
    private volatile boolean finished;
    private volatile boolean waitingOnWorkers;

    /**
     * @param index      of the poller, from 0.
     * @param source     the capture file, from now on polled only through this poller.
     * @param dispatcher its queues to the workers.
     * @param policy     when a queue is full.
     * @param pollLimit  most frames per duty cycle.
     */
    public FilePoller(
        final int index,
        final CaptureFileSource source,
        final Dispatcher dispatcher,
        final QueueFullPolicy policy,
        final int pollLimit)
    {
        this.index = index;
        this.source = source;
        this.dispatcher = dispatcher;
        this.policy = policy;
        this.pollLimit = pollLimit;
        source.windowListener(this);
    }

    @Override
    public int doWork()
    {
        if (finished)
        {
            return 0;
        }
        if (stopRequested)
        {
            finish();
            return 0;
        }
        int limit = pollLimit;
        if (policy == QueueFullPolicy.WAIT)
        {
            limit = dispatcher.freeSlots(pollLimit);
            if (limit == 0)
            {
                dispatcher.counters().increment(DispatchCounter.QUEUE_FULL_STALLS);
                waitingOnWorkers = true;
                return 0;
            }
        }
        waitingOnWorkers = false;
        int frames = 0;
        dispatcher.beginCycle(Dispatcher.NOT_LIVE);
        try
        {
            frames = source.poll(this, limit);
        }
        catch (final CaptureFileException ex)
        {
            damage = ex;
            finish();
            return 1;
        }
        finally
        {
            dispatcher.endCycle();
        }
        position = source.position();
        if (frames > 0)
        {
            dispatcher.publishWatermark();
        }
        if (source.isEndOfStream())
        {
            finish();
        }
        return frames;
    }

    @Override
    public void onFrame(final Frame frame)
    {
        final int result = dispatcher.dispatch(frame);
        if (result == Dispatcher.IN_PLACE)
        {
            handedOffInWindow++;
        }
    }

    @Override
    public void onWindowMoving()
    {
        if (handedOffInWindow > 0)
        {
            handedOffInWindow = 0;
            dispatcher.counters().increment(DispatchCounter.WINDOW_MOVES);
            boolean waited = false;
            for (int w = 0; w < dispatcher.ringCount(); w++)
            {
                final SegmentRing ring = dispatcher.anyRing(w);
                final int mustFinish = dispatcher.copyOut(w, ring.tail());
                // The worker finishes the frames of the old window it took before the copy; then the window goes.
                while (ring.head() - mustFinish < 0)
                {
                    waited = true;
                    Thread.onSpinWait();
                }
            }
            if (waited)
            {
                dispatcher.counters().increment(DispatchCounter.WINDOW_MOVE_WAITS);
            }
        }
    }

    @Override
    public String roleName()
    {
        return "flowtap-file-poller-" + index;
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
     * @return bytes of the file read so far, from any thread (for progress).
     */
    public long position()
    {
        return position;
    }

    /**
     * @return bytes in the file.
     */
    public long size()
    {
        return source.size();
    }

    /**
     * @return the damage that ended the file early, or null.
     */
    @Override
    public CaptureFileException damage()
    {
        return damage;
    }

    /**
     * @return the file, for its name and link type; poll it only through this poller.
     */
    public CaptureFileSource source()
    {
        return source;
    }

    @Override
    public void closeSource()
    {
        if (!sourceClosed)
        {
            sourceClosed = true;
            source.close();
        }
    }

    private void finish()
    {
        dispatcher.publishWatermark();
        finished = true;
    }
}
