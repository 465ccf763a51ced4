package io.flowtap.reassembly;

/**
 * Why the engine gave up waiting for bytes and reported a gap.
 */
public enum GapReason
{
    /** The receiver acknowledged bytes that were never captured. */
    ACKED("acked"),
    /** The flow's or the engine's buffer limit was reached and the memcap policy skips forward. */
    MEMCAP("memcap"),
    /** The flow ended (FIN, RST, timeout, eviction, shutdown) with a hole still open. */
    FLOW_END("flow_end"),
    /** A segment with urgent data was dropped by the urgent policy {@code drop}. */
    URGENT_DROPPED("urgent_dropped");

    private final String label;

    GapReason(final String label)
    {
        this.label = label;
    }

    /**
     * @return the name used in text and JSON output.
     */
    public String label()
    {
        return label;
    }
}
