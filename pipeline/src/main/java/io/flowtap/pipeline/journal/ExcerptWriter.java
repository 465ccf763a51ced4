package io.flowtap.pipeline.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;

import static io.flowtap.pipeline.journal.JournalDescriptor.FLOW_ID_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.MAGIC;
import static io.flowtap.pipeline.journal.JournalDescriptor.MAGIC_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.RESERVED_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.SCHEMA_VERSION;
import static io.flowtap.pipeline.journal.JournalDescriptor.SOURCE_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.TIME_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.TYPE_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.VERSION_OFFSET;

/**
 * What the two writers share: one appender, the header, and the one copy of bytes into the excerpt. Fields are set
 * positionally from {@link JournalDescriptor}'s offsets, relative to {@link #base}, the excerpt's start in the
 * document's bytes.
 */
abstract class ExcerptWriter implements AutoCloseable
{
    final ExcerptAppender appender;
    final int source;
    long base;
    long events;
    private boolean closed;

    ExcerptWriter(final ExcerptAppender appender, final int source)
    {
        this.appender = appender;
        this.source = source;
    }

    /**
     * Start an excerpt: reserve its fixed part and write the header.
     *
     * @param document    open for writing.
     * @param type        of the event.
     * @param id          flow id or frame number.
     * @param timeNs      event time.
     * @param fixedLength bytes from the excerpt's start to the end of its fixed fields; the write position is left
     *                    there.
     * @return the document's bytes.
     */
    final Bytes<?> begin(
        final DocumentContext document, final int type, final long id, final long timeNs, final int fixedLength)
    {
        final Bytes<?> bytes = document.wire().bytes();
        final long start = bytes.writePosition();
        base = start;
        bytes.writeSkip(fixedLength);
        bytes.writeShort(start + MAGIC_OFFSET, (short)MAGIC);
        bytes.writeByte(start + VERSION_OFFSET, (byte)SCHEMA_VERSION);
        bytes.writeByte(start + TYPE_OFFSET, (byte)type);
        bytes.writeShort(start + SOURCE_OFFSET, (short)source);
        bytes.writeShort(start + RESERVED_OFFSET, (short)0);
        bytes.writeLong(start + FLOW_ID_OFFSET, id);
        bytes.writeLong(start + TIME_OFFSET, timeNs);
        return bytes;
    }

    /**
     * Append bytes at the write position: the one copy, from a heap array or from native memory (a ring, a mapped
     * capture file, the engine's page store) straight into the mapped queue file.
     */
    static void copy(final Bytes<?> bytes, final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] array = buffer.byteArray();
        if (array != null)
        {
            bytes.write(array, (int)(buffer.addressOffset() - BufferUtil.ARRAY_BASE_OFFSET) + offset, length);
        }
        else
        {
            bytes.unsafeWrite(buffer.addressOffset() + offset, length);
        }
    }

    /**
     * @return the number written into every excerpt's header.
     */
    public final int source()
    {
        return source;
    }

    /**
     * @return excerpts written (a payload split into chunks counts each chunk).
     */
    public final long eventsWritten()
    {
        return events;
    }

    /**
     * Force what was written so far to storage (an msync of the mapped file): what was committed already survives
     * the process without it, this is for surviving the machine.
     */
    public final void sync()
    {
        appender.sync();
    }

    /**
     * Release the appender. Call from the writing thread, or after it has stopped.
     */
    @Override
    public final void close()
    {
        if (!closed)
        {
            closed = true;
            appender.close();
        }
    }
}
