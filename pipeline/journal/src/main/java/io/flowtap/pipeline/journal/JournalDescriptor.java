package io.flowtap.pipeline.journal;

import io.flowtap.reassembly.EndReason;
import io.flowtap.reassembly.GapReason;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

import static org.agrona.BitUtil.SIZE_OF_BYTE;
import static org.agrona.BitUtil.SIZE_OF_INT;
import static org.agrona.BitUtil.SIZE_OF_LONG;
import static org.agrona.BitUtil.SIZE_OF_SHORT;

/**
 * Layout of one journal excerpt, schema version {@value #SCHEMA_VERSION} ({@code pipeline/journal/JOURNAL.md} is the
 * prose version of this class). Every excerpt is one Chronicle Queue document: Chronicle's own 4-byte length header,
 * then this header, then a body whose layout depends on the event type. All integers are little-endian, as Chronicle
 * Bytes writes them; offsets below are from the start of the excerpt.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+---------------+---------------+
 *  |        magic ("FJ")           |schema version |  event type   |
 *  +-------------------------------+---------------+---------------+
 *  |           source              |          run number           |
 *  +-------------------------------+-------------------------------+
 *  |                       flow id (or frame number)               |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                    time (ns since the epoch)                  |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     body, by event type ...                   |
 * </pre>
 * The flow key block, shared by flow-start and flow-end, is 40 bytes: ip version (u8), reserved (u8), vlan (u16,
 * 4096 for none), client port (u16), server port (u16), then the client address high and low 64 bits and the server
 * address high and low 64 bits (an IPv4 address is the low 32 bits of its low word).
 * <p>
 * Static accessors read a header from a buffer that holds one excerpt at offset 0; bodies are read the same way with
 * the {@code *_OFFSET} constants, in {@link ExcerptDecoder}, as the writers write them.
 */
public final class JournalDescriptor
{
    /** The journal's magic number, the bytes {@code 'F' 'J'} read as a little-endian u16. */
    public static final int MAGIC = 0x4A46;
    /** The schema this code writes, and the newest it reads. */
    public static final int SCHEMA_VERSION = 4;
    /** Byte order of every field. */
    public static final ByteOrder BYTE_ORDER = ByteOrder.LITTLE_ENDIAN;

    /** Offset of the magic, u16. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the schema version, u8. */
    public static final int VERSION_OFFSET = MAGIC_OFFSET + SIZE_OF_SHORT;
    /** Offset of the event type, u8: one of {@link EventType}'s constants. */
    public static final int TYPE_OFFSET = VERSION_OFFSET + SIZE_OF_BYTE;
    /** Offset of the source, u16: the writer's number (a worker, a poller), so flows are keyed by source and id. */
    public static final int SOURCE_OFFSET = TYPE_OFFSET + SIZE_OF_BYTE;
    /**
     * Offset of the run number, u16 (schema 3; reserved and 0 before): every time a journal is opened for writing it
     * takes the next run number, 1 to {@value #MAX_RUN}, then 1 again, so that flow ids, which start at 1 in every
     * run, are told apart across runs. Readers key flows by run, source and id.
     */
    public static final int RUN_OFFSET = SOURCE_OFFSET + SIZE_OF_SHORT;
    /** Offset of the flow id, i64 (for a raw frame, the frame number its source gave it). */
    public static final int FLOW_ID_OFFSET = RUN_OFFSET + SIZE_OF_SHORT;
    /** Offset of the event time, i64 nanoseconds since the epoch (capture time). */
    public static final int TIME_OFFSET = FLOW_ID_OFFSET + SIZE_OF_LONG;
    /** Length of the header: the body starts here. */
    public static final int HEADER_LENGTH = TIME_OFFSET + SIZE_OF_LONG;
    /** The largest run number; the one after it is 1. Run 0 is an excerpt of schema 1 or 2, written before runs. */
    public static final int MAX_RUN = 0xFFFF;
    /** The first schema version whose header carries the run number (before it, those bytes were reserved, 0). */
    public static final int RUN_SINCE_VERSION = 4;

    /** Flow key block: ip version, u8 (4 or 6). */
    public static final int KEY_IP_VERSION_OFFSET = 0;
    /** Flow key block: vlan, u16 ({@link io.flowtap.reassembly.flow.FlowKey#NO_VLAN} for none). */
    public static final int KEY_VLAN_OFFSET = KEY_IP_VERSION_OFFSET + SIZE_OF_SHORT;
    /** Flow key block: client port, u16. */
    public static final int KEY_CLIENT_PORT_OFFSET = KEY_VLAN_OFFSET + SIZE_OF_SHORT;
    /** Flow key block: server port, u16. */
    public static final int KEY_SERVER_PORT_OFFSET = KEY_CLIENT_PORT_OFFSET + SIZE_OF_SHORT;
    /** Flow key block: client address, high 64 bits. */
    public static final int KEY_CLIENT_HIGH_OFFSET = KEY_SERVER_PORT_OFFSET + SIZE_OF_SHORT;
    /** Flow key block: client address, low 64 bits. */
    public static final int KEY_CLIENT_LOW_OFFSET = KEY_CLIENT_HIGH_OFFSET + SIZE_OF_LONG;
    /** Flow key block: server address, high 64 bits. */
    public static final int KEY_SERVER_HIGH_OFFSET = KEY_CLIENT_LOW_OFFSET + SIZE_OF_LONG;
    /** Flow key block: server address, low 64 bits. */
    public static final int KEY_SERVER_LOW_OFFSET = KEY_SERVER_HIGH_OFFSET + SIZE_OF_LONG;
    /** Length of the flow key block. */
    public static final int KEY_LENGTH = KEY_SERVER_LOW_OFFSET + SIZE_OF_LONG;

    /** Flow-start: the flow key block, client and server as the engine saw them at the first packet. */
    public static final int FLOW_START_KEY_OFFSET = HEADER_LENGTH;
    /** Flow-start: flags, u8 ({@link #FLAG_MIDSTREAM}); followed by 7 reserved bytes. */
    public static final int FLOW_START_FLAGS_OFFSET = FLOW_START_KEY_OFFSET + KEY_LENGTH;
    /** Length of a flow-start excerpt. */
    public static final int FLOW_START_LENGTH = FLOW_START_FLAGS_OFFSET + SIZE_OF_LONG;
    /** Flow-start and flow-end flag: picked up without its handshake. */
    public static final int FLAG_MIDSTREAM = 1;

    /** Length of an established excerpt: the header alone. */
    public static final int ESTABLISHED_LENGTH = HEADER_LENGTH;

    /** Payload: direction, u8 ({@link io.flowtap.reassembly.Direction}). */
    public static final int PAYLOAD_DIRECTION_OFFSET = HEADER_LENGTH;
    /** Payload: eof, u8 (the handler API's {@code EOF_NONE}, {@code EOF_DIRECTION}, {@code EOF_BOTH}). */
    public static final int PAYLOAD_EOF_OFFSET = PAYLOAD_DIRECTION_OFFSET + SIZE_OF_BYTE;
    /** Payload: two reserved bytes. */
    public static final int PAYLOAD_RESERVED_OFFSET = PAYLOAD_EOF_OFFSET + SIZE_OF_BYTE;
    /** Payload: length of the data, i32. */
    public static final int PAYLOAD_LENGTH_OFFSET = PAYLOAD_RESERVED_OFFSET + SIZE_OF_SHORT;
    /** Payload: stream offset of the first byte, i64. */
    public static final int PAYLOAD_STREAM_OFFSET_OFFSET = PAYLOAD_LENGTH_OFFSET + SIZE_OF_INT;
    /** Payload: the data, to the end of the excerpt. */
    public static final int PAYLOAD_DATA_OFFSET = PAYLOAD_STREAM_OFFSET_OFFSET + SIZE_OF_LONG;

    /** Gap: direction, u8. */
    public static final int GAP_DIRECTION_OFFSET = HEADER_LENGTH;
    /** Gap: reason, u8 ({@link #gapReasonCode}); followed by 6 reserved bytes. */
    public static final int GAP_REASON_OFFSET = GAP_DIRECTION_OFFSET + SIZE_OF_BYTE;
    /** Gap: stream offset of the first missing byte, i64. */
    public static final int GAP_STREAM_OFFSET_OFFSET = HEADER_LENGTH + SIZE_OF_LONG;
    /** Gap: bytes missing, i64. */
    public static final int GAP_LENGTH_OFFSET = GAP_STREAM_OFFSET_OFFSET + SIZE_OF_LONG;
    /** Length of a gap excerpt. */
    public static final int GAP_LENGTH = GAP_LENGTH_OFFSET + SIZE_OF_LONG;

    /** Overlap conflict: direction, u8. */
    public static final int CONFLICT_DIRECTION_OFFSET = HEADER_LENGTH;
    /** Overlap conflict: which bytes the policy kept, u8: 0 those held, 1 the new ones; 6 reserved bytes follow. */
    public static final int CONFLICT_NEW_KEPT_OFFSET = CONFLICT_DIRECTION_OFFSET + SIZE_OF_BYTE;
    /** Overlap conflict: stream offset of the segment held, i64. */
    public static final int CONFLICT_HELD_OFFSET_OFFSET = HEADER_LENGTH + SIZE_OF_LONG;
    /** Overlap conflict: its length, i64. */
    public static final int CONFLICT_HELD_LENGTH_OFFSET = CONFLICT_HELD_OFFSET_OFFSET + SIZE_OF_LONG;
    /** Overlap conflict: stream offset of the new segment, i64. */
    public static final int CONFLICT_NEW_OFFSET_OFFSET = CONFLICT_HELD_LENGTH_OFFSET + SIZE_OF_LONG;
    /** Overlap conflict: its length, i64. */
    public static final int CONFLICT_NEW_LENGTH_OFFSET = CONFLICT_NEW_OFFSET_OFFSET + SIZE_OF_LONG;
    /** Length of an overlap-conflict excerpt. */
    public static final int CONFLICT_LENGTH = CONFLICT_NEW_LENGTH_OFFSET + SIZE_OF_LONG;

    /** Attribute: direction, u8, or {@link #NO_DIRECTION} for the whole flow. */
    public static final int ATTRIBUTE_DIRECTION_OFFSET = HEADER_LENGTH;
    /** Attribute: value type, u8 ({@link #VALUE_TEXT}, {@link #VALUE_BINARY}, {@link #VALUE_LONG}). */
    public static final int ATTRIBUTE_VALUE_TYPE_OFFSET = ATTRIBUTE_DIRECTION_OFFSET + SIZE_OF_BYTE;
    /** Attribute: length of the name, u16. */
    public static final int ATTRIBUTE_NAME_LENGTH_OFFSET = ATTRIBUTE_VALUE_TYPE_OFFSET + SIZE_OF_BYTE;
    /** Attribute: length of the value, i32. */
    public static final int ATTRIBUTE_VALUE_LENGTH_OFFSET = ATTRIBUTE_NAME_LENGTH_OFFSET + SIZE_OF_SHORT;
    /** Attribute: the name (UTF-8), then the value right after it. */
    public static final int ATTRIBUTE_NAME_OFFSET = ATTRIBUTE_VALUE_LENGTH_OFFSET + SIZE_OF_INT;
    /** Attribute direction: the attribute is about the whole flow. */
    public static final int NO_DIRECTION = 0xFF;
    /** Attribute value type: UTF-8 text. */
    public static final int VALUE_TEXT = 0;
    /** Attribute value type: opaque bytes. */
    public static final int VALUE_BINARY = 1;
    /** Attribute value type: an i64. */
    public static final int VALUE_LONG = 2;
    /** Longest attribute name, in characters (its UTF-8 length field is a u16). */
    public static final int MAX_ATTRIBUTE_NAME_LENGTH = 255;

    /** Flow-end: end reason, u8 ({@link #endReasonCode}). */
    public static final int END_REASON_OFFSET = HEADER_LENGTH;
    /** Flow-end: flags, u8 ({@link #FLAG_MIDSTREAM}, {@link #FLAG_CONNECTED}, ...). */
    public static final int END_FLAGS_OFFSET = END_REASON_OFFSET + SIZE_OF_BYTE;
    /** Flow-end: FIN and RST seen, u8: bit {@code direction} for a FIN, bit {@code 2 + direction} for a RST. */
    public static final int END_FIN_RST_OFFSET = END_FLAGS_OFFSET + SIZE_OF_BYTE;
    /** Flow-end: letters in the history, u8. */
    public static final int END_HISTORY_LENGTH_OFFSET = END_FIN_RST_OFFSET + SIZE_OF_BYTE;
    /** Flow-end: flags of the first SYN each way, two i16 (to_client, then to_server), -1 for none. */
    public static final int END_SYN_FLAGS_OFFSET = END_HISTORY_LENGTH_OFFSET + SIZE_OF_BYTE;
    /** Flow-end: capture time of the first packet, i64. */
    public static final int END_FIRST_NS_OFFSET = END_SYN_FLAGS_OFFSET + 2 * SIZE_OF_SHORT;
    /** Flow-end: capture time of the last packet, i64. */
    public static final int END_LAST_NS_OFFSET = END_FIRST_NS_OFFSET + SIZE_OF_LONG;
    /** Flow-end: per-direction counters, i64, counter-major ({@link #endCounterOffset}). */
    public static final int END_COUNTERS_OFFSET = END_LAST_NS_OFFSET + SIZE_OF_LONG;
    /** Counter: segments seen. */
    public static final int COUNTER_PACKETS = 0;
    /** Counter: TCP payload bytes, retransmissions included. */
    public static final int COUNTER_PAYLOAD_BYTES = 1;
    /** Counter: frame bytes on the wire. */
    public static final int COUNTER_WIRE_BYTES = 2;
    /** Counter: stream bytes delivered to handlers. */
    public static final int COUNTER_DELIVERED_BYTES = 3;
    /** Counter: retransmitted segments. */
    public static final int COUNTER_RETRANSMISSIONS = 4;
    /** Counter: segments that arrived ahead of a hole. */
    public static final int COUNTER_OUT_OF_ORDER = 5;
    /** Counter: overlapping segments. */
    public static final int COUNTER_OVERLAPS = 6;
    /** Counter: overlaps whose bytes differed. */
    public static final int COUNTER_CONFLICTING_OVERLAPS = 7;
    /** Counter: gaps. */
    public static final int COUNTER_GAPS = 8;
    /** Counter: bytes missing over all gaps. */
    public static final int COUNTER_GAP_BYTES = 9;
    /** Number of per-direction counters. */
    public static final int COUNTER_COUNT = 10;
    /** Flow-end: the flow key block, with the final client and server roles. */
    public static final int END_KEY_OFFSET = END_COUNTERS_OFFSET + COUNTER_COUNT * 2 * SIZE_OF_LONG;
    /** Flow-end: the history letters (ASCII); from schema 3 the extension block follows them. */
    public static final int END_HISTORY_OFFSET = END_KEY_OFFSET + KEY_LENGTH;
    /** First schema version whose flow-end has the extension block after its history. */
    public static final int END_EXTENSION_SINCE_VERSION = 3;
    /** Flow-end extension, from its start: Zeek's conn_state, u8 ({@link io.flowtap.reassembly.ConnState#code}). */
    public static final int END_EXT_CONN_STATE_OFFSET = 0;
    /** Flow-end extension: bytes in sequence space each way (Zeek's resp_bytes, orig_bytes), two i64. */
    public static final int END_EXT_SEQ_BYTES_OFFSET = 8;
    /** Flow-end extension: bytes only acknowledgements showed missing each way, two i64. */
    public static final int END_EXT_ACKED_MISSING_OFFSET = END_EXT_SEQ_BYTES_OFFSET + 2 * SIZE_OF_LONG;
    /** Flow-end extension: its length. */
    public static final int END_EXTENSION_LENGTH = END_EXT_ACKED_MISSING_OFFSET + 2 * SIZE_OF_LONG;
    /** Flow-end flag: the handshake completed. */
    public static final int FLAG_CONNECTED = 2;
    /** Flow-end flag: a handler asked for a reset. */
    public static final int FLAG_RESET_REQUESTED = 4;
    /** Flow-end flag: a handler dropped the flow. */
    public static final int FLAG_DROPPED = 8;
    /** Flow-end flag: a user's handler threw while handling the flow ({@code Flow.handlerFailed()}). */
    public static final int FLAG_HANDLER_FAILED = 16;
    /** Flow-end end reason code: none (the flow had not ended). */
    public static final int END_REASON_NONE = 0;

    /** Raw frame: link type, u16 (a LINKTYPE_ value). */
    public static final int FRAME_LINK_TYPE_OFFSET = HEADER_LENGTH;
    /** Raw frame: interface id, u16. */
    public static final int FRAME_INTERFACE_OFFSET = FRAME_LINK_TYPE_OFFSET + SIZE_OF_SHORT;
    /** Raw frame: length on the wire, i32. */
    public static final int FRAME_WIRE_LENGTH_OFFSET = FRAME_INTERFACE_OFFSET + SIZE_OF_SHORT;
    /** Raw frame: bytes captured (and journaled), i32. */
    public static final int FRAME_CAPTURED_LENGTH_OFFSET = FRAME_WIRE_LENGTH_OFFSET + SIZE_OF_INT;
    /** Raw frame: VLAN TCI the capture stripped, i32, -1 for none. */
    public static final int FRAME_VLAN_TCI_OFFSET = FRAME_CAPTURED_LENGTH_OFFSET + SIZE_OF_INT;
    /** Raw frame: the frame's bytes, from the link-layer header on. */
    public static final int FRAME_DATA_OFFSET = FRAME_VLAN_TCI_OFFSET + SIZE_OF_INT;

    /** Loss: events the writer could not journal (its disk was full), i64. */
    public static final int LOSS_EVENTS_OFFSET = HEADER_LENGTH;
    /** Loss: payload bytes among them, i64. */
    public static final int LOSS_PAYLOAD_BYTES_OFFSET = LOSS_EVENTS_OFFSET + SIZE_OF_LONG;
    /** Loss: time of the first event lost, i64 ns (capture time); the header's time is when journaling resumed. */
    public static final int LOSS_FIRST_NS_OFFSET = LOSS_PAYLOAD_BYTES_OFFSET + SIZE_OF_LONG;
    /** Length of a loss event. */
    public static final int LOSS_LENGTH = LOSS_FIRST_NS_OFFSET + SIZE_OF_LONG;

    private static final EndReason[] END_REASONS = {
        null, EndReason.FIN, EndReason.RST, EndReason.IDLE_TIMEOUT, EndReason.EVICTED, EndReason.PORT_REUSE,
        EndReason.SHUTDOWN};
    private static final GapReason[] GAP_REASONS = {
        null, GapReason.ACKED, GapReason.MEMCAP, GapReason.FLOW_END, GapReason.URGENT_DROPPED};

    private JournalDescriptor()
    {
    }

    /**
     * @param counter   a {@code COUNTER_} constant.
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return offset of that counter in a flow-end excerpt.
     */
    public static int endCounterOffset(final int counter, final int direction)
    {
        return END_COUNTERS_OFFSET + (counter * 2 + direction) * SIZE_OF_LONG;
    }

    /**
     * The codes are part of the schema: they never follow the enum's order.
     *
     * @param reason why a flow ended, or null while it runs.
     * @return its code.
     */
    public static int endReasonCode(final EndReason reason)
    {
        if (reason == null)
        {
            return END_REASON_NONE;
        }
        switch (reason)
        {
            case FIN:
                return 1;
            case RST:
                return 2;
            case IDLE_TIMEOUT:
                return 3;
            case EVICTED:
                return 4;
            case PORT_REUSE:
                return 5;
            case SHUTDOWN:
                return 6;
            default:
                throw new IllegalArgumentException("no journal code for end reason " + reason);
        }
    }

    /**
     * @param code from a flow-end excerpt.
     * @return the reason, or null for {@link #END_REASON_NONE}.
     * @throws IllegalArgumentException for a code this schema does not define.
     */
    public static EndReason endReason(final int code)
    {
        if (code < 0 || code >= END_REASONS.length)
        {
            throw new IllegalArgumentException("unknown end reason code " + code);
        }
        return END_REASONS[code];
    }

    /**
     * @param code from a flow-end excerpt.
     * @return whether this schema defines it.
     */
    public static boolean isEndReasonCode(final int code)
    {
        return code >= 0 && code < END_REASONS.length;
    }

    /**
     * @param reason why a gap was reported.
     * @return its code, 1 and up.
     */
    public static int gapReasonCode(final GapReason reason)
    {
        switch (reason)
        {
            case ACKED:
                return 1;
            case MEMCAP:
                return 2;
            case FLOW_END:
                return 3;
            case URGENT_DROPPED:
                return 4;
            default:
                throw new IllegalArgumentException("no journal code for gap reason " + reason);
        }
    }

    /**
     * @param code from a gap excerpt.
     * @return the reason, or null for a code this schema does not define.
     */
    public static GapReason gapReason(final int code)
    {
        return code > 0 && code < GAP_REASONS.length ? GAP_REASONS[code] : null;
    }

    /**
     * @param buffer holding an excerpt at offset 0.
     * @return its magic number.
     */
    public static int magic(final DirectBuffer buffer)
    {
        return buffer.getShort(MAGIC_OFFSET, BYTE_ORDER) & 0xFFFF;
    }

    /**
     * @param version       schema version of the event.
     * @param historyLength letters in its history.
     * @return the length of a flow-end event.
     */
    public static int flowEndLength(final int version, final int historyLength)
    {
        return END_HISTORY_OFFSET + historyLength +
            (version >= END_EXTENSION_SINCE_VERSION ? END_EXTENSION_LENGTH : 0);
    }

    /**
     * @param buffer holding an excerpt at offset 0.
     * @return its schema version.
     */
    public static int version(final DirectBuffer buffer)
    {
        return buffer.getByte(VERSION_OFFSET) & 0xFF;
    }

    /** {@link #eventLength} of an event whose type this schema does not have. */
    public static final long UNKNOWN_TYPE = -1;
    /** {@link #eventLength} of an event too short to hold its own length fields. */
    public static final long TOO_SHORT = -2;

    /**
     * The length of the event at the buffer's start, from its type and its length fields (schema 2 and later put
     * several events in one excerpt, back to back).
     *
     * @param buffer holding at least the event's header.
     * @return its length in bytes, {@link #UNKNOWN_TYPE}, or {@link #TOO_SHORT}.
     */
    public static long eventLength(final DirectBuffer buffer)
    {
        final int available = buffer.capacity();
        switch (type(buffer))
        {
            case EventType.FLOW_START:
                return FLOW_START_LENGTH;
            case EventType.ESTABLISHED:
                return ESTABLISHED_LENGTH;
            case EventType.GAP:
                return GAP_LENGTH;
            case EventType.OVERLAP_CONFLICT:
                return CONFLICT_LENGTH;
            case EventType.LOSS:
                return LOSS_LENGTH;
            case EventType.PAYLOAD:
                return available < PAYLOAD_DATA_OFFSET ? TOO_SHORT :
                    PAYLOAD_DATA_OFFSET + (buffer.getInt(PAYLOAD_LENGTH_OFFSET, BYTE_ORDER) & 0xFFFF_FFFFL);
            case EventType.ATTRIBUTE:
                return available < ATTRIBUTE_NAME_OFFSET ? TOO_SHORT : ATTRIBUTE_NAME_OFFSET +
                    (buffer.getShort(ATTRIBUTE_NAME_LENGTH_OFFSET, BYTE_ORDER) & 0xFFFF) +
                    (buffer.getInt(ATTRIBUTE_VALUE_LENGTH_OFFSET, BYTE_ORDER) & 0xFFFF_FFFFL);
            case EventType.FLOW_END:
                return available < END_HISTORY_OFFSET ? TOO_SHORT : flowEndLength(
                    version(buffer), buffer.getByte(END_HISTORY_LENGTH_OFFSET) & 0xFF);
            case EventType.RAW_FRAME:
                return available < FRAME_DATA_OFFSET ? TOO_SHORT :
                    FRAME_DATA_OFFSET + (buffer.getInt(FRAME_CAPTURED_LENGTH_OFFSET, BYTE_ORDER) & 0xFFFF_FFFFL);
            default:
                return UNKNOWN_TYPE;
        }
    }

    /**
     * @param buffer holding an excerpt at offset 0.
     * @return its event type.
     */
    public static int type(final DirectBuffer buffer)
    {
        return buffer.getByte(TYPE_OFFSET) & 0xFF;
    }

    /**
     * @param buffer holding an excerpt at offset 0.
     * @return the number of the writer that wrote it.
     */
    public static int source(final DirectBuffer buffer)
    {
        return buffer.getShort(SOURCE_OFFSET, BYTE_ORDER) & 0xFFFF;
    }

    /**
     * @param buffer holding an excerpt at offset 0.
     * @return the run that wrote it, 0 for schemas 1 to 3 (written before runs were numbered).
     */
    public static int run(final DirectBuffer buffer)
    {
        return version(buffer) < RUN_SINCE_VERSION ? 0 : buffer.getShort(RUN_OFFSET, BYTE_ORDER) & 0xFFFF;
    }

    /**
     * @param run a run number.
     * @return the one after it: 1 to {@link #MAX_RUN}, then 1 again.
     */
    public static int nextRun(final int run)
    {
        return run >= MAX_RUN || run < 0 ? 1 : run + 1;
    }

    /**
     * @param buffer holding an excerpt at offset 0.
     * @return its flow id (a frame number for a raw frame).
     */
    public static long flowId(final DirectBuffer buffer)
    {
        return buffer.getLong(FLOW_ID_OFFSET, BYTE_ORDER);
    }

    /**
     * @param buffer holding an excerpt at offset 0.
     * @return its time, ns since the epoch.
     */
    public static long timeNs(final DirectBuffer buffer)
    {
        return buffer.getLong(TIME_OFFSET, BYTE_ORDER);
    }
}
