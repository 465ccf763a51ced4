package io.flowtap.pipeline.journal;

/**
 * The event types of the journal schema: the value of the header's type byte. Plain ints, as {@code Direction} is, so
 * that writing and dispatching look nothing up. The values are part of the schema and never change meaning.
 */
public final class EventType
{
    /** A flow started: its key (client and server), time of its first packet, whether it was picked up midstream. */
    public static final int FLOW_START = 1;
    /** The handshake completed (or a midstream flow was taken as established). */
    public static final int ESTABLISHED = 2;
    /** In-order stream bytes of one direction, at their stream offset. */
    public static final int PAYLOAD = 3;
    /** Bytes of one direction that will never come. */
    public static final int GAP = 4;
    /** Two versions of the same stream bytes differed; which one the policy kept. */
    public static final int OVERLAP_CONFLICT = 5;
    /** A name and a value a handler attached to a flow. */
    public static final int ATTRIBUTE = 6;
    /** A flow ended: its whole record. */
    public static final int FLOW_END = 7;
    /** A captured frame, as it was on the wire (the raw-packet journal). */
    public static final int RAW_FRAME = 8;
    /** Events a writer could not journal because its disk was full, written when journaling resumed (schema 3). */
    public static final int LOSS = 9;

    private static final String[] NAMES = {
        null, "flow_start", "established", "payload", "gap", "overlap_conflict", "attribute", "flow_end", "raw_frame",
        "loss"};

    private EventType()
    {
    }

    /**
     * @param type an event type.
     * @return whether schema version {@value JournalDescriptor#SCHEMA_VERSION} defines it.
     */
    public static boolean isKnown(final int type)
    {
        return type > 0 && type < NAMES.length;
    }

    /**
     * @param type an event type.
     * @return its name for text and JSON output, or {@code "unknown(N)"}.
     */
    public static String name(final int type)
    {
        return isKnown(type) ? NAMES[type] : "unknown(" + type + ")";
    }
}
