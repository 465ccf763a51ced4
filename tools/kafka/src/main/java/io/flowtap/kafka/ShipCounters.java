package io.flowtap.kafka;

import io.flowtap.pipeline.stats.CountersFile;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * A shipper's counters, in the sensor's counters file (or one of the shipper's own), each written by one thread: the
 * shipper's for what it reads and sends, the producer's I/O thread for what the broker acknowledged. {@code flowtap
 * stats} and {@code /metrics} show them as {@code ship: ...}.
 */
public final class ShipCounters
{
    /** Excerpts handed to the producer (resent ones included). */
    final AtomicCounter excerptsSent;
    /** Bytes of them. */
    final AtomicCounter bytesSent;
    /** Excerpts the broker acknowledged. */
    final AtomicCounter excerptsAcked;
    /** Events in them. */
    final AtomicCounter eventsAcked;
    /** Bytes of them. */
    final AtomicCounter bytesAcked;
    /** Excerpts sent again after a failure, because their acknowledgement never came. */
    final AtomicCounter excerptsResent;
    /** Times the broker could not be reached or failed a send, each followed by a wait and a retry. */
    final AtomicCounter brokerFailures;
    /** Excerpts not what the schema says, passed over (not shipped). */
    final AtomicCounter excerptsDamaged;
    /** Queues whose reading stopped at damage Chronicle cannot follow. */
    final AtomicCounter queuesStopped;
    /** Cycle files retention deleted before they were shipped. */
    final AtomicCounter cyclesLost;
    /** Events in the journal not yet acknowledged. */
    final AtomicCounter lagEvents;
    /** Bytes of excerpts in the journal not yet acknowledged. */
    final AtomicCounter lagBytes;
    /** 1 while the broker is unreachable and the shipper waits. */
    final AtomicCounter waiting;

    /**
     * Allocate the counters (cold path).
     *
     * @param file to allocate them in.
     */
    public ShipCounters(final CountersFile file)
    {
        excerptsSent = file.counter("ship: excerpts sent");
        bytesSent = file.counter("ship: bytes sent");
        excerptsAcked = file.counter("ship: excerpts acknowledged");
        eventsAcked = file.counter("ship: events acknowledged");
        bytesAcked = file.counter("ship: bytes acknowledged");
        excerptsResent = file.counter("ship: excerpts sent again");
        brokerFailures = file.counter("ship: broker failures");
        excerptsDamaged = file.counter("ship: damaged excerpts not shipped");
        queuesStopped = file.counter("ship: queues stopped at damage");
        cyclesLost = file.counter("ship: cycles deleted before shipped");
        lagEvents = file.gauge("ship: lag events");
        lagBytes = file.gauge("ship: lag bytes");
        waiting = file.gauge("ship: waiting for the broker");
    }

    /**
     * @return events acknowledged.
     */
    public long eventsAcknowledged()
    {
        return eventsAcked.get();
    }

    /**
     * @return bytes acknowledged.
     */
    public long bytesAcknowledged()
    {
        return bytesAcked.get();
    }

    /**
     * @return excerpts acknowledged.
     */
    public long excerptsAcknowledged()
    {
        return excerptsAcked.get();
    }

    /**
     * @return excerpts sent again.
     */
    public long excerptsResent()
    {
        return excerptsResent.get();
    }

    /**
     * @return events behind, at the last look.
     */
    public long lagEvents()
    {
        return lagEvents.get();
    }

    /**
     * @return bytes behind, at the last look.
     */
    public long lagBytes()
    {
        return lagBytes.get();
    }

    /**
     * @return damaged excerpts passed over.
     */
    public long excerptsDamaged()
    {
        return excerptsDamaged.get();
    }

    /**
     * @return cycle files deleted before they were shipped.
     */
    public long cyclesLost()
    {
        return cyclesLost.get();
    }

    /**
     * @return broker failures waited out.
     */
    public long brokerFailures()
    {
        return brokerFailures.get();
    }
}
