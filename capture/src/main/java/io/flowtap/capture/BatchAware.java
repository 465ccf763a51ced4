package io.flowtap.capture;

/**
 * A handler that gathers work across calls (journal events into one excerpt) and wants to be told when the thread
 * that calls it has finished a batch, so that it can commit what it gathered. A poller tells its frame handlers after
 * each batch of frames read; a worker tells its TCP handlers after each batch of segments taken.
 */
@FunctionalInterface
public interface BatchAware
{
    /**
     * The batch is over: commit what was gathered. Called on the handler's thread.
     */
    void onBatchEnd();
}
