package io.flowtap.pipeline;

import io.flowtap.capture.test.Allocations;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real-time clock reads the system's clock, moves forward, and allocates nothing per call (where
 * {@code Instant.now()} allocates until the JIT elides it, this clock has nothing to elide).
 */
class RealTimeClockTest
{
    private static final int LOOPS = 100_000;

    @Test
    void shouldReadTheSystemClock()
    {
        final long beforeNs = Instant.now().toEpochMilli() * 1_000_000L;
        final long clockNs = RealTimeClock.INSTANCE.nanoTime();
        final long afterNs = (Instant.now().toEpochMilli() + 1) * 1_000_000L;
        assertTrue(clockNs >= beforeNs && clockNs <= afterNs, beforeNs + " <= " + clockNs + " <= " + afterNs);
    }

    @Test
    void shouldMoveForwardAndAllocateNothing()
    {
        final RealTimeClock clock = RealTimeClock.INSTANCE;
        // Warm up first: the JIT's switch to compiled code costs a few hundred bytes once (measured: 560, whatever the
        // number of calls after it), not per call.
        for (int i = 0; i < 2 * LOOPS; i++)
        {
            clock.nanoTime();
            Allocations.currentThreadBytes();
        }
        final long first = clock.nanoTime();
        long last = first;
        long backwards = 0;
        final long before = Allocations.currentThreadBytes();
        for (int i = 0; i < LOOPS; i++)
        {
            final long now = clock.nanoTime();
            if (now - last < 0)
            {
                backwards++;
            }
            last = now;
        }
        final long allocated = Allocations.currentThreadBytes() - before;
        assertEquals(0, allocated, "bytes allocated");
        assertEquals(0, backwards, "readings earlier than the one before");
        assertTrue(last - first > 0, "the clock moved");
    }
}
