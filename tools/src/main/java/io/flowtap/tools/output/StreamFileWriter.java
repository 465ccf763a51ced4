package io.flowtap.tools.output;

import io.flowtap.reassembly.Flow;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * Writes each direction of each flow to a file of its own in one directory, named as tcpflow names them
 * ({@link TcpflowNames}), as its bytes are delivered: nothing of a stream is held in memory beyond one copy buffer.
 * A file is created on the first byte its direction delivers (a direction with no bytes gets no file), written at the
 * byte's stream offset (less the gaps skipped so far under {@link GapFill#NONE}), and closed when its direction ends.
 * At most {@code maxOpenFiles} are open at once: writing to one more closes the one written least recently, which is
 * opened again if its flow writes again.
 * <p>
 * Each open file gathers consecutive bytes in a buffer of its own ({@value #PENDING_BYTES} bytes) and hands them to
 * the file system in one positional write when the buffer fills, when a write does not follow on (a gap), or when
 * the file is closed: a segment's bytes are a few hundred, and a system call per segment was most of the time.
 * <p>
 * Not thread safe: used from the engine's thread, in its callbacks.
 */
public final class StreamFileWriter implements AutoCloseable
{
    private static final int COPY_BUFFER_BYTES = 64 * 1024;
    private static final int PENDING_BYTES = 32 * 1024;

    private final Path dir;
    private final GapFill gapFill;
    private final int maxOpenFiles;
    private final ByteBuffer copy = ByteBuffer.allocateDirect(COPY_BUFFER_BYTES);
    private final StringBuilder name = new StringBuilder(128);
    /** Open files, least recently written first. */
    private final LinkedHashMap<StreamFile, StreamFile> open = new LinkedHashMap<>(64, 0.75f, true);
    /** Pending buffers of files closed, for the next files opened: as many exist as files were ever open at once. */
    private final ArrayDeque<ByteBuffer> spareBuffers = new ArrayDeque<>();
    private long filesCreated;
    private long reopened;

    /**
     * @param dir          to write the files in; it must exist.
     * @param gapFill      what to write where a stream has a gap.
     * @param maxOpenFiles most files open at once, at least 1.
     */
    public StreamFileWriter(final Path dir, final GapFill gapFill, final int maxOpenFiles)
    {
        if (maxOpenFiles < 1)
        {
            throw new IllegalArgumentException("max open files must be positive: " + maxOpenFiles);
        }
        this.dir = dir;
        this.gapFill = gapFill;
        this.maxOpenFiles = maxOpenFiles;
    }

    /**
     * Names a stream's file the first time bytes come for it: {@code SRC-DST} as {@link TcpflowNames} writes them.
     */
    @FunctionalInterface
    public interface StreamName
    {
        /**
         * @param name      to append the file name to.
         * @param direction of the stream.
         */
        void append(StringBuilder name, int direction);
    }

    /**
     * Write delivered bytes.
     *
     * @param flow      the flow.
     * @param state     its state, which holds its files.
     * @param direction of the bytes.
     * @param seekpos   stream offset of the first byte.
     * @param buffer    holding them.
     * @param offset    of the first byte in {@code buffer}.
     * @param length    bytes to write.
     * @throws UncheckedIOException when a file cannot be created or written.
     */
    public void write(
        final Flow flow,
        final FlowState state,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        if (length > 0 && state.files[direction] == null)
        {
            name.setLength(0);
            TcpflowNames.appendDirection(name, flow.ipVersion(), flow.clientAddressHigh(), flow.clientAddressLow(),
                flow.clientPort(), flow.serverAddressHigh(), flow.serverAddressLow(), flow.serverPort(), state.vlan,
                direction);
            state.files[direction] = create();
        }
        write(state.files, state.skipped, direction, seekpos, buffer, offset, length);
    }

    /**
     * Write a stream's bytes to its file, made and named now if it has none yet (a journal export keeps its flows'
     * files itself).
     *
     * @param streamName names the file, when it is made.
     * @param files      the flow's files, one per direction; the one made is put here.
     * @param skipped    gap bytes left out so far per direction ({@link GapFill#NONE}).
     * @param direction  of the bytes.
     * @param seekpos    stream offset of the first byte.
     * @param buffer     holding them.
     * @param offset     of the first byte in {@code buffer}.
     * @param length     bytes to write.
     * @throws UncheckedIOException when a file cannot be created or written.
     */
    public void write(
        final StreamName streamName,
        final StreamFile[] files,
        final long[] skipped,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        if (length > 0 && files[direction] == null)
        {
            name.setLength(0);
            streamName.append(name, direction);
            files[direction] = create();
        }
        write(files, skipped, direction, seekpos, buffer, offset, length);
    }

    private void write(
        final StreamFile[] files,
        final long[] skipped,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        if (length <= 0)
        {
            return;
        }
        final StreamFile file = files[direction];
        final FileChannel channel = channel(file);
        final long position = gapFill == GapFill.ZEROS ? seekpos : seekpos - skipped[direction];
        final ByteBuffer pending = file.pending;
        if (pending.position() > 0 && position != file.pendingPosition + pending.position())
        {
            flush(file);
        }
        if (length > pending.remaining())
        {
            flush(file);
        }
        if (length <= pending.remaining())
        {
            if (pending.position() == 0)
            {
                file.pendingPosition = position;
            }
            buffer.getBytes(offset, pending, pending.position(), length);
            pending.position(pending.position() + length);
        }
        else
        {
            writeThrough(file, channel, position, buffer, offset, length);
        }
        file.written += length;
    }

    /**
     * A gap in a stream: under {@link GapFill#ZEROS} it becomes zeros in the file when bytes follow it (a file
     * system hole), under {@link GapFill#NONE} it is left out.
     *
     * @param state     of the flow.
     * @param direction of the stream.
     * @param length    bytes missing.
     */
    public void gap(final FlowState state, final int direction, final long length)
    {
        if (gapFill == GapFill.NONE)
        {
            // Counted even before the file exists: a leading gap is left out too.
            state.skipped[direction] += length;
        }
    }

    /**
     * Close one direction's file, if it is open; it ended.
     *
     * @param state     of the flow.
     * @param direction of the stream.
     */
    public void close(final FlowState state, final int direction)
    {
        close(state.files, direction);
    }

    /**
     * Close one direction's file, if it is open; it ended.
     *
     * @param files     the flow's files.
     * @param direction of the stream.
     */
    public void close(final StreamFile[] files, final int direction)
    {
        final StreamFile file = files[direction];
        if (file != null && file.channel != null)
        {
            open.remove(file);
            closeChannel(file);
        }
    }

    /**
     * @return files created.
     */
    public long filesCreated()
    {
        return filesCreated;
    }

    /**
     * @return times a file closed to stay within the bound on open files was opened again.
     */
    public long reopened()
    {
        return reopened;
    }

    /**
     * @return files open now.
     */
    public int openFiles()
    {
        return open.size();
    }

    /**
     * Close every file still open.
     */
    @Override
    public void close()
    {
        UncheckedIOException first = null;
        for (final Iterator<StreamFile> it = open.keySet().iterator(); it.hasNext(); )
        {
            final StreamFile file = it.next();
            it.remove();
            try
            {
                closeChannel(file);
            }
            catch (final UncheckedIOException ex)
            {
                first = first == null ? ex : first;
            }
        }
        if (first != null)
        {
            throw first;
        }
    }

    private void writeThrough(
        final StreamFile file,
        final FileChannel channel,
        final long start,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        long position = start;
        int done = 0;
        try
        {
            while (done < length)
            {
                final int chunk = Math.min(length - done, COPY_BUFFER_BYTES);
                copy.clear();
                buffer.getBytes(offset + done, copy, 0, chunk);
                copy.limit(chunk);
                while (copy.hasRemaining())
                {
                    position += channel.write(copy, position);
                }
                done += chunk;
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(file.path + ": cannot write: " + ex.getMessage(), ex);
        }
    }

    private static void flush(final StreamFile file)
    {
        final ByteBuffer pending = file.pending;
        if (pending.position() == 0)
        {
            return;
        }
        pending.flip();
        long position = file.pendingPosition;
        try
        {
            while (pending.hasRemaining())
            {
                position += file.channel.write(pending, position);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(file.path + ": cannot write: " + ex.getMessage(), ex);
        }
        finally
        {
            pending.clear();
        }
    }

    /**
     * Make the file named in {@link #name} (numbered on when the name is taken).
     */
    private StreamFile create()
    {
        final FileChannel channel;
        try
        {
            channel = TcpflowNames.createNumbered(dir, name);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(dir.resolve(name.toString()) + ": cannot create: " + ex.getMessage(), ex);
        }
        final String fileName = name.toString();
        final StreamFile file = new StreamFile(fileName, dir.resolve(fileName));
        file.channel = channel;
        filesCreated++;
        admit(file);
        return file;
    }

    private FileChannel channel(final StreamFile file)
    {
        if (file.channel != null)
        {
            open.get(file);
            return file.channel;
        }
        try
        {
            file.channel = FileChannel.open(file.path, StandardOpenOption.WRITE);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(file.path + ": cannot open again: " + ex.getMessage(), ex);
        }
        reopened++;
        admit(file);
        return file.channel;
    }

    private void admit(final StreamFile file)
    {
        final ByteBuffer spare = spareBuffers.pollFirst();
        // Cold: a new buffer only when more files are open at once than ever before, up to the bound.
        file.pending = spare != null ? spare : ByteBuffer.allocateDirect(PENDING_BYTES);
        open.put(file, file);
        if (open.size() > maxOpenFiles)
        {
            final Iterator<StreamFile> eldest = open.keySet().iterator();
            final StreamFile victim = eldest.next();
            eldest.remove();
            closeChannel(victim);
        }
    }

    private void closeChannel(final StreamFile file)
    {
        final FileChannel channel = file.channel;
        UncheckedIOException failure = null;
        try
        {
            flush(file);
        }
        catch (final UncheckedIOException ex)
        {
            failure = ex;
        }
        spareBuffers.addFirst(file.pending);
        file.pending = null;
        file.channel = null;
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            failure = failure != null ? failure :
                new UncheckedIOException(file.path + ": cannot close: " + ex.getMessage(), ex);
        }
        if (failure != null)
        {
            throw failure;
        }
    }
}
