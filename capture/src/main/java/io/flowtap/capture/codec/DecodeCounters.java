package io.flowtap.capture.codec;

import java.util.Arrays;

/**
 * The decoder's counters: plain longs written by the one thread that decodes. Publishing them to other threads
 * (an Agrona counters file) is the pipeline's job.
 */
public final class DecodeCounters
{
    private final long[] values = new long[DecodeCounter.count()];

    /**
     * @param counter to add one to; {@link DecodeCounter#FRAMES} is derived and never incremented.
     */
    public void increment(final DecodeCounter counter)
    {
        values[counter.ordinal()]++;
    }

    /**
     * @param counter to add to; not {@link DecodeCounter#FRAMES}.
     * @param delta   to add.
     */
    public void add(final DecodeCounter counter, final long delta)
    {
        values[counter.ordinal()] += delta;
    }

    /**
     * @param counter to read.
     * @return its value.
     */
    public long get(final DecodeCounter counter)
    {
        // Every frame lands in exactly one outcome, so the frame count is their sum rather than one more store
        // per frame.
        return counter == DecodeCounter.FRAMES ? values[DecodeCounter.TCP_SEGMENT.ordinal()] + dropped() :
            values[counter.ordinal()];
    }

    /**
     * @return the sum of every drop reason: frames not decoded as TCP.
     */
    public long dropped()
    {
        long sum = 0;
        for (int i = 0; i < values.length; i++)
        {
            if (DecodeCounter.get(i).isDropReason())
            {
                sum += values[i];
            }
        }
        return sum;
    }

    /**
     * Add another set of counters into this one, for totals over several decoders.
     *
     * @param other counters to add.
     */
    public void add(final DecodeCounters other)
    {
        for (int i = 0; i < values.length; i++)
        {
            values[i] += other.values[i];
        }
    }

    /**
     * Set every counter back to 0.
     */
    public void reset()
    {
        Arrays.fill(values, 0);
    }
}
