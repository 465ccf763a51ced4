package io.flowtap.capture.file;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.linux.Errno;
import io.flowtap.linux.Poll;
import io.flowtap.linux.Posix;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * A capture read as it arrives, from a descriptor that cannot be mapped: standard input ({@code tcpdump -w - |
 * flowtap read -}), a named pipe, {@code /dev/stdin}, a process substitution. Bytes are read straight into one
 * off-heap buffer ({@code read(2)} through {@code native}'s direct mapping), parsed there in place as a mapped file
 * is, and nothing is allocated per record.
 * <p>
 * The buffer keeps the bytes from the record being parsed on: when a record would run past its end, what is kept is
 * moved to its start (a window move: the {@link WindowListener} is told first, as for a mapped window), and the
 * buffer doubles, on a cold path, only for a record larger than it. A parser that finds too few bytes gets them when
 * more arrive: {@link #available} waits at most {@value #WAIT_MS} ms for the writer, so a reader that polls in a loop
 * neither spins nor stalls; the end of the stream is the end of the file.
 * <p>
 * Not thread safe: one source, one thread.
 */
final class StreamWindow extends FileWindow
{
    /** Bytes buffered at first. */
    static final int INITIAL_CAPACITY = 16 << 20;
    /** Largest buffer, and so the largest record a stream may carry. */
    static final int MAX_CAPACITY = 64 << 20;
    /** Longest wait for the writer in one {@link #available} call. */
    static final int WAIT_MS = 10;

    private final String name;
    private final int fd;
    private final boolean closeFd;
    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
    private ByteBuffer memory = BufferUtil.allocateDirectAligned(INITIAL_CAPACITY, 64);
    private final UnsafeBuffer pollFd = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Poll.POLLFD_LENGTH, 8));
    private long bufferStart;
    private int filled;
    private boolean endOfStream;
    private WindowListener listener;
    private long moves;
    private boolean closed;

    /**
     * @param name    for messages.
     * @param fd      to read from.
     * @param closeFd whether closing the window closes the descriptor (not for standard input).
     */
    StreamWindow(final String name, final int fd, final boolean closeFd)
    {
        this.name = name;
        this.fd = fd;
        this.closeFd = closeFd;
        buffer.wrap(memory);
        pollFd.putInt(Poll.FD_OFFSET, fd);
        pollFd.putShort(Poll.EVENTS_OFFSET, (short)Poll.POLLIN);
    }

    @Override
    long available(final long position, final long wanted)
    {
        if (bufferStart + filled - position < wanted && !endOfStream)
        {
            fill(position, wanted, WAIT_MS);
        }
        return bufferStart + filled - position;
    }

    @Override
    long availableWaiting(final long position, final long wanted)
    {
        while (bufferStart + filled - position < wanted && !endOfStream)
        {
            fill(position, wanted, -1);
        }
        return bufferStart + filled - position;
    }

    @Override
    boolean isComplete()
    {
        return endOfStream;
    }

    @Override
    int ensure(final long filePosition, final int length)
    {
        if (filePosition < bufferStart || filePosition + length > bufferStart + filled)
        {
            throw new IllegalArgumentException("range [" + filePosition + ", " + (filePosition + length) +
                ") of " + name + " is not buffered: [" + bufferStart + ", " + (bufferStart + filled) + ")");
        }
        return (int)(filePosition - bufferStart);
    }

    @Override
    UnsafeBuffer buffer()
    {
        return buffer;
    }

    @Override
    long fileLength()
    {
        return bufferStart + filled;
    }

    @Override
    long maxRecordLength()
    {
        return MAX_CAPACITY;
    }

    @Override
    void listener(final WindowListener listener)
    {
        this.listener = listener;
    }

    @Override
    long remapCount()
    {
        return moves;
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            if (closeFd)
            {
                Posix.close(fd);
            }
            buffer.wrap(0, 0);
            memory = null;
        }
    }

    /**
     * Make room for {@code wanted} bytes from {@code position}, then read what the writer has, waiting for it at
     * most {@code waitMs} (-1: until it writes or closes).
     */
    private void fill(final long position, final long wanted, final int waitMs)
    {
        if (wanted > MAX_CAPACITY)
        {
            throw new CaptureFileException(name, position, "a record of " + wanted + " bytes is larger than the " +
                MAX_CAPACITY + " a stream can hold");
        }
        if (position - bufferStart + wanted > buffer.capacity())
        {
            makeRoom(position, (int)wanted);
        }
        pollFd.putShort(Poll.REVENTS_OFFSET, (short)0);
        final int ready = Poll.poll(pollFd.addressOffset(), 1, waitMs);
        if (ready < 0)
        {
            throw new CaptureFileException(name, bufferStart + filled, "cannot wait for data: " +
                Errno.name(-ready));
        }
        if (ready == 0)
        {
            return;
        }
        final long read = Posix.read(fd, buffer.addressOffset() + filled, buffer.capacity() - filled);
        if (read > 0)
        {
            filled += (int)read;
        }
        else if (read == 0)
        {
            endOfStream = true;
        }
        else if (read != -Errno.EINTR && read != -Errno.EAGAIN)
        {
            throw new CaptureFileException(name, bufferStart + filled, "cannot be read: " + Posix.describe(-(int)read));
        }
    }

    /**
     * Keep the bytes from {@code position} on, at the buffer's start, in a larger buffer when a record needs it.
     */
    private void makeRoom(final long position, final int wanted)
    {
        if (listener != null && filled > 0)
        {
            listener.onWindowMoving();
        }
        final int keep = (int)(bufferStart + filled - position);
        final int from = (int)(position - bufferStart);
        if (wanted > buffer.capacity())
        {
            int capacity = buffer.capacity();
            while (capacity < wanted)
            {
                capacity *= 2;
            }
            final ByteBuffer larger = BufferUtil.allocateDirectAligned(capacity, 64);
            new UnsafeBuffer(larger).putBytes(0, buffer, from, keep);
            // The old buffer is an aligned slice: the collector frees it with its parent once unreachable.
            memory = larger;
            buffer.wrap(larger);
        }
        else if (keep > 0)
        {
            // Overlapping, towards the start: Unsafe's copy moves memory as memmove does.
            buffer.putBytes(0, buffer, from, keep);
        }
        bufferStart = position;
        filled = keep;
        moves++;
    }
}
