package io.flowtap.pipeline.stats;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.WriterReaderPhaser;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One thread's latency recordings, per {@link Stage}: plain histograms written without atomics, swapped out by the
 * reporting thread through a {@link WriterReaderPhaser} (the scheme of HdrHistogram's {@code SingleWriterRecorder}).
 * <p>
 * The writer brackets a batch of recordings with {@link #begin()} and {@link #end()}, so the phaser's one atomic
 * increment is paid per batch, not per value; between them each {@link #record} is an index computation and an
 * increment. A pipeline thread records a whole duty cycle's segments in one bracket.
 * <p>
 * Thread safe for one writer and one reader ({@link StageHistograms}, which drains every writer's recorder).
 */
public final class StageRecorder
{
    private static final int STAGES = Stage.values().length;

    private final WriterReaderPhaser phaser = new WriterReaderPhaser();
    private final AtomicLongArray clamped = new AtomicLongArray(STAGES);
    private volatile Histogram[] active = newHistograms();
    private Histogram[] inactive = newHistograms();
    private Histogram[] current;
    private long enterValue;

    StageRecorder()
    {
    }

    /**
     * Start a batch of recordings. Writer only.
     */
    public void begin()
    {
        enterValue = phaser.writerCriticalSectionEnter();
        current = active;
    }

    /**
     * Record one latency, between {@link #begin()} and {@link #end()}. Values below 1 ns (clocks that disagree by a
     * little) count as 1 ns; values above {@link StageHistograms#HIGHEST_TRACKABLE_NS} as that, and are counted.
     *
     * @param stage     measured.
     * @param latencyNs the latency.
     */
    public void record(final Stage stage, final long latencyNs)
    {
        current[stage.ordinal()].recordValue(clamp(stage, latencyNs));
    }

    /**
     * Record the same latency for several segments at once, between {@link #begin()} and {@link #end()}.
     *
     * @param stage     measured.
     * @param latencyNs the latency.
     * @param count     of segments.
     */
    public void record(final Stage stage, final long latencyNs, final long count)
    {
        current[stage.ordinal()].recordValueWithCount(clamp(stage, latencyNs), count);
    }

    /**
     * End the batch. Writer only.
     */
    public void end()
    {
        phaser.writerCriticalSectionExit(enterValue);
    }

    /**
     * @param stage measured.
     * @return values clamped to the highest trackable latency.
     */
    long clamped(final Stage stage)
    {
        return clamped.get(stage.ordinal());
    }

    /**
     * Move what was recorded since the last drain into the targets. Reader only.
     *
     * @param targets one histogram per stage, in {@link Stage} order.
     */
    void drainInto(final Histogram[] targets)
    {
        phaser.readerLock();
        try
        {
            final Histogram[] drained = active;
            active = inactive;
            inactive = drained;
            phaser.flipPhase();
            for (int i = 0; i < STAGES; i++)
            {
                targets[i].add(drained[i]);
                drained[i].reset();
            }
        }
        finally
        {
            phaser.readerUnlock();
        }
    }

    private long clamp(final Stage stage, final long latencyNs)
    {
        if (latencyNs < 1)
        {
            return 1;
        }
        if (latencyNs > StageHistograms.HIGHEST_TRACKABLE_NS)
        {
            clamped.incrementAndGet(stage.ordinal());
            return StageHistograms.HIGHEST_TRACKABLE_NS;
        }
        return latencyNs;
    }

    static Histogram[] newHistograms()
    {
        final Histogram[] histograms = new Histogram[STAGES];
        for (int i = 0; i < STAGES; i++)
        {
            histograms[i] = new Histogram(1, StageHistograms.HIGHEST_TRACKABLE_NS, StageHistograms.SIGNIFICANT_DIGITS);
        }
        return histograms;
    }
}
