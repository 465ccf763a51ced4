package io.flowtap.kafka;

import io.flowtap.pipeline.journal.ExcerptDecoder;
import io.flowtap.pipeline.journal.JournalException;
import io.flowtap.pipeline.journal.JournalFiles;
import io.flowtap.pipeline.journal.JournalReader;
import io.flowtap.pipeline.journal.read.QueueFollower;
import io.flowtap.pipeline.stats.CountersFile;
import org.agrona.concurrent.Agent;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.errors.RecordTooLargeException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
 * <p>
 * This class is the follow loop; its parts each have a class: {@link ShippedQueue} (a queue's follower, scout and
 * acknowledged index), {@link ShipSender} (the producer, what is in flight, the broker's answers),
 * {@link ShipProducer} (making a producer), {@link ShipBackoff} (when to try the broker again) and
 * {@link ShipProgress} (the position file).
 */
public final class JournalShipper implements Agent
{
    private static final long RESCAN_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long POSITION_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long LAG_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long STALL_NS = TimeUnit.SECONDS.toNanos(5);
    private static final int POLL_LIMIT = 64;
    private static final int LAG_POLL_LIMIT = 4096;

    private final ShipContext context;
    private final ShipCounters counters;
    private final Map<String, ShippedQueue> queues = new LinkedHashMap<>();
    private final List<ShippedQueue> queueList = new ArrayList<>();
    private final ShipProgress progress;
    private final ShipProducer producers;
    private final ShipSender sender;
    private final ShipBackoff backoff = new ShipBackoff();
    private final ExcerptDecoder decoder = new ExcerptDecoder();
    private long nextRescanNs;
    private long nextPositionNs;
    private long nextLagNs;
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
        this.progress = new ShipProgress(context);
        this.producers = new ShipProducer(context);
        this.sender = new ShipSender(context.topic(), counters);
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
        backoff.start(nowNs);
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
        if (sender.failure() != null)
        {
            fail(sender.failure(), nowNs);
        }
        if (!sender.connected())
        {
            if (!backoff.due(nowNs) || !connect(nowNs))
            {
                return work + housekeeping(nowNs);
            }
            work++;
        }
        int taken = 0;
        for (int i = 0; i < queueList.size() && stopped == null; i++)
        {
            final ShippedQueue queue = queueList.get(i);
            if (sender.inFlightBytes() >= context.maxInFlightBytes())
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
        caughtUp = taken == 0 && sender.inFlightExcerpts() == 0 && sender.failure() == null;
        if (stallSaid && nowNs - sender.lastAckNs() < STALL_NS)
        {
            stallSaid = false;
            say("acknowledgements from " + context.bootstrapServers() + " again");
        }
        if (sender.inFlightExcerpts() > 0 && nowNs - sender.lastAckNs() > STALL_NS && !stallSaid)
        {
            stallSaid = true;
            say("no acknowledgement from " + context.bootstrapServers() + " for " +
                TimeUnit.NANOSECONDS.toSeconds(STALL_NS) + " s (" + sender.inFlightExcerpts() + " excerpts in " +
                "flight); waiting, the journal keeps the rest");
        }
        return work + housekeeping(nowNs);
    }

    /**
     * @return whether everything the journal held at the last look was acknowledged: every queue at its end, nothing
     *         in flight, no failure pending.
     */
    public boolean caughtUp()
    {
        return caughtUp && sender.connected();
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
        sender.close();
        progress.write(queueList);
        measureLag();
        for (final ShippedQueue queue : queueList)
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
            work += progress.write(queueList) ? 1 : 0;
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
        final Producer<byte[], byte[]> created = producers.open();
        if (created == null)
        {
            backOff(nowNs, producers.problem());
            return false;
        }
        sender.connect(created);
        stallSaid = false;
        final long waitedNs = backoff.reached(System.nanoTime());
        if (waitedNs >= 0)
        {
            say("broker " + context.bootstrapServers() + " reached after " +
                TimeUnit.NANOSECONDS.toSeconds(waitedNs) + " s: shipping again from the last acknowledged excerpts");
        }
        counters.waiting.setOrdered(0);
        return true;
    }

    private void backOff(final long nowNs, final String reason)
    {
        counters.brokerFailures.increment();
        counters.waiting.setOrdered(1);
        final long waitNs = backoff.failed(nowNs);
        measureLag();
        say(reason + "; retrying in " + TimeUnit.NANOSECONDS.toSeconds(waitNs) + " s, " + counters.lagEvents() +
            " events (" + counters.lagBytes() + " bytes) wait in the journal");
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
        sender.abandon();
        for (final ShippedQueue queue : queueList)
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
        if (directories.isEmpty() && JournalFiles.hasMetadata(context.journal()))
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
            final ShippedQueue queue = new ShippedQueue(name, follower, scout, context.sensor(), sender, counters,
                decoder, context.log());
            queues.put(name, queue);
            queueList.add(queue);
            final Long saved = progress.saved(name);
            if (saved != null)
            {
                queue.resumeAfter(saved);
            }
            opened++;
        }
        return opened;
    }

    private void measureLag()
    {
        long events = 0;
        long bytes = 0;
        for (final ShippedQueue queue : queueList)
        {
            while (queue.scout.poll(queue.counting, LAG_POLL_LIMIT) > 0)
            {
                // The scout counts what it passes.
            }
            events += queue.lagEvents();
            bytes += queue.lagBytes();
        }
        counters.lagEvents.setOrdered(Math.max(0, events));
        counters.lagBytes.setOrdered(Math.max(0, bytes));
    }

    private void say(final String line)
    {
        context.log().accept(line);
    }

    /**
     * @param ex from Kafka's client.
     * @return its message (or its first cause's that has one), one line.
     */
    static String message(final Throwable ex)
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
}
