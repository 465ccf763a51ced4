package io.flowtap.capture.counter;

import org.agrona.BufferUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;

/**
 * Counters in this process's memory only, laid out as Agrona's counters values (one cache-line-padded long each):
 * for a holder outside a sensor (a command that reads one file, a test, an embedded engine) and for totals added up
 * on the cold path. Not thread safe to allocate from; each counter is then written by one thread.
 */
public final class InMemoryCounters implements CounterAllocator
{
    private final UnsafeBuffer values;
    private int next;

    /**
     * @param capacity how many counters may be allocated.
     */
    public InMemoryCounters(final int capacity)
    {
        values = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            Math.max(1, capacity) * CountersReader.COUNTER_LENGTH, CountersReader.COUNTER_LENGTH));
    }

    /**
     * Allocate a list's counters in memory of their own (cold path).
     *
     * @param descriptors the list, in ordinal order.
     * @return the list's values, indexed by ordinal.
     */
    public static CounterValues of(final CounterDescriptor[] descriptors)
    {
        return new InMemoryCounters(descriptors.length).allocate(descriptors);
    }

    @Override
    public AtomicBuffer valuesBuffer()
    {
        return values;
    }

    @Override
    public AtomicCounter allocate(final CounterDescriptor descriptor)
    {
        if (next == values.capacity() / CountersReader.COUNTER_LENGTH)
        {
            throw new IllegalStateException("no room for the counter " + descriptor.label());
        }
        return new AtomicCounter(values, next++);
    }
}
