package io.flowtap.pipeline.shard;

import io.flowtap.capture.counter.CounterDescriptor;
import io.flowtap.capture.counter.CounterUnit;

/**
 * Counters a poller keeps about handing segments to workers. With the decoder's and the source's counters they
 * account for every frame: frames = TCP segments decoded + frames the decoder counted under a drop reason; segments
 * decoded = {@link #FILTERED_OUT} + {@link #SEGMENTS}; and {@link #SEGMENTS} = {@link #HANDED_OFF} +
 * {@link #DROPPED_QUEUE_FULL}.
 */
public enum DispatchCounter implements CounterDescriptor
{
    /** TCP segments the poller decoded that the capture filter, if any, matched: offered to a worker's queue. */
    SEGMENTS("segments"),
    /**
     * Segments the capture filter rejected in userspace, after decoding ({@link Dispatcher#filter}): segments the
     * kernel's program passed on whole (an IP fragment, a tunnel it does not look inside), or every segment when the
     * filter was too large for the kernel's program. Decoded, counted here, not handed off.
     */
    FILTERED_OUT("segments filtered out in userspace"),
    /** Segments handed to a worker's queue. */
    HANDED_OFF("segments handed off"),
    /** Segments dropped because their worker's queue was full ({@link QueueFullPolicy#DROP}). */
    DROPPED_QUEUE_FULL("segments dropped, queue full"),
    /** Duty cycles that took no frame because a worker's queue was full ({@link QueueFullPolicy#WAIT}). */
    QUEUE_FULL_STALLS("stalls on a full queue"),
    /** Segments copied when handed off, because their bytes were not in memory that stays put (a heap buffer). */
    COPIED_AT_HAND_OFF("segments copied at hand-off"),
    /** Segments still queued when their memory had to go (a ring block held too long, a file window moving). */
    COPIED_OUT("segments copied out"),
    /** Ring slots' copy buffers grown to take a frame larger than they were sized for. */
    COPY_BUFFERS_GROWN("copy buffers grown"),
    /** Ring blocks given back to the kernel. */
    BLOCKS_RELEASED("ring blocks released"),
    /** Ring blocks whose queued frames were copied out so that the block could be given back. */
    BLOCKS_COPIED_OUT("ring blocks copied out"),
    /** Times a capture file's mapped window moved while segments referred to it. */
    WINDOW_MOVES("file window moves"),
    /** Window moves that had to wait for a worker to finish frames of the old window it was reading in place. */
    WINDOW_MOVE_WAITS("file window moves that waited for a worker"),
    /** Frames the raw-frame tap had no room for (its journal writer fell behind), not journaled. */
    TAP_FULL("frames not tapped, tap full"),
    /** Segments of a flow another poller of the group saw first (live capture with several pollers). */
    WRONG_POLLER("flow seen on another poller"),
    /** Segments whose flow could not be checked for the right poller because the affinity table was full. */
    AFFINITY_UNCHECKED("flow affinity unchecked"),
    /**
     * Frames the kernel had counted but that were never read: still in the ring when it was closed
     * (kernel packets - kernel drops - frames - loopback copies skipped).
     */
    RING_UNREAD_AT_CLOSE("ring frames unread at close");

    private final String label;

    DispatchCounter(final String label)
    {
        this.label = label;
    }

    /**
     * @return label for counter summaries.
     */
    @Override
    public String label()
    {
        return label;
    }

    /**
     * @return what the counter counts.
     */
    @Override
    public CounterUnit unit()
    {
        return switch (this)
        {
            case QUEUE_FULL_STALLS, COPY_BUFFERS_GROWN, WINDOW_MOVES, WINDOW_MOVE_WAITS -> CounterUnit.EVENTS;
            case BLOCKS_RELEASED, BLOCKS_COPIED_OUT -> CounterUnit.BLOCKS;
            case TAP_FULL, RING_UNREAD_AT_CLOSE -> CounterUnit.FRAMES;
            case WRONG_POLLER, AFFINITY_UNCHECKED -> CounterUnit.FLOWS;
            default -> CounterUnit.SEGMENTS;
        };
    }
}
