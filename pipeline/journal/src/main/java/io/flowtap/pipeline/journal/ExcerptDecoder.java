package io.flowtap.pipeline.journal;

import io.flowtap.reassembly.GapReason;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static io.flowtap.pipeline.journal.JournalDescriptor.ATTRIBUTE_DIRECTION_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.ATTRIBUTE_NAME_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.ATTRIBUTE_NAME_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.ATTRIBUTE_VALUE_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.ATTRIBUTE_VALUE_TYPE_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.BYTE_ORDER;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_DIRECTION_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_HELD_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_HELD_OFFSET_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_LENGTH;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_NEW_KEPT_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_NEW_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.CONFLICT_NEW_OFFSET_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_HISTORY_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_HISTORY_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.END_REASON_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.ESTABLISHED_LENGTH;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLAG_MIDSTREAM;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLOW_START_FLAGS_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLOW_START_KEY_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FLOW_START_LENGTH;
import static io.flowtap.pipeline.journal.JournalDescriptor.FRAME_CAPTURED_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FRAME_DATA_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FRAME_INTERFACE_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FRAME_LINK_TYPE_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FRAME_VLAN_TCI_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FRAME_WIRE_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.GAP_DIRECTION_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.GAP_LENGTH;
import static io.flowtap.pipeline.journal.JournalDescriptor.GAP_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.GAP_REASON_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.GAP_STREAM_OFFSET_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.HEADER_LENGTH;
import static io.flowtap.pipeline.journal.JournalDescriptor.LOSS_EVENTS_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.LOSS_FIRST_NS_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.LOSS_LENGTH;
import static io.flowtap.pipeline.journal.JournalDescriptor.LOSS_PAYLOAD_BYTES_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.MAGIC;
import static io.flowtap.pipeline.journal.JournalDescriptor.NO_DIRECTION;
import static io.flowtap.pipeline.journal.JournalDescriptor.PAYLOAD_DATA_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.PAYLOAD_DIRECTION_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.PAYLOAD_EOF_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.PAYLOAD_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.PAYLOAD_STREAM_OFFSET_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.VALUE_BINARY;
import static io.flowtap.pipeline.journal.JournalDescriptor.VALUE_LONG;
import static io.flowtap.pipeline.journal.JournalDescriptor.VALUE_TEXT;

/**
 * Decodes one journal excerpt into a {@link JournalVisitor}, event by event, checking each against the schema
 * ({@code pipeline/journal/JOURNAL.md}) before the visitor sees it: the part every reader of excerpts shares,
 * whatever holds them, so there is one decode of each event type. {@link io.flowtap.pipeline.journal.read.QueueReader}
 * gives it excerpts in place in a queue's mapped file; a reader of a Kafka topic gives it the records' bytes, which are
 * the excerpts as written. It mirrors the writers: one decode per event type, reading the fields at the
 * {@link JournalDescriptor} offsets {@link JournalWriter} and {@link RawPacketJournal} write them at. Payload is
 * handed to the visitor in place, as a view of the excerpt, so decoding copies nothing.
 * <p>
 * The excerpt's header (magic, a schema version this code reads) is the caller's to check first, since what a bad
 * one means (a queue flowtap did not write, a newer flowtap) depends on where the excerpt came from:
 * {@link #headerProblem} says what is wrong with it.
 * <p>
 * Not thread safe; allocates nothing per excerpt but for a problem's message.
 */
public final class ExcerptDecoder
{
    private static final int EOF_BOTH = 2;
    /** Validates without delivering. */
    private static final JournalVisitor NO_EVENTS = new JournalVisitor()
    {
    };

    private final UnsafeBuffer excerpt = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final JournalFlowKey key = new JournalFlowKey();
    private final JournalFlowRecord record = new JournalFlowRecord();
    private int eventsDelivered;

    /**
     * Deliver the events of an excerpt.
     *
     * @param visitor to call, with views of {@code buffer} valid during the call.
     * @param buffer  holding the excerpt.
     * @param offset  of its first byte.
     * @param length  of the excerpt.
     * @return what is wrong with the excerpt, or null; the events before a bad one were delivered
     *         ({@link #eventsDelivered()}).
     */
    public String decode(final JournalVisitor visitor, final DirectBuffer buffer, final int offset, final int length)
    {
        excerpt.wrap(buffer, offset, length);
        eventsDelivered = 0;
        return dispatchAll(visitor, true);
    }

    /**
     * Deliver the events of an excerpt at an address (a mapped file).
     *
     * @param visitor to call.
     * @param address of the excerpt's first byte.
     * @param length  of the excerpt.
     * @return what is wrong with the excerpt, or null.
     */
    public String decode(final JournalVisitor visitor, final long address, final int length)
    {
        excerpt.wrap(address, length);
        eventsDelivered = 0;
        return dispatchAll(visitor, true);
    }

    /**
     * Check every event of an excerpt at an address without delivering any.
     *
     * @param address of the excerpt's first byte.
     * @param length  of the excerpt.
     * @return what is wrong with the excerpt, or null.
     */
    public String check(final long address, final int length)
    {
        excerpt.wrap(address, length);
        eventsDelivered = 0;
        return dispatchAll(NO_EVENTS, false);
    }

    /**
     * Check every event of an excerpt without delivering any.
     *
     * @param buffer holding the excerpt.
     * @param offset of its first byte.
     * @param length of the excerpt.
     * @return what is wrong with the excerpt, or null.
     */
    public String check(final DirectBuffer buffer, final int offset, final int length)
    {
        excerpt.wrap(buffer, offset, length);
        eventsDelivered = 0;
        return dispatchAll(NO_EVENTS, false);
    }

    /**
     * @return events the last {@link #decode} delivered (all of the excerpt's, or those before its problem).
     */
    public int eventsDelivered()
    {
        return eventsDelivered;
    }

    /**
     * What is wrong with an excerpt's header, other than a newer schema: too short, no magic, version 0.
     *
     * @param buffer holding the excerpt.
     * @param offset of its first byte.
     * @param length of the excerpt.
     * @return the problem, or null when it starts as a journal excerpt does.
     */
    public static String headerProblem(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < Short.BYTES)
        {
            return "excerpt of " + length + " bytes";
        }
        final int magic = buffer.getShort(offset + JournalDescriptor.MAGIC_OFFSET, BYTE_ORDER) & 0xFFFF;
        if (magic != MAGIC)
        {
            return "bad magic number 0x" + Integer.toHexString(magic);
        }
        if (length < HEADER_LENGTH)
        {
            return "excerpt of " + length + " bytes is shorter than the " + HEADER_LENGTH + "-byte header";
        }
        if (version(buffer, offset) < 1)
        {
            return "schema version 0";
        }
        return null;
    }

    /**
     * @param buffer holding an excerpt whose header is at least {@link JournalDescriptor#HEADER_LENGTH} bytes.
     * @param offset of its first byte.
     * @return its schema version.
     */
    public static int version(final DirectBuffer buffer, final int offset)
    {
        return buffer.getByte(offset + JournalDescriptor.VERSION_OFFSET) & 0xFF;
    }

    /**
     * The one error for an excerpt of a schema newer than this code reads.
     *
     * @param what    holds the excerpt: "journal DIR", "topic T partition P offset O".
     * @param version the excerpt's.
     * @param excerpt which excerpt, for a message such as " (excerpt 0x1f)", or "".
     * @return the exception to throw.
     */
    public static JournalException newerSchema(final String what, final int version, final String excerpt)
    {
        return new JournalException(JournalException.Kind.NEWER_SCHEMA, what + " was written with schema version " +
            version + ", newer than version " + JournalDescriptor.SCHEMA_VERSION + ", the newest this flowtap reads" +
            excerpt + ": upgrade flowtap");
    }

    /**
     * Count the events of an excerpt by their headers alone, without checking their contents: what a shipper counts
     * for its progress.
     *
     * @param buffer holding the excerpt, whose events were checked.
     * @param offset of its first byte.
     * @param length of the excerpt.
     * @return its events.
     */
    public int countEvents(final DirectBuffer buffer, final int offset, final int length)
    {
        excerpt.wrap(buffer, offset, length);
        view.wrap(excerpt, 0, length);
        if (JournalDescriptor.version(view) == 1)
        {
            return 1;
        }
        int events = 0;
        int at = 0;
        while (length - at >= HEADER_LENGTH)
        {
            view.wrap(excerpt, at, length - at);
            final long eventLength = JournalDescriptor.eventLength(view);
            if (eventLength < HEADER_LENGTH || eventLength > length - at)
            {
                break;
            }
            events++;
            at += (int)eventLength;
        }
        return events;
    }

    /**
     * Deliver the events of one excerpt: one in schema 1; from schema 2 one or more back to back, each as long as its
     * type and length fields say, all of the excerpt's version. The excerpt's header (magic, a version this code
     * reads) has been checked by the caller.
     *
     * @return what is wrong, or null.
     */
    private String dispatchAll(final JournalVisitor visitor, final boolean count)
    {
        final int length = excerpt.capacity();
        view.wrap(excerpt, 0, length);
        if (JournalDescriptor.version(view) == 1)
        {
            final String problem = dispatch(visitor);
            eventsDelivered += problem == null && count ? 1 : 0;
            return problem;
        }
        final int excerptVersion = JournalDescriptor.version(view);
        int at = 0;
        while (at < length)
        {
            view.wrap(excerpt, at, length - at);
            if (at > 0)
            {
                if (length - at < HEADER_LENGTH)
                {
                    return "the last " + (length - at) + " bytes of the excerpt are shorter than an event's header";
                }
                if (JournalDescriptor.magic(view) != MAGIC)
                {
                    return "bad magic number 0x" + Integer.toHexString(JournalDescriptor.magic(view)) +
                        " at byte " + at + " of the excerpt";
                }
                if (JournalDescriptor.version(view) != excerptVersion)
                {
                    return "schema version " + JournalDescriptor.version(view) + " at byte " + at +
                        " of an excerpt of version " + excerptVersion;
                }
            }
            final long eventLength = JournalDescriptor.eventLength(view);
            if (eventLength < HEADER_LENGTH || eventLength > length - at)
            {
                return eventLength == JournalDescriptor.UNKNOWN_TYPE ? "unknown event type " +
                    JournalDescriptor.type(view) + " at byte " + at + " of the excerpt" :
                    "an event of type " + JournalDescriptor.type(view) + " at byte " + at + " claims " +
                    eventLength + " bytes, and the excerpt has " + (length - at) + " left";
            }
            view.wrap(excerpt, at, (int)eventLength);
            final String problem = dispatch(visitor);
            if (problem != null)
            {
                return problem;
            }
            eventsDelivered += count ? 1 : 0;
            at += (int)eventLength;
        }
        return null;
    }

    /**
     * The one switch on the event type: each type has its own decode below, in the order {@link JournalWriter} and
     * {@link RawPacketJournal} write them, reading the fields the writer writes at the same
     * {@link JournalDescriptor} offsets.
     */
    private String dispatch(final JournalVisitor visitor)
    {
        final int length = view.capacity();
        final int type = JournalDescriptor.type(view);
        final int run = JournalDescriptor.run(view);
        final int source = JournalDescriptor.source(view);
        final long id = JournalDescriptor.flowId(view);
        final long timeNs = JournalDescriptor.timeNs(view);
        switch (type)
        {
            case EventType.FLOW_START:
                return flowStart(visitor, length, run, source, id, timeNs);
            case EventType.ESTABLISHED:
                return established(visitor, length, run, source, id, timeNs);
            case EventType.PAYLOAD:
                return payload(visitor, length, run, source, id, timeNs);
            case EventType.GAP:
                return gap(visitor, length, run, source, id, timeNs);
            case EventType.OVERLAP_CONFLICT:
                return overlapConflict(visitor, length, run, source, id, timeNs);
            case EventType.FLOW_END:
                return flowEnd(visitor, length, run, source, id, timeNs);
            case EventType.ATTRIBUTE:
                return attribute(visitor, length, run, source, id, timeNs);
            case EventType.RAW_FRAME:
                return rawFrame(visitor, length, run, source, id, timeNs);
            case EventType.LOSS:
                return loss(visitor, length, run, source, timeNs);
            default:
                return "unknown event type " + type + " in a schema version " + JournalDescriptor.version(view) +
                    " excerpt";
        }
    }

    /**
     * {@link JournalWriter#onNewFlow}: the flow key block, then the flags.
     */
    private String flowStart(
        final JournalVisitor visitor, final int length, final int run, final int source, final long id,
        final long timeNs)
    {
        if (length != FLOW_START_LENGTH)
        {
            return badLength(EventType.FLOW_START, length, FLOW_START_LENGTH);
        }
        final boolean midstream = (view.getByte(FLOW_START_FLAGS_OFFSET) & FLAG_MIDSTREAM) != 0;
        visitor.onFlowStart(run, source, id, timeNs, key.wrap(view, FLOW_START_KEY_OFFSET), midstream);
        return null;
    }

    /**
     * {@link JournalWriter#onEstablished}: the header only.
     */
    private String established(
        final JournalVisitor visitor, final int length, final int run, final int source, final long id,
        final long timeNs)
    {
        if (length != ESTABLISHED_LENGTH)
        {
            return badLength(EventType.ESTABLISHED, length, ESTABLISHED_LENGTH);
        }
        visitor.onEstablished(run, source, id, timeNs);
        return null;
    }

    /**
     * {@link JournalWriter#onPayload}: direction, eof, data length, stream offset, then the data, handed over in place.
     */
    private String payload(
        final JournalVisitor visitor, final int length, final int run, final int source, final long id,
        final long timeNs)
    {
        if (length < PAYLOAD_DATA_OFFSET)
        {
            return badLength(EventType.PAYLOAD, length, PAYLOAD_DATA_OFFSET);
        }
        final int direction = view.getByte(PAYLOAD_DIRECTION_OFFSET) & 0xFF;
        final int eof = view.getByte(PAYLOAD_EOF_OFFSET) & 0xFF;
        final int dataLength = view.getInt(PAYLOAD_LENGTH_OFFSET, BYTE_ORDER);
        if (direction > 1 || eof > EOF_BOTH || dataLength < 0 || length != PAYLOAD_DATA_OFFSET + dataLength)
        {
            return "payload with direction " + direction + ", eof " + eof + " and " + dataLength +
                " bytes in an excerpt of " + length;
        }
        visitor.onPayload(run, source, id, timeNs, direction, view.getLong(PAYLOAD_STREAM_OFFSET_OFFSET, BYTE_ORDER),
            view, PAYLOAD_DATA_OFFSET, dataLength, eof);
        return null;
    }

    /**
     * {@link JournalWriter#onGap}: direction, reason code, stream offset, bytes missing.
     */
    private String gap(
        final JournalVisitor visitor, final int length, final int run, final int source, final long id,
        final long timeNs)
    {
        if (length != GAP_LENGTH)
        {
            return badLength(EventType.GAP, length, GAP_LENGTH);
        }
        final int direction = view.getByte(GAP_DIRECTION_OFFSET) & 0xFF;
        final GapReason reason = JournalDescriptor.gapReason(view.getByte(GAP_REASON_OFFSET) & 0xFF);
        if (direction > 1 || reason == null)
        {
            return "gap with direction " + direction + " and reason code " + (view.getByte(GAP_REASON_OFFSET) & 0xFF);
        }
        visitor.onGap(run, source, id, timeNs, direction, view.getLong(GAP_STREAM_OFFSET_OFFSET, BYTE_ORDER),
            view.getLong(GAP_LENGTH_OFFSET, BYTE_ORDER), reason);
        return null;
    }

    /**
     * {@link JournalWriter#onOverlapConflict}: direction, which was kept, then the held and the new ranges.
     */
    private String overlapConflict(
        final JournalVisitor visitor, final int length, final int run, final int source, final long id,
        final long timeNs)
    {
        if (length != CONFLICT_LENGTH)
        {
            return badLength(EventType.OVERLAP_CONFLICT, length, CONFLICT_LENGTH);
        }
        final int direction = view.getByte(CONFLICT_DIRECTION_OFFSET) & 0xFF;
        final int newKept = view.getByte(CONFLICT_NEW_KEPT_OFFSET) & 0xFF;
        if (direction > 1 || newKept > 1)
        {
            return "overlap conflict with direction " + direction + " and kept flag " + newKept;
        }
        visitor.onOverlapConflict(run, source, id, timeNs, direction,
            view.getLong(CONFLICT_HELD_OFFSET_OFFSET, BYTE_ORDER),
            view.getLong(CONFLICT_HELD_LENGTH_OFFSET, BYTE_ORDER),
            view.getLong(CONFLICT_NEW_OFFSET_OFFSET, BYTE_ORDER),
            view.getLong(CONFLICT_NEW_LENGTH_OFFSET, BYTE_ORDER),
            newKept == 1);
        return null;
    }

    /**
     * {@link JournalWriter#onTerminate}: the flow's record, read in place by {@link JournalFlowRecord}; its length
     * follows from the history's and the schema version (the extension block from version 3).
     */
    private String flowEnd(
        final JournalVisitor visitor, final int length, final int run, final int source, final long id,
        final long timeNs)
    {
        if (length < END_HISTORY_OFFSET)
        {
            return badLength(EventType.FLOW_END, length, END_HISTORY_OFFSET);
        }
        final int historyLength = view.getByte(END_HISTORY_LENGTH_OFFSET) & 0xFF;
        final int expected = JournalDescriptor.flowEndLength(JournalDescriptor.version(view), historyLength);
        if (length != expected)
        {
            return badLength(EventType.FLOW_END, length, expected);
        }
        final int reason = view.getByte(END_REASON_OFFSET) & 0xFF;
        if (!JournalDescriptor.isEndReasonCode(reason))
        {
            return "flow end with reason code " + reason;
        }
        visitor.onFlowEnd(run, source, id, timeNs, record.wrap(view));
        return null;
    }

    /**
     * {@link JournalWriter#onAttribute} and its {@code attribute} siblings: direction, value type, name and value
     * lengths, then the name and the value.
     */
    private String attribute(
        final JournalVisitor visitor, final int length, final int run, final int source, final long id,
        final long timeNs)
    {
        if (length < ATTRIBUTE_NAME_OFFSET)
        {
            return badLength(EventType.ATTRIBUTE, length, ATTRIBUTE_NAME_OFFSET);
        }
        final int direction = view.getByte(ATTRIBUTE_DIRECTION_OFFSET) & 0xFF;
        final int valueType = view.getByte(ATTRIBUTE_VALUE_TYPE_OFFSET) & 0xFF;
        final int nameLength = view.getShort(ATTRIBUTE_NAME_LENGTH_OFFSET, BYTE_ORDER) & 0xFFFF;
        final int valueLength = view.getInt(ATTRIBUTE_VALUE_LENGTH_OFFSET, BYTE_ORDER);
        final boolean typeOk = valueType == VALUE_TEXT || valueType == VALUE_BINARY ||
            (valueType == VALUE_LONG && valueLength == Long.BYTES);
        if ((direction > 1 && direction != NO_DIRECTION) || !typeOk || valueLength < 0 ||
            (long)length != (long)ATTRIBUTE_NAME_OFFSET + nameLength + valueLength)
        {
            return "attribute with direction " + direction + ", value type " + valueType + ", a " + nameLength +
                "-byte name and a " + valueLength + "-byte value in an excerpt of " + length;
        }
        visitor.onAttribute(run, source, id, timeNs, direction == NO_DIRECTION ? -1 : direction, view,
            ATTRIBUTE_NAME_OFFSET, nameLength, valueType, ATTRIBUTE_NAME_OFFSET + nameLength, valueLength);
        return null;
    }

    /**
     * {@link RawPacketJournal#onFrame}: link type, interface, wire and captured lengths, VLAN TCI, then the frame.
     */
    private String rawFrame(
        final JournalVisitor visitor, final int length, final int run, final int source, final long id,
        final long timeNs)
    {
        if (length < FRAME_DATA_OFFSET)
        {
            return badLength(EventType.RAW_FRAME, length, FRAME_DATA_OFFSET);
        }
        final int captured = view.getInt(FRAME_CAPTURED_LENGTH_OFFSET, BYTE_ORDER);
        if (captured < 0 || length != FRAME_DATA_OFFSET + captured)
        {
            return "raw frame of " + captured + " captured bytes in an excerpt of " + length;
        }
        visitor.onFrame(run, source, id, timeNs, view.getShort(FRAME_LINK_TYPE_OFFSET, BYTE_ORDER) & 0xFFFF,
            view.getShort(FRAME_INTERFACE_OFFSET, BYTE_ORDER) & 0xFFFF,
            view.getInt(FRAME_WIRE_LENGTH_OFFSET, BYTE_ORDER),
            view.getInt(FRAME_VLAN_TCI_OFFSET, BYTE_ORDER), view, FRAME_DATA_OFFSET, captured);
        return null;
    }

    /**
     * The loss event every writer writes when journaling resumes after a full disk: events and bytes missing, and
     * when the first was.
     */
    private String loss(
        final JournalVisitor visitor, final int length, final int run, final int source, final long timeNs)
    {
        if (length != LOSS_LENGTH)
        {
            return badLength(EventType.LOSS, length, LOSS_LENGTH);
        }
        visitor.onLoss(run, source, timeNs, view.getLong(LOSS_EVENTS_OFFSET, BYTE_ORDER),
            view.getLong(LOSS_PAYLOAD_BYTES_OFFSET, BYTE_ORDER),
            view.getLong(LOSS_FIRST_NS_OFFSET, BYTE_ORDER));
        return null;
    }

    private static String badLength(final int type, final int length, final int expected)
    {
        return EventType.name(type) + " excerpt of " + length + " bytes, expected " + expected;
    }
}
