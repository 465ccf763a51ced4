package io.flowtap.capture.counter;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CounterValuesTest
{
    private static final int CAPACITY = 8;

    private enum Sample implements CounterDescriptor
    {
        FIRST, SECOND, THIRD;

        @Override
        public String label()
        {
            return name().toLowerCase();
        }

        @Override
        public CounterUnit unit()
        {
            return CounterUnit.EVENTS;
        }
    }

    private final CountersManager manager = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(CAPACITY * CountersReader.METADATA_LENGTH)),
        new UnsafeBuffer(ByteBuffer.allocateDirect(CAPACITY * CountersReader.COUNTER_LENGTH)));

    private final CounterAllocator allocator = new CounterAllocator()
    {
        @Override
        public AtomicCounter allocate(final CounterDescriptor descriptor)
        {
            return manager.newCounter(descriptor.label());
        }

        @Override
        public AtomicBuffer valuesBuffer()
        {
            return manager.valuesBuffer();
        }
    };

    @Test
    void shouldWriteEachCounterOfTheListWhereTheCountersManagerReadsIt()
    {
        manager.newCounter("before the list");
        final CounterValues values = allocator.allocate(Sample.values());

        values.incrementPlain(Sample.FIRST.ordinal());
        values.incrementPlain(Sample.FIRST.ordinal());
        values.addPlain(Sample.SECOND.ordinal(), 40);
        values.addRelease(Sample.SECOND.ordinal(), 2);
        values.setRelease(Sample.THIRD.ordinal(), 7);

        assertEquals(2, manager.getCounterValue(1));
        assertEquals(42, manager.getCounterValue(2));
        assertEquals(7, manager.getCounterValue(3));
        assertEquals(0, manager.getCounterValue(0));
        assertEquals(42, values.get(Sample.SECOND.ordinal()));
        assertEquals(3, values.length());
    }

    @Test
    void shouldRefuseCountersThatAreNotOneAfterAnother()
    {
        final AtomicCounter first = manager.newCounter("first");
        manager.newCounter("between");
        final AtomicCounter third = manager.newCounter("third");

        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> new CounterValues(manager.valuesBuffer(), new AtomicCounter[] {first, third}));
        assertTrue(ex.getMessage().contains("one after another"), ex.getMessage());
    }

    @Test
    void shouldRefuseCountersOnTheHeapBecauseTheyAreWrittenByAddress()
    {
        final UnsafeBuffer heap = new UnsafeBuffer(new byte[CountersReader.COUNTER_LENGTH]);

        assertThrows(IllegalStateException.class,
            () -> new CounterValues(heap, new AtomicCounter[] {new AtomicCounter(heap, 0)}));
    }

    @Test
    void shouldCheckTheIndexWhenAgronaChecksBounds()
    {
        final CounterValues values = InMemoryCounters.of(Sample.values());

        assertThrows(IndexOutOfBoundsException.class, () -> values.incrementPlain(Sample.values().length));
    }
}
