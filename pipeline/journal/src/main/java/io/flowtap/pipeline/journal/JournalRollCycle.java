package io.flowtap.pipeline.journal;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

/**
 * How often the journal starts a new file (a cycle). Retention counts cycles, so the roll cycle is also the unit in
 * which old data is deleted. Names are what configuration files and the command line use, in lower case.
 */
public enum JournalRollCycle
{
    /** A file per second: for tests of rolling and retention, never for a sensor. */
    SECONDLY(TestRollCycles.TEST_SECONDLY),
    /** A file per five minutes. */
    FIVE_MINUTELY(RollCycles.FIVE_MINUTELY),
    /** A file per hour (Chronicle's {@code FAST_HOURLY}). */
    HOURLY(RollCycles.FAST_HOURLY),
    /** A file per day (Chronicle's {@code FAST_DAILY}). */
    DAILY(RollCycles.FAST_DAILY),
    /** A file per week. */
    WEEKLY(RollCycles.WEEKLY);

    private final RollCycle rollCycle;

    JournalRollCycle(final RollCycle rollCycle)
    {
        this.rollCycle = rollCycle;
    }

    RollCycle rollCycle()
    {
        return rollCycle;
    }

    /**
     * @return length of one cycle in milliseconds.
     */
    public long lengthMs()
    {
        return rollCycle.lengthInMillis();
    }

    /**
     * @param name of a roll cycle, in any case ({@code hourly}, {@code DAILY}).
     * @return the roll cycle.
     * @throws IllegalArgumentException naming the choices, for an unknown name.
     */
    public static JournalRollCycle parse(final String name)
    {
        for (final JournalRollCycle cycle : values())
        {
            if (cycle.name().equalsIgnoreCase(name))
            {
                return cycle;
            }
        }
        final StringBuilder choices = new StringBuilder();
        for (final JournalRollCycle cycle : values())
        {
            choices.append(choices.length() == 0 ? "" : ", ").append(cycle.name().toLowerCase());
        }
        throw new IllegalArgumentException("unknown journal roll cycle '" + name + "' (one of " + choices + ")");
    }
}
