package io.flowtap.pipeline.poll;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Checks that the kernel's fanout sends every flow to one poller, as Suricata's wrong-thread counter does: the first
 * poller to see a flow claims it in a shared table, and a later segment of that flow on another poller is reported.
 * <p>
 * Lock-free and allocation-free: an open-addressed array of longs, each holding 48 bits of the flow's hash and the
 * claiming poller's index plus one, claimed with compare-and-set. Entries are never removed; when a short probe finds
 * no room the oldest-placed slot of the probe is overwritten, so a long run forgets old flows rather than filling
 * up. Forgetting can only miss a wrong poller (the flow is claimed again), never invent one, short of two flows
 * sharing 48 hash bits.
 * <p>
 * Thread safe: shared by the pollers of one group.
 */
public final class FlowAffinity
{
    /** {@link #check} result: this poller owns the flow. */
    public static final int OWNED = 0;
    /** {@link #check} result: another poller saw the flow first. */
    public static final int WRONG_POLLER = 1;
    /** {@link #check} result: no room to track the flow. */
    public static final int UNCHECKED = 2;

    private static final int PROBE = 8;
    private static final int POLLER_BITS = 16;
    private static final long POLLER_MASK = (1L << POLLER_BITS) - 1;

    private final AtomicLongArray slots;
    private final int mask;

    /**
     * @param capacity slots, rounded up to a power of two; a few times the number of concurrent flows.
     */
    public FlowAffinity(final int capacity)
    {
        final int size = Integer.highestOneBit(Math.max(16, capacity - 1)) << 1;
        this.slots = new AtomicLongArray(size);
        this.mask = size - 1;
    }

    /**
     * @param flowHash symmetric hash of the segment's flow.
     * @param poller   index of the poller that has the segment.
     * @return {@link #OWNED}, {@link #WRONG_POLLER} or {@link #UNCHECKED}.
     */
    public int check(final long flowHash, final int poller)
    {
        final long tag = flowHash & ~POLLER_MASK;
        final long mine = tag | (poller + 1);
        final int home = (int)(flowHash >>> 20) & mask;
        for (int i = 0; i < PROBE; i++)
        {
            final int index = (home + i) & mask;
            final long entry = slots.get(index);
            if (entry == 0)
            {
                if (slots.compareAndSet(index, 0, mine))
                {
                    return OWNED;
                }
                final long winner = slots.get(index);
                if ((winner & ~POLLER_MASK) == tag)
                {
                    return winner == mine ? OWNED : WRONG_POLLER;
                }
                continue;
            }
            if ((entry & ~POLLER_MASK) == tag)
            {
                return entry == mine ? OWNED : WRONG_POLLER;
            }
        }
        // Full probe: forget the flow at home, so recent flows stay tracked.
        slots.set(home, mine);
        return UNCHECKED;
    }
}
