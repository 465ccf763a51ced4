package io.flowtap.capture.test;

import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

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

    /**
     * Step work on this thread through windows of progress, measuring what this thread allocates in each. Code that
     * allocates per unit of work allocates in every window; the JIT may allocate once, in one window, when it
     * deoptimises a method (objects it had scalar-replaced are then made on the heap), which is not the code's
     * doing. So a zero-allocation proof asks that one window allocate nothing: per-packet allocation shows in all.
     *
     * @param progress   how far the work has got (segments through the workers, say); read between steps.
     * @param step       one step of the work (one duty cycle of every agent).
     * @param windowEnds the progress at which each window ends, ascending; the first starts where progress is now.
     * @param deadlineNs on {@link System#nanoTime()}, past which a window ends whatever the progress.
     * @return the bytes allocated in each window, and the progress made over all of them.
     */
    public static Windows inWindows(
        final LongSupplier progress, final Runnable step, final long[] windowEnds, final long deadlineNs)
    {
        final long[] bytes = new long[windowEnds.length];
        final long start = progress.getAsLong();
        for (int w = 0; w < windowEnds.length; w++)
        {
            final long before = currentThreadBytes();
            while (progress.getAsLong() < windowEnds[w] && System.nanoTime() < deadlineNs)
            {
                step.run();
            }
            bytes[w] = currentThreadBytes() - before;
        }
        return new Windows(bytes, progress.getAsLong() - start);
    }

    /**
     * What {@link #inWindows} measured.
     *
     * @param bytes    allocated by the thread in each window.
     * @param progress made over all the windows.
     */
    public record Windows(long[] bytes, long progress)
    {
    }
}
