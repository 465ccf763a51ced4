package io.flowtap.reassembly;

/**
 * Makes a user's {@link TcpHandler}, once per engine: a sensor with N workers asks for N handlers, one per worker,
 * so that each handler is only ever called from one thread and needs no locking (Trisul's rule: all events of a flow
 * run in the same context). The {@link HandlerContext} says which worker, carries the handler's options
 * ({@code --handler-option KEY=VALUE}, or the {@code handlers:} section of the config file), its own per-flow data
 * slot, and where to print.
 * <p>
 * A class named by {@code --handler} may implement this interface (then one instance of it is made, with a public
 * no-argument constructor, and asked for every worker's handler), or be a {@link TcpHandler} itself with a public
 * constructor taking a {@link HandlerContext}, or a public no-argument one.
 * <p>
 * Called on the thread that starts the sensor, before any traffic is read: options are checked there, and a factory
 * that throws stops the start with one line naming the handler.
 */
@FunctionalInterface
public interface TcpHandlerFactory
{
    /**
     * @param context which worker, the handler's options, its data slot and its output.
     * @return a new handler for that worker; never shared with another worker.
     */
    TcpHandler newHandler(HandlerContext context);
}
