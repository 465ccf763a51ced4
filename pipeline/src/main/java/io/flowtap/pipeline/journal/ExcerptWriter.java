package io.flowtap.pipeline.journal;

import io.flowtap.capture.BatchAware;
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
 * What the two writers share: one appender, the header, the batching of events into excerpts, and the one copy of
 * bytes into the excerpt. Fields are set positionally from {@link JournalDescriptor}'s offsets, relative to
 * {@link #base}, the event's start in the document's bytes.
 * <p>
 * Unbatched (the default), every event is an excerpt of its own, committed as it is written. Batched, events are
 * appended to one open excerpt until it would pass the batch size or its thread calls {@link #onBatchEnd()}: opening
 * and committing an excerpt costs Chronicle far more than the copy of a full-sized segment (it finds its sequence
 * number again on every open), so a worker commits once per batch of segments instead of once per event. An open
 * excerpt holds the queue's write lock, so other writers of the same queue wait at most one batch.
 */
abstract class ExcerptWriter implements AutoCloseable, BatchAware
{
    final ExcerptAppender appender;
    final int source;
    long base;
    long events;
    private final int batchBytes;
    private DocumentContext document;
    private long documentStart;
    private boolean closed;

    ExcerptWriter(final ExcerptAppender appender, final int source, final int batchBytes)
    {
        this.appender = appender;
        this.source = source;
        this.batchBytes = batchBytes;
    }

    /**
     * Start an event: in the open excerpt if it has room, else in a new one; reserve its fixed part and write the
     * header. Every {@code begin} is followed by {@link #end()} or, if writing the event failed, {@link #abort()}.
     *
     * @param type        of the event.
     * @param id          flow id or frame number.
     * @param timeNs      event time.
     * @param fixedLength bytes from the event's start to the end of its fixed fields; the write position is left
     *                    there.
     * @param maxLength   the most bytes the whole event can take.
     * @return the document's bytes.
     */
    final Bytes<?> begin(final int type, final long id, final long timeNs, final int fixedLength, final long maxLength)
    {
        if (document != null && document.wire().bytes().writePosition() - documentStart + maxLength > batchBytes)
        {
            commit();
        }
        if (document == null)
        {
            document = appender.writingDocument();
            documentStart = document.wire().bytes().writePosition();
        }
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
     * The event is written: count it, and commit it unless batching.
     */
    final void end()
    {
        events++;
        if (batchBytes == 0)
        {
            commit();
        }
    }

    /**
     * Writing the event failed part way: take it back, keeping the events before it in the excerpt.
     */
    final void abort()
    {
        if (document == null)
        {
            return;
        }
        document.wire().bytes().writePosition(base);
        if (base == documentStart)
        {
            document.rollbackOnClose();
        }
        commit();
    }

    /**
     * Commit the open excerpt, if any: its events become visible to readers, and the queue's write lock is released.
     */
    public final void commit()
    {
        final DocumentContext open = document;
        if (open != null)
        {
            document = null;
            open.close();
        }
    }

    /**
     * The writing thread finished a batch: commit.
     */
    @Override
    public final void onBatchEnd()
    {
        commit();
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
            commit();
            appender.close();
        }
    }
}
