package io.flowtap.kafka;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The sending side of the shipper: the producer of the moment, what is in flight (excerpts and bytes sent and not yet
 * acknowledged), and the broker's answers, which move each queue's acknowledged index. A producer given up on (a send
 * failed for good) is a generation gone: answers to what it sent are ignored, since everything after the acknowledged
 * indexes is sent again.
 * <p>
 * Threads: the shipper's thread sends and abandons; the producer's I/O thread answers ({@link Ack}), through atomics
 * and volatiles only.
 */
final class ShipSender
{
    private final String topic;
    private final ShipCounters counters;
    private final AtomicLong inFlightBytes = new AtomicLong();
    private final AtomicLong inFlightExcerpts = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile long lastAckNs;
    private volatile int generation;
    private Producer<byte[], byte[]> producer;

    /**
     * @param topic    to send to.
     * @param counters of the shipper.
     */
    ShipSender(final String topic, final ShipCounters counters)
    {
        this.topic = topic;
        this.counters = counters;
    }

    /**
     * @return whether there is a producer to send with.
     */
    boolean connected()
    {
        return producer != null;
    }

    /**
     * Send with this producer from now on.
     *
     * @param created a producer that reached the broker.
     */
    void connect(final Producer<byte[], byte[]> created)
    {
        producer = created;
        lastAckNs = System.nanoTime();
    }

    /**
     * Send one excerpt; its acknowledgement moves the queue's acknowledged index. A send the producer refuses at once
     * is a failure ({@link #failure()}), as one the broker refuses later is.
     *
     * @param queue   it is from.
     * @param index   of the excerpt in its queue.
     * @param key     of the queue's records.
     * @param value   the excerpt's bytes.
     * @param headers of the record.
     * @param events  in the excerpt.
     */
    void send(
        final ShippedQueue queue, final long index, final byte[] key, final byte[] value, final RecordHeaders headers,
        final int events)
    {
        final int length = value.length;
        inFlightBytes.addAndGet(length);
        inFlightExcerpts.incrementAndGet();
        counters.excerptsSent.increment();
        counters.bytesSent.getAndAdd(length);
        try
        {
            producer.send(new ProducerRecord<>(topic, null, key, value, headers),
                new Ack(queue, generation, index, events, length));
        }
        catch (final KafkaException ex)
        {
            failure.compareAndSet(null, ex);
        }
    }

    /**
     * @return the first failure of a send since the last {@link #abandon()}, or null.
     */
    Exception failure()
    {
        return failure.get();
    }

    /**
     * @return bytes sent and not yet acknowledged.
     */
    long inFlightBytes()
    {
        return inFlightBytes.get();
    }

    /**
     * @return excerpts sent and not yet acknowledged.
     */
    long inFlightExcerpts()
    {
        return inFlightExcerpts.get();
    }

    /**
     * @return when the broker last acknowledged an excerpt (or a producer was made), {@link System#nanoTime()}.
     */
    long lastAckNs()
    {
        return lastAckNs;
    }

    /**
     * A send failed for good: drop the producer and everything in flight (counted as sent again: the queues rewind to
     * their acknowledged indexes), and forget the failure.
     */
    void abandon()
    {
        generation++;
        if (producer != null)
        {
            producer.close(Duration.ZERO);
            producer = null;
        }
        counters.excerptsResent.getAndAdd(inFlightExcerpts.get());
        inFlightBytes.set(0);
        inFlightExcerpts.set(0);
        failure.set(null);
    }

    /**
     * Give what is in flight its chance to be acknowledged, then close the producer.
     */
    void close()
    {
        if (producer != null)
        {
            try
            {
                producer.flush();
            }
            catch (final KafkaException ex)
            {
                // Not acknowledged: the position stays behind it, and a later run sends it again.
            }
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    /** The broker's answer to one record, on the producer's I/O thread. */
    private final class Ack implements Callback
    {
        private final ShippedQueue queue;
        private final int sentGeneration;
        private final long index;
        private final int events;
        private final int bytes;

        Ack(final ShippedQueue queue, final int sentGeneration, final long index, final int events, final int bytes)
        {
            this.queue = queue;
            this.sentGeneration = sentGeneration;
            this.index = index;
            this.events = events;
            this.bytes = bytes;
        }

        @Override
        public void onCompletion(final RecordMetadata metadata, final Exception exception)
        {
            if (sentGeneration != generation)
            {
                // Sent by a producer given up on: everything after the acknowledged index is being sent again.
                return;
            }
            if (exception != null)
            {
                failure.compareAndSet(null, exception);
                return;
            }
            if (queue.acknowledged(index, events, bytes))
            {
                counters.excerptsAcked.increment();
                counters.eventsAcked.getAndAdd(events);
                counters.bytesAcked.getAndAdd(bytes);
            }
            inFlightBytes.addAndGet(-bytes);
            inFlightExcerpts.decrementAndGet();
            lastAckNs = System.nanoTime();
        }
    }
}
