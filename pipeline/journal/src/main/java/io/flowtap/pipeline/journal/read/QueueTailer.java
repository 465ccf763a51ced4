package io.flowtap.pipeline.journal.read;

import io.flowtap.linux.Posix;
import io.flowtap.pipeline.journal.JournalContext;
import io.flowtap.pipeline.journal.JournalDescriptor;
import io.flowtap.pipeline.journal.JournalFiles;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.RollingResourcesCache;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

/**
 * Positions and walks one Chronicle queue of a journal, excerpt by excerpt, in place: the part of reading that knows
 * Chronicle. It moves to the first cycle file still kept ({@link #moveToStart}), or to the excerpt after one read
 * before by its index ({@link #moveAfter}); it follows the queue across roll cycles and, for a queue still being
 * written, sees later excerpts on a later {@link #next}. What an excerpt holds is not its business: the decoder checks
 * and delivers the events, and the damage scanner takes over where Chronicle cannot follow.
 * <p>
 * Walking: {@link #next} opens the next excerpt; while it is open, {@link #index}, {@link #address}, {@link #length},
 * {@link #position} and {@link #end} describe it, and {@link #done} closes it. Nothing is allocated per excerpt.
 * <p>
 * Not thread safe: owned by one reader.
 */
final class QueueTailer implements AutoCloseable
{
    /** {@link #peekTime()}: nothing more to read now. */
    static final long NO_EXCERPT = QueueReader.NO_EXCERPT;
    /** {@link #peekTime()}: the next excerpt's time cannot be told without reading it. */
    static final long UNKNOWN_TIME = QueueReader.UNKNOWN_TIME;
    /** Longer than any excerpt a writer makes (the largest payload chunk or attribute, with its header). */
    static final long MAX_EXCERPT_LENGTH = 2L * JournalContext.MAX_PAYLOAD_CHUNK_LIMIT;

    private final Path directory;
    private final SingleChronicleQueue queue;
    private final ExcerptTailer tailer;
    private DocumentContext document;
    private Bytes<?> bytes;
    private int sizeCycle = Integer.MIN_VALUE;
    private long fileSize;
    private int dataFd = -1;
    private long dataEnd;

    /**
     * A tailer at the queue's first cycle file still kept.
     *
     * @param directory of the queue.
     * @param queue     opened read-only ({@link #openQueue}); closed with this tailer.
     * @throws RuntimeException when Chronicle cannot find the first cycle (the queue is left open).
     */
    QueueTailer(final Path directory, final SingleChronicleQueue queue)
    {
        this.directory = directory;
        this.queue = queue;
        this.tailer = queue.createTailer();
        moveToStart();
    }

    /**
     * Open a queue read-only, with its listing of cycles refreshed: the one kept with the queue may predate files
     * deleted by retention.
     *
     * @param directory of the queue.
     * @return the queue.
     * @throws RuntimeException when Chronicle cannot open it.
     */
    static SingleChronicleQueue openQueue(final Path directory)
    {
        final SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(directory).readOnly(true).build();
        queue.refreshDirectoryListing();
        return queue;
    }

    /**
     * Move to the oldest cycle file there is: the queue's own record of its first cycle is stale when files were
     * deleted behind its back (a clean-up job, or retention while no writer had the queue open).
     *
     * @return the cycle moved to, or -1 when the queue has no cycle file.
     */
    int moveToStart()
    {
        final List<Path> files = JournalFiles.cycleFiles(directory);
        if (files.isEmpty())
        {
            return -1;
        }
        final String suffix = JournalFiles.CYCLE_FILE_SUFFIX;
        final RollingResourcesCache names = new RollingResourcesCache(queue.rollCycle(), queue.epoch(),
            name -> new File(directory.toFile(), name + suffix),
            file -> file.getName().substring(0, file.getName().length() - suffix.length()));
        final String first = files.get(0).getFileName().toString();
        final int cycle = names.parseCount(first.substring(0, first.length() - suffix.length()));
        tailer.moveToCycle(cycle);
        return cycle;
    }

    /**
     * Move to the excerpt after one read before.
     *
     * @param index of that excerpt.
     * @return true when the tailer is right after it; false when its cycle is no longer kept (retention deleted it,
     *         or the queue was made anew) and the tailer stays at the first excerpt kept.
     */
    boolean moveAfter(final long index)
    {
        try
        {
            if (!tailer.moveToIndex(index))
            {
                moveToStart();
                return false;
            }
            try (DocumentContext at = tailer.readingDocument())
            {
                if (!at.isPresent() || at.index() != index)
                {
                    at.rollbackOnClose();
                    moveToStart();
                    return false;
                }
            }
            return true;
        }
        catch (final RuntimeException ex)
        {
            moveToStart();
            return false;
        }
    }

    /**
     * Open the next excerpt, if there is one now; when this returns true, {@link #done} must follow.
     *
     * @return whether an excerpt is open.
     * @throws RuntimeException what Chronicle throws when it cannot follow the queue (a damaged document header).
     * @throws InternalError    when reading faults (a page its writer lost on a full disk).
     */
    boolean next()
    {
        final DocumentContext opened = tailer.readingDocument();
        if (!opened.isPresent())
        {
            opened.close();
            return false;
        }
        document = opened;
        bytes = opened.wire().bytes();
        return true;
    }

    /**
     * Close the open excerpt: the tailer moves past it.
     */
    void done()
    {
        final DocumentContext open = document;
        if (open != null)
        {
            document = null;
            bytes = null;
            open.close();
        }
    }

    /**
     * @return Chronicle's index of the open excerpt in its queue.
     */
    long index()
    {
        return document.index();
    }

    /**
     * @return the open excerpt's length, as its Chronicle header says.
     */
    long length()
    {
        return bytes.readRemaining();
    }

    /**
     * @return the address of the open excerpt's first byte, in the mapped cycle file.
     */
    long address()
    {
        return bytes.addressForRead(bytes.readPosition());
    }

    /**
     * @return where the open excerpt's Chronicle header is in its cycle file.
     */
    long position()
    {
        return bytes.readPosition() - Integer.BYTES;
    }

    /**
     * @return where the open excerpt ends in its cycle file, exclusive.
     */
    long end()
    {
        return bytes.readLimit();
    }

    /**
     * Check that the open excerpt lies in the bytes its cycle file holds: not longer than any excerpt, not past the
     * file's end, not over a hole never written. The file's size is looked up again only when an excerpt passes it,
     * and holes once per extent, not per excerpt.
     *
     * @return what is wrong with it, or null.
     */
    String checkInFile()
    {
        final long length = bytes.readRemaining();
        final long end = bytes.readLimit();
        final int cycle = tailer.cycle();
        if (cycle != sizeCycle || end > fileSize)
        {
            // Files only grow while written.
            final File file = currentFile();
            fileSize = file == null ? Long.MAX_VALUE : file.length();
            if (cycle != sizeCycle)
            {
                closeDataFd();
                dataFd = file == null ? -1 : Math.max(-1, Posix.open(file.getPath(), Posix.O_RDONLY));
                dataEnd = 0;
            }
            sizeCycle = cycle;
        }
        if (length > MAX_EXCERPT_LENGTH)
        {
            return "its header claims " + length + " bytes, more than any journal excerpt has";
        }
        if (end > fileSize)
        {
            return "the excerpt's " + length + " bytes run past the end of the file, at byte " + fileSize +
                " (truncated)";
        }
        if (end > dataEnd && dataFd >= 0)
        {
            // A committed excerpt over a hole is what a writer that lost pages leaves (a full tmpfs); reading the
            // hole there would fault, so it is damage.
            final long start = end - length - Integer.BYTES;
            final long hole = Posix.seek(dataFd, start, Posix.SEEK_HOLE);
            if (hole >= 0 && hole < end)
            {
                return "bytes " + hole + ".." + end + " of the excerpt were never written (a hole in the file: its " +
                    "writer lost them)";
            }
            dataEnd = hole < 0 ? Long.MAX_VALUE : hole;
        }
        return null;
    }

    /**
     * The time of the next excerpt, without taking it: its first event's header time, which a merged reader orders
     * queues' excerpts by.
     *
     * @return the time; {@link #NO_EXCERPT} at the current end; {@link #UNKNOWN_TIME} when it cannot be told without
     *         reading it (the excerpt is not what the schema says, or Chronicle cannot follow the queue).
     */
    long peekTime()
    {
        try (DocumentContext next = tailer.readingDocument())
        {
            if (!next.isPresent())
            {
                return NO_EXCERPT;
            }
            next.rollbackOnClose();
            final Bytes<?> peeked = next.wire().bytes();
            if (peeked.readRemaining() < JournalDescriptor.HEADER_LENGTH)
            {
                return UNKNOWN_TIME;
            }
            return peeked.readLong(peeked.readPosition() + JournalDescriptor.TIME_OFFSET);
        }
        catch (final RuntimeException | InternalError ex)
        {
            return UNKNOWN_TIME;
        }
    }

    /**
     * @return the cycle the tailer is in.
     */
    int cycle()
    {
        return tailer.cycle();
    }

    /**
     * @return the tailer's index: of the excerpt it is at, or would read next.
     */
    long tailerIndex()
    {
        return tailer.index();
    }

    /**
     * @param index of an excerpt of this queue.
     * @return the cycle it is in (the queue's roll cycle's count since the epoch).
     */
    int cycle(final long index)
    {
        final RollCycle rollCycle = queue.rollCycle();
        return rollCycle.toCycle(index);
    }

    /**
     * @return the cycle of the first cycle file still kept, or -1 when there is none.
     */
    int firstCycle()
    {
        queue.refreshDirectoryListing();
        return queue.firstCycle() == Integer.MAX_VALUE ? -1 : queue.firstCycle();
    }

    /**
     * @return the cycle file the tailer is in, or null when Chronicle cannot say.
     */
    File currentFile()
    {
        try
        {
            return tailer.currentFile();
        }
        catch (final RuntimeException ex)
        {
            // Where exactly is a nicety; the index says it too.
            return null;
        }
    }

    /**
     * @return the queue's directory.
     */
    Path directory()
    {
        return directory;
    }

    @Override
    public void close()
    {
        done();
        closeDataFd();
        tailer.close();
        queue.close();
    }

    private void closeDataFd()
    {
        if (dataFd >= 0)
        {
            Posix.close(dataFd);
            dataFd = -1;
        }
    }
}
