package io.flowtap.reassembly;

/**
 * What to do when a flow's buffered bytes, or the engine's, reach their limit.
 */
public enum MemcapPolicy
{
    /**
     * Give up on the oldest hole of the stream: report it as a gap, deliver what was waiting behind it, and try again;
     * bytes that still do not fit are not kept (they become a gap later).
     */
    GAP_FORWARD,
    /** Stop reassembling the flow: buffered bytes are released, later payload is counted and ignored. */
    STOP_TRACKING
}
