package io.flowtap.capture.counter;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;

/**
 * One list's counters as their writer sees them: Agrona counters allocated one after another, so that counter
 * {@code i}'s value is at a fixed distance from the first, written by address.
 * <p>
 * Why not the {@link AtomicCounter}s themselves: an {@code AtomicCounter} reaches its value through an array-or-null
 * base field, an access the JIT cannot place in any one memory slice, so it fences every other load and store of
 * the calling method around it; on the decoder's per-frame path that cost a tenth of a read. An access by raw
 * address (a constant null base) is only ordered against other raw accesses, as a store into a {@code long[]} is.
 * <p>
 * One writer per list. Plain adds are for per-packet counts: an aligned 8-byte store does not tear, and the writer's
 * next release store (a batch published, a duty cycle's gauge) orders them for readers. Release adds and sets are
 * for the rest.
 */
public final class CounterValues
{
    private static final int STRIDE = CountersReader.COUNTER_LENGTH;

    private final long address;
    private final int length;
    // Held so that the memory the address points into stays mapped while this is reachable.
    private final AtomicBuffer buffer;

    /**
     * @param buffer   the counters' values buffer, off the heap.
     * @param counters allocated one after another from it, in the list's order.
     * @throws IllegalStateException when the buffer is on the heap or the counters are not consecutive.
     */
    public CounterValues(final AtomicBuffer buffer, final AtomicCounter[] counters)
    {
        if (buffer.byteArray() != null)
        {
            throw new IllegalStateException("counters must be off the heap");
        }
        for (int i = 1; i < counters.length; i++)
        {
            if (counters[i].id() != counters[0].id() + i)
            {
                throw new IllegalStateException("counters of one list must be allocated one after another: " +
                    counters[0].label() + " is " + counters[0].id() + ", " + counters[i].label() + " is " +
                    counters[i].id());
            }
        }
        this.buffer = buffer;
        this.length = counters.length;
        this.address = counters.length == 0 ? 0 :
            buffer.addressOffset() + CountersReader.counterOffset(counters[0].id());
    }

    /**
     * @return how many counters the list has.
     */
    public int length()
    {
        return length;
    }

    /**
     * Add one, plain. The list's writer only.
     *
     * @param index of the counter in its list.
     */
    public void incrementPlain(final int index)
    {
        final long at = at(index);
        UnsafeApi.putLong(at, UnsafeApi.getLong(at) + 1);
    }

    /**
     * Add, plain. The list's writer only.
     *
     * @param index of the counter in its list.
     * @param delta to add.
     */
    public void addPlain(final int index, final long delta)
    {
        final long at = at(index);
        UnsafeApi.putLong(at, UnsafeApi.getLong(at) + delta);
    }

    /**
     * Add, with a release store. The list's writer only.
     *
     * @param index of the counter in its list.
     * @param delta to add.
     */
    public void addRelease(final int index, final long delta)
    {
        final long at = at(index);
        UnsafeApi.putLongRelease(null, at, UnsafeApi.getLong(at) + delta);
    }

    /**
     * Set, with a release store. The list's writer only.
     *
     * @param index of the counter in its list.
     * @param value to set.
     */
    public void setRelease(final int index, final long value)
    {
        UnsafeApi.putLongRelease(null, at(index), value);
    }

    /**
     * @param index of the counter in its list.
     * @return its value, read with acquire semantics, from any thread.
     */
    public long get(final int index)
    {
        return UnsafeApi.getLongVolatile(null, at(index));
    }

    private long at(final int index)
    {
        // Holders index by their enum's ordinals: a wrong index is a programming error, checked where Agrona checks.
        if (DirectBuffer.SHOULD_BOUNDS_CHECK && (index < 0 || index >= length))
        {
            throw new IndexOutOfBoundsException("counter " + index + " of " + length);
        }
        return address + (long)index * STRIDE;
    }
}
