package io.flowtap.reassembly;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequenceNumbersProperties
{
    @Property(tries = 5000)
    void shouldOrderNumbersByTheirDistanceWhereverTheyLieOnTheCircle(
        @ForAll @LongRange(max = 0xFFFF_FFFFL) final long base,
        @ForAll @IntRange(min = 1, max = Integer.MAX_VALUE) final int ahead)
    {
        final long later = SequenceNumbers.add(base, ahead);
        assertTrue(SequenceNumbers.before(base, later));
        assertTrue(SequenceNumbers.after(later, base));
        assertTrue(SequenceNumbers.beforeOrEqual(base, base));
        assertFalse(SequenceNumbers.before(later, base));
        assertEquals(ahead, SequenceNumbers.distance(base, later));
        assertEquals(-ahead, SequenceNumbers.distance(later, base));
        assertEquals(1000L + ahead, SequenceNumbers.streamOffset(later, base, 1000L));
        assertTrue(later >= 0 && later <= SequenceNumbers.MASK);
    }

    @Test
    void shouldWrapPastTwoToTheThirtyTwo()
    {
        final long nearTop = 0xFFFF_FFF0L;
        final long wrapped = SequenceNumbers.add(nearTop, 0x20);
        assertEquals(0x10, wrapped);
        assertTrue(SequenceNumbers.after(wrapped, nearTop));
        assertTrue(SequenceNumbers.inRange(0xFFFF_FFFFL, nearTop, wrapped));
        assertTrue(SequenceNumbers.inRange(0L, nearTop, wrapped));
        assertFalse(SequenceNumbers.inRange(wrapped, nearTop, wrapped));
        assertEquals(5_000_000_000L + 0x20, SequenceNumbers.streamOffset(wrapped, nearTop, 5_000_000_000L));
        assertEquals(nearTop, SequenceNumbers.add(wrapped, -0x20));
    }
}
