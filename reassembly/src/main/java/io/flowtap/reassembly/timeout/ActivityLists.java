package io.flowtap.reassembly.timeout;

import java.util.Arrays;

/**
 * Least-recently-active lists of flows, by flow-table slot: each flow is on at most one list, most recently active
 * first, so that the flows to time out are at the tails. The engine keeps one list per connection state, each with
 * its own idle timeout.
 * <p>
 * Links are {@code int} slot indices in arrays rather than references between flow objects: moving a flow to the
 * head on every packet is then a handful of plain integer stores, where references cost the garbage collector's
 * write barriers on each one.
 * <p>
 * Not thread safe: one engine, one thread.
 */
public final class ActivityLists
{
    /** No slot: the end of a list, or a flow on no list. */
    public static final int NONE = -1;

    private final int[] previous;
    private final int[] next;
    private final byte[] listOf;
    private final int[] heads;
    private final int[] tails;

    /**
     * @param slots flow-table slots, the largest slot index plus one.
     * @param lists how many lists.
     */
    public ActivityLists(final int slots, final int lists)
    {
        if (lists < 1 || lists > Byte.MAX_VALUE)
        {
            throw new IllegalArgumentException("lists must be 1 to " + Byte.MAX_VALUE + ": " + lists);
        }
        this.previous = new int[slots];
        this.next = new int[slots];
        this.listOf = new byte[slots];
        this.heads = new int[lists];
        this.tails = new int[lists];
        Arrays.fill(listOf, (byte)NONE);
        Arrays.fill(heads, NONE);
        Arrays.fill(tails, NONE);
    }

    /**
     * @param list index.
     * @return the least recently active slot of the list, or {@link #NONE} when it is empty.
     */
    public int tail(final int list)
    {
        return tails[list];
    }

    /**
     * @param slot of a flow.
     * @return the list it is on, or {@link #NONE}.
     */
    public int listOf(final int slot)
    {
        return listOf[slot];
    }

    /**
     * Put a slot at the head of a list; it must be on none.
     *
     * @param slot of a flow.
     * @param list index.
     */
    public void link(final int slot, final int list)
    {
        final int head = heads[list];
        listOf[slot] = (byte)list;
        previous[slot] = NONE;
        next[slot] = head;
        if (head != NONE)
        {
            previous[head] = slot;
        }
        else
        {
            tails[list] = slot;
        }
        heads[list] = slot;
    }

    /**
     * Take a slot off its list, if it is on one.
     *
     * @param slot of a flow.
     */
    public void unlink(final int slot)
    {
        final int list = listOf[slot];
        if (list == NONE)
        {
            return;
        }
        final int before = previous[slot];
        final int after = next[slot];
        if (before != NONE)
        {
            next[before] = after;
        }
        else
        {
            heads[list] = after;
        }
        if (after != NONE)
        {
            previous[after] = before;
        }
        else
        {
            tails[list] = before;
        }
        listOf[slot] = (byte)NONE;
    }

    /**
     * The flow was active: move it to the head of its list.
     *
     * @param slot of a flow on a list.
     */
    public void touch(final int slot)
    {
        final int list = listOf[slot];
        if (heads[list] != slot)
        {
            unlink(slot);
            link(slot, list);
        }
    }

    /**
     * Move a slot to the head of another list (or of its own).
     *
     * @param slot of a flow.
     * @param list index.
     */
    public void moveTo(final int slot, final int list)
    {
        unlink(slot);
        link(slot, list);
    }
}
