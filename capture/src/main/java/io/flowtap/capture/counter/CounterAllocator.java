package io.flowtap.capture.counter;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * Gives a holder of a stage's counters the {@link AtomicCounter} each of its counters is written to (cold path). The
 * sensor's allocator places them in its counters file, with the counter's scope in its label and key; the
 * {@link InMemoryCounters} one in this process's memory.
 */
@FunctionalInterface
public interface CounterAllocator
{
    /**
     * @param descriptor the counter.
     * @return where it is written, by one thread, with ordered stores.
     */
    AtomicCounter allocate(CounterDescriptor descriptor);

    /**
     * Allocate every counter of a list, in order (cold path).
     *
     * @param descriptors the list, in ordinal order.
     * @return one counter per descriptor, indexed by ordinal.
     */
    default AtomicCounter[] allocate(final CounterDescriptor[] descriptors)
    {
        final AtomicCounter[] counters = new AtomicCounter[descriptors.length];
        for (int i = 0; i < descriptors.length; i++)
        {
            counters[i] = allocate(descriptors[i]);
        }
        return counters;
    }
}
