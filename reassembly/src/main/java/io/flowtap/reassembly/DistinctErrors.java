package io.flowtap.reassembly;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The exceptions a sensor's handlers threw, each distinct one kept once with how often it happened, in the manner of
 * Agrona's {@code DistinctErrorLog}: two exceptions are the same error when they come from the same handler and have
 * the same class, message and stack trace, causes included. The stack trace is compared down to the handler's fence
 * ({@link IsolatedHandler}) only: the engine reaches a handler's callback by several paths (data delivered in place,
 * from its store, on an acknowledgement), and one bug in a handler is one error whichever path led to it. Bounded:
 * past {@link #maxDistinct()} distinct errors, new ones are only counted ({@link #overflow()}).
 * <p>
 * Thread safe. {@link #record} takes a lock: it runs only after an exception was thrown, never on the packet path.
 */
public final class DistinctErrors
{
    /** Distinct errors kept by default. */
    public static final int MAX_DISTINCT_DEFAULT = 1_000;

    private static final int MAX_CAUSES = 16;
    private static final String FENCE = IsolatedHandler.class.getName();

    private final int maxDistinct;
    private final List<Observation> observations = new ArrayList<>();
    private long overflow;

    /**
     * One distinct error.
     */
    public static final class Observation
    {
        private final String source;
        private final Throwable first;
        private final long firstMs;
        private long lastMs;
        private long count;

        Observation(final String source, final Throwable first, final long timeMs)
        {
            this.source = source;
            this.first = first;
            this.firstMs = timeMs;
            this.lastMs = timeMs;
        }

        /**
         * @return what threw it (the handler's name).
         */
        public String source()
        {
            return source;
        }

        /**
         * @return the first exception seen of this kind.
         */
        public Throwable first()
        {
            return first;
        }

        /**
         * @return when it was first seen, epoch milliseconds.
         */
        public long firstMs()
        {
            return firstMs;
        }

        /**
         * @return when it was last seen, epoch milliseconds.
         */
        public synchronized long lastMs()
        {
            return lastMs;
        }

        /**
         * @return how many times it happened.
         */
        public synchronized long count()
        {
            return count;
        }

        synchronized long seen(final long timeMs)
        {
            lastMs = Math.max(lastMs, timeMs);
            return ++count;
        }
    }

    /**
     * Keep up to {@link #MAX_DISTINCT_DEFAULT} distinct errors.
     */
    public DistinctErrors()
    {
        this(MAX_DISTINCT_DEFAULT);
    }

    /**
     * @param maxDistinct distinct errors kept; more are only counted.
     */
    public DistinctErrors(final int maxDistinct)
    {
        this.maxDistinct = maxDistinct;
    }

    /**
     * Count an error under its kind.
     *
     * @param source what threw it.
     * @param error  the exception.
     * @param timeMs now, epoch milliseconds.
     * @return how many times this error has now happened: 1 the first time; 0 when it is new and the bound is
     * reached (it is then counted in {@link #overflow()}).
     */
    public synchronized long record(final String source, final Throwable error, final long timeMs)
    {
        for (int i = 0; i < observations.size(); i++)
        {
            final Observation observation = observations.get(i);
            if (observation.source.equals(source) && same(observation.first, error))
            {
                return observation.seen(timeMs);
            }
        }
        if (observations.size() >= maxDistinct)
        {
            overflow++;
            return 0;
        }
        final Observation observation = new Observation(source, error, timeMs);
        observations.add(observation);
        return observation.seen(timeMs);
    }

    /**
     * @return the distinct errors, in the order first seen (a copy).
     */
    public synchronized List<Observation> observations()
    {
        return new ArrayList<>(observations);
    }

    /**
     * @return errors not kept because the bound was reached.
     */
    public synchronized long overflow()
    {
        return overflow;
    }

    /**
     * @return most distinct errors kept.
     */
    public int maxDistinct()
    {
        return maxDistinct;
    }

    private static boolean same(final Throwable kept, final Throwable error)
    {
        Throwable a = kept;
        Throwable b = error;
        // Bounded: a cycle of causes must not hang the worker that reports it.
        for (int depth = 0; depth < MAX_CAUSES && a != null && b != null; depth++)
        {
            if (a.getClass() != b.getClass() || !Objects.equals(a.getMessage(), b.getMessage()) ||
                !sameStack(a.getStackTrace(), b.getStackTrace()))
            {
                return false;
            }
            a = a.getCause();
            b = b.getCause();
        }
        return (a == null) == (b == null);
    }

    private static boolean sameStack(final StackTraceElement[] a, final StackTraceElement[] b)
    {
        final int aLength = toFence(a);
        final int bLength = toFence(b);
        return aLength == bLength && Arrays.equals(a, 0, aLength, b, 0, bLength);
    }

    private static int toFence(final StackTraceElement[] stack)
    {
        for (int i = 0; i < stack.length; i++)
        {
            if (FENCE.equals(stack[i].getClassName()))
            {
                return i + 1;
            }
        }
        return stack.length;
    }
}
