package io.flowtap.kafka;

import java.util.concurrent.TimeUnit;

/**
 * When the shipper tries the broker again after it could not reach it, or after a send failed for good: 1 s after the
 * first failure, doubling to 30 s, and back to 1 s once a producer is made; and since when it has been waiting, for
 * the line that says the broker was reached again.
 * <p>
 * Not thread safe: the shipper's thread only.
 */
final class ShipBackoff
{
    private static final long FIRST_BACKOFF_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_BACKOFF_NS = TimeUnit.SECONDS.toNanos(30);

    private long retryAtNs;
    private long backoffNs = FIRST_BACKOFF_NS;
    private long waitingSinceNs;

    /**
     * @param nowNs the shipper starts: it may try at once.
     */
    void start(final long nowNs)
    {
        retryAtNs = nowNs;
    }

    /**
     * @param nowNs now.
     * @return whether it is time to try again.
     */
    boolean due(final long nowNs)
    {
        return nowNs - retryAtNs >= 0;
    }

    /**
     * A try failed: wait before the next, longer each time.
     *
     * @param nowNs now.
     * @return how long this wait is, ns.
     */
    long failed(final long nowNs)
    {
        if (waitingSinceNs == 0)
        {
            waitingSinceNs = nowNs;
        }
        final long waitNs = backoffNs;
        retryAtNs = nowNs + waitNs;
        backoffNs = Math.min(MAX_BACKOFF_NS, backoffNs * 2);
        return waitNs;
    }

    /**
     * A try succeeded: the next failure waits the first interval again.
     *
     * @param nowNs now.
     * @return how long the shipper had been waiting, ns, or -1 when it was not.
     */
    long reached(final long nowNs)
    {
        final long waitedNs = waitingSinceNs != 0 ? nowNs - waitingSinceNs : -1;
        waitingSinceNs = 0;
        backoffNs = FIRST_BACKOFF_NS;
        return waitedNs;
    }
}
