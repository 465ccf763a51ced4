package io.flowtap.pipeline.stats;

/**
 * The stages whose latency is measured, each the time between two points a packet passes.
 */
public enum Stage
{
    /** From the kernel's capture timestamp to the poller reading the frame. */
    KERNEL_TO_POLLER("kernel-to-poller"),
    /** From the poller handing the segment on to the worker taking it. */
    POLLER_TO_WORKER("poller-to-worker"),
    /** From the worker taking the segment to the journal committing what it produced. */
    WORKER_TO_JOURNAL("worker-to-journal"),
    /** From the kernel's capture timestamp to the journal commit. */
    END_TO_END("end-to-end");

    private static final Stage[] VALUES = values();

    private final String tag;

    Stage(final String tag)
    {
        this.tag = tag;
    }

    /**
     * @return the tag of this stage's histograms in the interval log.
     */
    public String tag()
    {
        return tag;
    }

    /**
     * @param tag from a log.
     * @return the stage, or null for an unknown tag.
     */
    public static Stage fromTag(final String tag)
    {
        for (final Stage stage : VALUES)
        {
            if (stage.tag.equals(tag))
            {
                return stage;
            }
        }
        return null;
    }
}
