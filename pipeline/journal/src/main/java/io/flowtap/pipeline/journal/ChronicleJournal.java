package io.flowtap.pipeline.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The journal on Chronicle Queue: one queue per writer, each in a subdirectory of the journal's directory
 * ({@code source-N} for a worker's flow events, {@code frames-N} for a poller's raw frames), binary, rolled by the
 * context's cycle, old cycles deleted by each queue's {@link CycleRetention}. One writer per queue: no two threads
 * ever contend for a queue's write lock, and each queue's excerpts are in its writer's own order.
 * {@link JournalReader} reads the queues back as one, merged by time.
 * <p>
 * Every opening takes the next run number from a counter in the directory ({@code flowtap.runs}, a count of runs
 * that never wraps, incremented atomically so that processes opening the same journal each get their own; when the
 * file is missing, the count goes on from the last run written in any queue), so that a second run into the same
 * directory never reuses the first's (run, source, flow id). The disk is guarded as {@link JournalSpace} says.
 */
public final class ChronicleJournal implements Journal
{
    /** The file holding the run counter, in the journal's directory. */
    static final String RUN_COUNTER_FILE = JournalReader.RUNS_FILE;
    /** Key of the run counter in a queue's metadata, where journals of one queue kept it. */
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
    private final JournalSpace space;
    private final int run;
    private final Map<String, Queue> queues = new LinkedHashMap<>();
    private final List<AutoCloseable> writers = new ArrayList<>();
    private boolean closed;

    private ChronicleJournal(final JournalContext context, final JournalSpace space, final int run)
    {
        this.context = context;
        this.space = space;
        this.run = run;
    }

    /**
     * Open (creating when missing) the journal directory for writing, and number this run. The writers' queues are
     * made as writers are.
     *
     * @param context where and how; concluded here.
     * @return the journal.
     * @throws JournalException when the directory cannot be made, its file system has no room, or it is not a
     *                          journal.
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
        final int run;
        try
        {
            run = takeRun(directory);
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new JournalException(
                JournalException.Kind.FOREIGN, "journal " + directory + ": cannot number this run: " + ex, ex);
        }
        final ChronicleJournal journal = new ChronicleJournal(context, space, run);
        for (final Path existing : JournalReader.writerQueues(directory))
        {
            // Retention applies to the queues of earlier runs too, not only to those this run writes.
            journal.queue(existing.getFileName().toString());
        }
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
            appender(JournalReader.EVENTS_PREFIX + checkSource(source)), source, run, context.maxPayloadChunk(),
            context.batchBytes(), space);
        writers.add(writer);
        return writer;
    }

    @Override
    public synchronized RawPacketJournal newRawPacketWriter(final int source)
    {
        final RawPacketJournal writer = new RawPacketJournal(
            appender(JournalReader.FRAMES_PREFIX + checkSource(source)), source, run, context.maxFrame(),
            context.batchBytes(), space);
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
    public synchronized int sweep()
    {
        int deleted = 0;
        for (final Queue queue : queues.values())
        {
            deleted += queue.retention.sweep();
        }
        return deleted;
    }

    /**
     * @return cycle files deleted by retention, over every queue.
     */
    public synchronized long filesDeleted()
    {
        long deleted = 0;
        for (final Queue queue : queues.values())
        {
            deleted += queue.retention.deleted();
        }
        return deleted;
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
        for (final Queue queue : queues.values())
        {
            queue.queue.close();
        }
        queues.clear();
    }

    private ExcerptAppender appender(final String name)
    {
        if (closed)
        {
            throw new IllegalStateException("journal " + context.directory() + " is closed");
        }
        final ExcerptAppender appender = queue(name).queue.createAppender();
        // Created here, used by the writer's own thread: Chronicle checks that one thread uses it.
        appender.singleThreadedCheckReset();
        return appender;
    }

    private Queue queue(final String name)
    {
        Queue queue = queues.get(name);
        if (queue == null)
        {
            final Path directory = context.directory().resolve(name);
            final CycleRetention retention = new CycleRetention(directory, context.retainCycles());
            final SingleChronicleQueueBuilder builder = SingleChronicleQueueBuilder.binary(directory)
                .rollCycle(context.rollCycle().rollCycle())
                .timeProvider(context.epochClock()::time)
                .storeFileListener(retention);
            if (context.blockSize() != 0)
            {
                builder.blockSize(context.blockSize());
            }
            final SingleChronicleQueue chronicle;
            try
            {
                chronicle = builder.build();
            }
            catch (final RuntimeException ex)
            {
                throw new JournalException(
                    JournalException.Kind.FOREIGN, "journal " + directory + ": cannot open it as a journal: " + ex, ex);
            }
            retention.afterDelete(chronicle::refreshDirectoryListing);
            queue = new Queue(chronicle, retention);
            queues.put(name, queue);
        }
        return queue;
    }

    /**
     * Count this run in the directory's counter file, atomically across processes (a compare-and-set on a shared
     * mapping of it). A counter of zero (the file is new) counts on from the last run written in any queue there, so
     * that run numbers still do not repeat when the file was lost, or the journal was written before it existed.
     */
    private static int takeRun(final Path directory) throws IOException
    {
        try (FileChannel channel = FileChannel.open(directory.resolve(RUN_COUNTER_FILE),
            StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            if (channel.size() < Long.BYTES)
            {
                channel.write(ByteBuffer.allocate(Long.BYTES), 0);
            }
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, Long.BYTES);
            try
            {
                final UnsafeBuffer counter = new UnsafeBuffer(mapped);
                while (true)
                {
                    final long current = counter.getLongVolatile(0);
                    final long base = current == 0 ? lastRunWritten(directory) : current;
                    final long next = base + 1;
                    if (counter.compareAndSetLong(0, current, next))
                    {
                        return (int)((next - 1) % JournalDescriptor.MAX_RUN) + 1;
                    }
                }
            }
            finally
            {
                IoUtil.unmap(mapped);
            }
        }
    }

    /**
     * @return the highest run counted or written in the directory's queues (its own queue, for a journal of one
     *         queue, and every writer's), 0 for none.
     */
    private static long lastRunWritten(final Path directory)
    {
        long last = 0;
        if (Files.isRegularFile(directory.resolve(JournalFiles.METADATA_FILE)))
        {
            last = lastRunWritten(directory, true);
        }
        for (final Path queue : JournalReader.writerQueues(directory))
        {
            last = Math.max(last, lastRunWritten(queue, false));
        }
        return last;
    }

    private static long lastRunWritten(final Path directory, final boolean countedInMetadata)
    {
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(directory).readOnly(true).build())
        {
            long counted = 0;
            if (countedInMetadata)
            {
                try (LongValue runs = queue.metaStore().acquireValueFor(RUN_COUNTER_KEY, 0L))
                {
                    counted = runs.getVolatileValue();
                }
            }
            return Math.max(counted, lastRunInQueue(queue));
        }
        catch (final RuntimeException ex)
        {
            // A queue this run cannot read back is numbered from the others.
            return 0;
        }
    }

    private static long lastRunInQueue(final SingleChronicleQueue queue)
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
                    bytes.readUnsignedByte(at + JournalDescriptor.VERSION_OFFSET) <
                    JournalDescriptor.RUN_SINCE_VERSION)
                {
                    return 0;
                }
                return bytes.readUnsignedShort(at + JournalDescriptor.RUN_OFFSET);
            }
        }
    }

    private record Queue(SingleChronicleQueue queue, CycleRetention retention)
    {
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
