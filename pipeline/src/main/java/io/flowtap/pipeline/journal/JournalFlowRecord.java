package io.flowtap.pipeline.journal;

import io.flowtap.reassembly.ConnState;
import io.flowtap.reassembly.EndReason;
import org.agrona.DirectBuffer;

import static io.flowtap.pipeline.journal.JournalDescriptor.BYTE_ORDER;
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
import static io.flowtap.pipeline.journal.JournalDescriptor.FLAG_CONNECTED;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLAG_DROPPED;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLAG_HANDLER_FAILED;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLAG_MIDSTREAM;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLAG_RESET_REQUESTED;

/**
 * Flyweight over a journaled flow-end excerpt: the flow's final {@link io.flowtap.reassembly.FlowRecord}, with the
 * same accessors, and its final key. Valid only during {@link JournalVisitor#onFlowEnd}.
 */
public final class JournalFlowRecord
{
    private final JournalFlowKey key = new JournalFlowKey();
    private DirectBuffer buffer;

    /**
     * @param buffer holding a flow-end excerpt at offset 0, its length already checked.
     * @return this.
     */
    public JournalFlowRecord wrap(final DirectBuffer buffer)
    {
        this.buffer = buffer;
        key.wrap(buffer, END_KEY_OFFSET);
        return this;
    }

    /**
     * @return client and server, final (after any flip of roles).
     */
    public JournalFlowKey key()
    {
        return key;
    }

    /**
     * @return why the flow ended, or null if it was journaled before it did.
     */
    public EndReason endReason()
    {
        return JournalDescriptor.endReason(buffer.getByte(END_REASON_OFFSET) & 0xFF);
    }

    /**
     * @return whether the handshake completed.
     */
    public boolean connected()
    {
        return (flags() & FLAG_CONNECTED) != 0;
    }

    /**
     * @return whether the flow was picked up without its handshake.
     */
    public boolean midstream()
    {
        return (flags() & FLAG_MIDSTREAM) != 0;
    }

    /**
     * @return whether a handler asked for a reset.
     */
    public boolean resetRequested()
    {
        return (flags() & FLAG_RESET_REQUESTED) != 0;
    }

    /**
     * @return whether a handler dropped the flow.
     */
    public boolean dropped()
    {
        return (flags() & FLAG_DROPPED) != 0;
    }

    /**
     * @return whether a user's handler threw while handling the flow.
     */
    public boolean handlerFailed()
    {
        return (flags() & FLAG_HANDLER_FAILED) != 0;
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return whether a FIN was seen that way.
     */
    public boolean fin(final int direction)
    {
        return (buffer.getByte(END_FIN_RST_OFFSET) & (1 << direction)) != 0;
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return whether a RST was seen that way.
     */
    public boolean rst(final int direction)
    {
        return (buffer.getByte(END_FIN_RST_OFFSET) & (4 << direction)) != 0;
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return the TCP flags of the first SYN that way, or {@link io.flowtap.reassembly.FlowRecord#NO_SYN}.
     */
    public int synFlags(final int direction)
    {
        return buffer.getShort(END_SYN_FLAGS_OFFSET + 2 * direction, BYTE_ORDER);
    }

    /**
     * @return capture time of the first packet.
     */
    public long firstNs()
    {
        return buffer.getLong(END_FIRST_NS_OFFSET, BYTE_ORDER);
    }

    /**
     * @return capture time of the last packet.
     */
    public long lastNs()
    {
        return buffer.getLong(END_LAST_NS_OFFSET, BYTE_ORDER);
    }

    /**
     * @param counter   a {@code COUNTER_} constant of {@link JournalDescriptor}.
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return its value.
     */
    public long counter(final int counter, final int direction)
    {
        return buffer.getLong(JournalDescriptor.endCounterOffset(counter, direction), BYTE_ORDER);
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return segments seen that way.
     */
    public long packets(final int direction)
    {
        return counter(COUNTER_PACKETS, direction);
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return TCP payload bytes carried that way, retransmissions included.
     */
    public long payloadBytes(final int direction)
    {
        return counter(COUNTER_PAYLOAD_BYTES, direction);
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return frame bytes on the wire that way.
     */
    public long wireBytes(final int direction)
    {
        return counter(COUNTER_WIRE_BYTES, direction);
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return stream bytes handed to the handlers that way.
     */
    public long deliveredBytes(final int direction)
    {
        return counter(COUNTER_DELIVERED_BYTES, direction);
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return segments that brought only bytes already seen.
     */
    public long retransmissions(final int direction)
    {
        return counter(COUNTER_RETRANSMISSIONS, direction);
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return segments that arrived ahead of a hole.
     */
    public long outOfOrder(final int direction)
    {
        return counter(COUNTER_OUT_OF_ORDER, direction);
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return segments that overlapped bytes the engine held.
     */
    public long overlaps(final int direction)
    {
        return counter(COUNTER_OVERLAPS, direction);
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return overlaps whose bytes differed.
     */
    public long conflictingOverlaps(final int direction)
    {
        return counter(COUNTER_CONFLICTING_OVERLAPS, direction);
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return gaps reported that way.
     */
    public long gaps(final int direction)
    {
        return counter(COUNTER_GAPS, direction);
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return bytes missing that way: from schema 3, holes in the sender's own data only (the rest is
     * {@link #ackedMissingBytes}); in older records, every byte skipped.
     */
    public long gapBytes(final int direction)
    {
        return counter(COUNTER_GAP_BYTES, direction);
    }

    /**
     * @return letters in the Zeek-style history.
     */
    public int historyLength()
    {
        return buffer.getByte(END_HISTORY_LENGTH_OFFSET) & 0xFF;
    }

    /**
     * @param index below {@link #historyLength()}.
     * @return that letter.
     */
    public char historyChar(final int index)
    {
        return (char)(buffer.getByte(END_HISTORY_OFFSET + index) & 0xFF);
    }

    /**
     * @return the history; allocates.
     */
    public String history()
    {
        final StringBuilder history = new StringBuilder(historyLength());
        for (int i = 0; i < historyLength(); i++)
        {
            history.append(historyChar(i));
        }
        return history.toString();
    }

    /**
     * @return the schema version the record was written with; fields added since read as absent in older ones.
     */
    public int version()
    {
        return JournalDescriptor.version(buffer);
    }

    /**
     * @return Zeek's {@code conn_state}, or null when the record does not carry it (written before schema 3).
     */
    public ConnState connState()
    {
        return hasExtension() ? ConnState.fromCode(buffer.getByte(extension() + END_EXT_CONN_STATE_OFFSET) & 0xFF) :
            null;
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return the sender's bytes in sequence space (Zeek's {@code orig_bytes} / {@code resp_bytes}), 0 when the
     * record does not carry them (written before schema 3).
     */
    public long seqBytes(final int direction)
    {
        return hasExtension() ? buffer.getLong(extension() + END_EXT_SEQ_BYTES_OFFSET + 8 * direction, BYTE_ORDER) : 0;
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return bytes only acknowledgements showed missing that way, 0 when the record does not carry them (written
     * before schema 3, when {@link #gapBytes} counted them too).
     */
    public long ackedMissingBytes(final int direction)
    {
        return hasExtension() ?
            buffer.getLong(extension() + END_EXT_ACKED_MISSING_OFFSET + 8 * direction, BYTE_ORDER) : 0;
    }

    private boolean hasExtension()
    {
        return version() >= JournalDescriptor.END_EXTENSION_SINCE_VERSION;
    }

    private int extension()
    {
        return END_HISTORY_OFFSET + historyLength();
    }

    private int flags()
    {
        return buffer.getByte(END_FLAGS_OFFSET) & 0xFF;
    }
}
