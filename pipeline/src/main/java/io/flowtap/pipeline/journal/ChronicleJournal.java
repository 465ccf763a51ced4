package io.flowtap.pipeline.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The journal on Chronicle Queue: one queue per directory, binary, rolled by the context's cycle, old cycles deleted by
 * {@link CycleRetention}. Each writer gets its own appender; Chronicle's write lock orders excerpts from several
 * writers (threads or processes) in one queue.
 * <p>
 * Every opening takes the next run number from a counter kept in the queue's metadata file (or, when that file was
 * lost, from the last excerpt written), so that a second run into the same directory never reuses the first's
 * (run, source, flow id). The disk is guarded as {@link JournalSpace} says.
 */
public final class ChronicleJournal implements Journal
{
    /** Key of the run counter in the queue's metadata (a count of runs, never wrapping; the run is it modulo 2^16). */
    static final String RUN_COUNTER_KEY = "flowtap.runs";

    static
    {
        // Chronicle's own disk monitor warns, repeatedly and only in its log, when a disk is nearly full: the space
        // guard checks before every reservation instead, and says so once.
        if (System.getProperty("chronicle.disk.monitor.disable") == null)
        {
            System.setProperty("chronicle.disk.monitor.disable", "true");
        }
    }

    private final JournalContext context;
    private final SingleChronicleQueue queue;
    private final CycleRetention retention;
    private final JournalSpace space;
    private final int run;
    private final List<AutoCloseable> writers = new ArrayList<>();
    private boolean closed;

    private ChronicleJournal(final JournalContext context, final SingleChronicleQueue queue,
        final CycleRetention retention, final JournalSpace space, final int run)
    {
        this.context = context;
        this.queue = queue;
        this.retention = retention;
        this.space = space;
        this.run = run;
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
        final JournalSpace space = new JournalSpace(
            directory, context.fullPolicy(), context.rollCycle().rollCycle().defaultIndexCount());
        space.checkRoomToOpen();
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
        final int run;
        try
        {
            run = takeRun(queue);
        }
        catch (final RuntimeException ex)
        {
            queue.close();
            throw new JournalException(
                JournalException.Kind.FOREIGN, "journal " + directory + ": cannot number this run: " + ex, ex);
        }
        final ChronicleJournal journal = new ChronicleJournal(context, queue, retention, space, run);
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
            appender(), checkSource(source), run, context.maxPayloadChunk(), context.batchBytes(), space);
        writers.add(writer);
        return writer;
    }

    @Override
    public synchronized RawPacketJournal newRawPacketWriter(final int source)
    {
        final RawPacketJournal writer = new RawPacketJournal(
            appender(), checkSource(source), run, context.maxFrame(), context.batchBytes(), space);
        writers.add(writer);
        return writer;
    }

    @Override
    public int run()
    {
        return run;
    }

    @Override
    public JournalSpace space()
    {
        return space;
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

    /**
     * Count this run in the queue's metadata, atomically (other processes may open the same journal), and name it.
     * A counter of zero with excerpts in the queue means the metadata was made anew: count on from the last run
     * written, so that run numbers still do not repeat.
     */
    private static int takeRun(final SingleChronicleQueue queue)
    {
        final LongValue runs = queue.metaStore().acquireValueFor(RUN_COUNTER_KEY, 0L);
        try
        {
            while (true)
            {
                final long current = runs.getVolatileValue();
                final long base = current == 0 ? lastRunWritten(queue) : current;
                final long next = base + 1;
                if (runs.compareAndSwapValue(current, next))
                {
                    return (int)((next - 1) % JournalDescriptor.MAX_RUN) + 1;
                }
            }
        }
        finally
        {
            runs.close();
        }
    }

    /**
     * @return the run number in the queue's last excerpt, or 0 when there is none, or it predates run numbers.
     */
    private static long lastRunWritten(final SingleChronicleQueue queue)
    {
        try (ExcerptTailer tailer = queue.createTailer())
        {
            tailer.direction(TailerDirection.BACKWARD).toEnd();
            try (DocumentContext document = tailer.readingDocument())
            {
                if (!document.isPresent())
                {
                    return 0;
                }
                final Bytes<?> bytes = document.wire().bytes();
                final long at = bytes.readPosition();
                if (bytes.readRemaining() < JournalDescriptor.HEADER_LENGTH ||
                    (bytes.readUnsignedShort(at + JournalDescriptor.MAGIC_OFFSET)) != JournalDescriptor.MAGIC ||
                    bytes.readUnsignedByte(at + JournalDescriptor.VERSION_OFFSET) < 3)
                {
                    return 0;
                }
                return bytes.readUnsignedShort(at + JournalDescriptor.RUN_OFFSET);
            }
        }
        catch (final RuntimeException ex)
        {
            // A queue this run cannot read back is numbered from the counter alone.
            return 0;
        }
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
