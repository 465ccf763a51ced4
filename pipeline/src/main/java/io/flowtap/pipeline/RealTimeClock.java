package io.flowtap.pipeline;

import io.flowtap.linux.Posix;
import org.agrona.BufferUtil;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The real-time clock in nanoseconds since the epoch, read with {@code clock_gettime(CLOCK_REALTIME)}: the clock the
 * kernel stamps captured frames with, so a latency from a frame's stamp to now is measured on one clock. Unlike
 * Agrona's {@code SystemEpochNanoClock} (through {@code Instant.now()}) it allocates nothing even before the JIT has
 * compiled its caller, and unlike an offset clock it follows the system clock as it is adjusted.
 * <p>
 * Thread safe: each thread reads into a buffer of its own.
 */
public final class RealTimeClock implements EpochNanoClock
{
    /** The clock; stateless apart from its per-thread buffers. */
    public static final RealTimeClock INSTANCE = new RealTimeClock();

    private static final ThreadLocal<UnsafeBuffer> TIMESPEC = ThreadLocal.withInitial(
        () -> new UnsafeBuffer(BufferUtil.allocateDirectAligned(Posix.TIMESPEC_LENGTH, Posix.TIMESPEC_LENGTH)));

    private RealTimeClock()
    {
    }

    /**
     * @return nanoseconds since the epoch, now.
     */
    @Override
    public long nanoTime()
    {
        final UnsafeBuffer timespec = TIMESPEC.get();
        if (Posix.clockGettime(Posix.CLOCK_REALTIME, timespec.addressOffset()) != 0)
        {
            // Cannot happen for CLOCK_REALTIME with a valid buffer; the JDK's clock is the fallback anyway.
            return System.currentTimeMillis() * 1_000_000L;
        }
        return timespec.getLong(0) * 1_000_000_000L + timespec.getLong(Long.BYTES);
    }
}
