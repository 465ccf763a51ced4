package io.flowtap.pipeline.poll;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.ring.RingCounter;
import io.flowtap.pipeline.shard.Dispatcher;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.IdleStrategy;

/**
 * A poller of a pipeline: an agent that reads one source and hands its TCP segments to the workers through its
 * {@link Dispatcher}. Stopping is in two steps, so that nothing read is lost: {@link #requestStop()} (the poller reads
 * what its source still has to give, then {@link #isFinished()}), and, once the workers have drained and the agent's
 * thread has stopped, {@link #closeSource()} on the closing thread.
 */
public interface PipelinePoller extends Agent
{
    /**
     * @return index of the poller, from 0.
     */
    int index();

    /**
     * @return its dispatcher: queues, counters, decoder.
     */
    Dispatcher dispatcher();

    /**
     * Stop reading the source, after what it has already captured. Any thread.
     */
    void requestStop();

    /**
     * @return whether the poller will hand off nothing more (stopped, or the end of a file). Any thread.
     */
    boolean isFinished();

    /**
     * @return whether the last duty cycle waited on the workers (a full queue, ring blocks still referred to), so an
     * idle strategy should spin or back off rather than wait for the source.
     */
    boolean isWaitingOnWorkers();

    /**
     * Give back what the source still holds and close it. Call once the workers are done and the agent's thread has
     * stopped; idempotent.
     */
    void closeSource();

    /**
     * @return whether the source is a live ring (rather than a file).
     */
    default boolean isLive()
    {
        return false;
    }

    /**
     * @return one line saying why a live source stopped on its own (its interface went down or was deleted), or
     *         null.
     */
    default String sourceFailure()
    {
        return null;
    }

    /**
     * @return the damage that ended a capture file early, or null.
     */
    default CaptureFileException damage()
    {
        return null;
    }

    /**
     * @param counter of a live ring.
     * @return its value as of the ring's last statistics read; 0 for a file.
     */
    default long ringCounter(final RingCounter counter)
    {
        return 0;
    }

    /**
     * @param waitMs      longest a wait on the source may block.
     * @param otherwise   the idle strategy of a source that cannot be waited on.
     * @return how a thread with nothing to do waits for this poller's source: in {@code poll(2)} on a live ring,
     *         else {@code otherwise}.
     */
    default IdleStrategy idleOnSource(final int waitMs, final IdleStrategy otherwise)
    {
        return otherwise;
    }
}
