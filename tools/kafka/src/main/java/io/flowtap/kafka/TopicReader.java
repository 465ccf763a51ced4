package io.flowtap.kafka;

import io.flowtap.pipeline.journal.ExcerptDecoder;
import io.flowtap.pipeline.journal.JournalDescriptor;
import io.flowtap.pipeline.journal.JournalException;
import io.flowtap.pipeline.journal.JournalVisitor;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Reads a topic that {@link JournalShipper}s ship to, as the journal tools read a directory: every record's excerpt is
 * decoded by the file readers' own {@link ExcerptDecoder} into a {@link JournalVisitor}, with {@link #sensor()}
 * naming the sensor whose excerpt is being delivered, so that tools key flows by (sensor, run, source, flow id).
 * <p>
 * Without a group it reads every partition from its start to where it ended when the reader opened (or, following,
 * on and on), and commits nothing. With a group it starts where the group's last reader committed and commits where it
 * stops, so that a reader run again takes only what is new.
 * <p>
 * A record sent twice (a shipper restarted before the broker's acknowledgement reached it) has the same (sensor,
 * queue, index) as one read before it in the same partition: it is counted ({@link #repeats()}) and skipped, so the
 * events arrive once. A record that is not a flowtap excerpt, or whose events are not what the schema says, is one
 * {@link #problems()} line naming its partition and offset, and reading goes on; one of a newer schema version is a
 * {@link JournalException}.
 * <p>
 * Not thread safe; allocates per record (Kafka's client does).
 */
public final class TopicReader implements AutoCloseable
{
    /** How long the broker has to answer the reader's first questions (the topic's partitions, their ends). */
    public static final Duration OPEN_TIMEOUT = Duration.ofSeconds(10);
    private static final long STALL_NS = TimeUnit.SECONDS.toNanos(30);

    private final String topic;
    private final String bootstrapServers;
    private final String sensorFilter;
    private final boolean follow;
    private final boolean commit;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions;
    private final Map<TopicPartition, Long> endOffsets;
    private final ExcerptDecoder decoder = new ExcerptDecoder();
    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
    private final Map<String, Long> lastIndex = new HashMap<>();
    private final Set<String> sensors = new TreeSet<>();
    private final List<String> problems = new ArrayList<>();
    private Iterator<ConsumerRecord<byte[], byte[]>> pending = Collections.emptyIterator();
    private String sensor = "";
    private boolean atEnd;
    private boolean closed;
    private long records;
    private long repeats;
    private long lastProgressNs = System.nanoTime();

    private TopicReader(
        final String bootstrapServers,
        final String topic,
        final String sensorFilter,
        final boolean follow,
        final boolean commit,
        final KafkaConsumer<byte[], byte[]> consumer,
        final List<TopicPartition> partitions,
        final Map<TopicPartition, Long> endOffsets)
    {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.sensorFilter = sensorFilter;
        this.follow = follow;
        this.commit = commit;
        this.consumer = consumer;
        this.partitions = partitions;
        this.endOffsets = endOffsets;
    }

    /**
     * Open a topic for reading.
     *
     * @param bootstrapServers {@code HOST:PORT[,...]}.
     * @param topic            to read.
     * @param sensor           only this sensor's records, or null for every sensor's.
     * @param group            a consumer group to start from and commit to, or null.
     * @param follow           whether to go on reading what arrives after the end.
     * @return the reader.
     * @throws JournalException with one line when the broker cannot be reached or the topic does not exist.
     */
    public static TopicReader open(
        final String bootstrapServers,
        final String topic,
        final String sensor,
        final String group,
        final boolean follow)
    {
        final Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "flowtap-journal");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(OPEN_TIMEOUT.toMillis()));
        properties.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(OPEN_TIMEOUT.toMillis()));
        properties.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 * 1024 * 1024));
        properties.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        if (group != null)
        {
            properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        final KafkaConsumer<byte[], byte[]> consumer;
        try
        {
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
        catch (final KafkaException ex)
        {
            throw new JournalException(JournalException.Kind.IO, "kafka " + bootstrapServers + ": " + message(ex), ex);
        }
        try
        {
            final List<PartitionInfo> infos = consumer.partitionsFor(topic, OPEN_TIMEOUT);
            if (infos == null || infos.isEmpty())
            {
                throw new JournalException(JournalException.Kind.MISSING, "kafka " + bootstrapServers + ": no topic " +
                    topic);
            }
            final List<TopicPartition> partitions = new ArrayList<>();
            for (final PartitionInfo info : infos)
            {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            final Map<TopicPartition, OffsetAndMetadata> committed = group == null ? Map.of() :
                consumer.committed(new HashSet<>(partitions), OPEN_TIMEOUT);
            for (final TopicPartition partition : partitions)
            {
                final OffsetAndMetadata offset = committed.get(partition);
                if (offset != null)
                {
                    consumer.seek(partition, offset.offset());
                }
                else
                {
                    consumer.seekToBeginning(List.of(partition));
                }
            }
            final Map<TopicPartition, Long> ends = follow ? Map.of() : consumer.endOffsets(partitions, OPEN_TIMEOUT);
            return new TopicReader(bootstrapServers, topic, sensor, follow, group != null, consumer, partitions, ends);
        }
        catch (final KafkaException ex)
        {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            throw new JournalException(JournalException.Kind.IO, "kafka " + bootstrapServers + ": cannot read topic " +
                topic + ": " + message(ex), ex);
        }
        catch (final JournalException ex)
        {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            throw ex;
        }
    }

    /**
     * Read up to about {@code limit} events (whole records: the last one may take it past).
     *
     * @param visitor to call.
     * @param limit   most events to read.
     * @return events read: 0 at the end (not following), or when nothing has arrived now (following).
     * @throws JournalException for a record of a newer schema version.
     */
    public int poll(final JournalVisitor visitor, final int limit)
    {
        int read = 0;
        while (read < limit)
        {
            if (pending.hasNext())
            {
                read += deliver(visitor, pending.next());
                continue;
            }
            if (atEnd)
            {
                break;
            }
            if (!follow && reachedEnd())
            {
                atEnd = true;
                break;
            }
            final ConsumerRecords<byte[], byte[]> batch;
            try
            {
                batch = consumer.poll(Duration.ofMillis(follow ? 100 : 500));
            }
            catch (final KafkaException ex)
            {
                problems.add("kafka " + bootstrapServers + ": reading topic " + topic + " failed: " + message(ex));
                atEnd = true;
                break;
            }
            if (batch.isEmpty())
            {
                if (follow)
                {
                    break;
                }
                if (System.nanoTime() - lastProgressNs > STALL_NS)
                {
                    problems.add("kafka " + bootstrapServers + ": no records of topic " + topic + " for " +
                        TimeUnit.NANOSECONDS.toSeconds(STALL_NS) + " s before its end; stopped there");
                    atEnd = true;
                    break;
                }
                continue;
            }
            lastProgressNs = System.nanoTime();
            pending = batch.iterator();
        }
        return read;
    }

    /**
     * Read everything to the end (not following).
     *
     * @param visitor to call.
     * @return events read.
     */
    public long readAll(final JournalVisitor visitor)
    {
        long total = 0;
        int read;
        while ((read = poll(visitor, 4096)) > 0)
        {
            total += read;
        }
        return total;
    }

    /**
     * @return the sensor whose events are being delivered: valid during a visitor's call.
     */
    public String sensor()
    {
        return sensor;
    }

    /**
     * @return records taken (repeats and problems included).
     */
    public long records()
    {
        return records;
    }

    /**
     * @return records skipped because they were read before (sent twice).
     */
    public long repeats()
    {
        return repeats;
    }

    /**
     * @return the sensors whose records were read.
     */
    public Set<String> sensors()
    {
        return Collections.unmodifiableSet(sensors);
    }

    /**
     * @return one line per record that could not be read whole, and per failure to read.
     */
    public List<String> problems()
    {
        return Collections.unmodifiableList(problems);
    }

    /**
     * @return the topic.
     */
    public String topic()
    {
        return topic;
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            if (commit)
            {
                final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (final TopicPartition partition : partitions)
                {
                    offsets.put(partition, new OffsetAndMetadata(consumer.position(partition, OPEN_TIMEOUT)));
                }
                consumer.commitSync(offsets, OPEN_TIMEOUT);
            }
        }
        catch (final KafkaException ex)
        {
            problems.add("kafka " + bootstrapServers + ": cannot commit the group's offsets: " + message(ex));
        }
        finally
        {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(1)));
        }
    }

    private boolean reachedEnd()
    {
        for (final TopicPartition partition : partitions)
        {
            final Long end = endOffsets.get(partition);
            if (end != null && consumer.position(partition, OPEN_TIMEOUT) < end)
            {
                return false;
            }
        }
        return true;
    }

    private int deliver(final JournalVisitor visitor, final ConsumerRecord<byte[], byte[]> record)
    {
        records++;
        final String recordSensor = ShipRecord.text(record.headers(), ShipRecord.SENSOR);
        final String queue = ShipRecord.text(record.headers(), ShipRecord.QUEUE);
        final String indexText = ShipRecord.text(record.headers(), ShipRecord.INDEX);
        final byte[] value = record.value();
        if (recordSensor == null || queue == null || indexText == null || value == null)
        {
            problem(record, "not a flowtap journal record (no " + ShipRecord.SENSOR + ", " + ShipRecord.QUEUE + " or " +
                ShipRecord.INDEX + " header, or no value)");
            return 0;
        }
        if (sensorFilter != null && !sensorFilter.equals(recordSensor))
        {
            return 0;
        }
        final long index;
        try
        {
            index = Long.parseLong(indexText);
        }
        catch (final NumberFormatException ex)
        {
            problem(record, "its " + ShipRecord.INDEX + " header is '" + indexText + "', not a number");
            return 0;
        }
        final String queueKey = recordSensor + "/" + queue;
        final Long last = lastIndex.get(queueKey);
        if (last != null && index <= last)
        {
            repeats++;
            return 0;
        }
        lastIndex.put(queueKey, index);
        sensors.add(recordSensor);
        buffer.wrap(value);
        final String headerProblem = ExcerptDecoder.headerProblem(buffer, 0, value.length);
        if (headerProblem != null)
        {
            problem(record, headerProblem);
            return 0;
        }
        final int version = ExcerptDecoder.version(buffer, 0);
        if (version > JournalDescriptor.SCHEMA_VERSION)
        {
            throw ExcerptDecoder.newerSchema("topic " + topic + " partition " + record.partition() + " offset " +
                record.offset(), version, "");
        }
        sensor = recordSensor;
        final String problem = decoder.decode(visitor, buffer, 0, value.length);
        if (problem != null)
        {
            problem(record, problem + " (the " + decoder.eventsDelivered() + " events before it were read)");
        }
        return decoder.eventsDelivered();
    }

    private void problem(final ConsumerRecord<byte[], byte[]> record, final String reason)
    {
        problems.add("topic " + topic + " partition " + record.partition() + " offset " + record.offset() + ": " +
            reason);
    }

    private static String message(final Throwable ex)
    {
        final String text = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        final int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
