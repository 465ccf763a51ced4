package io.flowtap.pipeline.journal;

import io.flowtap.linux.Errno;
import io.flowtap.linux.Posix;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.RollingChronicleQueue;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.ByteOrder;

/**
 * One writer's reservation of disk space ahead of what it writes, so that a write through Chronicle's mapping never
 * lands on a page the file system cannot back.
 * <p>
 * The invariant: whenever an excerpt is open at position {@code p} with room for {@code m} more bytes, the cycle file
 * is allocated up to at least {@code p + m + headroom}, where the headroom covers an index array Chronicle may write
 * inline and the next excerpt's header. Excerpts are contiguous, so the header of the next one (written by Chronicle
 * before this writer sees the position) is always inside what the previous reservation covered, whichever writer of
 * the queue made it. Each step of {@link #CHUNK_BYTES} either allocates the blocks ({@code fallocate(2)}, on tmpfs)
 * or checks that the file system has them free with a margin ({@code fstatvfs(2)}, elsewhere; see
 * {@link JournalSpace#preallocates()}), which also keeps the check per event to one comparison. A new cycle file is
 * only started when the file system has room for its header, indexes and first excerpts.
 * <p>
 * Owned by one writer's thread. Nothing on the per-event path allocates.
 */
final class SpaceGuard implements AutoCloseable
{
    /** Blocks are allocated this many bytes at a time. */
    static final long CHUNK_BYTES = 1L << 20;

    private final JournalSpace space;
    private final UnsafeBuffer statvfs = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Posix.STATVFS_LENGTH, 8));
    private int cycle = Integer.MIN_VALUE;
    private int fd = -1;
    private String fileName;
    private long allocatedEnd;
    private boolean preallocate;

    /**
     * @param space shared by the journal's writers.
     */
    SpaceGuard(final JournalSpace space)
    {
        this.space = space;
        this.preallocate = space.preallocates();
    }

    /**
     * Before an excerpt is opened: if it would start a new cycle file, check that the file system has room for one.
     *
     * @param appender about to open an excerpt.
     * @return whether it may; when not, the journal has been told it is full.
     */
    boolean mayOpen(final ExcerptAppender appender)
    {
        final int current = ((RollingChronicleQueue)appender.queue()).cycle();
        if (current == cycle)
        {
            return true;
        }
        final long usable = space.usableBytes();
        if (usable < space.newCycleBytes())
        {
            space.full("no room for a new journal file in " + space.directory() + ": " + usable +
                " bytes free, a cycle file needs " + space.newCycleBytes());
            return false;
        }
        return true;
    }

    /**
     * An excerpt is open and about to be written up to {@code end}: make sure the blocks are there.
     *
     * @param appender whose excerpt is open.
     * @param end      file position just past the most the excerpt will hold.
     * @return whether they are; when not, the journal has been told it is full.
     */
    boolean reserve(final ExcerptAppender appender, final long end)
    {
        final int current = appender.cycle();
        if (current != cycle)
        {
            switchTo(appender.currentFile(), current);
        }
        final long needed = end + space.headroomBytes();
        if (needed <= allocatedEnd)
        {
            return true;
        }
        final long target = (needed + CHUNK_BYTES - 1) & ~(CHUNK_BYTES - 1);
        if (preallocate && fd >= 0)
        {
            final int result = Posix.fallocate(fd, allocatedEnd, target - allocatedEnd);
            if (result == 0)
            {
                allocatedEnd = target;
                return true;
            }
            if (result != -Errno.EOPNOTSUPP)
            {
                space.full(result == -Errno.ENOSPC ?
                    "no space left on the device for journal file " + fileName + " at byte " + allocatedEnd :
                    "cannot allocate space for journal file " + fileName + " at byte " + allocatedEnd + ": " +
                    Posix.describe(-result));
                return false;
            }
            preallocate = false;
        }
        final long usable = usableBytes();
        if (usable < target - allocatedEnd + JournalSpace.MARGIN_BYTES)
        {
            space.full("no space left on the device for journal file " + fileName + " at byte " + allocatedEnd +
                " (" + usable + " bytes free)");
            return false;
        }
        allocatedEnd = target;
        return true;
    }

    /**
     * @return the end of what this writer has reserved in its current cycle file (tests).
     */
    long allocatedEnd()
    {
        return allocatedEnd;
    }

    /**
     * @return bytes the file system has free, without allocating: {@code fstatvfs} on the cycle file.
     */
    private long usableBytes()
    {
        if (fd >= 0 && Posix.fstatvfs(fd, statvfs.addressOffset()) == 0)
        {
            return statvfs.getLong(Posix.STATVFS_BAVAIL_OFFSET, ByteOrder.nativeOrder()) *
                statvfs.getLong(Posix.STATVFS_FRSIZE_OFFSET, ByteOrder.nativeOrder());
        }
        return space.usableBytes();
    }

    private void switchTo(final File file, final int newCycle)
    {
        closeFile();
        cycle = newCycle;
        allocatedEnd = 0;
        fileName = file == null ? "?" : file.getName();
        if (file != null)
        {
            final int opened = Posix.open(file.getPath(), Posix.O_RDWR);
            // Without a descriptor, fall back to checking free space.
            fd = opened >= 0 ? opened : -1;
        }
    }

    private void closeFile()
    {
        if (fd >= 0)
        {
            Posix.close(fd);
            fd = -1;
        }
    }

    @Override
    public void close()
    {
        closeFile();
    }
}
