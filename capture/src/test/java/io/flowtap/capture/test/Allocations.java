package io.flowtap.capture.test;

import java.lang.management.ManagementFactory;

/**
 * Bytes the current thread has allocated, for the tests that prove a hot path allocates nothing per packet.
 */
public final class Allocations
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private Allocations()
    {
    }

    /**
     * @return bytes allocated by the calling thread since it started; compare two readings around the code measured.
     */
    public static long currentThreadBytes()
    {
        return THREADS.getCurrentThreadAllocatedBytes();
    }
}
