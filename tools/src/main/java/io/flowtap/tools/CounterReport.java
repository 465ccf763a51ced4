package io.flowtap.tools;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.DecodeCounters;
import io.flowtap.capture.counter.CounterDescriptor;
import io.flowtap.capture.ring.AfPacketRingSource;
import io.flowtap.capture.ring.RingCounter;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.EngineCounters;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Set;
import java.util.function.ToLongFunction;

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
        printNonZero(out, DecodeCounter.values(), Set.of(DecodeCounter.FRAMES, DecodeCounter.TCP_SEGMENT),
            counters::get);
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
        printNonZero(out, RingCounter.values(), Set.of(RingCounter.FRAMES, RingCounter.KERNEL_PACKETS,
            RingCounter.KERNEL_DROPS, RingCounter.KERNEL_FREEZES), ring::counter);
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
        printNonZero(out, EngineCounter.values(), Set.of(EngineCounter.SEGMENTS, EngineCounter.TRACKED),
            counters::get);
    }

    /**
     * Every counter of a list but those already shown in the summary line, one a line, leaving out those that are 0.
     */
    private static <C extends CounterDescriptor> void printNonZero(
        final PrintStream out, final C[] counters, final Set<C> shown, final ToLongFunction<C> values)
    {
        for (final C counter : counters)
        {
            final long value = shown.contains(counter) ? 0 : values.applyAsLong(counter);
            if (value != 0)
            {
                out.printf("  %-28s %d%n", counter.label(), value);
            }
        }
    }
}
