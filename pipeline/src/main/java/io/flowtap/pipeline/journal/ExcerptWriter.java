package io.flowtap.pipeline.journal;

import io.flowtap.capture.BatchAware;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;

import java.util.concurrent.TimeUnit;

import static io.flowtap.pipeline.journal.JournalDescriptor.FLOW_ID_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.LOSS_EVENTS_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.LOSS_FIRST_NS_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.LOSS_LENGTH;
import static io.flowtap.pipeline.journal.JournalDescriptor.LOSS_PAYLOAD_BYTES_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.MAGIC;
import static io.flowtap.pipeline.journal.JournalDescriptor.MAGIC_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.RUN_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.SCHEMA_VERSION;
import static io.flowtap.pipeline.journal.JournalDescriptor.SOURCE_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.TIME_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.TYPE_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.VERSION_OFFSET;

/**
 * What the two writers share: one appender, the header, the batching of events into excerpts, the one copy of bytes
 * into the excerpt, and the disk-space guard. Fields are set positionally from {@link JournalDescriptor}'s offsets,
 * relative to {@link #base}, the event's start in the document's bytes.
 * <p>
 * Unbatched (the default), every event is an excerpt of its own, committed as it is written. Batched, events are
 * appended to one open excerpt until it would pass the batch size or its thread calls {@link #onBatchEnd()}: opening
 * and committing an excerpt costs Chronicle far more than the copy of a full-sized segment (it finds its sequence
 * number again on every open), so a worker commits once per batch of segments instead of once per event. An open
 * excerpt holds the queue's write lock, so other writers of the same queue wait at most one batch.
 * <p>
 * <b>Disk space.</b> Before any byte of an event is written, its {@link SpaceGuard} makes sure the blocks are there.
 * When they are not, {@link #begin} returns null: the event is dropped and counted, what was committed stays as it
 * is, and the journal's {@link JournalFullPolicy} decides what follows: stop for good, or drop until there is room
 * again and then write a {@code loss} event that says what is missing. A write that faults anyway (an
 * {@link InternalError}: the kernel could not back a mapped page, because someone else filled the disk after the
 * reservation or cut the file short) stops every writer of the journal: the mapping is never written again, and the
 * error is caught here once, not per packet.
 */
abstract class ExcerptWriter implements AutoCloseable, BatchAware
{
    /** How often a writer dropping events for want of space tries again. */
    static final long RETRY_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);

    final ExcerptAppender appender;
    final int source;
    final int run;
    long base;
    long events;
    private final int batchBytes;
    private final JournalSpace space;
    private final SpaceGuard guard;
    private DocumentContext document;
    private long documentStart;
    private boolean closed;
    private boolean faulted;
    private boolean dropping;
    private long retryAtNs;
    private long eventsDropped;
    private long payloadBytesDropped;
    private long lossEvents;
    private long lossPayloadBytes;
    private long lossFirstNs;

    ExcerptWriter(
        final ExcerptAppender appender, final int source, final int run, final int batchBytes, final JournalSpace space)
    {
        this.appender = appender;
        this.source = source;
        this.run = run;
        this.batchBytes = batchBytes;
        this.space = space;
        this.guard = new SpaceGuard(space);
    }

    /**
     * Start an event: in the open excerpt if it has room, else in a new one; reserve its fixed part and write the
     * header. Every {@code begin} that returns bytes is followed by {@link #end()} or, if writing the event failed,
     * {@link #abort()} or {@link #fault(InternalError)}.
     *
     * @param type        of the event.
     * @param id          flow id or frame number.
     * @param timeNs      event time.
     * @param fixedLength bytes from the event's start to the end of its fixed fields; the write position is left
     *                    there.
     * @param maxLength   the most bytes the whole event can take.
     * @return the document's bytes, or null when the event is dropped for want of space (counted).
     */
    final Bytes<?> begin(final int type, final long id, final long timeNs, final int fixedLength, final long maxLength)
    {
        if ((dropping || space.isStopped()) && !resume(timeNs))
        {
            drop(timeNs);
            return null;
        }
        try
        {
            final Bytes<?> bytes = open(maxLength);
            if (bytes == null)
            {
                dropping = true;
                retryAtNs = System.nanoTime() + RETRY_INTERVAL_NS;
                drop(timeNs);
                return null;
            }
            header(bytes, type, id, timeNs, fixedLength);
            return bytes;
        }
        catch (final InternalError ex)
        {
            fault(ex);
            drop(timeNs);
            return null;
        }
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
     * A write through the mapping faulted: stop every writer of the journal, and never touch the mapping again (the
     * open excerpt is left unfinished: readers stop before it).
     *
     * @param error the fault.
     */
    final void fault(final InternalError error)
    {
        faulted = true;
        document = null;
        space.fault("a write to the journal faulted (" + error.getMessage() + "): the file system could not back " +
            "a mapped page; the journal is readable up to its last commit");
    }

    /**
     * Payload bytes of a dropped event, for the loss event and the counters.
     *
     * @param bytes dropped.
     */
    final void droppedPayload(final long bytes)
    {
        payloadBytesDropped += bytes;
        lossPayloadBytes += bytes;
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
            try
            {
                open.close();
            }
            catch (final InternalError ex)
            {
                fault(ex);
            }
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
     * @return the run number written into every excerpt's header.
     */
    public final int run()
    {
        return run;
    }

    /**
     * @return excerpts written (a payload split into chunks counts each chunk).
     */
    public final long eventsWritten()
    {
        return events;
    }

    /**
     * @return events not journaled because the disk was full (or a write faulted).
     */
    public final long eventsDropped()
    {
        return eventsDropped;
    }

    /**
     * @return payload bytes (or frame bytes) among the events not journaled.
     */
    public final long payloadBytesDropped()
    {
        return payloadBytesDropped;
    }

    /**
     * Force what was written so far to storage (an msync of the mapped file): what was committed already survives
     * the process without it, this is for surviving the machine.
     */
    public final void sync()
    {
        if (!faulted)
        {
            appender.sync();
        }
    }

    /**
     * Release the appender, after a last try to say what was lost. Call from the writing thread, or after it has
     * stopped.
     */
    @Override
    public final void close()
    {
        if (!closed)
        {
            closed = true;
            if (dropping && !space.isStopped())
            {
                retryAtNs = System.nanoTime();
                resume(lossFirstNs);
            }
            commit();
            guard.close();
            if (!faulted)
            {
                appender.close();
            }
        }
    }

    private Bytes<?> open(final long maxLength)
    {
        if (document != null && document.wire().bytes().writePosition() - documentStart + maxLength > batchBytes)
        {
            commit();
        }
        if (document == null)
        {
            if (faulted || space.isStopped() || !guard.mayOpen(appender))
            {
                return null;
            }
            document = appender.writingDocument();
            documentStart = document.wire().bytes().writePosition();
        }
        final Bytes<?> bytes = document.wire().bytes();
        if (!guard.reserve(appender, bytes.writePosition() + maxLength))
        {
            if (bytes.writePosition() == documentStart)
            {
                document.rollbackOnClose();
            }
            commit();
            return null;
        }
        return bytes;
    }

    private void header(final Bytes<?> bytes, final int type, final long id, final long timeNs, final int fixedLength)
    {
        final long start = bytes.writePosition();
        base = start;
        bytes.writeSkip(fixedLength);
        bytes.writeShort(start + MAGIC_OFFSET, (short)MAGIC);
        bytes.writeByte(start + VERSION_OFFSET, (byte)SCHEMA_VERSION);
        bytes.writeByte(start + TYPE_OFFSET, (byte)type);
        bytes.writeShort(start + SOURCE_OFFSET, (short)source);
        bytes.writeShort(start + RUN_OFFSET, (short)run);
        bytes.writeLong(start + FLOW_ID_OFFSET, id);
        bytes.writeLong(start + TIME_OFFSET, timeNs);
    }

    private void drop(final long timeNs)
    {
        if (lossEvents == 0)
        {
            lossFirstNs = timeNs;
        }
        eventsDropped++;
        lossEvents++;
    }

    /**
     * While dropping for want of space, at most every {@link #RETRY_INTERVAL_NS}: if there is room again, write the
     * loss event and go back to journaling.
     *
     * @return whether journaling resumed.
     */
    private boolean resume(final long timeNs)
    {
        if (faulted || space.isStopped() || System.nanoTime() - retryAtNs < 0)
        {
            return false;
        }
        retryAtNs = System.nanoTime() + RETRY_INTERVAL_NS;
        try
        {
            final Bytes<?> bytes = open(LOSS_LENGTH);
            if (bytes == null)
            {
                return false;
            }
            header(bytes, EventType.LOSS, 0, timeNs, LOSS_LENGTH);
            bytes.writeLong(base + LOSS_EVENTS_OFFSET, lossEvents);
            bytes.writeLong(base + LOSS_PAYLOAD_BYTES_OFFSET, lossPayloadBytes);
            bytes.writeLong(base + LOSS_FIRST_NS_OFFSET, lossFirstNs);
        }
        catch (final InternalError ex)
        {
            fault(ex);
            return false;
        }
        end();
        dropping = false;
        lossEvents = 0;
        lossPayloadBytes = 0;
        return true;
    }
}
