package io.flowtap.pipeline;

import io.flowtap.pipeline.poll.PipelinePoller;
import io.flowtap.pipeline.poll.PollerIdleStrategy;
import io.flowtap.pipeline.shard.FrameTapAgent;
import io.flowtap.pipeline.worker.Worker;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.IdleStrategy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Gives a pipeline's agents their threads as its {@link ThreadingMode} says (a thread each, one for all, or the
 * caller's through an invoker), with the idle strategies that fit each (a live poller waits on its ring), and waits
 * for the pipeline's conditions, stepping the agents itself in invoker mode.
 * <p>
 * Used by the thread that opens, steps and closes the pipeline.
 */
final class PipelineAgents
{
    private static final long AWAIT_SLEEP_MS = 1;

    private final PipelineContext context;
    private final ErrorHandler errorHandler;
    private final List<AgentRunner> runners = new ArrayList<>();
    private AgentInvoker invoker;

    /**
     * @param context      of the pipeline.
     * @param errorHandler for every agent: the context's, behind the counters file's error log.
     */
    PipelineAgents(final PipelineContext context, final ErrorHandler errorHandler)
    {
        this.context = context;
        this.errorHandler = errorHandler;
    }

    /**
     * Start every agent: pollers first, then workers, then taps.
     */
    void start(final List<PipelinePoller> pollers, final List<Worker> workers, final List<FrameTapAgent> taps)
    {
        final List<Agent> agents = new ArrayList<>(pollers);
        agents.addAll(workers);
        agents.addAll(taps);
        switch (context.threadingMode())
        {
            case DEDICATED:
                for (final PipelinePoller poller : pollers)
                {
                    final IdleStrategy onSource = poller.idleOnSource(
                        PipelineWiring.IDLE_WAIT_MS, context.pollerBackoffIdleStrategy().get());
                    startRunner(new PollerIdleStrategy(
                        poller, context.pollerBackoffIdleStrategy().get(), onSource), poller);
                }
                for (final Worker worker : workers)
                {
                    startRunner(context.workerIdleStrategy().get(), worker);
                }
                for (final FrameTapAgent tap : taps)
                {
                    startRunner(context.workerIdleStrategy().get(), tap);
                }
                break;
            case SHARED:
                startRunner(sharedIdleStrategy(pollers), new CompositeAgent(agents));
                break;
            case INVOKER:
            default:
                invoker = new AgentInvoker(errorHandler, null, new CompositeAgent(agents));
                invoker.start();
                break;
        }
    }

    /**
     * Step every agent once. {@link ThreadingMode#INVOKER} only.
     */
    int invoke()
    {
        if (invoker == null)
        {
            throw new IllegalStateException("doWork is for the invoker threading mode");
        }
        return invoker.invoke();
    }

    /**
     * Wait until the condition holds, stepping the agents in invoker mode.
     *
     * @return whether it held within the timeout.
     */
    boolean await(final BooleanSupplier condition, final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                return false;
            }
            if (invoker != null)
            {
                if (invoker.isClosed())
                {
                    return condition.getAsBoolean();
                }
                invoker.invoke();
            }
            else
            {
                try
                {
                    Thread.sleep(AWAIT_SLEEP_MS);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return condition.getAsBoolean();
                }
            }
        }
        return true;
    }

    /**
     * Stop every agent (each finishes its duty cycle) and join their threads.
     */
    void stop()
    {
        if (invoker != null)
        {
            invoker.close();
        }
        CloseHelper.closeAll(runners);
    }

    /**
     * @return the default idle strategy of workers and of pollers waiting on them: spin, yield, then park up to 1 ms.
     */
    static IdleStrategy backoffIdleStrategy()
    {
        return new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
    }

    /**
     * One thread runs every agent: when none found work, the workers' queues are empty too, so unless told otherwise
     * ({@link PipelineContext#sharedIdleOnRing}) a single live ring's thread waits in {@code poll(2)} for the kernel's
     * next block, as a dedicated poller does, instead of spinning; with several rings it waits on the first for at
     * most a millisecond, so the others are not left behind.
     */
    private IdleStrategy sharedIdleStrategy(final List<PipelinePoller> pollers)
    {
        final PipelinePoller first = pollers.get(0);
        if (!context.sharedIdleOnRing() || !first.isLive())
        {
            return context.workerIdleStrategy().get();
        }
        return new PollerIdleStrategy(
            first,
            context.pollerBackoffIdleStrategy().get(),
            first.idleOnSource(pollers.size() == 1 ? PipelineWiring.IDLE_WAIT_MS : 1, null));
    }

    private void startRunner(final IdleStrategy idleStrategy, final Agent agent)
    {
        final AgentRunner runner = new AgentRunner(idleStrategy, errorHandler, null, agent);
        runners.add(runner);
        AgentRunner.startOnThread(runner);
    }
}
