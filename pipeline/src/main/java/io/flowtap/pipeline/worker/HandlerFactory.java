package io.flowtap.pipeline.worker;

import io.flowtap.reassembly.TcpHandler;

import java.util.List;

/**
 * Makes the handlers of one worker's engine. Called once per worker, on the worker's own thread as it starts, so a
 * handler may take thread-bound resources there (a journal appender); handlers that are {@link AutoCloseable} are
 * closed on the same thread after the engine has ended every flow.
 */
@FunctionalInterface
public interface HandlerFactory
{
    /**
     * @param worker index of the worker, from 0.
     * @return its handlers, called in this order for every event.
     */
    List<TcpHandler> newHandlers(int worker);
}
