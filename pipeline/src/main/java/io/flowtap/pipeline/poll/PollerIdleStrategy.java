package io.flowtap.pipeline.poll;

import org.agrona.concurrent.IdleStrategy;

/**
 * A pipeline poller's idle strategy: when the poller is waiting on its workers (a full queue, ring blocks they still
 * read) it backs off briefly, so that blocks go back to the kernel soon after the workers are done; otherwise it waits
 * on the source ({@link RingIdleStrategy}'s {@code poll(2)} for a ring), burning no CPU on an idle link.
 */
public final class PollerIdleStrategy implements IdleStrategy
{
    private final PipelinePoller poller;
    private final IdleStrategy onWorkers;
    private final IdleStrategy onSource;

    /**
     * @param poller    whose state decides.
     * @param onWorkers while it waits on workers: short, such as a backoff.
     * @param onSource  while it waits on its source.
     */
    public PollerIdleStrategy(final PipelinePoller poller, final IdleStrategy onWorkers, final IdleStrategy onSource)
    {
        this.poller = poller;
        this.onWorkers = onWorkers;
        this.onSource = onSource;
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        if (poller.isWaitingOnWorkers())
        {
            onWorkers.idle();
        }
        else
        {
            onWorkers.reset();
            onSource.idle();
        }
    }

    @Override
    public void reset()
    {
        onWorkers.reset();
        onSource.reset();
    }

    @Override
    public String alias()
    {
        return "poller";
    }
}
