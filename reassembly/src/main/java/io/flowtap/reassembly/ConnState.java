package io.flowtap.reassembly;

/**
 * Zeek's {@code conn_state} of a TCP connection: how far each side got, as Zeek's {@code conn.log} writes it. The
 * flow record carries it next to flowtap's own {@link EndReason}, which says why the engine stopped tracking the flow
 * rather than what the two ends did.
 */
public enum ConnState
{
    /** Connection attempt seen, no reply. */
    S0("S0", "connection attempt seen, no reply"),
    /** Connection established, not terminated. */
    S1("S1", "connection established, not terminated"),
    /** Normal establishment and termination. */
    SF("SF", "normal establishment and termination"),
    /** Connection attempt rejected. */
    REJ("REJ", "connection attempt rejected"),
    /** Established, and the originator attempted to close (but no reply from the responder). */
    S2("S2", "established, originator attempted close, no reply from responder"),
    /** Established, and the responder attempted to close (but no reply from the originator). */
    S3("S3", "established, responder attempted close, no reply from originator"),
    /** Established, the originator aborted (sent a RST). */
    RSTO("RSTO", "established, originator aborted"),
    /** The responder sent a RST. */
    RSTR("RSTR", "responder sent a RST"),
    /** The originator sent a SYN followed by a RST; no SYN-ACK from the responder. */
    RSTOS0("RSTOS0", "originator sent a SYN then a RST, no SYN-ACK seen"),
    /** The responder sent a SYN-ACK followed by a RST; no SYN from the (purported) originator. */
    RSTRH("RSTRH", "responder sent a SYN-ACK then a RST, no SYN seen"),
    /** The originator sent a SYN followed by a FIN; no SYN-ACK from the responder (half-open). */
    SH("SH", "originator sent a SYN then a FIN, no SYN-ACK seen"),
    /** The responder sent a SYN-ACK followed by a FIN; no SYN from the originator. */
    SHR("SHR", "responder sent a SYN-ACK then a FIN, no SYN seen"),
    /** No SYN seen, just midstream traffic (one of Zeek's partial connections not later closed). */
    OTH("OTH", "no SYN seen, midstream traffic");

    private static final ConnState[] VALUES = values();

    private final String label;
    private final String meaning;

    ConnState(final String label, final String meaning)
    {
        this.label = label;
        this.meaning = meaning;
    }

    /**
     * @return the name Zeek's {@code conn.log} writes.
     */
    public String label()
    {
        return label;
    }

    /**
     * @return what it means, in Zeek's documentation's words (shortened).
     */
    public String meaning()
    {
        return meaning;
    }

    /**
     * @param code {@link #ordinal()} + 1, as a journal stores it; 0 for none.
     * @return the state, or null for 0 or a code this version does not know.
     */
    public static ConnState fromCode(final int code)
    {
        return code < 1 || code > VALUES.length ? null : VALUES[code - 1];
    }

    /**
     * @param state a state, or null.
     * @return its code for a journal: {@link #ordinal()} + 1, or 0 for null.
     */
    public static int code(final ConnState state)
    {
        return state == null ? 0 : state.ordinal() + 1;
    }

    /**
     * @param label as {@link #label()} gives it.
     * @return the state.
     * @throws IllegalArgumentException for a name Zeek does not write.
     */
    public static ConnState fromLabel(final String label)
    {
        for (final ConnState state : VALUES)
        {
            if (state.label.equals(label))
            {
                return state;
            }
        }
        throw new IllegalArgumentException("not a Zeek conn_state: " + label);
    }
}
