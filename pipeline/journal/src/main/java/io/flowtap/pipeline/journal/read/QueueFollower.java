package io.flowtap.pipeline.journal.read;

import io.flowtap.pipeline.journal.ExcerptDecoder;
import io.flowtap.pipeline.journal.JournalDescriptor;
import io.flowtap.pipeline.journal.JournalException;
import io.flowtap.pipeline.journal.JournalFiles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;

/**
 * Follows one queue of a journal (a writer's {@code source-N} or {@code frames-N}) with a {@link QueueTailer}, excerpt
 * by excerpt, handing each over whole, in place, with its Chronicle index: what a shipper sends on as written and
 * remembers its place by. The index is the queue's own position (its cycle and the excerpt's number in it), so a
 * follower opened later moves to the excerpt after one it was given before ({@link #moveAfter}), whatever was written
 * since.
 * <p>
 * Every excerpt is checked against the schema by the readers' {@link ExcerptDecoder} before it is handed over; one
 * that is not what the schema says is reported and passed over, so that what follows it still goes on. Where Chronicle
 * itself cannot follow the queue (a damaged document header), the follower stops: {@link #stopped()} says why, and
 * {@code flowtap journal} tools read such a queue past the damage.
 * <p>
 * Not thread safe: one thread polls. A queue still being written is followed: {@link #poll} returns 0 at its current
 * end and sees later excerpts, and later cycles, on a later call.
 */
public final class QueueFollower implements AutoCloseable
{
    /** Receives a queue's excerpts. */
    public interface Excerpts
    {
        /**
         * A good excerpt.
         *
         * @param index  Chronicle's index of it in its queue.
         * @param buffer holding it, valid during the call only.
         * @param offset of its first byte.
         * @param length of the excerpt.
         */
        void onExcerpt(long index, UnsafeBuffer buffer, int offset, int length);

        /**
         * An excerpt that is not what the schema says, passed over.
         *
         * @param index  Chronicle's index of it.
         * @param length of the excerpt.
         * @param reason what is wrong with it.
         */
        void onDamaged(long index, int length, String reason);
    }

    private final Path directory;
    private final String name;
    private final QueueTailer tailer;
    private final ExcerptDecoder decoder = new ExcerptDecoder();
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private String stopped;

    private QueueFollower(final Path directory, final SingleChronicleQueue queue)
    {
        this.directory = directory;
        this.name = directory.getFileName().toString();
        this.tailer = new QueueTailer(directory, queue);
    }

    /**
     * Open a queue to follow from its first excerpt still kept.
     *
     * @param directory of the queue: a journal's writer subdirectory, or a journal that is one queue.
     * @return the follower.
     * @throws JournalException when the directory holds no queue Chronicle can open.
     */
    public static QueueFollower open(final Path directory)
    {
        if (JournalFiles.cycleFiles(directory).isEmpty())
        {
            throw new JournalException(JournalException.Kind.EMPTY, "journal queue " + directory +
                ": no cycle files yet");
        }
        final SingleChronicleQueue queue;
        try
        {
            queue = QueueTailer.openQueue(directory);
        }
        catch (final RuntimeException ex)
        {
            throw new JournalException(JournalException.Kind.FOREIGN, "journal queue " + directory +
                ": Chronicle cannot open it: " + ex.getMessage(), ex);
        }
        try
        {
            return new QueueFollower(directory, queue);
        }
        catch (final RuntimeException ex)
        {
            queue.close();
            throw new JournalException(JournalException.Kind.FOREIGN, "journal queue " + directory +
                ": cannot find its first cycle: " + ex.getMessage(), ex);
        }
    }

    /**
     * Move to the first excerpt still kept.
     */
    public void moveToStart()
    {
        tailer.moveToStart();
    }

    /**
     * Move to the excerpt after one handed over before.
     *
     * @param index of that excerpt.
     * @return true when the follower is right after it; false when its cycle is no longer kept (retention deleted
     *         it, or the queue was made anew) and the follower stays at the first excerpt kept.
     */
    public boolean moveAfter(final long index)
    {
        return tailer.moveAfter(index);
    }

    /**
     * Hand over up to {@code limit} excerpts.
     *
     * @param handler for each.
     * @param limit   most excerpts (good or damaged) to take.
     * @return excerpts taken: 0 at the current end, or once stopped.
     * @throws JournalException for an excerpt of a newer schema than this code reads.
     */
    public int poll(final Excerpts handler, final int limit)
    {
        int taken = 0;
        while (taken < limit && stopped == null)
        {
            try
            {
                if (!tailer.next())
                {
                    break;
                }
            }
            catch (final RuntimeException | InternalError ex)
            {
                stopped = "Chronicle cannot read past excerpt 0x" + Long.toHexString(tailer.tailerIndex()) + ": " +
                    ex.getMessage();
                break;
            }
            try
            {
                final long index = tailer.index();
                final long length = tailer.length();
                taken++;
                if (length > QueueTailer.MAX_EXCERPT_LENGTH || length < JournalDescriptor.HEADER_LENGTH)
                {
                    handler.onDamaged(index, (int)Math.min(length, Integer.MAX_VALUE),
                        "an excerpt of " + length + " bytes");
                    continue;
                }
                view.wrap(tailer.address(), (int)length);
                String problem = ExcerptDecoder.headerProblem(view, 0, (int)length);
                if (problem == null)
                {
                    final int version = ExcerptDecoder.version(view, 0);
                    if (version > JournalDescriptor.SCHEMA_VERSION)
                    {
                        throw ExcerptDecoder.newerSchema("journal queue " + directory, version,
                            " (excerpt 0x" + Long.toHexString(index) + ")");
                    }
                    problem = decoder.check(view, 0, (int)length);
                }
                if (problem != null)
                {
                    handler.onDamaged(index, (int)length, problem);
                }
                else
                {
                    handler.onExcerpt(index, view, 0, (int)length);
                }
            }
            catch (final InternalError ex)
            {
                // A mapping that faults (a page its writer lost on a full disk): the readers read past it, not this.
                stopped = "reading excerpt 0x" + Long.toHexString(tailer.tailerIndex()) + " faulted: " +
                    ex.getMessage();
                break;
            }
            finally
            {
                tailer.done();
            }
        }
        return taken;
    }

    /**
     * @return why the follower cannot go on in this queue, or null while it can.
     */
    public String stopped()
    {
        return stopped;
    }

    /**
     * @return the queue's name: its directory's, such as {@code source-0}.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return the queue's directory.
     */
    public Path directory()
    {
        return directory;
    }

    /**
     * @param index of an excerpt of this queue.
     * @return the cycle it is in (the queue's roll cycle's count since the epoch).
     */
    public int cycle(final long index)
    {
        return tailer.cycle(index);
    }

    /**
     * @return the cycle of the first cycle file still kept, or -1 when there is none.
     */
    public int firstCycle()
    {
        return tailer.firstCycle();
    }

    @Override
    public void close()
    {
        tailer.close();
    }
}
