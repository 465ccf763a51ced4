package io.flowtap.tools;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.DecodeCounters;

import java.io.PrintStream;

/**
 * Prints the decoder's counters: every frame accounted for, the reasons first, then the facts about segments.
 */
public final class CounterReport
{
    private CounterReport()
    {
    }

    /**
     * Print a counters summary, one counter a line, leaving out counters that are 0.
     *
     * @param out      to print to.
     * @param counters to print.
     */
    public static void print(final PrintStream out, final DecodeCounters counters)
    {
        out.printf("frames %d: tcp segments %d, not decoded %d%n",
            counters.get(DecodeCounter.FRAMES), counters.get(DecodeCounter.TCP_SEGMENT), counters.dropped());
        for (final DecodeCounter counter : DecodeCounter.values())
        {
            if (counter == DecodeCounter.FRAMES || counter == DecodeCounter.TCP_SEGMENT)
            {
                continue;
            }
            final long value = counters.get(counter);
            if (value != 0)
            {
                out.printf("  %-28s %d%n", counter.label(), value);
            }
        }
    }
}
