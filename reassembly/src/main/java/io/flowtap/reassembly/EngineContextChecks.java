package io.flowtap.reassembly;

/**
 * The checks {@link EngineContext#conclude()} makes: that each setting is in range and that the sizes fit together,
 * each failure an {@link IllegalArgumentException} naming the setting. Apart from the context, so that the context
 * is its settings and this class the rules between them.
 */
final class EngineContextChecks
{
    private EngineContextChecks()
    {
    }

    /**
     * The table and buffer sizes: flows, page size, memcaps.
     *
     * @param context being concluded.
     * @throws IllegalArgumentException naming the setting that does not fit.
     */
    static void checkSizes(final EngineContext context)
    {
        final int pageSize = context.pageSize();
        final long engineMemcapBytes = context.engineMemcapBytes();
        if (context.maxFlows() < 1)
        {
            throw new IllegalArgumentException("max flows must be positive: " + context.maxFlows());
        }
        if (Integer.bitCount(pageSize) != 1 || pageSize < 64)
        {
            throw new IllegalArgumentException("page size must be a power of two of at least 64: " + pageSize);
        }
        if (engineMemcapBytes < pageSize || engineMemcapBytes / pageSize > Integer.MAX_VALUE / pageSize)
        {
            throw new IllegalArgumentException(
                "engine memcap must be between one page and 2 GiB: " + engineMemcapBytes);
        }
        if (context.flowMemcapBytes() < pageSize)
        {
            throw new IllegalArgumentException("flow memcap must be at least one page (" + pageSize + "): " +
                context.flowMemcapBytes());
        }
    }

    /**
     * The rest, once the sizes are derived: data slots, ack grace, checksum hold, timeouts.
     *
     * @param context being concluded.
     * @throws IllegalArgumentException naming the setting that does not fit.
     */
    static void checkLimits(final EngineContext context)
    {
        if (context.dataSlots() < 1)
        {
            throw new IllegalArgumentException("data slots must be positive: " + context.dataSlots());
        }
        if (context.ackGraceNs() < 0 || context.ackGraceSegments() < 0)
        {
            throw new IllegalArgumentException("ack grace must not be negative");
        }
        if (context.checksumHoldBytes() < 0 || context.checksumHoldSegments() < 1)
        {
            throw new IllegalArgumentException("checksum hold must be 0 bytes or more and 1 segment or more");
        }
        if (context.embryonicTimeoutNs() <= 0 || context.establishedTimeoutNs() <= 0 ||
            context.closingTimeoutNs() <= 0 || context.closedTimeoutNs() <= 0)
        {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (context.attemptTimeoutNs() < 0)
        {
            throw new IllegalArgumentException("attempt timeout must not be negative: " + context.attemptTimeoutNs());
        }
    }
}
