package io.flowtap.pipeline.poll;

import io.flowtap.capture.ring.AfPacketRingSource;
import org.agrona.concurrent.IdleStrategy;

/**
 * A poller's idle strategy: when a duty cycle found nothing, wait in {@code poll(2)} for the kernel to hand over a
 * block, for at most a few milliseconds so the agent still sees a stop request promptly. Burns no CPU on an idle
 * link, and wakes as soon as the kernel retires a block.
 */
public final class RingIdleStrategy implements IdleStrategy
{
    private final AfPacketRingSource source;
    private final int waitMs;
    private final LivePoller poller;

    /**
     * Wait on a live poller's ring, and tell the poller when the socket reports an error (its interface went down
     * or away): the wait is where the kernel says so, and it says so once.
     *
     * @param poller whose ring to wait on.
     * @param waitMs longest wait per idle call.
     */
    public RingIdleStrategy(final LivePoller poller, final int waitMs)
    {
        this.source = poller.source();
        this.waitMs = waitMs;
        this.poller = poller;
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount <= 0)
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        final int result = source.awaitFrames(waitMs);
        if (result < 0)
        {
            poller.sourceFailed(-result);
        }
    }

    @Override
    public void reset()
    {
    }

    @Override
    public String alias()
    {
        return "ring-poll";
    }
}
