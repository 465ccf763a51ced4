package io.flowtap.pipeline;

import io.flowtap.capture.codec.DecodeCounters;
import io.flowtap.capture.ring.RingCounters;
import io.flowtap.pipeline.shard.DispatchCounters;
import io.flowtap.pipeline.stats.CounterTable;
import io.flowtap.pipeline.stats.CountersFile;
import io.flowtap.pipeline.stats.ErrorLogHandler;
import io.flowtap.pipeline.worker.WorkerCounters;
import org.agrona.ErrorHandler;

/**
 * Where a pipeline's pollers and workers count: every list of the {@link CounterTable}, allocated in the sensor's
 * counters file (or in this process's memory when there is none), one copy per poller and per worker, which that
 * thread then writes in place. Also the error handler that logs the pipeline's errors into the same file.
 * <p>
 * Cold path, one thread: allocate each poller's counters, in poller order, then each worker's.
 */
final class PipelineCounters
{
    private final CountersFile file;

    /** One poller's counters. */
    static final class Poller
    {
        final DecodeCounters decode;
        final DispatchCounters dispatch;
        final RingCounters ring;

        private Poller(final CountersFile file, final int index)
        {
            decode = new DecodeCounters(CounterTable.POLLER_DECODE.allocator(file, index));
            dispatch = new DispatchCounters(CounterTable.POLLER_DISPATCH.allocator(file, index));
            ring = new RingCounters(CounterTable.POLLER_RING.allocator(file, index));
        }
    }

    /**
     * @param context of the pipeline: its counters file, or null.
     * @param pollers the pipeline will have.
     */
    PipelineCounters(final PipelineContext context, final int pollers)
    {
        this.file = context.countersFile() != null ? context.countersFile() :
            CountersFile.inMemory(CounterTable.countersFor(pollers, context.workers()));
    }

    /**
     * @param index of the poller.
     * @return its counters, allocated now.
     */
    Poller poller(final int index)
    {
        return new Poller(file, index);
    }

    /**
     * @param index of the worker.
     * @return its counters, allocated now.
     */
    WorkerCounters worker(final int index)
    {
        return new WorkerCounters(
            CounterTable.WORKER.allocator(file, index),
            CounterTable.WORKER_QUEUE_DEPTH.allocator(file, index),
            CounterTable.WORKER_FLOWS_ACTIVE.allocator(file, index),
            CounterTable.WORKER_DECODE.allocator(file, index),
            CounterTable.WORKER_ENGINE.allocator(file, index));
    }

    /**
     * @param next the context's handler, called after the error is logged.
     * @return the handler for every agent of the pipeline.
     */
    ErrorHandler errorHandler(final ErrorHandler next)
    {
        return new ErrorLogHandler(file.errorLog(), next);
    }

    /**
     * The context's default error handler: an error the counters file's log has recorded needs nothing more.
     *
     * @param error already logged.
     */
    static void loggedOnly(final Throwable error)
    {
    }
}
