package io.flowtap.pipeline.shard;

/**
 * What a poller does with a segment whose worker's queue is full.
 */
public enum QueueFullPolicy
{
    /**
     * Back-pressure: stop taking frames from the source until the queue has room again. Nothing is dropped in
     * flowtap; a live ring then fills and the kernel drops (and counts) what it cannot store.
     */
    WAIT,
    /** Drop the segment and count it ({@link DispatchCounter#DROPPED_QUEUE_FULL}); the source keeps flowing. */
    DROP
}
