package io.flowtap.capture.counter;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Gives a holder of a stage's counters the place each of its counters is written to (cold path). The sensor's
 * allocator places them in its counters file, with the counter's scope in its label and key; the
 * {@link InMemoryCounters} one in this process's memory.
 */
public interface CounterAllocator
{
    /**
     * @param descriptor the counter.
     * @return the counter, allocated now.
     */
    AtomicCounter allocate(CounterDescriptor descriptor);

    /**
     * @return the values buffer every counter this allocates is in.
     */
    AtomicBuffer valuesBuffer();

    /**
     * Allocate every counter of a list, in order, one after another (cold path).
     *
     * @param descriptors the list, in ordinal order.
     * @return the list's values, indexed by ordinal.
     */
    default CounterValues allocate(final CounterDescriptor[] descriptors)
    {
        final AtomicCounter[] counters = new AtomicCounter[descriptors.length];
        for (int i = 0; i < descriptors.length; i++)
        {
            counters[i] = allocate(descriptors[i]);
        }
        return new CounterValues(valuesBuffer(), counters);
    }
}
