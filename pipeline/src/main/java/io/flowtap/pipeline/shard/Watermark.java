package io.flowtap.pipeline.shard;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A poller's promise about time: every segment it will hand off from now on has a capture time at or after this
 * value, as far as the source's clock runs forward. Workers move their engine's clock to the lowest watermark of their
 * pollers when their queues are empty, so idle flows time out exactly as they would in one engine fed the whole
 * capture, without waiting for a packet of their own.
 * <p>
 * The poller publishes it with a release store after queuing the segments it covers; a worker reads it with an
 * acquire load before it checks the queue is empty. The value sits alone on its cache line.
 * <p>
 * Thread safe: one writer (the poller), any readers.
 */
public final class Watermark
{
    /** No time known yet. */
    public static final long NONE = Long.MIN_VALUE;

    private static final int PADDED_INDEX = 8;

    private final AtomicLongArray value = new AtomicLongArray(PADDED_INDEX * 2);

    /**
     * A watermark with no time yet.
     */
    public Watermark()
    {
        value.set(PADDED_INDEX, NONE);
    }

    /**
     * @return the time, or {@link #NONE}.
     */
    public long timeNs()
    {
        return value.get(PADDED_INDEX);
    }

    /**
     * Move the watermark forward (never back). Poller only.
     *
     * @param timeNs capture time every later segment is at or after.
     */
    public void advanceTo(final long timeNs)
    {
        if (timeNs > value.get(PADDED_INDEX))
        {
            value.lazySet(PADDED_INDEX, timeNs);
        }
    }
}
