package io.flowtap.kafka;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShipBackoffTest
{
    private static final long SECOND_NS = TimeUnit.SECONDS.toNanos(1);

    @Test
    void shouldWaitOneSecondDoublingToThirtyThenStartAgainOnceReached()
    {
        final ShipBackoff backoff = new ShipBackoff();
        long nowNs = 1000;
        backoff.start(nowNs);
        assertTrue(backoff.due(nowNs));
        assertEquals(-1, backoff.reached(nowNs), "not waiting");

        final long firstFailureNs = nowNs;
        final long[] expected = {1, 2, 4, 8, 16, 30, 30};
        for (final long seconds : expected)
        {
            final long waitNs = backoff.failed(nowNs);
            assertEquals(seconds * SECOND_NS, waitNs);
            assertFalse(backoff.due(nowNs + waitNs - 1));
            assertTrue(backoff.due(nowNs + waitNs));
            nowNs += waitNs;
        }

        assertEquals(nowNs - firstFailureNs, backoff.reached(nowNs), "waited since the first failure");
        assertEquals(SECOND_NS, backoff.failed(nowNs), "the first interval again");
    }
}
