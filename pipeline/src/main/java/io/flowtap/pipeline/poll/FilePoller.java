package io.flowtap.pipeline.poll;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.WindowListener;
import io.flowtap.pipeline.shard.DispatchCounter;
import io.flowtap.pipeline.shard.Dispatcher;
import io.flowtap.pipeline.shard.QueueFullPolicy;

/**
 * The poller of a pipeline reading a capture file: the same hand-off as a live poller, with frames read in place in
 * the file's mapped window instead of a ring.
 * <p>
 * The window moves (one mapping per window, 1 GiB by default) and the old one is unmapped, so a hand-off cannot keep
 * pointing into it. The poller copies out, when told the window is about to move ({@link WindowListener}), every frame
 * still queued in place, with the same compare-and-set as a live poller uses for a stale ring block, then waits for
 * the frames workers are reading at that instant (one per worker at most; counted when it happens): the copy happens
 * at most once per window and touches at most the queues' capacity of frames. Pinning the window instead (not
 * moving it while hand-offs refer to it) would make the poller wait for the slowest worker's whole queue inside the
 * source's poll, or need a second mapping kept alive beside the first.
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
        final int result = dispatcher.dispatch(frame, null, -1);
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
            dispatcher.copyOut(null, -1);
            // Workers reading a frame of this window right now finish it before the window goes.
            if (dispatcher.awaitInPlaceReaders(null) > 0)
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
