package io.flowtap.reassembly;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Where the {@link IsolatedHandler}s of a sensor report what their handlers threw: each exception is counted, each
 * distinct one ({@link DistinctErrors}) is logged in one line the first time it happens, and under
 * {@link HandlerErrorPolicy#STOP} the first one asks the sensor to stop ({@link #stopRequested()}, which the command's
 * loop watches as it watches for a signal).
 * <p>
 * Thread safe: every worker's handlers report to one instance. Reporting allocates and takes a lock, after an
 * exception was thrown; reading {@link #count()} and {@link #stopRequested()} does neither.
 */
public final class HandlerErrors
{
    private final HandlerErrorPolicy policy;
    private final Consumer<String> log;
    private final DistinctErrors distinct;
    private final AtomicLong count = new AtomicLong();
    private final Map<String, Class<?>> classes = new ConcurrentHashMap<>();
    private volatile boolean stopRequested;

    /**
     * @param policy what the sensor does on an error.
     * @param log    receives the one line per distinct error (from the workers' threads: it must be thread safe).
     */
    public HandlerErrors(final HandlerErrorPolicy policy, final Consumer<String> log)
    {
        this(policy, log, new DistinctErrors());
    }

    /**
     * @param policy   what the sensor does on an error.
     * @param log      receives the one line per distinct error; thread safe.
     * @param distinct keeps the distinct errors.
     */
    public HandlerErrors(final HandlerErrorPolicy policy, final Consumer<String> log, final DistinctErrors distinct)
    {
        this.policy = policy;
        this.log = log;
        this.distinct = distinct;
    }

    /**
     * @return what the sensor does on an error.
     */
    public HandlerErrorPolicy policy()
    {
        return policy;
    }

    /**
     * @return exceptions thrown by handlers so far, from any thread.
     */
    public long count()
    {
        return count.get();
    }

    /**
     * @return whether the policy is {@link HandlerErrorPolicy#STOP} and a handler has thrown.
     */
    public boolean stopRequested()
    {
        return stopRequested;
    }

    /**
     * @return the distinct errors.
     */
    public DistinctErrors distinct()
    {
        return distinct;
    }

    /**
     * A handler threw: count it, log it if it is new, and ask for a stop if that is the policy.
     *
     * @param handler      the handler's name.
     * @param handlerClass its class, to find the line of its own code in the stack trace.
     * @param flow         the flow being handled, or null (closing).
     * @param callback     the method that threw ({@code onPayload} ...).
     * @param error        what it threw.
     */
    public void onError(
        final String handler,
        final Class<?> handlerClass,
        final Flow flow,
        final String callback,
        final Throwable error)
    {
        count.incrementAndGet();
        classes.putIfAbsent(handler, handlerClass);
        if (policy == HandlerErrorPolicy.STOP)
        {
            stopRequested = true;
        }
        final long seen = distinct.record(handler, error, System.currentTimeMillis());
        if (seen == 1)
        {
            log.accept("handler " + handler + " threw " + describe(handlerClass, error) + " in " + callback +
                (flow == null ? "" : " on " + flow) + (policy == HandlerErrorPolicy.STOP ?
                "; stopping, as the handler error policy is stop" :
                "; it skips the rest of that flow, the others carry on; the same error again is counted, not logged"));
        }
        else if (seen == 0 && distinct.overflow() == 1)
        {
            log.accept("more than " + distinct.maxDistinct() + " distinct handler errors: new ones are counted, " +
                "not logged");
        }
    }

    /**
     * @return one line with the count, then one per distinct error with its count; empty when there were none.
     */
    public String summary()
    {
        final long total = count();
        if (total == 0)
        {
            return "";
        }
        final List<DistinctErrors.Observation> observations = distinct.observations();
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "handler errors %d (%d distinct)%n", total, observations.size()));
        for (final DistinctErrors.Observation observation : observations)
        {
            out.append(String.format(Locale.ROOT, "  %d x %s: %s%n", observation.count(), observation.source(),
                describe(classes.get(observation.source()), observation.first())));
        }
        if (distinct.overflow() > 0)
        {
            out.append(String.format(Locale.ROOT, "  %d more, not told apart%n", distinct.overflow()));
        }
        return out.toString();
    }

    /**
     * @param handlerClass whose frame to name, or null for the top frame.
     * @param error        an exception.
     * @return its class and message, and where it was thrown: the first frame in the handler's own code if there is
     * one, e.g. {@code java.lang.IllegalStateException: bad state (MyHandler.java:42)}.
     */
    static String describe(final Class<?> handlerClass, final Throwable error)
    {
        final StackTraceElement[] stack = error.getStackTrace();
        StackTraceElement where = stack.length > 0 ? stack[0] : null;
        if (handlerClass != null)
        {
            final String name = handlerClass.getName();
            for (final StackTraceElement frame : stack)
            {
                if (frame.getClassName().equals(name) || frame.getClassName().startsWith(name + "$"))
                {
                    where = frame;
                    break;
                }
            }
        }
        final String message = error.getMessage();
        return error.getClass().getName() + (message == null ? "" : ": " + oneLine(message)) +
            (where == null ? "" : " (" + (where.getFileName() == null ? where.getClassName() : where.getFileName()) +
            (where.getLineNumber() > 0 ? ":" + where.getLineNumber() : "") + ")");
    }

    private static String oneLine(final String text)
    {
        return text.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }
}
