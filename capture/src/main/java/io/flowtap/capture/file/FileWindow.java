package io.flowtap.capture.file;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * What a capture file's parser reads through: a window of the file's bytes in one {@link UnsafeBuffer} that never
 * changes identity, addressed by file position. A regular file is mapped ({@link MappedFileWindow}); a pipe, standard
 * input or a character device is read into a buffer as it arrives ({@link StreamWindow}).
 * <p>
 * A parser asks {@link #available} for a record's bytes before it reads them, and only then {@link #ensure}s ranges
 * inside them: for a stream that is when the bytes are read, and the record's start is what must stay buffered.
 * Ranges past what is available are never asked for. When {@link #isComplete()} is false (a stream still open), fewer
 * bytes than wanted means "not yet", not "truncated". Not thread safe.
 */
abstract class FileWindow implements AutoCloseable
{
    /**
     * Bytes readable from a record's start, reading more of a stream if it has not got {@code wanted} (waiting a few
     * milliseconds at most); the window may move to keep {@code position} and what follows.
     *
     * @param position of a record's first byte; later calls never ask for an earlier one.
     * @param wanted   bytes the record needs from there.
     * @return bytes readable from {@code position}: at least {@code wanted}, or fewer at the end of the file (or, for
     *         a stream, until more arrives).
     */
    abstract long available(long position, long wanted);

    /**
     * As {@link #available}, but waiting for a stream as long as it takes: for a file's header, at open.
     *
     * @param position of the first byte.
     * @param wanted   bytes needed.
     * @return bytes readable from {@code position}: fewer than {@code wanted} only at the end of the file.
     */
    abstract long availableWaiting(long position, long wanted);

    /**
     * @return whether the end of the file is known: no more bytes will come.
     */
    abstract boolean isComplete();

    /**
     * Make a range readable in {@link #buffer()}; it lies within what {@link #available} said.
     *
     * @param filePosition of the first byte.
     * @param length       bytes from there.
     * @return the offset in {@link #buffer()} at which {@code filePosition} sits.
     */
    abstract int ensure(long filePosition, int length);

    /**
     * @return the buffer over the window; the same instance for the life of this object.
     */
    abstract UnsafeBuffer buffer();

    /**
     * @return bytes in the file; for a stream, bytes read so far.
     */
    abstract long fileLength();

    /**
     * @return the longest record a parser may ask for at once.
     */
    abstract long maxRecordLength();

    /**
     * @param listener told before the window moves (frames delivered so far stop being readable), or null.
     */
    abstract void listener(WindowListener listener);

    /**
     * @return how many times the window moved.
     */
    abstract long remapCount();

    @Override
    public abstract void close();
}
