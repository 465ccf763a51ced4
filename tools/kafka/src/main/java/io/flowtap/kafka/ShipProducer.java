package io.flowtap.kafka;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.Properties;

/**
 * Makes the shipper's Kafka producer: idempotent, every replica acknowledging, batching and compressing, its buffer
 * twice the bytes the shipper keeps in flight (so that {@code send} never blocks), then the user's
 * {@code --producer-property} settings over these. A producer is only handed over once the broker has answered for
 * the topic, so that no send waits for metadata on the shipper's thread.
 * <p>
 * Not thread safe: the shipper's thread makes producers, one at a time.
 */
final class ShipProducer
{
    private final ShipContext context;
    private String problem;

    /**
     * @param context concluded.
     */
    ShipProducer(final ShipContext context)
    {
        this.context = context;
    }

    /**
     * Make a producer and ask the broker for the topic; blocks up to the producer's {@code max.block.ms}.
     *
     * @return the producer, or null when it cannot be made or the broker cannot be reached ({@link #problem()}).
     */
    Producer<byte[], byte[]> open()
    {
        problem = null;
        final Producer<byte[], byte[]> created;
        try
        {
            created = new KafkaProducer<>(properties(), new ByteArraySerializer(), new ByteArraySerializer());
        }
        catch (final KafkaException ex)
        {
            problem = "cannot make a producer for " + context.bootstrapServers() + ": " + JournalShipper.message(ex);
            return null;
        }
        try
        {
            created.partitionsFor(context.topic());
        }
        catch (final KafkaException ex)
        {
            created.close(Duration.ZERO);
            problem = "cannot reach " + context.bootstrapServers() + " for topic " + context.topic() + ": " +
                JournalShipper.message(ex);
            return null;
        }
        return created;
    }

    /**
     * @return why the last {@link #open()} gave no producer, or null.
     */
    String problem()
    {
        return problem;
    }

    private Properties properties()
    {
        final Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, context.bootstrapServers());
        properties.put(ProducerConfig.CLIENT_ID_CONFIG, "flowtap-ship-" + context.sensor());
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, context.compression());
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(1024 * 1024));
        properties.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(2 * context.maxInFlightBytes()));
        properties.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(8 * 1024 * 1024));
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        properties.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        properties.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "1000");
        properties.putAll(context.producerProperties());
        return properties;
    }
}
