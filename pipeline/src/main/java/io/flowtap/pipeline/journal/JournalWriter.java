package io.flowtap.pipeline.journal;

import io.flowtap.reassembly.ConnState;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.GapReason;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.reassembly.flow.FlowKey;
import io.flowtap.reassembly.attribute.AttributeNames;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import org.agrona.DirectBuffer;

import static io.flowtap.pipeline.journal.JournalDescriptor.ATTRIBUTE_DIRECTION_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.ATTRIBUTE_NAME_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.ATTRIBUTE_NAME_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.ATTRIBUTE_VALUE_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.ATTRIBUTE_VALUE_TYPE_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_DIRECTION_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_HELD_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_HELD_OFFSET_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_LENGTH;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_NEW_KEPT_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_NEW_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_NEW_OFFSET_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.COUNTER_CONFLICTING_OVERLAPS;
import static io.flowtap.pipeline.journal.JournalDescriptor.COUNTER_DELIVERED_BYTES;
import static io.flowtap.pipeline.journal.JournalDescriptor.COUNTER_GAPS;
import static io.flowtap.pipeline.journal.JournalDescriptor.COUNTER_GAP_BYTES;
import static io.flowtap.pipeline.journal.JournalDescriptor.COUNTER_OUT_OF_ORDER;
import static io.flowtap.pipeline.journal.JournalDescriptor.COUNTER_OVERLAPS;
import static io.flowtap.pipeline.journal.JournalDescriptor.COUNTER_PACKETS;
import static io.flowtap.pipeline.journal.JournalDescriptor.COUNTER_PAYLOAD_BYTES;
import static io.flowtap.pipeline.journal.JournalDescriptor.COUNTER_RETRANSMISSIONS;
import static io.flowtap.pipeline.journal.JournalDescriptor.COUNTER_WIRE_BYTES;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_EXT_ACKED_MISSING_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_EXT_CONN_STATE_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_EXT_SEQ_BYTES_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_FIN_RST_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_FIRST_NS_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_FLAGS_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_HISTORY_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_HISTORY_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_KEY_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_LAST_NS_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_REASON_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_SYN_FLAGS_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.ESTABLISHED_LENGTH;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLAG_CONNECTED;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLAG_DROPPED;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLAG_HANDLER_FAILED;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLAG_MIDSTREAM;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLAG_RESET_REQUESTED;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLOW_START_FLAGS_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLOW_START_KEY_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLOW_START_LENGTH;
import static io.flowtap.pipeline.journal.JournalDescriptor.GAP_DIRECTION_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.GAP_LENGTH;
import static io.flowtap.pipeline.journal.JournalDescriptor.GAP_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.GAP_REASON_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.GAP_STREAM_OFFSET_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_CLIENT_HIGH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_CLIENT_LOW_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_CLIENT_PORT_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_IP_VERSION_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_SERVER_HIGH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_SERVER_LOW_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_SERVER_PORT_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_VLAN_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.MAX_ATTRIBUTE_NAME_LENGTH;
import static io.flowtap.pipeline.journal.JournalDescriptor.NO_DIRECTION;
import static io.flowtap.pipeline.journal.JournalDescriptor.PAYLOAD_DATA_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.PAYLOAD_DIRECTION_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.PAYLOAD_EOF_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.PAYLOAD_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.PAYLOAD_RESERVED_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.PAYLOAD_STREAM_OFFSET_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.SCHEMA_VERSION;
import static io.flowtap.pipeline.journal.JournalDescriptor.VALUE_BINARY;
import static io.flowtap.pipeline.journal.JournalDescriptor.VALUE_LONG;
import static io.flowtap.pipeline.journal.JournalDescriptor.VALUE_TEXT;
import static io.flowtap.pipeline.journal.JournalDescriptor.endCounterOffset;
import static io.flowtap.pipeline.journal.JournalDescriptor.endReasonCode;
import static io.flowtap.pipeline.journal.JournalDescriptor.gapReasonCode;

/**
 * Journals what the engine reports, as a {@link TcpHandler}: register it with a worker's engine and every flow event
 * becomes one excerpt of the schema in {@link JournalDescriptor}. Written through Chronicle's low-level API, a
 * document at a time with raw {@code Bytes} writes, so an event allocates nothing; in-order payload is copied once,
 * from the handler's buffer into the mapped queue file. The writer consumes all payload offered to it.
 * <p>
 * Owns one Chronicle appender: use it from one thread (the engine's). Unbatched, every event is committed as it is
 * written, so a process killed between events leaves a journal that reads back to the last event written; batched
 * (a pipeline's workers), events are committed at the end of each batch of segments ({@link #onBatchEnd()}), so a
 * killed process loses at most the batch it was in, and a stopped one nothing.
 */
public final class JournalWriter extends ExcerptWriter implements TcpHandler
{
    private final int maxPayloadChunk;
    private long payloadBytes;
    private long attributesCut;

    JournalWriter(
        final ExcerptAppender appender,
        final int source,
        final int run,
        final int maxPayloadChunk,
        final int batchBytes,
        final JournalSpace space)
    {
        super(appender, source, run, batchBytes, space);
        this.maxPayloadChunk = maxPayloadChunk;
    }

    @Override
    public void onNewFlow(final Flow flow, final long timeNs)
    {
        final Bytes<?> bytes = begin(EventType.FLOW_START, flow.id(), timeNs, FLOW_START_LENGTH, FLOW_START_LENGTH);
        if (bytes == null)
        {
            return;
        }
        try
        {
            writeKey(bytes, base + FLOW_START_KEY_OFFSET, flow);
            bytes.writeLong(base + FLOW_START_FLAGS_OFFSET, flow.isMidstream() ? FLAG_MIDSTREAM : 0);
        }
        catch (final RuntimeException ex)
        {
            abort();
            throw ex;
        }
        catch (final InternalError ex)
        {
            fault(ex);
            return;
        }
        end();
    }

    @Override
    public void onEstablished(final Flow flow, final long timeNs)
    {
        if (begin(EventType.ESTABLISHED, flow.id(), timeNs, ESTABLISHED_LENGTH, ESTABLISHED_LENGTH) != null)
        {
            end();
        }
    }

    @Override
    public int onPayload(
        final Flow flow,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs,
        final int eof)
    {
        if (length == 0 && eof == EOF_NONE)
        {
            return 0;
        }
        buffer.boundsCheck(offset, length);
        int done = 0;
        do
        {
            final int chunk = Math.min(length - done, maxPayloadChunk);
            final boolean last = done + chunk == length;
            final Bytes<?> bytes = begin(
                EventType.PAYLOAD, flow.id(), timeNs, PAYLOAD_DATA_OFFSET, PAYLOAD_DATA_OFFSET + chunk);
            if (bytes == null)
            {
                droppedPayload(chunk);
                done += chunk;
                continue;
            }
            try
            {
                bytes.writeByte(base + PAYLOAD_DIRECTION_OFFSET, (byte)direction);
                bytes.writeByte(base + PAYLOAD_EOF_OFFSET, (byte)(last ? eof : EOF_NONE));
                bytes.writeShort(base + PAYLOAD_RESERVED_OFFSET, (short)0);
                bytes.writeInt(base + PAYLOAD_LENGTH_OFFSET, chunk);
                bytes.writeLong(base + PAYLOAD_STREAM_OFFSET_OFFSET, seekpos + done);
                copy(bytes, buffer, offset + done, chunk);
            }
            catch (final RuntimeException ex)
            {
                abort();
                throw ex;
            }
            catch (final InternalError ex)
            {
                fault(ex);
                droppedPayload(length - done);
                return length;
            }
            end();
            payloadBytes += chunk;
            done += chunk;
        }
        while (done < length);
        return length;
    }

    @Override
    public void onGap(
        final Flow flow, final int direction, final long seekpos, final long length, final GapReason reason,
        final long timeNs)
    {
        final Bytes<?> bytes = begin(EventType.GAP, flow.id(), timeNs, GAP_LENGTH, GAP_LENGTH);
        if (bytes == null)
        {
            return;
        }
        try
        {
            bytes.writeLong(base + GAP_DIRECTION_OFFSET, 0L);
            bytes.writeByte(base + GAP_DIRECTION_OFFSET, (byte)direction);
            bytes.writeByte(base + GAP_REASON_OFFSET, (byte)gapReasonCode(reason));
            bytes.writeLong(base + GAP_STREAM_OFFSET_OFFSET, seekpos);
            bytes.writeLong(base + GAP_LENGTH_OFFSET, length);
        }
        catch (final RuntimeException ex)
        {
            abort();
            throw ex;
        }
        catch (final InternalError ex)
        {
            fault(ex);
            return;
        }
        end();
    }

    @Override
    public void onOverlapConflict(
        final Flow flow,
        final int direction,
        final long heldStart,
        final long heldLength,
        final long newStart,
        final long newLength,
        final boolean newKept,
        final long timeNs)
    {
        final Bytes<?> bytes = begin(
                EventType.OVERLAP_CONFLICT, flow.id(), timeNs, CONFLICT_LENGTH, CONFLICT_LENGTH);
        if (bytes == null)
        {
            return;
        }
        try
        {
            bytes.writeLong(base + CONFLICT_DIRECTION_OFFSET, 0L);
            bytes.writeByte(base + CONFLICT_DIRECTION_OFFSET, (byte)direction);
            bytes.writeByte(base + CONFLICT_NEW_KEPT_OFFSET, (byte)(newKept ? 1 : 0));
            bytes.writeLong(base + CONFLICT_HELD_OFFSET_OFFSET, heldStart);
            bytes.writeLong(base + CONFLICT_HELD_LENGTH_OFFSET, heldLength);
            bytes.writeLong(base + CONFLICT_NEW_OFFSET_OFFSET, newStart);
            bytes.writeLong(base + CONFLICT_NEW_LENGTH_OFFSET, newLength);
        }
        catch (final RuntimeException ex)
        {
            abort();
            throw ex;
        }
        catch (final InternalError ex)
        {
            fault(ex);
            return;
        }
        end();
    }

    @Override
    public void onTerminate(final Flow flow, final FlowRecord record)
    {
        final int historyLength = record.historyLength();
        final int length = JournalDescriptor.flowEndLength(SCHEMA_VERSION, historyLength);
        final Bytes<?> bytes = begin(EventType.FLOW_END, flow.id(), record.lastNs(), length, length);
        if (bytes == null)
        {
            return;
        }
        try
        {
            int flags = 0;
            flags |= record.midstream() ? FLAG_MIDSTREAM : 0;
            flags |= record.connected() ? FLAG_CONNECTED : 0;
            flags |= flow.isResetRequested() ? FLAG_RESET_REQUESTED : 0;
            flags |= flow.isDropped() ? FLAG_DROPPED : 0;
            flags |= flow.handlerFailed() ? FLAG_HANDLER_FAILED : 0;
            int finRst = 0;
            for (int d = 0; d < 2; d++)
            {
                finRst |= record.fin(d) ? 1 << d : 0;
                finRst |= record.rst(d) ? 4 << d : 0;
            }
            bytes.writeByte(base + END_REASON_OFFSET, (byte)endReasonCode(record.endReason()));
            bytes.writeByte(base + END_FLAGS_OFFSET, (byte)flags);
            bytes.writeByte(base + END_FIN_RST_OFFSET, (byte)finRst);
            bytes.writeByte(base + END_HISTORY_LENGTH_OFFSET, (byte)historyLength);
            bytes.writeShort(base + END_SYN_FLAGS_OFFSET, (short)record.synFlags(Direction.TO_CLIENT));
            bytes.writeShort(base + END_SYN_FLAGS_OFFSET + 2, (short)record.synFlags(Direction.TO_SERVER));
            bytes.writeLong(base + END_FIRST_NS_OFFSET, record.firstNs());
            bytes.writeLong(base + END_LAST_NS_OFFSET, record.lastNs());
            for (int d = 0; d < 2; d++)
            {
                bytes.writeLong(base + endCounterOffset(COUNTER_PACKETS, d), record.packets(d));
                bytes.writeLong(base + endCounterOffset(COUNTER_PAYLOAD_BYTES, d), record.payloadBytes(d));
                bytes.writeLong(base + endCounterOffset(COUNTER_WIRE_BYTES, d), record.wireBytes(d));
                bytes.writeLong(base + endCounterOffset(COUNTER_DELIVERED_BYTES, d), record.deliveredBytes(d));
                bytes.writeLong(base + endCounterOffset(COUNTER_RETRANSMISSIONS, d), record.retransmissions(d));
                bytes.writeLong(base + endCounterOffset(COUNTER_OUT_OF_ORDER, d), record.outOfOrder(d));
                bytes.writeLong(base + endCounterOffset(COUNTER_OVERLAPS, d), record.overlaps(d));
                bytes.writeLong(
                    base + endCounterOffset(COUNTER_CONFLICTING_OVERLAPS, d), record.conflictingOverlaps(d));
                bytes.writeLong(base + endCounterOffset(COUNTER_GAPS, d), record.gaps(d));
                bytes.writeLong(base + endCounterOffset(COUNTER_GAP_BYTES, d), record.gapBytes(d));
            }
            writeKey(bytes, base + END_KEY_OFFSET, flow);
            for (int i = 0; i < historyLength; i++)
            {
                bytes.writeByte(base + END_HISTORY_OFFSET + i, (byte)record.historyChar(i));
            }
            final long extension = base + END_HISTORY_OFFSET + historyLength;
            bytes.writeLong(extension, 0L);
            bytes.writeByte(extension + END_EXT_CONN_STATE_OFFSET, (byte)ConnState.code(record.connState()));
            for (int d = 0; d < 2; d++)
            {
                bytes.writeLong(extension + END_EXT_SEQ_BYTES_OFFSET + 8L * d, record.seqBytes(d));
                bytes.writeLong(extension + END_EXT_ACKED_MISSING_OFFSET + 8L * d, record.ackedMissingBytes(d));
            }
        }
        catch (final RuntimeException ex)
        {
            abort();
            throw ex;
        }
        catch (final InternalError ex)
        {
            fault(ex);
            return;
        }
        end();
    }

    /**
     * An attribute a handler found ({@link Flow#attribute}): journaled as text, except a whole TLS record, which is
     * binary. A value longer than the largest excerpt chunk is cut to it and counted, rather than failing the
     * worker's thread on traffic it cannot control.
     */
    @Override
    public void onAttribute(
        final Flow flow,
        final int direction,
        final String name,
        final DirectBuffer value,
        final int offset,
        final int length,
        final long timeNs)
    {
        final int kept = Math.min(length, maxPayloadChunk);
        if (kept < length)
        {
            attributesCut++;
        }
        final int valueType = AttributeNames.TLS_RECORD.equals(name) ? VALUE_BINARY : VALUE_TEXT;
        final Bytes<?> bytes = beginAttribute(flow, direction, name, valueType, kept, timeNs);
        if (bytes == null)
        {
            return;
        }
        try
        {
            copy(bytes, value, offset, kept);
            bytes.writeInt(base + ATTRIBUTE_VALUE_LENGTH_OFFSET, kept);
        }
        catch (final RuntimeException ex)
        {
            abort();
            throw ex;
        }
        catch (final InternalError ex)
        {
            fault(ex);
            return;
        }
        end();
    }

    /**
     * @return attribute values cut to the largest excerpt chunk.
     */
    public long attributesCut()
    {
        return attributesCut;
    }

    /**
     * Journal a text attribute of a flow (a protocol name, a server name ...).
     *
     * @param flow      the flow.
     * @param direction a {@link Direction}, or -1 when it is about the whole flow.
     * @param name      of the attribute; at most {@value JournalDescriptor#MAX_ATTRIBUTE_NAME_LENGTH} characters.
     * @param value     text, written as UTF-8; at most a third of the largest payload chunk, in characters.
     * @param timeNs    when it was learnt.
     */
    public void attribute(
        final Flow flow, final int direction, final CharSequence name, final CharSequence value, final long timeNs)
    {
        if (value.length() > maxPayloadChunk / 3)
        {
            throw new IllegalArgumentException("attribute text of " + value.length() +
                " characters is longer than a third of the largest excerpt chunk " + maxPayloadChunk);
        }
        final Bytes<?> bytes = beginAttribute(flow, direction, name, VALUE_TEXT, 3L * value.length(), timeNs);
        if (bytes == null)
        {
            return;
        }
        try
        {
            final long valueStart = bytes.writePosition();
            bytes.appendUtf8(value);
            bytes.writeInt(base + ATTRIBUTE_VALUE_LENGTH_OFFSET, (int)(bytes.writePosition() - valueStart));
        }
        catch (final RuntimeException ex)
        {
            abort();
            throw ex;
        }
        catch (final InternalError ex)
        {
            fault(ex);
            return;
        }
        end();
    }

    /**
     * Journal a numeric attribute of a flow.
     *
     * @param flow      the flow.
     * @param direction a {@link Direction}, or -1 when it is about the whole flow.
     * @param name      of the attribute.
     * @param value     the number.
     * @param timeNs    when it was learnt.
     */
    public void attribute(
        final Flow flow, final int direction, final CharSequence name, final long value, final long timeNs)
    {
        final Bytes<?> bytes = beginAttribute(flow, direction, name, VALUE_LONG, Long.BYTES, timeNs);
        if (bytes == null)
        {
            return;
        }
        try
        {
            bytes.writeLong(value);
            bytes.writeInt(base + ATTRIBUTE_VALUE_LENGTH_OFFSET, Long.BYTES);
        }
        catch (final RuntimeException ex)
        {
            abort();
            throw ex;
        }
        catch (final InternalError ex)
        {
            fault(ex);
            return;
        }
        end();
    }

    /**
     * Journal a binary attribute of a flow (a certificate, a hash ...).
     *
     * @param flow      the flow.
     * @param direction a {@link Direction}, or -1 when it is about the whole flow.
     * @param name      of the attribute.
     * @param buffer    holding the value.
     * @param offset    of the value in {@code buffer}.
     * @param length    of the value; at most the journal's largest payload chunk.
     * @param timeNs    when it was learnt.
     */
    public void attribute(
        final Flow flow,
        final int direction,
        final CharSequence name,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs)
    {
        buffer.boundsCheck(offset, length);
        if (length > maxPayloadChunk)
        {
            throw new IllegalArgumentException(
                "attribute value of " + length + " bytes is longer than the largest excerpt chunk " + maxPayloadChunk);
        }
        final Bytes<?> bytes = beginAttribute(flow, direction, name, VALUE_BINARY, length, timeNs);
        if (bytes == null)
        {
            return;
        }
        try
        {
            copy(bytes, buffer, offset, length);
            bytes.writeInt(base + ATTRIBUTE_VALUE_LENGTH_OFFSET, length);
        }
        catch (final RuntimeException ex)
        {
            abort();
            throw ex;
        }
        catch (final InternalError ex)
        {
            fault(ex);
            return;
        }
        end();
    }

    /**
     * @return payload bytes journaled.
     */
    public long payloadBytesWritten()
    {
        return payloadBytes;
    }

    private Bytes<?> beginAttribute(
        final Flow flow,
        final int direction,
        final CharSequence name,
        final int valueType,
        final long maxValueLength,
        final long timeNs)
    {
        if (name.length() > MAX_ATTRIBUTE_NAME_LENGTH)
        {
            throw new IllegalArgumentException(
                "attribute name longer than " + MAX_ATTRIBUTE_NAME_LENGTH + " characters");
        }
        final Bytes<?> bytes = begin(EventType.ATTRIBUTE, flow.id(), timeNs, ATTRIBUTE_NAME_OFFSET,
            ATTRIBUTE_NAME_OFFSET + 3L * name.length() + maxValueLength);
        if (bytes == null)
        {
            return null;
        }
        try
        {
            bytes.writeByte(base + ATTRIBUTE_DIRECTION_OFFSET, (byte)(direction == Direction.TO_SERVER ||
                direction == Direction.TO_CLIENT ? direction : NO_DIRECTION));
            bytes.writeByte(base + ATTRIBUTE_VALUE_TYPE_OFFSET, (byte)valueType);
            bytes.writeInt(base + ATTRIBUTE_VALUE_LENGTH_OFFSET, 0);
            bytes.appendUtf8(name);
            final long nameLength = bytes.writePosition() - (base + ATTRIBUTE_NAME_OFFSET);
            bytes.writeShort(base + ATTRIBUTE_NAME_LENGTH_OFFSET, (short)nameLength);
            return bytes;
        }
        catch (final RuntimeException ex)
        {
            abort();
            throw ex;
        }
        catch (final InternalError ex)
        {
            fault(ex);
            return null;
        }
    }

    private static void writeKey(final Bytes<?> bytes, final long at, final Flow flow)
    {
        bytes.writeShort(at + KEY_IP_VERSION_OFFSET, (short)flow.ipVersion());
        // The key's VLAN when the engine keys by VLAN, else the first segment's, so readers can name flows by it.
        final int vlan = flow.vlan() != FlowKey.NO_VLAN || flow.firstVlan() < 0 ? flow.vlan() : flow.firstVlan();
        bytes.writeShort(at + KEY_VLAN_OFFSET, (short)vlan);
        bytes.writeShort(at + KEY_CLIENT_PORT_OFFSET, (short)flow.clientPort());
        bytes.writeShort(at + KEY_SERVER_PORT_OFFSET, (short)flow.serverPort());
        bytes.writeLong(at + KEY_CLIENT_HIGH_OFFSET, flow.clientAddressHigh());
        bytes.writeLong(at + KEY_CLIENT_LOW_OFFSET, flow.clientAddressLow());
        bytes.writeLong(at + KEY_SERVER_HIGH_OFFSET, flow.serverAddressHigh());
        bytes.writeLong(at + KEY_SERVER_LOW_OFFSET, flow.serverAddressLow());
    }
}
