package io.flowtap.pipeline.journal;

import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The journal on Chronicle Queue: one queue per directory, binary, rolled by the context's cycle, old cycles deleted by
 * {@link CycleRetention}. Each writer gets its own appender; Chronicle's write lock orders excerpts from several
 * writers (threads or processes) in one queue.
 */
public final class ChronicleJournal implements Journal
{
    private final JournalContext context;
    private final SingleChronicleQueue queue;
    private final CycleRetention retention;
    private final List<AutoCloseable> writers = new ArrayList<>();
    private boolean closed;

    private ChronicleJournal(final JournalContext context, final SingleChronicleQueue queue,
        final CycleRetention retention)
    {
        this.context = context;
        this.queue = queue;
        this.retention = retention;
    }

    /**
     * Open (creating when missing) the journal directory for writing.
     *
     * @param context settings; concluded here.
     * @return the journal.
     * @throws JournalException when the directory cannot be created or is not a journal.
     */
    public static ChronicleJournal open(final JournalContext context)
    {
        context.conclude();
        final Path directory = context.directory();
        try
        {
            Files.createDirectories(directory);
        }
        catch (final IOException ex)
        {
            throw new JournalException(
                JournalException.Kind.IO, "journal " + directory + ": cannot create the directory: " + ex, ex);
        }
        final CycleRetention retention = new CycleRetention(directory, context.retainCycles());
        final SingleChronicleQueueBuilder builder = SingleChronicleQueueBuilder.binary(directory)
            .rollCycle(context.rollCycle().rollCycle())
            .timeProvider(context.epochClock()::time)
            .storeFileListener(retention);
        if (context.blockSize() != 0)
        {
            builder.blockSize(context.blockSize());
        }
        final SingleChronicleQueue queue;
        try
        {
            queue = builder.build();
        }
        catch (final RuntimeException ex)
        {
            throw new JournalException(
                JournalException.Kind.FOREIGN, "journal " + directory + ": cannot open it as a journal: " + ex, ex);
        }
        final ChronicleJournal journal = new ChronicleJournal(context, queue, retention);
        retention.afterDelete(queue::refreshDirectoryListing);
        journal.sweep();
        return journal;
    }

    @Override
    public Path directory()
    {
        return context.directory();
    }

    @Override
    public synchronized JournalWriter newWriter(final int source)
    {
        final JournalWriter writer = new JournalWriter(
            appender(), checkSource(source), context.maxPayloadChunk(), context.batchBytes());
        writers.add(writer);
        return writer;
    }

    @Override
    public synchronized RawPacketJournal newRawPacketWriter(final int source)
    {
        final RawPacketJournal writer = new RawPacketJournal(
            appender(), checkSource(source), context.maxFrame(), context.batchBytes());
        writers.add(writer);
        return writer;
    }

    @Override
    public int sweep()
    {
        return retention.sweep();
    }

    /**
     * @return cycle files deleted by retention since the journal opened.
     */
    public long filesDeleted()
    {
        return retention.deleted();
    }

    /**
     * @return the settings.
     */
    public JournalContext context()
    {
        return context;
    }

    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final AutoCloseable writer : writers)
        {
            try
            {
                writer.close();
            }
            catch (final Exception ex)
            {
                // The queue's close below releases what a writer could not.
            }
        }
        writers.clear();
        queue.close();
    }

    private ExcerptAppender appender()
    {
        if (closed)
        {
            throw new IllegalStateException("journal " + context.directory() + " is closed");
        }
        final ExcerptAppender appender = queue.createAppender();
        // Created here, used by the writer's own thread: Chronicle checks that one thread uses it.
        appender.singleThreadedCheckReset();
        return appender;
    }

    private static int checkSource(final int source)
    {
        if (source < 0 || source > 0xFFFF)
        {
            throw new IllegalArgumentException("journal source must be 0..65535: " + source);
        }
        return source;
    }
}
