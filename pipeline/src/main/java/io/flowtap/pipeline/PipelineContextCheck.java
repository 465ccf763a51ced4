package io.flowtap.pipeline;

/**
 * What {@link PipelineContext#conclude()} checks: each setting within its range and none missing, so that a bad
 * configuration is refused in one message before any socket, thread or queue exists.
 */
final class PipelineContextCheck
{
    private PipelineContextCheck()
    {
    }

    /**
     * @param context to check.
     * @throws IllegalArgumentException naming what is wrong.
     */
    static void check(final PipelineContext context)
    {
        requireAtLeast("workers", context.workers(), 1);
        requireAtLeast("queue capacity", context.queueCapacity(), 1);
        requireAtLeast("copy buffer length", context.copyBufferLength(), 64);
        requireAtLeast("poll limit", context.pollLimit(), 1);
        requireAtLeast("drain limit", context.drainLimit(), 1);
        if (context.queueFullPolicy() == null || context.checksumMode() == null || context.decoderContext() == null ||
            context.engineContext() == null || context.handlers() == null || context.threadingMode() == null ||
            context.workerIdleStrategy() == null || context.pollerBackoffIdleStrategy() == null ||
            context.errorHandler() == null || context.nanoClock() == null || context.epochClock() == null ||
            context.frameTaps() == null)
        {
            throw new IllegalArgumentException("pipeline options may not be null");
        }
        final double fraction = context.copyOutRingFraction();
        if (!(fraction >= 0 && fraction <= 1))
        {
            throw new IllegalArgumentException("copy-out ring fraction must be between 0 and 1: " + fraction);
        }
        if (context.holdTimeoutNs() < 0 || context.idleClockLagNs() < 0 || context.stopQuietNs() < 0 ||
            context.stopTimeoutNs() < 0 || context.shutdownTimeoutNs() <= 0 || context.startTimeoutNs() <= 0)
        {
            throw new IllegalArgumentException("pipeline times may not be negative");
        }
    }

    private static void requireAtLeast(final String name, final int value, final int least)
    {
        if (value < least)
        {
            throw new IllegalArgumentException(name + " must be at least " + least + ": " + value);
        }
    }
}
