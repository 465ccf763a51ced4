package io.flowtap.kafka;

import io.flowtap.pipeline.journal.ExcerptDecoder;
import io.flowtap.pipeline.journal.JournalDescriptor;
import io.flowtap.pipeline.journal.read.QueueFollower;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One queue of a shipped journal ({@code source-N}, {@code frames-N}): its follower, which hands each excerpt to the
 * {@link ShipSender} as one record; its scout, a second follower that reads ahead to the journal's end to count the
 * lag; and its acknowledged index, which the broker's answers move and the position file keeps.
 * <p>
 * Threads: the shipper's thread follows, sends and rewinds; the producer's I/O thread acknowledges
 * ({@link #acknowledged}).
 */
final class ShippedQueue implements QueueFollower.Excerpts
{
    /** No excerpt acknowledged yet. */
    static final long NONE = -1;

    final String name;
    final QueueFollower follower;
    final QueueFollower scout;
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
    boolean stopSaid;
    private final ShipSender sender;
    private final ShipCounters counters;
    private final ExcerptDecoder decoder;
    private final Consumer<String> log;
    private final byte[] key;
    private final byte[] sensor;
    private final byte[] queueName;
    private final AtomicLong ackedEvents = new AtomicLong();
    private final AtomicLong ackedBytes = new AtomicLong();
    private long journalEvents;
    private long journalBytes;

    /**
     * @param name     of the queue: its directory's, or "." for a journal that is one queue.
     * @param follower that ships it.
     * @param scout    that counts the lag.
     * @param sensor   the shipping sensor's name.
     * @param sender   of the records.
     * @param counters of the shipper.
     * @param decoder  to count an excerpt's events, the shipper's.
     * @param log      for the shipper's lines.
     */
    ShippedQueue(
        final String name,
        final QueueFollower follower,
        final QueueFollower scout,
        final String sensor,
        final ShipSender sender,
        final ShipCounters counters,
        final ExcerptDecoder decoder,
        final Consumer<String> log)
    {
        this.name = name;
        this.follower = follower;
        this.scout = scout;
        this.sender = sender;
        this.counters = counters;
        this.decoder = decoder;
        this.log = log;
        this.key = ShipRecord.key(sensor, name);
        this.sensor = sensor.getBytes(StandardCharsets.UTF_8);
        this.queueName = name.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Go on after the excerpt a position file says was acknowledged; when it is gone, from the first kept, saying why.
     *
     * @param index acknowledged in an earlier run.
     */
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
                log.accept(name + ": retention deleted its cycles from the one of excerpt 0x" +
                    Long.toHexString(index) + " on (" + (first - cycle) + " cycles) before they were shipped: " +
                    "the excerpts in them after it are not in Kafka; shipping goes on from the oldest kept");
            }
            else
            {
                log.accept(name + ": its shipped position 0x" + Long.toHexString(index) + " is not in the queue (the " +
                    "journal was made anew?): shipping it from its first excerpt");
            }
            scout.moveToStart();
            return;
        }
        scout.moveAfter(index);
    }

    /**
     * Go back to the excerpt after the last acknowledged, to send again what was in flight.
     */
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

    /**
     * The broker acknowledged an excerpt (the producer's I/O thread).
     *
     * @param index  of the excerpt.
     * @param events in it.
     * @param bytes  in it.
     * @return whether it moved the acknowledged index on (not a repeat of one already acknowledged).
     */
    boolean acknowledged(final long index, final int events, final int bytes)
    {
        if (index > acked || acked == NONE)
        {
            acked = index;
            ackedEvents.addAndGet(events);
            ackedBytes.addAndGet(bytes);
            return true;
        }
        return false;
    }

    /**
     * @return events the scout has seen in the journal and the broker has not acknowledged.
     */
    long lagEvents()
    {
        return journalEvents - ackedEvents.get();
    }

    /**
     * @return bytes the scout has seen in the journal and the broker has not acknowledged.
     */
    long lagBytes()
    {
        return journalBytes - ackedBytes.get();
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
        sender.send(this, index, key, value, headers, events);
    }

    @Override
    public void onDamaged(final long index, final int length, final String reason)
    {
        counters.excerptsDamaged.increment();
        log.accept(name + ": excerpt 0x" + Long.toHexString(index) + " (" + length + " bytes) is damaged (" + reason +
            "): not shipped");
    }
}
