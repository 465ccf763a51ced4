package io.flowtap.reassembly;

/**
 * The engine's counters: plain longs written by the engine's one thread. Publishing them to other threads is the
 * pipeline's job.
 */
public final class EngineCounters
{
    private final long[] values = new long[EngineCounter.count()];

    /**
     * @param counter to add one to; {@link EngineCounter#SEGMENTS} is derived and never incremented.
     */
    public void increment(final EngineCounter counter)
    {
        values[counter.ordinal()]++;
    }

    /**
     * @param counter to add to.
     * @param amount  to add.
     */
    public void add(final EngineCounter counter, final long amount)
    {
        values[counter.ordinal()] += amount;
    }

    /**
     * @param counter to read.
     * @return its value.
     */
    public long get(final EngineCounter counter)
    {
        return counter == EngineCounter.SEGMENTS ? values[EngineCounter.TRACKED.ordinal()] + ignored() :
            values[counter.ordinal()];
    }

    /**
     * @return segments not used, over every reason.
     */
    public long ignored()
    {
        long sum = 0;
        for (int i = 0; i < values.length; i++)
        {
            if (EngineCounter.get(i).isIgnoreReason())
            {
                sum += values[i];
            }
        }
        return sum;
    }

    /**
     * Add another set of counters into this one, for totals over several engines.
     *
     * @param other counters to add.
     */
    public void add(final EngineCounters other)
    {
        for (int i = 0; i < values.length; i++)
        {
            values[i] += other.values[i];
        }
    }
}
