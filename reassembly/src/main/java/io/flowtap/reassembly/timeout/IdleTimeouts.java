package io.flowtap.reassembly.timeout;

/**
 * When flows go idle: the engine's clock, each flow's last activity, and one least-recently-active list per
 * connection state, each with its own idle timeout. The engine tells it what happened to a flow (started, active,
 * changed state, ended) and asks it which flow has expired, which to evict, and which is left at shutdown; it never
 * scans the flows. Finding the flows to expire is a look at the list tails, since each list is in order of activity.
 * <p>
 * Flows are named by their flow-table slot. The clock is packet time: it moves only forward, to the latest time it
 * was given.
 * <p>
 * Not thread safe: owned by its engine.
 */
public final class IdleTimeouts
{
    /** No flow. */
    public static final int NONE = ActivityLists.NONE;

    private static final long NO_TIME = Long.MIN_VALUE;

    private final ActivityLists activity;
    private final long[] timeoutsNs;
    private final long[] lastNs;
    private long clockNs = NO_TIME;

    /**
     * @param slots      flow-table slots.
     * @param timeoutsNs idle timeout of each state, indexed by state: as many lists as states.
     */
    public IdleTimeouts(final int slots, final long... timeoutsNs)
    {
        this.activity = new ActivityLists(slots, timeoutsNs.length);
        this.timeoutsNs = timeoutsNs.clone();
        this.lastNs = new long[slots];
    }

    /**
     * Move the clock to {@code timeNs} if that is later.
     *
     * @param timeNs a packet's time, or the current time on the packets' clock.
     * @return whether the clock moved (the first time given always moves it).
     */
    public boolean advance(final long timeNs)
    {
        if (clockNs == NO_TIME || timeNs > clockNs)
        {
            clockNs = timeNs;
            return true;
        }
        return false;
    }

    /**
     * A flow starts in a state, active at {@code timeNs}.
     *
     * @param slot   its slot.
     * @param state  its state, the list it joins.
     * @param timeNs its first packet's time.
     */
    public void start(final int slot, final int state, final long timeNs)
    {
        lastNs[slot] = timeNs;
        activity.link(slot, state);
    }

    /**
     * A flow had a packet: it goes to the head of its list.
     *
     * @param slot   its slot.
     * @param timeNs the packet's time (an earlier time than its last leaves its last activity as it was).
     */
    public void touch(final int slot, final long timeNs)
    {
        lastNs[slot] = Math.max(lastNs[slot], timeNs);
        activity.touch(slot);
    }

    /**
     * @param slot a flow's slot.
     * @return the list (state) it is on, or {@link #NONE}.
     */
    public int stateOf(final int slot)
    {
        return activity.listOf(slot);
    }

    /**
     * A flow changed state: it moves to the head of that state's list.
     *
     * @param slot  its slot.
     * @param state its new state.
     */
    public void moveTo(final int slot, final int state)
    {
        activity.moveTo(slot, state);
    }

    /**
     * A flow ended: it leaves its list.
     *
     * @param slot its slot.
     */
    public void remove(final int slot)
    {
        activity.unlink(slot);
    }

    /**
     * @param slot a flow's slot.
     * @return the time its flow ends at when it ends now: the clock, or its last packet when that is later.
     */
    public long endTimeNs(final int slot)
    {
        return clockNs == NO_TIME ? lastNs[slot] : Math.max(clockNs, lastNs[slot]);
    }

    /**
     * @return a flow idle for longer than its state's timeout at the clock, the states taken in order, or
     * {@link #NONE}: asked again after that flow ended, it gives the next.
     */
    public int expired()
    {
        for (int list = 0; list < timeoutsNs.length; list++)
        {
            final int tail = activity.tail(list);
            if (tail != NONE && clockNs - lastNs[tail] >= timeoutsNs[list])
            {
                return tail;
            }
        }
        return NONE;
    }

    /**
     * The flow to evict for a new one when the table is full: the least recently active closed flow, else the least
     * recently active embryonic one, else the least recently active of all.
     *
     * @param closed    the closed state.
     * @param embryonic the embryonic state.
     * @return its slot, or {@link #NONE} when no flow is tracked.
     */
    public int oldest(final int closed, final int embryonic)
    {
        if (activity.tail(closed) != NONE)
        {
            return activity.tail(closed);
        }
        if (activity.tail(embryonic) != NONE)
        {
            return activity.tail(embryonic);
        }
        int oldest = NONE;
        for (int list = 0; list < timeoutsNs.length; list++)
        {
            final int tail = activity.tail(list);
            if (tail != NONE && (oldest == NONE || lastNs[tail] < lastNs[oldest]))
            {
                oldest = tail;
            }
        }
        return oldest;
    }

    /**
     * @return a flow still tracked, the states taken in order, least recently active first, or {@link #NONE}: for
     * ending them all.
     */
    public int anyTracked()
    {
        for (int list = 0; list < timeoutsNs.length; list++)
        {
            final int tail = activity.tail(list);
            if (tail != NONE)
            {
                return tail;
            }
        }
        return NONE;
    }
}
