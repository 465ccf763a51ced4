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
     * @return the CPUs this process may run on ({@code sched_getaffinity(2)}), ascending; every online CPU when the
     *         kernel does not say.
     */
    public static int[] allowedCpus()
    {
        final long[] mask = new long[MAX_CPUS / CPUS_PER_WORD];
        try
        {
            LibC.SETUP.sched_getaffinity(0, (long)mask.length * Long.BYTES, mask);
        }
        catch (final LastErrorException ex)
        {
            final int[] all = new int[Runtime.getRuntime().availableProcessors()];
            for (int i = 0; i < all.length; i++)
            {
                all[i] = i;
            }
            return all;
        }
        int count = 0;
        for (final long word : mask)
        {
            count += Long.bitCount(word);
        }
        final int[] cpus = new int[count];
        int at = 0;
        for (int cpu = 0; cpu < MAX_CPUS; cpu++)
        {
            if ((mask[cpu / CPUS_PER_WORD] & (1L << (cpu % CPUS_PER_WORD))) != 0)
            {
                cpus[at++] = cpu;
            }
        }
        return cpus;
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
