package io.flowtap.tools.handler;

import io.flowtap.reassembly.HandlerContext;
import io.flowtap.reassembly.HandlerErrors;
import io.flowtap.reassembly.IsolatedHandler;
import io.flowtap.reassembly.TcpHandler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The user's handlers of one run, made: for each worker its own instances, each fenced by an {@link IsolatedHandler}
 * reporting to the run's one {@link HandlerErrors}, in the order the command line gave them. Commands add them after
 * their built-in handlers and before the journal's writer or their own output.
 * <p>
 * Made on the command's thread before any traffic is read; a worker's list is handed to that worker, whose thread is
 * the only one to call its handlers from then on.
 */
public final class UserHandlers
{
    private final List<List<TcpHandler>> perWorker;
    private final List<String> names;
    private final HandlerErrors errors;

    UserHandlers(final List<List<TcpHandler>> perWorker, final List<String> names, final HandlerErrors errors)
    {
        this.perWorker = perWorker;
        this.names = List.copyOf(names);
        this.errors = errors;
    }

    /**
     * @param errors where their errors would be reported.
     * @return no handlers, for a run without any.
     */
    public static UserHandlers none(final HandlerErrors errors)
    {
        return new UserHandlers(Collections.emptyList(), List.of(), errors);
    }

    /**
     * @return whether there are none.
     */
    public boolean isEmpty()
    {
        return names.isEmpty();
    }

    /**
     * @return the handlers' names, in order.
     */
    public List<String> names()
    {
        return names;
    }

    /**
     * @param worker index.
     * @return that worker's handlers, fenced, in order; empty when there are none.
     */
    public List<TcpHandler> forWorker(final int worker)
    {
        return perWorker.isEmpty() ? List.of() : perWorker.get(worker);
    }

    /**
     * @param worker index.
     * @return the user's own instances for that worker, unfenced (tests and reports).
     */
    public List<TcpHandler> delegates(final int worker)
    {
        final List<TcpHandler> delegates = new ArrayList<>();
        for (final TcpHandler handler : forWorker(worker))
        {
            delegates.add(((IsolatedHandler)handler).delegate());
        }
        return delegates;
    }

    /**
     * @return where their errors are reported.
     */
    public HandlerErrors errors()
    {
        return errors;
    }

    /**
     * @return per-flow data slots an engine needs for them: the built-in handlers' and one each.
     */
    public int dataSlots()
    {
        return HandlerContext.FIRST_USER_DATA_SLOT + names.size();
    }

    /**
     * Close every worker's handlers ({@code AutoCloseable} ones), for a run that has no pipeline to do it on the
     * workers' threads; what they throw is reported as handler errors.
     */
    public void close()
    {
        for (final List<TcpHandler> handlers : perWorker)
        {
            for (final TcpHandler handler : handlers)
            {
                ((IsolatedHandler)handler).close();
            }
        }
    }

    /**
     * @return a line naming the handlers, one with their error count, then one per distinct error; empty without
     * handlers.
     */
    public String summary()
    {
        if (isEmpty())
        {
            return "";
        }
        final String detail = errors.summary();
        return "handlers: " + String.join(", ", names) + System.lineSeparator() +
            (detail.isEmpty() ? "handler errors 0" + System.lineSeparator() : detail);
    }
}
