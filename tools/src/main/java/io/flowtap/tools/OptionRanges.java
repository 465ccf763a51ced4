package io.flowtap.tools;

import io.flowtap.linux.Affinity;
import picocli.CommandLine;

import java.util.Arrays;

/**
 * Range checks for numeric options, each a one-line usage error (exit code 2) that names the option, its range and
 * the value given, before anything is allocated or opened. Every numeric option's description states its range.
 */
public final class OptionRanges
{
    private OptionRanges()
    {
    }

    /**
     * @param commandLine for the error.
     * @param option      its name, such as {@code --queue-capacity}.
     * @param value       given.
     * @param min         smallest allowed.
     * @param max         largest allowed.
     * @throws CommandLine.ParameterException when out of range.
     */
    public static void check(
        final CommandLine commandLine, final String option, final long value, final long min, final long max)
    {
        if (value < min || value > max)
        {
            throw new CommandLine.ParameterException(commandLine,
                option + " must be from " + min + " to " + max + ", not " + value);
        }
    }

    /**
     * @param commandLine for the error.
     * @param option      its name.
     * @param value       given.
     * @param min         smallest allowed (exclusive when {@code minExclusive}).
     * @param minExclusive whether {@code min} itself is refused.
     * @param max         largest allowed.
     * @throws CommandLine.ParameterException when out of range, or not a number.
     */
    public static void check(
        final CommandLine commandLine,
        final String option,
        final double value,
        final double min,
        final boolean minExclusive,
        final double max)
    {
        if (!(minExclusive ? value > min : value >= min) || !(value <= max))
        {
            throw new CommandLine.ParameterException(commandLine,
                option + " must be " + (minExclusive ? "more than " : "from ") + min + (minExclusive ? " and at most " :
                " to ") + max + ", not " + value);
        }
    }

    /**
     * @param commandLine for the error.
     * @param option      its name, such as {@code --worker-cpus}.
     * @param cpus        given, or null.
     * @throws CommandLine.ParameterException naming the first CPU this process may not run on.
     */
    public static void checkCpus(final CommandLine commandLine, final String option, final int[] cpus)
    {
        if (cpus == null)
        {
            return;
        }
        final int[] allowed = Affinity.allowedCpus();
        for (final int cpu : cpus)
        {
            if (Arrays.binarySearch(allowed, cpu) < 0)
            {
                throw new CommandLine.ParameterException(commandLine, option + ": cpu " + cpu +
                    " is not available to this process (available: " + describe(allowed) + ")");
            }
        }
    }

    private static String describe(final int[] cpus)
    {
        final StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < cpus.length)
        {
            int j = i;
            while (j + 1 < cpus.length && cpus[j + 1] == cpus[j] + 1)
            {
                j++;
            }
            out.append(out.length() == 0 ? "" : ",").append(cpus[i]);
            if (j > i)
            {
                out.append('-').append(cpus[j]);
            }
            i = j + 1;
        }
        return out.toString();
    }
}
