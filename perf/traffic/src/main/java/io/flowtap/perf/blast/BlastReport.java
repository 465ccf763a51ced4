package io.flowtap.perf.blast;

import java.util.Locale;

/**
 * What a {@link Blaster} sent.
 *
 * @param frames        frames handed to the kernel.
 * @param bytes         their bytes.
 * @param elapsedNs     from the first frame's due time to the last flush returning.
 * @param skipped       frames left out: too long for a ring slot, or not Ethernet.
 * @param ringFull      times the next slot was still the kernel's (the blaster then waited).
 * @param backpressured flushes the device pushed back on.
 * @param flushErrors   flushes that failed otherwise.
 * @param lateFrames    frames sent more than a millisecond after their due time: the pace asked was not kept.
 */
public record BlastReport(
    long frames,
    long bytes,
    long elapsedNs,
    long skipped,
    long ringFull,
    long backpressured,
    long flushErrors,
    long lateFrames)
{
    /**
     * @return frames per second achieved.
     */
    public double pps()
    {
        return elapsedNs == 0 ? 0 : frames * 1e9 / elapsedNs;
    }

    /**
     * @return megabits per second achieved (frame bytes, without preamble and FCS).
     */
    public double mbps()
    {
        return elapsedNs == 0 ? 0 : bytes * 8e3 / elapsedNs;
    }

    /**
     * @return one line for a person.
     */
    public String describe()
    {
        return String.format(Locale.ROOT, "sent %,d frames (%,d bytes) in %.3f s: %,.0f pps, %.1f Mbit/s; " +
            "skipped %,d, ring full %,d, backpressured flushes %,d, flush errors %,d, late %,d",
            frames, bytes, elapsedNs / 1e9, pps(), mbps(), skipped, ringFull, backpressured, flushErrors,
            lateFrames);
    }

    /**
     * @return the same as {@code key=value} pairs on one line, for a parent process to read.
     */
    public String toKeyValues()
    {
        return "frames=" + frames + " bytes=" + bytes + " elapsed_ns=" + elapsedNs + " skipped=" + skipped +
            " ring_full=" + ringFull + " backpressured=" + backpressured + " flush_errors=" + flushErrors +
            " late=" + lateFrames;
    }

    /**
     * @param line written by {@link #toKeyValues()}.
     * @return the report.
     * @throws IllegalArgumentException when a field is missing.
     */
    public static BlastReport parse(final String line)
    {
        final java.util.Map<String, Long> values = new java.util.HashMap<>();
        for (final String pair : line.trim().split(" "))
        {
            final int equals = pair.indexOf('=');
            if (equals > 0)
            {
                values.put(pair.substring(0, equals), Long.parseLong(pair.substring(equals + 1)));
            }
        }
        final String[] keys = {"frames", "bytes", "elapsed_ns", "skipped", "ring_full", "backpressured",
            "flush_errors", "late"};
        for (final String key : keys)
        {
            if (!values.containsKey(key))
            {
                throw new IllegalArgumentException("no " + key + " in blast report '" + line + "'");
            }
        }
        return new BlastReport(values.get("frames"), values.get("bytes"), values.get("elapsed_ns"),
            values.get("skipped"), values.get("ring_full"), values.get("backpressured"), values.get("flush_errors"),
            values.get("late"));
    }
}
