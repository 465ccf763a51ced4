package io.flowtap.pipeline.journal;

import io.flowtap.pipeline.journal.read.QueueReader;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a journal back, event by event, into a {@link JournalVisitor}, whatever queues it is made of: each writer of
 * a sensor (a worker's events, a poller's raw frames) has a Chronicle queue of its own in a subdirectory
 * ({@link ChronicleJournal}), and the queues are read as one, merged by time. A journal written before writers had
 * queues of their own is one queue in the directory itself, and reads as it always did.
 * <p>
 * The merge is by excerpt: of the queues that have an excerpt to read, the one whose next excerpt starts earliest (by
 * its first event's time) goes next, and its whole excerpt is delivered. Each queue's own order is kept exactly (a
 * flow is only ever in one queue, so its events arrive as its writer wrote them), and the queues interleave to within
 * one excerpt of each other: a writer commits one per batch of segments, a few hundred at most. Payload is still
 * handed over in place, nothing is copied.
 * <p>
 * This class is the front: it finds the queues and merges them. Each queue is read by a {@link QueueReader}, which
 * walks it with a tailer, decodes each excerpt with the {@link ExcerptDecoder} every reader shares, and reads on past
 * damage with a damage scanner. Damage in one queue is reported ({@link #damages()}, each naming its queue's
 * directory) and that queue read on past it; a queue read without Chronicle after damage cannot tell its next
 * excerpt's time ahead, and is drained before the others.
 * <p>
 * Not thread safe. A journal still being written can be followed: {@link #poll} returns 0 at the current end, and
 * sees later excerpts, and queues of writers that started later, on a later call.
 */
public final class JournalReader implements AutoCloseable
{
    /** Prefix of the subdirectory of a writer of flow events: {@code source-N}. */
    public static final String EVENTS_PREFIX = "source-";
    /** Prefix of the subdirectory of a writer of raw frames: {@code frames-N}. */
    public static final String FRAMES_PREFIX = "frames-";
    /** The run counter a writing journal keeps in its directory. */
    static final String RUNS_FILE = "flowtap.runs";
    /** Polls between looks for queues that appeared since (a journal being followed). */
    private static final int RESCAN_POLLS = 64;

    private final Path directory;
    private final List<QueueReader> parts = new ArrayList<>();
    private final List<Path> partDirectories = new ArrayList<>();
    private final boolean perWriter;
    private int pollsSinceRescan;

    private JournalReader(final Path directory, final boolean perWriter)
    {
        this.directory = directory;
        this.perWriter = perWriter;
    }

    /**
     * Open a journal for reading, from its first excerpt still kept.
     *
     * @param directory of the journal.
     * @return the reader.
     * @throws JournalException when the directory is missing, empty, or not a journal.
     */
    public static JournalReader open(final Path directory)
    {
        final List<Path> queues = writerQueues(directory);
        if (queues.isEmpty() && !hasCycleFiles(directory) && Files.isRegularFile(directory.resolve(RUNS_FILE)))
        {
            throw new JournalException(JournalException.Kind.EMPTY, "journal " + directory +
                ": nothing was journaled (opened for writing, but no writer wrote)");
        }
        if (queues.isEmpty())
        {
            final JournalReader reader = new JournalReader(directory, false);
            reader.add(directory, QueueReader.open(directory));
            return reader;
        }
        final JournalReader reader = new JournalReader(directory, true);
        try
        {
            if (hasCycleFiles(directory))
            {
                // Written into by a sensor from before writers had queues of their own, then by a newer one.
                reader.add(directory, QueueReader.open(directory));
            }
            for (final Path queue : queues)
            {
                if (!JournalFiles.cycleFiles(queue).isEmpty())
                {
                    // A writer that never committed an excerpt (a worker no flow went to) left only its metadata.
                    reader.add(queue, QueueReader.open(queue));
                }
            }
            if (reader.parts.isEmpty())
            {
                throw new JournalException(JournalException.Kind.EMPTY, "journal " + directory +
                    ": no cycle files, nothing was journaled (or retention deleted it all)");
            }
        }
        catch (final RuntimeException ex)
        {
            reader.close();
            throw ex;
        }
        return reader;
    }

    /**
     * Read every event to the end of every queue, merged by time; then look past each queue's last excerpt for one
     * left unfinished or unreadable, and report it ({@link #damages()}).
     *
     * @param visitor to call.
     * @return events read.
     * @throws JournalException for a newer schema version, or a queue that flowtap did not write.
     */
    public long readAll(final JournalVisitor visitor)
    {
        long total = 0;
        int read;
        while ((read = pollMerged(visitor, Integer.MAX_VALUE)) > 0)
        {
            total += read;
        }
        for (final QueueReader part : parts)
        {
            // Nothing is left in time order: this is each queue's own end (its tail, or what follows damage).
            total += part.readAll(visitor);
        }
        return total;
    }

    /**
     * Read up to about {@code limit} events (whole excerpts: the last one may take it past), merged by time.
     *
     * @param visitor to call.
     * @param limit   most events to read.
     * @return events read: 0 at the current end.
     * @throws JournalException for a newer schema version, or a queue that flowtap did not write.
     */
    public int poll(final JournalVisitor visitor, final int limit)
    {
        if (perWriter && ++pollsSinceRescan >= RESCAN_POLLS)
        {
            pollsSinceRescan = 0;
            addNewQueues();
        }
        return pollMerged(visitor, limit);
    }

    /**
     * @return the first damage met in any queue, or null while every excerpt read was good.
     */
    public JournalDamage damage()
    {
        for (final QueueReader part : parts)
        {
            if (part.damage() != null)
            {
                return part.damage();
            }
        }
        return null;
    }

    /**
     * @return every damage met so far, queue by queue, each in file order.
     */
    public List<JournalDamage> damages()
    {
        if (parts.size() == 1)
        {
            return parts.get(0).damages();
        }
        final List<JournalDamage> all = new ArrayList<>();
        for (final QueueReader part : parts)
        {
            all.addAll(part.damages());
        }
        return Collections.unmodifiableList(all);
    }

    /**
     * @return events delivered so far.
     */
    public long eventsRead()
    {
        long sum = 0;
        for (final QueueReader part : parts)
        {
            sum += part.eventsRead();
        }
        return sum;
    }

    /**
     * @return the journal's directory.
     */
    public Path directory()
    {
        return directory;
    }

    /**
     * @return the queues read: the journal's directory itself, or one subdirectory per writer.
     */
    public List<Path> queues()
    {
        return Collections.unmodifiableList(partDirectories);
    }

    @Override
    public void close()
    {
        CloseHelper.quietCloseAll(parts);
    }

    /**
     * Read a whole journal into event records (allocates: for tests and tools, not for bulk data).
     *
     * @param directory of the journal.
     * @return the events and where reading stopped, if it stopped early.
     */
    public static JournalEvent.Log readEvents(final Path directory)
    {
        try (JournalReader reader = open(directory))
        {
            final JournalEvent.Collector collector = new JournalEvent.Collector();
            reader.readAll(collector);
            return new JournalEvent.Log(collector.events(), reader.damage(), reader.damages());
        }
    }

    /**
     * @param directory of a journal.
     * @return its writers' queues, subdirectories {@code source-N} and {@code frames-N}, in name order; empty for a
     *         journal that is one queue.
     * @throws JournalException when the directory is missing or cannot be listed.
     */
    public static List<Path> writerQueues(final Path directory)
    {
        if (!Files.isDirectory(directory))
        {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory))
        {
            return entries
                .filter(Files::isDirectory)
                .filter(path -> isWriterQueueName(path.getFileName().toString()))
                .sorted()
                .toList();
        }
        catch (final IOException ex)
        {
            throw new JournalException(
                JournalException.Kind.IO, "journal " + directory + ": cannot list it: " + ex, ex);
        }
    }

    private static boolean isWriterQueueName(final String name)
    {
        return name.startsWith(EVENTS_PREFIX) || name.startsWith(FRAMES_PREFIX);
    }

    private static boolean hasCycleFiles(final Path directory)
    {
        return !JournalFiles.cycleFiles(directory).isEmpty() ||
            JournalFiles.hasMetadata(directory);
    }

    private int pollMerged(final JournalVisitor visitor, final int limit)
    {
        if (parts.size() == 1)
        {
            return parts.get(0).poll(visitor, limit);
        }
        int read = 0;
        while (read < limit)
        {
            QueueReader next = null;
            long earliest = QueueReader.NO_EXCERPT;
            for (int i = 0; i < parts.size(); i++)
            {
                final long time = parts.get(i).peekTime();
                if (time < earliest)
                {
                    earliest = time;
                    next = parts.get(i);
                }
            }
            if (next == null)
            {
                break;
            }
            final int events = next.poll(visitor, 1);
            read += events;
            if (events == 0)
            {
                // The excerpt was damaged (the queue goes on without Chronicle, from the next call) or held no event.
                break;
            }
        }
        return read;
    }

    private void add(final Path queue, final QueueReader reader)
    {
        parts.add(reader);
        partDirectories.add(queue);
    }

    private void addNewQueues()
    {
        for (final Path queue : writerQueues(directory))
        {
            if (!partDirectories.contains(queue) && !JournalFiles.cycleFiles(queue).isEmpty())
            {
                try
                {
                    add(queue, QueueReader.open(queue));
                }
                catch (final JournalException ex)
                {
                    // A writer that has made its directory but not yet its first cycle: looked at again later.
                }
            }
        }
    }
}
