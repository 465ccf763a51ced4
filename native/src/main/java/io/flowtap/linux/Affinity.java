package io.flowtap.linux;

import com.sun.jna.LastErrorException;

/**
 * Pins the calling thread to CPUs with {@code sched_setaffinity(2)}.
 */
public final class Affinity
{
    private static final int CPUS_PER_WORD = Long.SIZE;
    private static final int MAX_CPUS = 1024;

    private Affinity()
    {
    }

    /**
     * Pin the calling thread to one CPU.
     *
     * @param cpu to run on, from 0.
     * @throws LinuxException when the CPU does not exist or is not allowed to this process.
     */
    public static void pinCurrentThread(final int cpu)
    {
        if (cpu < 0 || cpu >= MAX_CPUS)
        {
            throw new LinuxException(Errno.EINVAL, "cpu " + cpu + " is out of range 0.." + (MAX_CPUS - 1));
        }
        final long[] mask = new long[MAX_CPUS / CPUS_PER_WORD];
        mask[cpu / CPUS_PER_WORD] = 1L << (cpu % CPUS_PER_WORD);
        try
        {
            // pid 0 is the calling thread.
            LibC.SETUP.sched_setaffinity(0, (long)mask.length * Long.BYTES, mask);
        }
        catch (final LastErrorException ex)
        {
            if (ex.getErrorCode() == Errno.EINVAL)
            {
                throw new LinuxException(Errno.EINVAL, "cpu " + cpu + " is not available to this process");
            }
            throw Posix.failure(ex.getErrorCode(), "sched_setaffinity to cpu " + cpu);
        }
    }
}
