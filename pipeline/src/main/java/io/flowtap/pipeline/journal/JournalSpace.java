package io.flowtap.pipeline.journal;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a journal's writers share about its disk: the file system it is on, the policy for when it is full, and
 * whether (and why) journaling has stopped. Each writer keeps its own {@link SpaceGuard}, which reserves blocks ahead
 * of what it writes; they report here.
 * <p>
 * Chronicle writes through memory mappings of sparse files: a page the file system cannot back is a SIGBUS in the
 * writing thread (an {@link InternalError} in Java, or a dead JVM), not an error code. So room is made before any
 * byte is written: blocks are allocated ahead of every excerpt, and a new cycle file is only started when the file
 * system has room for its header and indexes. A full disk is then an ordinary, early "no": the writer drops the
 * event (counted) and the policy decides what follows.
 * <p>
 * Thread safe.
 */
public final class JournalSpace
{
    /**
     * Bytes kept free beyond what a reservation needs, when space is checked rather than preallocated: room for what
     * other writers of the file system write between two checks.
     */
    static final long MARGIN_BYTES = 16L << 20;
    /** System property: {@code true} to preallocate a journal's blocks on any file system, {@code false} never. */
    public static final String PREALLOCATE_PROP_NAME = "flowtap.journal.preallocate";

    private final Path directory;
    private final FileStore store;
    private final JournalFullPolicy policy;
    private final long newCycleBytes;
    private final long headroomBytes;
    private final boolean preallocates;
    private volatile String fullReason;
    private volatile boolean stopped;
    private volatile boolean full;

    /**
     * @param directory     of the journal.
     * @param policy        when the disk is full.
     * @param indexCount    entries in one of Chronicle's index arrays for the roll cycle (each 8 bytes).
     */
    JournalSpace(final Path directory, final JournalFullPolicy policy, final int indexCount)
    {
        this.directory = directory;
        this.policy = policy;
        FileStore found;
        try
        {
            found = Files.getFileStore(directory);
        }
        catch (final IOException ex)
        {
            found = null;
        }
        this.store = found;
        final String preallocate = System.getProperty(PREALLOCATE_PROP_NAME);
        this.preallocates = preallocate != null ? Boolean.parseBoolean(preallocate) :
            found != null && "tmpfs".equals(found.type());
        final long indexArrayBytes = 8L * indexCount;
        // An index array may be written inline at any excerpt, beside the largest excerpt itself.
        this.headroomBytes = indexArrayBytes + (256L << 10);
        // A new cycle file: its header, the index of index arrays, the first index array, and room to write in.
        this.newCycleBytes = 2 * indexArrayBytes + (64L << 10) + headroomBytes + JournalContext.MAX_BATCH_BYTES +
            2L * JournalContext.MAX_PAYLOAD_CHUNK_LIMIT;
    }

    /**
     * @return bytes the file system has free for this process, or {@link Long#MAX_VALUE} when it cannot say.
     */
    long usableBytes()
    {
        if (store == null)
        {
            return Long.MAX_VALUE;
        }
        try
        {
            return store.getUsableSpace();
        }
        catch (final IOException ex)
        {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Check that the file system has room to start a journal (its metadata file and a first cycle), before Chronicle
     * maps anything.
     *
     * @throws JournalException of kind {@link JournalException.Kind#FULL} when it has not.
     */
    void checkRoomToOpen()
    {
        final long usable = usableBytes();
        final long needed = newCycleBytes + (128L << 10);
        if (usable < needed)
        {
            throw new JournalException(JournalException.Kind.FULL, "journal " + directory + ": no room on its file " +
                "system (" + usable + " bytes free, a journal needs at least " + needed + " to start)");
        }
    }

    /**
     * @return the journal's directory.
     */
    public Path directory()
    {
        return directory;
    }

    /**
     * @return the policy when the disk is full.
     */
    public JournalFullPolicy policy()
    {
        return policy;
    }

    /**
     * Whether writers allocate their blocks ahead ({@code fallocate}), or check the free space ahead with a margin.
     * Preallocating is the stronger guarantee, and costs nothing extra on tmpfs (where a full, RAM-sized mount is
     * also the likeliest); on a disk file system it makes every block an unwritten extent the kernel converts at
     * writeback, measured at up to a third more per 900-byte event, so there the free space is checked instead,
     * once per {@link SpaceGuard#CHUNK_BYTES}, with {@link #MARGIN_BYTES} to spare. A write that faults anyway stops
     * the journal cleanly.
     *
     * @return whether blocks are preallocated.
     */
    boolean preallocates()
    {
        return preallocates;
    }

    /**
     * @return bytes a new cycle file needs free before it is started.
     */
    long newCycleBytes()
    {
        return newCycleBytes;
    }

    /**
     * @return bytes kept allocated past the end of every excerpt being written.
     */
    long headroomBytes()
    {
        return headroomBytes;
    }

    /**
     * A writer found no room. Under {@link JournalFullPolicy#STOP} journaling stops for every writer.
     *
     * @param reason one line: where and why.
     */
    void full(final String reason)
    {
        if (fullReason == null)
        {
            fullReason = reason;
        }
        full = true;
        if (policy == JournalFullPolicy.STOP)
        {
            stopped = true;
        }
    }

    /**
     * A write through the mapping faulted anyway (the file system filled behind a reservation, or the file was cut
     * short by someone else): nothing may be written through it again, whatever the policy.
     *
     * @param reason one line.
     */
    void fault(final String reason)
    {
        fullReason = reason;
        full = true;
        stopped = true;
    }

    /**
     * @return whether no writer may write any more.
     */
    boolean isStopped()
    {
        return stopped;
    }

    /**
     * @return whether the disk was ever found full (or a write faulted) since the journal opened.
     */
    public boolean wasFull()
    {
        return full;
    }

    /**
     * @return the first reason journaling could not go on, one line; null while it never had to stop or drop.
     */
    public String fullReason()
    {
        return fullReason;
    }

    /**
     * @return whether journaling has stopped for good ({@link JournalFullPolicy#STOP}, or a write fault).
     */
    public boolean hasStopped()
    {
        return stopped;
    }
}
