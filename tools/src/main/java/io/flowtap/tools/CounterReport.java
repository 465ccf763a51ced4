package io.flowtap.tools;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.DecodeCounters;
import io.flowtap.capture.ring.AfPacketRingSource;
import io.flowtap.capture.ring.RingCounter;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.EngineCounters;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * Prints the decoder's counters: every frame accounted for, the reasons first, then the facts about segments; a
 * live ring's counters, the kernel's packets, drops and freezes always shown, because a 0 there is the news; and the
 * reassembly engine's, every segment it was given either tracked or ignored for a named reason.
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

    /**
     * Print a ring's counters: one line with the frames delivered and the kernel's statistics (as of the ring's last
     * {@link AfPacketRingSource#readKernelStatistics()}), then every other counter that is not 0, one a line.
     *
     * @param out  to print to.
     * @param ring whose counters to print; read from the thread that polls it.
     */
    public static void print(final PrintStream out, final AfPacketRingSource ring)
    {
        out.printf("ring frames %d: %s %d, %s %d, %s %d%n",
            ring.counter(RingCounter.FRAMES),
            RingCounter.KERNEL_PACKETS.label(), ring.counter(RingCounter.KERNEL_PACKETS),
            RingCounter.KERNEL_DROPS.label(), ring.counter(RingCounter.KERNEL_DROPS),
            RingCounter.KERNEL_FREEZES.label(), ring.counter(RingCounter.KERNEL_FREEZES));
        for (final RingCounter counter : RingCounter.values())
        {
            if (counter == RingCounter.FRAMES || counter == RingCounter.KERNEL_PACKETS ||
                counter == RingCounter.KERNEL_DROPS || counter == RingCounter.KERNEL_FREEZES)
            {
                continue;
            }
            final long value = ring.counter(counter);
            if (value != 0)
            {
                out.printf("  %-28s %d%n", counter.label(), value);
            }
        }
    }

    /**
     * Print the reassembly engine's counters: one line with the segments it was given, how many it tracked and how
     * many it ignored, then every other counter that is not 0, one a line (the reasons for ignoring first, in the
     * engine's order).
     *
     * @param out      to print to.
     * @param counters to print.
     */
    public static void print(final PrintWriter out, final EngineCounters counters)
    {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (PrintStream stream = new PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8))
        {
            print(stream, counters);
        }
        out.print(bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Print the reassembly engine's counters, as {@link #print(PrintWriter, EngineCounters)} does.
     *
     * @param out      to print to.
     * @param counters of one engine, or of several added up.
     */
    public static void print(final PrintStream out, final EngineCounters counters)
    {
        out.printf("segments %d: tracked %d, ignored %d%n",
            counters.get(EngineCounter.SEGMENTS), counters.get(EngineCounter.TRACKED), counters.ignored());
        for (final EngineCounter counter : EngineCounter.values())
        {
            if (counter == EngineCounter.SEGMENTS || counter == EngineCounter.TRACKED)
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
