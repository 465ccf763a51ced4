package io.flowtap.reassembly;

/**
 * What a sensor does when a user's handler throws ({@code --handler-errors}). Either way the exception is counted,
 * logged once per distinct error, and the flow is marked ({@link Flow#handlerFailed()}).
 */
public enum HandlerErrorPolicy
{
    /** Keep running: the handler skips the rest of that flow, every other flow and handler carries on. */
    CONTINUE,
    /** Stop the sensor cleanly, as a signal would (open flows end as {@code shutdown}), and exit non-zero. */
    STOP
}
