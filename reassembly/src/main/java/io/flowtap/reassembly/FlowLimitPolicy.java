package io.flowtap.reassembly;

/**
 * What to do with a new flow when the flow table is full.
 */
public enum FlowLimitPolicy
{
    /** End the least recently active flow (reason {@link EndReason#EVICTED}) and track the new one. */
    EVICT_OLDEST,
    /** Do not track the new flow; its packets are counted and ignored. */
    IGNORE_NEW
}
