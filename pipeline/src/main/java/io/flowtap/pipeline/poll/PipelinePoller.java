package io.flowtap.pipeline.poll;

import io.flowtap.pipeline.shard.Dispatcher;
import org.agrona.concurrent.Agent;

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
}
