package io.flowtap.reassembly.attribute;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Per-flow parser states an extractor hands out and takes back: filled at start with as many as the expected number
 * of concurrent flows, so the steady state allocates nothing; past that it makes more (a cold path) and keeps them.
 * Owned by the engine's thread.
 *
 * @param <T> the state type.
 */
final class StatePool<T>
{
    private final Supplier<T> factory;
    private Object[] free;
    private int freeCount;
    private long created;

    StatePool(final Supplier<T> factory, final int initial)
    {
        this.factory = factory;
        this.free = new Object[Math.max(1, initial)];
        for (int i = 0; i < initial; i++)
        {
            free[freeCount++] = factory.get();
        }
        created = initial;
    }

    @SuppressWarnings("unchecked")
    T take()
    {
        if (freeCount == 0)
        {
            created++;
            return factory.get();
        }
        final Object state = free[--freeCount];
        free[freeCount] = null;
        return (T)state;
    }

    void give(final T state)
    {
        if (freeCount == free.length)
        {
            free = Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = state;
    }

    long created()
    {
        return created;
    }
}
