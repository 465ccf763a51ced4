package io.flowtap.capture.file;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.linux.Posix;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A read-only view of a file through one memory-mapped window at a time, so a reader can walk a file of any size
 * (a single mapping is limited to 2 GiB) while handing out offsets into one {@link UnsafeBuffer} that never changes
 * identity.
 * <p>
 * {@link #ensure(long, int)} answers from the current window when it can and maps a new window only when a range
 * crosses the window's end, so a sequential reader remaps once per window, never per record. The new window starts
 * at an aligned position at or before the requested one and is at least as long as the requested range, so a record
 * larger than the configured window is still mapped whole.
 * <p>
 * Remapping unmaps the previous window: any view a caller kept into {@link #buffer()} is invalid after the next
 * {@link #ensure(long, int)} that moves the window.
 * <p>
 * Not thread safe.
 */
final class MappedFileWindow extends FileWindow
{
    /** One gibibyte: large enough that remapping cost vanishes, small enough to fit any address space comfortably. */
    static final int DEFAULT_WINDOW_LENGTH = 1 << 30;

    /**
     * Windows start at a multiple of this. The JDK realigns to the platform's real allocation granularity itself, so
     * this only keeps window starts tidy; a 4 KiB value lets tests use windows of a single page.
     */
    private static final long WINDOW_ALIGNMENT = 4096;

    private final String name;
    private final FileChannel channel;
    private final long fileLength;
    private final int windowLength;
    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);

    private WindowListener listener;
    private MappedByteBuffer mapped;
    private long windowStart;
    private long windowEnd;
    private long remapCount;

    /**
     * @param name         of the file, for messages.
     * @param channel      open for reading; the caller keeps ownership and closes it.
     * @param fileLength   bytes in the file; ranges past it are never mapped.
     * @param windowLength preferred bytes per window; tests use tiny windows so remapping happens constantly.
     */
    MappedFileWindow(final String name, final FileChannel channel, final long fileLength, final int windowLength)
    {
        if (windowLength <= 0)
        {
            throw new IllegalArgumentException("window length must be positive: " + windowLength);
        }
        this.name = name;
        this.channel = channel;
        this.fileLength = fileLength;
        this.windowLength = windowLength;
    }

    /**
     * Make {@code length} bytes starting at {@code filePosition} readable in {@link #buffer()}.
     *
     * @param filePosition of the first byte needed; the caller has checked that the range lies inside the file.
     * @param length       bytes needed from there.
     * @return the offset in {@link #buffer()} at which {@code filePosition} sits.
     * @throws CaptureFileException if the operating system refuses the mapping.
     */
    @Override
    int ensure(final long filePosition, final int length)
    {
        if (filePosition >= windowStart && filePosition + length <= windowEnd)
        {
            return (int)(filePosition - windowStart);
        }
        return remap(filePosition, length);
    }

    /**
     * @return the buffer over the current window; the same instance for the life of this object.
     */
    @Override
    UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return bytes in the file.
     */
    @Override
    long fileLength()
    {
        return fileLength;
    }

    @Override
    long available(final long position, final long wanted)
    {
        return fileLength - position;
    }

    @Override
    long availableWaiting(final long position, final long wanted)
    {
        return fileLength - position;
    }

    @Override
    boolean isComplete()
    {
        return true;
    }

    @Override
    long maxRecordLength()
    {
        return Long.MAX_VALUE;
    }

    /**
     * @param listener told before a mapped window is unmapped to map another, or null for nobody.
     */
    @Override
    void listener(final WindowListener listener)
    {
        this.listener = listener;
    }

    /**
     * @return how many windows have been mapped, so tests can see that remapping happens per window.
     */
    @Override
    long remapCount()
    {
        return remapCount;
    }

    /**
     * Unmap the current window. Idempotent.
     */
    @Override
    public void close()
    {
        unmapCurrent();
    }

    private int remap(final long filePosition, final int length)
    {
        if (filePosition < 0 || length < 0 || filePosition + length > fileLength)
        {
            throw new IllegalArgumentException(
                "range [" + filePosition + ", " + (filePosition + length) + ") is outside " + name +
                " of " + fileLength + " bytes");
        }

        final long start = filePosition - (filePosition % WINDOW_ALIGNMENT);
        final long needed = filePosition + length - start;
        final long mapLength = Math.min(Math.max(windowLength, needed), fileLength - start);
        if (mapLength > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("cannot map " + needed + " bytes of " + name + " at once");
        }

        if (null != mapped && null != listener)
        {
            listener.onWindowMoving();
        }
        unmapCurrent();
        try
        {
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, start, mapLength);
        }
        catch (final IOException ex)
        {
            throw new CaptureFileException(name, filePosition, "cannot map " + mapLength + " bytes: " + ex);
        }

        buffer.wrap(mapped);
        advise(buffer.addressOffset(), mapLength);
        windowStart = start;
        windowEnd = start + mapLength;
        remapCount++;

        return (int)(filePosition - start);
    }

    /**
     * Tell the kernel the window will be read once, front to back: a file on disk is then read ahead in large
     * requests, starting now, rather than faulted in page by page as the reader reaches it. Advice only: where the
     * kernel declines it (or the mapping is not page aligned) reading works the same.
     */
    private static void advise(final long address, final long length)
    {
        final long page = Posix.pageSize();
        final long aligned = address & -page;
        final long alignedLength = length + (address - aligned);
        Posix.madvise(aligned, alignedLength, Posix.MADV_SEQUENTIAL);
        Posix.madvise(aligned, alignedLength, Posix.MADV_WILLNEED);
    }

    private void unmapCurrent()
    {
        if (null != mapped)
        {
            // Leave the buffer pointing at nothing first, so a stray read fails the bounds check instead of faulting.
            buffer.wrap(0, 0);
            IoUtil.unmap(mapped);
            mapped = null;
            windowStart = 0;
            windowEnd = 0;
        }
    }
}
