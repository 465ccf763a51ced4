package io.flowtap.kafka;

import io.flowtap.pipeline.journal.ExcerptDecoder;
import io.flowtap.pipeline.journal.JournalDescriptor;
import io.flowtap.pipeline.journal.JournalException;
import io.flowtap.pipeline.journal.JournalReader;
import io.flowtap.pipeline.journal.read.QueueFollower;
import io.flowtap.pipeline.stats.CountersFile;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Ships a journal to a Kafka topic: follows each of its queues ({@code source-N}, {@code frames-N}; queues that appear
 * later too) with a {@link QueueFollower} and produces every excerpt, as written, as one record ({@link ShipRecord}).
 * An agent with a duty cycle, on a thread of its own: beside a sensor's workers, or alone in {@code flowtap ship}.
 * <p>
 * <b>At least once.</b> The producer is idempotent (the broker drops the repeats of its own retries), batches and
 * compresses; each queue's records have one key, so they are in one partition in the queue's order. The broker's
 * acknowledgements move each queue's acknowledged index, and only that goes into the {@link ShipPosition} file, every
 * half second and at the end: a shipper started again goes on after it, and sends again only what had not been
 * acknowledged. When a send fails for good (the broker was gone longer than the producer's delivery timeout), the
 * producer is closed, the shipper waits (1 s, doubling to 30 s), says so in one line, and starts again from the
 * acknowledged indexes: the journal keeps everything meanwhile. Records stored but not acknowledged are sent again;
 * consumers know them by their (sensor, queue, index) ({@link TopicReader}).
 * <p>
 * <b>Never blocks the journal's writers</b>: it only reads the journal, from another thread, and keeps at most
 * {@link ShipContext#maxInFlightBytes} unacknowledged, so that the producer's buffer never fills and {@code send}
 * never blocks; a slow or absent broker only makes it fall behind, which its lag counters show (events and bytes in
 * the journal not yet acknowledged, counted by a second follower per queue that reads ahead to the journal's end).
 * <p>
 * <b>Retention.</b> A queue whose acknowledged index is in a cycle that retention has deleted cannot go on from there:
 * the shipper counts the cycles deleted unshipped, says which in one line, and goes on from the oldest kept.
 * <p>
 * Records cost an allocation each (the value's copy, headers, a callback): Kafka's client takes nothing else. That is
 * per excerpt (a batch of hundreds of segments), on the shipper's thread and the producer's, never on a worker's.
 */
public final class JournalShipper implements Agent
{
    private static final long RESCAN_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long POSITION_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long LAG_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long STALL_NS = TimeUnit.SECONDS.toNanos(5);
    private static final long FIRST_BACKOFF_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_BACKOFF_NS = TimeUnit.SECONDS.toNanos(30);
    private static final int POLL_LIMIT = 64;
    private static final int LAG_POLL_LIMIT = 4096;
    private static final long NONE = -1;

    private final ShipContext context;
    private final ShipCounters counters;
    private final Map<String, Queue> queues = new LinkedHashMap<>();
    private final List<Queue> queueList = new ArrayList<>();
    private final Map<String, Long> savedPositions;
    private final ExcerptDecoder decoder = new ExcerptDecoder();
    private final AtomicLong inFlightBytes = new AtomicLong();
    private final AtomicLong inFlightExcerpts = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile long lastAckNs;
    private volatile int generation;
    private Producer<byte[], byte[]> producer;
    private long nextRescanNs;
    private long nextPositionNs;
    private long nextLagNs;
    private long retryAtNs;
    private long backoffNs = FIRST_BACKOFF_NS;
    private long waitingSinceNs;
    private boolean stallSaid;
    private boolean caughtUp;
    private String stopped;

    /**
     * @param context concluded.
     * @throws IllegalArgumentException when the position file is not one, or belongs to another topic or sensor.
     */
    public JournalShipper(final ShipContext context)
    {
        this.context = context;
        this.counters = new ShipCounters(context.counters() != null ? context.counters() : CountersFile.inMemory(64));
        final ShipPosition saved = ShipPosition.read(context.positionFile());
        if (saved != null && (!saved.topic().equals(context.topic()) || !saved.sensor().equals(context.sensor())))
        {
            throw new IllegalArgumentException(context.positionFile() + " holds the position of topic " +
                saved.topic() + " as sensor " + saved.sensor() + ", not of topic " + context.topic() + " as " +
                context.sensor() + ": give each its own --position");
        }
        this.savedPositions = saved == null ? new LinkedHashMap<>() : saved.acknowledged();
    }

    @Override
    public String roleName()
    {
        return "journal-shipper";
    }

    @Override
    public void onStart()
    {
        final long nowNs = System.nanoTime();
        nextRescanNs = nowNs;
        nextPositionNs = nowNs;
        nextLagNs = nowNs;
        retryAtNs = nowNs;
    }

    @Override
    public int doWork()
    {
        if (stopped != null)
        {
            return 0;
        }
        final long nowNs = System.nanoTime();
        int work = 0;
        if (nowNs - nextRescanNs >= 0)
        {
            nextRescanNs = nowNs + RESCAN_NS;
            work += openNewQueues();
        }
        if (failure.get() != null)
        {
            fail(failure.get(), nowNs);
        }
        if (producer == null)
        {
            if (nowNs - retryAtNs < 0 || !connect(nowNs))
            {
                return work + housekeeping(nowNs);
            }
            work++;
        }
        int taken = 0;
        for (int i = 0; i < queueList.size() && stopped == null; i++)
        {
            final Queue queue = queueList.get(i);
            if (inFlightBytes.get() >= context.maxInFlightBytes())
            {
                taken = -1;
                break;
            }
            final int polled = queue.follower.poll(queue, POLL_LIMIT);
            if (queue.follower.stopped() != null && !queue.stopSaid)
            {
                queue.stopSaid = true;
                counters.queuesStopped.increment();
                say(queue.name + ": " + queue.follower.stopped() + "; the rest of this queue is not shipped " +
                    "(flowtap journal tools read past such damage)");
            }
            taken += polled;
        }
        work += Math.max(taken, 0);
        caughtUp = taken == 0 && inFlightExcerpts.get() == 0 && failure.get() == null;
        if (stallSaid && nowNs - lastAckNs < STALL_NS)
        {
            stallSaid = false;
            say("acknowledgements from " + context.bootstrapServers() + " again");
        }
        if (inFlightExcerpts.get() > 0 && nowNs - lastAckNs > STALL_NS && !stallSaid)
        {
            stallSaid = true;
            say("no acknowledgement from " + context.bootstrapServers() + " for " +
                TimeUnit.NANOSECONDS.toSeconds(STALL_NS) + " s (" + inFlightExcerpts.get() + " excerpts in flight); " +
                "waiting, the journal keeps the rest");
        }
        return work + housekeeping(nowNs);
    }

    /**
     * @return whether everything the journal held at the last look was acknowledged: every queue at its end, nothing
     *         in flight, no failure pending.
     */
    public boolean caughtUp()
    {
        return caughtUp && producer != null;
    }

    /**
     * @return why shipping stopped for good (a record the broker will never take), or null.
     */
    public String stopped()
    {
        return stopped;
    }

    /**
     * @return the counters.
     */
    public ShipCounters counters()
    {
        return counters;
    }

    /**
     * @return the position file.
     */
    public Path positionFile()
    {
        return context.positionFile();
    }

    /**
     * One line of what was shipped: acknowledged, sent again, passed over, lag.
     *
     * @param elapsedNs since shipping started, for the rates.
     * @return the line, without its end.
     */
    public String summary(final long elapsedNs)
    {
        final double seconds = Math.max(elapsedNs, 1) / 1e9;
        return String.format(Locale.ROOT, "ship %s to %s as %s: %d events in %d excerpts (%d bytes) acknowledged, " +
            "%.0f events/s, %.1f MB/s; %d excerpts sent again; lag %d events (%d bytes)%s%s",
            context.journal(), context.topic(), context.sensor(), counters.eventsAcknowledged(),
            counters.excerptsAcknowledged(), counters.bytesAcknowledged(), counters.eventsAcknowledged() / seconds,
            counters.bytesAcknowledged() / seconds / 1e6, counters.excerptsResent(), counters.lagEvents(),
            counters.lagBytes(),
            counters.excerptsDamaged() > 0 ? "; " + counters.excerptsDamaged() + " damaged excerpts not shipped" : "",
            counters.cyclesLost() > 0 ? "; " + counters.cyclesLost() + " cycle files deleted before shipped" : "");
    }

    /**
     * Look at the journal's queues again and measure the lag now (not only every half second).
     */
    public void refresh()
    {
        openNewQueues();
        measureLag();
    }

    @Override
    public void onClose()
    {
        if (producer != null)
        {
            try
            {
                // Whatever is still in flight gets its chance to be acknowledged, so the position is as far as it can.
                producer.flush();
            }
            catch (final KafkaException ex)
            {
                // Not acknowledged: the position stays behind it, and a later run sends it again.
            }
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
        writePosition();
        measureLag();
        for (final Queue queue : queueList)
        {
            queue.follower.close();
            queue.scout.close();
        }
        queueList.clear();
        queues.clear();
    }

    private int housekeeping(final long nowNs)
    {
        int work = 0;
        if (nowNs - nextPositionNs >= 0)
        {
            nextPositionNs = nowNs + POSITION_INTERVAL_NS;
            work += writePosition() ? 1 : 0;
        }
        if (nowNs - nextLagNs >= 0)
        {
            nextLagNs = nowNs + LAG_INTERVAL_NS;
            measureLag();
        }
        return work;
    }

    private boolean connect(final long nowNs)
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
        final Producer<byte[], byte[]> created;
        try
        {
            created = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
        }
        catch (final KafkaException ex)
        {
            backOff(nowNs, "cannot make a producer for " + context.bootstrapServers() + ": " + message(ex));
            return false;
        }
        try
        {
            // Blocks up to max.block.ms: the broker is asked for the topic before anything is sent, so that a send
            // never waits for metadata on this thread.
            created.partitionsFor(context.topic());
        }
        catch (final KafkaException ex)
        {
            created.close(Duration.ZERO);
            backOff(nowNs, "cannot reach " + context.bootstrapServers() + " for topic " + context.topic() + ": " +
                message(ex));
            return false;
        }
        producer = created;
        lastAckNs = System.nanoTime();
        stallSaid = false;
        if (waitingSinceNs != 0)
        {
            say("broker " + context.bootstrapServers() + " reached after " +
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - waitingSinceNs) + " s: shipping again from the " +
                "last acknowledged excerpts");
            waitingSinceNs = 0;
        }
        counters.waiting.setOrdered(0);
        backoffNs = FIRST_BACKOFF_NS;
        return true;
    }

    private void backOff(final long nowNs, final String reason)
    {
        counters.brokerFailures.increment();
        counters.waiting.setOrdered(1);
        if (waitingSinceNs == 0)
        {
            waitingSinceNs = nowNs;
        }
        measureLag();
        say(reason + "; retrying in " + TimeUnit.NANOSECONDS.toSeconds(backoffNs) + " s, " + counters.lagEvents() +
            " events (" + counters.lagBytes() + " bytes) wait in the journal");
        retryAtNs = nowNs + backoffNs;
        backoffNs = Math.min(MAX_BACKOFF_NS, backoffNs * 2);
    }

    /**
     * A send failed for good: drop the producer and everything in flight, and start again from what was acknowledged.
     */
    private void fail(final Exception cause, final long nowNs)
    {
        if (cause instanceof RecordTooLargeException)
        {
            stopped = "an excerpt is larger than the broker or topic takes (" + message(cause) + "): raise the " +
                "topic's max.message.bytes, or give --producer-property max.request.size=BYTES";
            say(stopped);
        }
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
        for (final Queue queue : queueList)
        {
            queue.rewind();
        }
        if (stopped == null)
        {
            backOff(nowNs, "sending to " + context.bootstrapServers() + " failed (" + message(cause) + ")");
        }
    }

    private int openNewQueues()
    {
        int opened = 0;
        final List<Path> directories = new ArrayList<>(JournalReader.writerQueues(context.journal()));
        if (directories.isEmpty() && Files.isRegularFile(context.journal().resolve("metadata.cq4t")))
        {
            // A journal from before writers had queues of their own: one queue, the directory itself.
            directories.add(context.journal());
        }
        for (final Path directory : directories)
        {
            final String name = directory.equals(context.journal()) ? "." : directory.getFileName().toString();
            if (queues.containsKey(name))
            {
                continue;
            }
            final QueueFollower follower;
            final QueueFollower scout;
            try
            {
                follower = QueueFollower.open(directory);
                scout = QueueFollower.open(directory);
            }
            catch (final JournalException ex)
            {
                // A writer that has made its directory but not yet its first cycle: looked at again later.
                continue;
            }
            final Queue queue = new Queue(name, follower, scout);
            queues.put(name, queue);
            queueList.add(queue);
            final Long saved = savedPositions.get(name);
            if (saved != null)
            {
                queue.resumeAfter(saved);
            }
            opened++;
        }
        return opened;
    }

    private boolean writePosition()
    {
        boolean changed = false;
        for (final Queue queue : queueList)
        {
            final long acked = queue.acked;
            if (acked != NONE && acked != queue.written)
            {
                savedPositions.put(queue.name, acked);
                queue.written = acked;
                changed = true;
            }
        }
        if (changed)
        {
            new ShipPosition(context.topic(), context.sensor(), savedPositions).write(context.positionFile());
        }
        return changed;
    }

    private void measureLag()
    {
        long events = 0;
        long bytes = 0;
        for (final Queue queue : queueList)
        {
            while (queue.scout.poll(queue.counting, LAG_POLL_LIMIT) > 0)
            {
                // The scout counts what it passes.
            }
            events += queue.journalEvents - queue.ackedEvents.get();
            bytes += queue.journalBytes - queue.ackedBytes.get();
        }
        counters.lagEvents.setOrdered(Math.max(0, events));
        counters.lagBytes.setOrdered(Math.max(0, bytes));
    }

    private void say(final String line)
    {
        context.log().accept(line);
    }

    private static String message(final Throwable ex)
    {
        Throwable cause = ex;
        while (cause.getCause() != null && cause.getMessage() == null)
        {
            cause = cause.getCause();
        }
        final String text = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        final int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    /** One queue of the journal: its follower, its scout for the lag, its acknowledged index. */
    private final class Queue implements QueueFollower.Excerpts
    {
        final String name;
        final QueueFollower follower;
        final QueueFollower scout;
        final byte[] key;
        final byte[] sensor;
        final byte[] queueName;
        final AtomicLong ackedEvents = new AtomicLong();
        final AtomicLong ackedBytes = new AtomicLong();
        final QueueFollower.Excerpts counting = new QueueFollower.Excerpts()
        {
            @Override
            public void onExcerpt(final long index, final UnsafeBuffer buffer, final int offset, final int length)
            {
                journalEvents += decoder.countEvents(buffer, offset, length);
                journalBytes += length;
            }

            @Override
            public void onDamaged(final long index, final int length, final String reason)
            {
            }
        };
        volatile long acked = NONE;
        long written = NONE;
        long journalEvents;
        long journalBytes;
        boolean stopSaid;

        Queue(final String name, final QueueFollower follower, final QueueFollower scout)
        {
            this.name = name;
            this.follower = follower;
            this.scout = scout;
            this.key = ShipRecord.key(context.sensor(), name);
            this.sensor = context.sensor().getBytes(StandardCharsets.UTF_8);
            this.queueName = name.getBytes(StandardCharsets.UTF_8);
        }

        void resumeAfter(final long index)
        {
            acked = index;
            written = index;
            if (!follower.moveAfter(index))
            {
                final int first = follower.firstCycle();
                final int cycle = follower.cycle(index);
                if (first > cycle)
                {
                    counters.cyclesLost.getAndAdd(first - cycle);
                    say(name + ": retention deleted its cycles from the one of excerpt 0x" +
                        Long.toHexString(index) + " on (" + (first - cycle) + " cycles) before they were shipped: " +
                        "the excerpts in them after it are not in Kafka; shipping goes on from the oldest kept");
                }
                else
                {
                    say(name + ": its shipped position 0x" + Long.toHexString(index) + " is not in the queue (the " +
                        "journal was made anew?): shipping it from its first excerpt");
                }
                scout.moveToStart();
                return;
            }
            scout.moveAfter(index);
        }

        void rewind()
        {
            final long index = acked;
            if (index == NONE)
            {
                follower.moveToStart();
            }
            else
            {
                follower.moveAfter(index);
            }
        }

        @Override
        public void onExcerpt(final long index, final UnsafeBuffer buffer, final int offset, final int length)
        {
            final byte[] value = new byte[length];
            buffer.getBytes(offset, value);
            final int events = decoder.countEvents(buffer, offset, length);
            final RecordHeaders headers = new RecordHeaders();
            headers.add(ShipRecord.SENSOR, sensor);
            headers.add(ShipRecord.QUEUE, queueName);
            headers.add(ShipRecord.INDEX, ShipRecord.text(index));
            headers.add(ShipRecord.RUN, ShipRecord.text(JournalDescriptor.run(buffer)));
            headers.add(ShipRecord.SOURCE, ShipRecord.text(JournalDescriptor.source(buffer)));
            headers.add(ShipRecord.SCHEMA, ShipRecord.text(JournalDescriptor.version(buffer)));
            inFlightBytes.addAndGet(length);
            inFlightExcerpts.incrementAndGet();
            counters.excerptsSent.increment();
            counters.bytesSent.getAndAdd(length);
            try
            {
                producer.send(new ProducerRecord<>(context.topic(), null, key, value, headers),
                    new Ack(this, generation, index, events, length));
            }
            catch (final KafkaException ex)
            {
                failure.compareAndSet(null, ex);
            }
        }

        @Override
        public void onDamaged(final long index, final int length, final String reason)
        {
            counters.excerptsDamaged.increment();
            say(name + ": excerpt 0x" + Long.toHexString(index) + " (" + length + " bytes) is damaged (" + reason +
                "): not shipped");
        }
    }

    /** The broker's answer to one record, on the producer's I/O thread. */
    private final class Ack implements Callback
    {
        private final Queue queue;
        private final int sentGeneration;
        private final long index;
        private final int events;
        private final int bytes;

        Ack(final Queue queue, final int sentGeneration, final long index, final int events, final int bytes)
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
            if (index > queue.acked || queue.acked == NONE)
            {
                queue.acked = index;
                queue.ackedEvents.addAndGet(events);
                queue.ackedBytes.addAndGet(bytes);
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
