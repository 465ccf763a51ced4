package io.flowtap.pipeline.journal;

import java.util.Locale;

/**
 * What a journal's writers do when its file system has no room for what comes next. Either way nothing already
 * committed is touched, the journal stays readable to its last commit, and what was not journaled is counted.
 */
public enum JournalFullPolicy
{
    /**
     * Stop journaling for good and say so ({@link JournalSpace#fullReason()}): a sensor or {@code read} then stops
     * taking input, ends every open flow and exits, so that the journal's end is also the run's.
     */
    STOP,
    /**
     * Drop events while the disk is full, counting them, and try again now and then: once there is room, journaling
     * resumes with a {@code loss} event that says how many events and payload bytes are missing, and from when.
     */
    DROP;

    /**
     * @param name {@code stop} or {@code drop}, in any case.
     * @return the policy.
     * @throws IllegalArgumentException for another name.
     */
    public static JournalFullPolicy parse(final String name)
    {
        for (final JournalFullPolicy policy : values())
        {
            if (policy.name().equalsIgnoreCase(name))
            {
                return policy;
            }
        }
        throw new IllegalArgumentException("unknown journal-full policy '" + name + "' (stop or drop)");
    }

    /**
     * @return the name the command line takes.
     */
    public String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
