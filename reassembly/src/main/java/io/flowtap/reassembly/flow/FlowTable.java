package io.flowtap.reassembly.flow;

import java.util.Arrays;

/**
 * A bounded table of flows, pre-sized at construction and allocation-free afterwards: open addressing with linear
 * probing over primitive arrays, and backward-shift deletion so that no tombstones pile up under churn.
 * <p>
 * Each flow gets a dense id in {@code [0, maxFlows)}, which callers use to index their own per-flow state arrays
 * (no map lookup per packet beyond the one here). When the table holds {@code maxFlows} flows, {@link #insert}
 * returns {@link #FULL} and the caller applies its policy (evict, or count and ignore).
 * <p>
 * Not thread safe: a table belongs to one reassembly worker.
 */
public final class FlowTable
{
    /** Returned by {@link #find} for an unknown flow. */
    public static final int NOT_FOUND = -1;
    /** Returned by {@link #insert} when the table holds as many flows as it may. */
    public static final int FULL = -2;

    private static final int EMPTY = -1;

    private final int maxFlows;
    private final int mask;
    private final int[] slotFlowIds;
    private final int[] slotHashes;
    private final long[] flowKeys;
    private final int[] flowSlots;
    private final int[] freeFlowIds;
    private int freeCount;
    private int size;

    /**
     * @param maxFlows the most flows the table holds at once; slots are twice that, rounded up to a power of two,
     *                 so probes stay short.
     */
    public FlowTable(final int maxFlows)
    {
        if (maxFlows < 1 || maxFlows > (1 << 29))
        {
            throw new IllegalArgumentException("maxFlows must be between 1 and 2^29: " + maxFlows);
        }
        this.maxFlows = maxFlows;
        final int slots = Integer.highestOneBit(maxFlows * 2 - 1) << 1;
        this.mask = slots - 1;
        this.slotFlowIds = new int[slots];
        this.slotHashes = new int[slots];
        this.flowKeys = new long[maxFlows * FlowKey.WORDS];
        this.flowSlots = new int[maxFlows];
        this.freeFlowIds = new int[maxFlows];
        Arrays.fill(slotFlowIds, EMPTY);
        for (int i = 0; i < maxFlows; i++)
        {
            // Hand out low ids first, so per-flow arrays are used from the front.
            freeFlowIds[i] = maxFlows - 1 - i;
        }
        freeCount = maxFlows;
    }

    /**
     * @param key of the flow.
     * @return its id, or {@link #NOT_FOUND}.
     */
    public int find(final FlowKey key)
    {
        return find(key, key.tableHash());
    }

    /**
     * Look a key up by a hash computed before (the pipeline's poller hashes each segment once).
     *
     * @param key  of the flow.
     * @param hash {@link FlowKey#tableHash()} of the key.
     * @return the flow's id, or {@link #NOT_FOUND}.
     */
    public int find(final FlowKey key, final int hash)
    {
        for (int slot = hash & mask; ; slot = (slot + 1) & mask)
        {
            final int flowId = slotFlowIds[slot];
            if (flowId == EMPTY)
            {
                return NOT_FOUND;
            }
            if (slotHashes[slot] == hash && keyEquals(flowId, key))
            {
                return flowId;
            }
        }
    }

    /**
     * Add a flow that {@link #find} did not find.
     *
     * @param key of the new flow.
     * @return its id, or {@link #FULL}.
     */
    public int insert(final FlowKey key)
    {
        return insert(key, key.tableHash());
    }

    /**
     * Add a key hashed before.
     *
     * @param key  of the flow; must not be in the table.
     * @param hash {@link FlowKey#tableHash()} of the key.
     * @return the new flow's id, or {@link #FULL}.
     */
    public int insert(final FlowKey key, final int hash)
    {
        if (freeCount == 0)
        {
            return FULL;
        }
        int slot = hash & mask;
        while (slotFlowIds[slot] != EMPTY)
        {
            slot = (slot + 1) & mask;
        }
        final int flowId = freeFlowIds[--freeCount];
        slotFlowIds[slot] = flowId;
        slotHashes[slot] = hash;
        flowSlots[flowId] = slot;
        final int base = flowId * FlowKey.WORDS;
        for (int i = 0; i < FlowKey.WORDS; i++)
        {
            flowKeys[base + i] = key.word(i);
        }
        size++;
        return flowId;
    }

    /**
     * Remove a flow; its id may be handed out again by a later {@link #insert}.
     *
     * @param flowId of a flow in the table.
     */
    public void remove(final int flowId)
    {
        int hole = flowSlots[flowId];
        if (slotFlowIds[hole] != flowId)
        {
            throw new IllegalStateException("flow " + flowId + " is not in the table");
        }
        slotFlowIds[hole] = EMPTY;
        freeFlowIds[freeCount++] = flowId;
        size--;

        // Backward shift: pull later entries of the probe run into the hole when that keeps them reachable.
        for (int slot = (hole + 1) & mask; slotFlowIds[slot] != EMPTY; slot = (slot + 1) & mask)
        {
            final int home = slotHashes[slot] & mask;
            final boolean holeOnPath = ((slot - home) & mask) >= ((slot - hole) & mask);
            if (holeOnPath)
            {
                final int moved = slotFlowIds[slot];
                slotFlowIds[hole] = moved;
                slotHashes[hole] = slotHashes[slot];
                flowSlots[moved] = hole;
                slotFlowIds[slot] = EMPTY;
                hole = slot;
            }
        }
    }

    /**
     * @return flows in the table.
     */
    public int size()
    {
        return size;
    }

    /**
     * @return the most flows the table holds.
     */
    public int maxFlows()
    {
        return maxFlows;
    }

    /**
     * @param flowId of a flow in the table.
     * @param index  of a key word, below {@link FlowKey#WORDS}.
     * @return that word of the flow's key.
     */
    public long keyWord(final int flowId, final int index)
    {
        return flowKeys[flowId * FlowKey.WORDS + index];
    }

    private boolean keyEquals(final int flowId, final FlowKey key)
    {
        final int base = flowId * FlowKey.WORDS;
        for (int i = 0; i < FlowKey.WORDS; i++)
        {
            if (flowKeys[base + i] != key.word(i))
            {
                return false;
            }
        }
        return true;
    }
}
