package io.flowtap.reassembly.history;

import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.reassembly.ConnState;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.SequenceNumbers;

/**
 * Zeek's view of one TCP connection, kept beside the engine's own so that the flow record says what Zeek's
 * {@code conn.log} would: the {@code history} letters, by the rules of Zeek's TCP analyzer, and each endpoint's state,
 * from which {@code conn_state} follows. The engine's state machine decides what to reassemble and when a flow ends;
 * this one only describes, and it sees every packet the engine tracks, acceptable or not, as Zeek does.
 * <p>
 * The rules, from Zeek's {@code conn.log} documentation and its TCP analyzer:
 * <ul>
 *   <li>Upper case for the originator (flowtap's client, {@link Direction#TO_SERVER}), lower case for the
 *   responder; {@code ^} when the roles were flipped (letters before it keep the case they were written with).</li>
 *   <li>A packet with more than one of SYN, FIN and RST is {@code I} (FIN and RST) or {@code Q} (otherwise) and nothing
 *   else; with exactly one it is {@code S} (SYN), {@code H} (SYN-ACK), {@code F} or {@code R}; with none, {@code D}
 *   when it carries payload, else {@code A} when it carries an ACK. {@code A D I Q} are written once per side;
 *   {@code S H F R} once, and again whenever the sequence number (for a FIN, the one after its payload) differs from
 *   the last packet of that kind.</li>
 *   <li>{@code T} (retransmission: payload that does not advance the highest sequence number the side reached),
 *   {@code C} (bad checksum), {@code W} (zero window) and {@code G} (gap) are written on the 1st, 10th, 100th ...
 *   occurrence.</li>
 *   <li>{@code W} counts zero windows except on a RST, after the side's own RST, or once the peer sent a FIN.</li>
 * </ul>
 * <p>
 * One object per flow slot, reset with its flow; its arrays are allocated once.
 */
public final class ZeekConnection
{
    /** Nothing seen from the endpoint. */
    public static final int INACTIVE = 0;
    /** It sent a SYN. */
    public static final int SYN_SENT = 1;
    /** It sent a SYN-ACK before anything else (seen as originator). */
    public static final int SYN_ACK_SENT = 2;
    /** Seen only midstream. */
    public static final int PARTIAL = 3;
    /** Handshake done. */
    public static final int ESTABLISHED = 4;
    /** It sent a FIN. */
    public static final int CLOSED = 5;
    /** It sent a RST. */
    public static final int RESET = 6;

    private static final int TOO_LARGE_SEQ_DELTA = 1 << 20;

    private static final int SEEN_SYN = 0x1;
    private static final int SEEN_FIN = 0x2;
    private static final int SEEN_RST = 0x4;
    private static final int SEEN_FIN_RST = 0x8;
    private static final int SEEN_DATA = 0x10;
    private static final int SEEN_ACK = 0x20;
    private static final int SEEN_MULTI_FLAG = 0x40;

    private static final int RETRANSMISSION = 0;
    private static final int CHECKSUM = 1;
    private static final int ZERO_WINDOW = 2;
    private static final int GAP = 3;
    private static final int SCALED_KINDS = 4;
    private static final char[] SCALED_LETTERS = {'T', 'C', 'W', 'G'};
    private static final long SCALE_BASE = 10;
    private static final long NONE = -1;

    // Each endpoint's values in one block of one array, indexed by direction: a packet touches its sender's block
    // (two cache lines) and its peer's state, where an array per value would touch a line per value, and with a
    // thousand flows in flight each is a miss.
    private static final int STATE = 0;
    private static final int PREVIOUS_STATE = 1;
    private static final int START_SEQ = 2;
    private static final int LAST_SEQ = 3;
    private static final int LAST_SYN = 4;
    private static final int LAST_FIN = 5;
    private static final int LAST_RST = 6;
    private static final int COUNTS = 8;
    private static final int THRESHOLDS = COUNTS + SCALED_KINDS;
    private static final int BLOCK = THRESHOLDS + SCALED_KINDS;

    private final long[] endpoints = new long[2 * BLOCK];
    // Which letters were written, originator in the low 16 bits and responder in the high: by position, as Zeek keeps
    // them, so a flip of roles does not move them.
    private int seen;

    public void reset()
    {
        for (int d = 0; d < 2; d++)
        {
            final int b = d * BLOCK;
            endpoints[b + STATE] = INACTIVE;
            endpoints[b + PREVIOUS_STATE] = INACTIVE;
            endpoints[b + START_SEQ] = 0;
            endpoints[b + LAST_SEQ] = 0;
            endpoints[b + LAST_SYN] = NONE;
            endpoints[b + LAST_FIN] = NONE;
            endpoints[b + LAST_RST] = NONE;
            for (int k = 0; k < SCALED_KINDS; k++)
            {
                endpoints[b + COUNTS + k] = 0;
                endpoints[b + THRESHOLDS + k] = 1;
            }
        }
        seen = 0;
    }

    /**
     * The roles were flipped: each endpoint's state goes with it, as Zeek swaps its endpoint objects.
     */
    public void swap()
    {
        for (int i = 0; i < BLOCK; i++)
        {
            final long t = endpoints[i];
            endpoints[i] = endpoints[BLOCK + i];
            endpoints[BLOCK + i] = t;
        }
    }

    /**
     * One packet of the connection, in the order Zeek's TCP analyzer takes it: sequence space, history, window,
     * retransmission check, then the endpoint's state.
     *
     * @param letters       the flow's history, to write letters to.
     * @param direction     of the packet.
     * @param flags         its TCP flags.
     * @param seq           its sequence number.
     * @param ackSeq        its acknowledgement number (meaningful with ACK).
     * @param payloadLength its payload bytes on the wire.
     * @param window        its window field, unscaled.
     */
    public void packet(
        final ZeekHistory letters,
        final int direction,
        final int flags,
        final long seq,
        final long ackSeq,
        final int payloadLength,
        final int window)
    {
        final int peer = Direction.opposite(direction);
        final boolean syn = (flags & TcpFlyweight.SYN) != 0;
        final boolean fin = (flags & TcpFlyweight.FIN) != 0;
        final boolean rst = (flags & TcpFlyweight.RST) != 0;
        final boolean ack = (flags & TcpFlyweight.ACK) != 0;
        final int segmentLength = (rst ? 0 : payloadLength) + (syn ? 1 : 0) + (fin ? 1 : 0);
        final long segmentEnd = SequenceNumbers.add(seq, segmentLength);

        initEndpoint(direction, syn, seq, segmentEnd);
        history(letters, direction, syn, fin, rst, ack, seq, payloadLength);
        if (window == 0 && !rst && state(peer) != CLOSED && state(direction) != RESET)
        {
            scaled(letters, direction, ZERO_WINDOW);
        }
        if (ack && state(peer) == INACTIVE)
        {
            // Zeek numbers a silent peer's sequence space from the first ACK of it.
            set(peer, START_SEQ, SequenceNumbers.add(ackSeq, -1));
            set(peer, LAST_SEQ, get(peer, START_SEQ));
        }
        lastSeq(letters, direction, syn, fin, rst, segmentEnd, payloadLength);
        updateState(direction, peer, syn, fin, rst, ack, payloadLength);
    }

    /**
     * A segment of this connection was ignored for its bad checksum.
     */
    public void checksumError(final ZeekHistory letters, final int direction)
    {
        scaled(letters, direction, CHECKSUM);
    }

    /**
     * A hole in a sender's own data was given up on.
     */
    public void gap(final ZeekHistory letters, final int direction)
    {
        scaled(letters, direction, GAP);
    }

    /**
     * @return whether all that was seen is the originator's attempt: a SYN (or SYN-ACK), nothing from the responder.
     */
    public boolean attemptOnly()
    {
        final int originator = state(Direction.TO_SERVER);
        return (originator == SYN_SENT || originator == SYN_ACK_SENT) && state(Direction.TO_CLIENT) == INACTIVE;
    }

    /**
     * @param direction a {@link Direction}.
     * @return that endpoint's state, one of the constants above.
     */
    public int state(final int direction)
    {
        return (int)endpoints[direction * BLOCK + STATE];
    }

    /**
     * Zeek's {@code conn_state}, from the endpoints' states now (the {@code conn_state} function of Zeek's
     * {@code base/protocols/conn/main.zeek}).
     *
     * @param record the flow's record: its history and sequence-space byte counts.
     * @return the state.
     */
    public ConnState connState(final FlowRecord record)
    {
        final int os = state(Direction.TO_SERVER);
        final int rs = state(Direction.TO_CLIENT);
        final boolean originatorInactive = os == INACTIVE || os == PARTIAL;
        final boolean responderInactive = rs == INACTIVE || rs == PARTIAL;
        if (rs == RESET)
        {
            if (os == SYN_SENT || os == SYN_ACK_SENT ||
                (os == RESET && record.seqBytes(Direction.TO_SERVER) == 0 &&
                record.seqBytes(Direction.TO_CLIENT) == 0))
            {
                return ConnState.REJ;
            }
            return originatorInactive ? ConnState.RSTRH : ConnState.RSTR;
        }
        if (os == RESET)
        {
            if (responderInactive)
            {
                return synThenReset(record) ? ConnState.RSTOS0 : ConnState.OTH;
            }
            return ConnState.RSTO;
        }
        if (rs == CLOSED && os == CLOSED)
        {
            return ConnState.SF;
        }
        if (os == CLOSED)
        {
            return responderInactive ? ConnState.SH : ConnState.S2;
        }
        if (rs == CLOSED)
        {
            return originatorInactive ? ConnState.SHR : ConnState.S3;
        }
        if (os == SYN_SENT && rs == INACTIVE)
        {
            return ConnState.S0;
        }
        if (os == ESTABLISHED && rs == ESTABLISHED)
        {
            return ConnState.S1;
        }
        return ConnState.OTH;
    }

    /**
     * Zeek's {@code /\^?S[^HAFGIQ]*R.* /}: the originator's SYN, then its RST with no sign of an answer between.
     */
    private static boolean synThenReset(final FlowRecord record)
    {
        final int length = record.historyLength();
        int i = 0;
        if (i < length && record.historyChar(i) == '^')
        {
            i++;
        }
        if (i >= length || record.historyChar(i) != 'S')
        {
            return false;
        }
        for (i++; i < length; i++)
        {
            final char c = record.historyChar(i);
            if (c == 'R')
            {
                return true;
            }
            if (c == 'H' || c == 'A' || c == 'F' || c == 'G' || c == 'I' || c == 'Q')
            {
                return false;
            }
        }
        return false;
    }

    private void initEndpoint(final int direction, final boolean syn, final long seq, final long segmentEnd)
    {
        switch (state(direction))
        {
            case INACTIVE:
                // Without a SYN, number as though one had come just before, as Zeek does for a partial connection.
                set(direction, START_SEQ, syn ? seq : SequenceNumbers.add(seq, -1));
                set(direction, LAST_SEQ, syn ? segmentEnd : seq);
                break;
            case SYN_SENT:
            case SYN_ACK_SENT:
                if (syn && seq != get(direction, START_SEQ))
                {
                    set(direction, START_SEQ, seq);
                    set(direction, LAST_SEQ, segmentEnd);
                }
                break;
            case ESTABLISHED:
            case PARTIAL:
                if (syn)
                {
                    set(direction, START_SEQ, seq);
                    set(direction, LAST_SEQ, segmentEnd);
                }
                break;
            case RESET:
                if (syn && get(direction, PREVIOUS_STATE) == INACTIVE)
                {
                    set(direction, START_SEQ, seq);
                    set(direction, LAST_SEQ, segmentEnd);
                }
                break;
            default:
                break;
        }
    }

    private void history(
        final ZeekHistory letters,
        final int direction,
        final boolean syn,
        final boolean fin,
        final boolean rst,
        final boolean ack,
        final long seq,
        final int payloadLength)
    {
        final int controls = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
        if (controls > 1)
        {
            if (fin && rst)
            {
                once(letters, direction, SEEN_FIN_RST, 'I');
            }
            else
            {
                once(letters, direction, SEEN_MULTI_FLAG, 'Q');
            }
        }
        else if (controls == 1)
        {
            if (syn)
            {
                final char letter = ack ? 'H' : 'S';
                if (once(letters, direction, SEEN_SYN, letter) && seq != get(direction, LAST_SYN))
                {
                    add(letters, direction, letter);
                }
                set(direction, LAST_SYN, seq);
            }
            else if (fin)
            {
                // A FIN's sequence number is the one after its payload.
                final long finSeq = SequenceNumbers.add(seq, payloadLength);
                if (once(letters, direction, SEEN_FIN, 'F') && finSeq != get(direction, LAST_FIN))
                {
                    add(letters, direction, 'F');
                }
                set(direction, LAST_FIN, finSeq);
            }
            else
            {
                if (once(letters, direction, SEEN_RST, 'R') && seq != get(direction, LAST_RST))
                {
                    add(letters, direction, 'R');
                }
                set(direction, LAST_RST, seq);
            }
        }
        else if (payloadLength > 0)
        {
            once(letters, direction, SEEN_DATA, 'D');
        }
        else if (ack)
        {
            once(letters, direction, SEEN_ACK, 'A');
        }
    }

    /**
     * Zeek's {@code update_last_seq}: payload that does not take the side past the highest sequence number it reached
     * is a retransmission.
     */
    private void lastSeq(
        final ZeekHistory letters,
        final int direction,
        final boolean syn,
        final boolean fin,
        final boolean rst,
        final long segmentEnd,
        final int payloadLength)
    {
        final int delta = SequenceNumbers.distance(get(direction, LAST_SEQ), segmentEnd);
        if ((syn || rst) && (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA))
        {
            return;
        }
        if (fin && get(direction, LAST_SEQ) == SequenceNumbers.add(get(direction, START_SEQ), 1))
        {
            set(direction, LAST_SEQ, segmentEnd);
        }
        else if (state(direction) == RESET)
        {
            return;
        }
        else if (delta > 0)
        {
            set(direction, LAST_SEQ, segmentEnd);
        }
        else if (payloadLength > 0)
        {
            scaled(letters, direction, RETRANSMISSION);
        }
    }

    /**
     * Zeek's {@code UpdateStateMachine}, without what only changes its events and timers.
     */
    private void updateState(
        final int direction,
        final int peer,
        final boolean syn,
        final boolean fin,
        final boolean rst,
        final boolean ack,
        final int payloadLength)
    {
        final boolean originator = direction == Direction.TO_SERVER;
        switch (state(direction))
        {
            case INACTIVE:
                if (syn)
                {
                    if (originator)
                    {
                        setState(direction, ack ? SYN_ACK_SENT : SYN_SENT);
                    }
                    else
                    {
                        if (!ack && state(peer) == SYN_ACK_SENT)
                        {
                            setState(peer, ESTABLISHED);
                        }
                        if (state(peer) == SYN_SENT)
                        {
                            setState(peer, ESTABLISHED);
                        }
                        setState(direction, ESTABLISHED);
                    }
                }
                if (fin)
                {
                    setState(direction, CLOSED);
                }
                if (rst)
                {
                    setState(direction, RESET);
                }
                if (state(direction) == INACTIVE)
                {
                    if (!originator && payloadLength == 0 && state(peer) == SYN_SENT)
                    {
                        // Some stacks ACK a SYN before answering it: not yet a partial connection.
                        break;
                    }
                    // A SYN-ACK then an ACK: the SYN was missed, the connection is established all the same.
                    setState(direction, ack && state(peer) == ESTABLISHED ? ESTABLISHED : PARTIAL);
                }
                break;
            case SYN_SENT:
            case SYN_ACK_SENT:
                if (fin)
                {
                    setState(direction, CLOSED);
                }
                if (rst)
                {
                    setState(direction, RESET);
                }
                break;
            case ESTABLISHED:
            case PARTIAL:
                if (syn && state(direction) == PARTIAL && state(peer) == INACTIVE && !ack)
                {
                    setState(direction, SYN_SENT);
                }
                if (fin && !rst)
                {
                    setState(direction, CLOSED);
                    if (state(peer) == RESET && get(peer, PREVIOUS_STATE) == CLOSED)
                    {
                        // The peer's FIN then RST was a normal close after all.
                        setState(peer, CLOSED);
                    }
                }
                if (rst)
                {
                    setState(direction, RESET);
                }
                break;
            case CLOSED:
                if (rst && state(peer) != CLOSED)
                {
                    setState(direction, RESET);
                }
                break;
            default:
                break;
        }
    }

    private long get(final int direction, final int field)
    {
        return endpoints[direction * BLOCK + field];
    }

    private void set(final int direction, final int field, final long value)
    {
        endpoints[direction * BLOCK + field] = value;
    }

    private void setState(final int direction, final int newState)
    {
        final int b = direction * BLOCK;
        if (endpoints[b + STATE] != newState)
        {
            endpoints[b + PREVIOUS_STATE] = endpoints[b + STATE];
            endpoints[b + STATE] = newState;
        }
    }

    /**
     * Zeek's {@code CheckHistory}: write the letter the first time, then never by this rule.
     *
     * @return whether it had been written before.
     */
    private boolean once(final ZeekHistory letters, final int direction, final int mask, final char letter)
    {
        final int bit = direction == Direction.TO_SERVER ? mask : mask << 16;
        if ((seen & bit) != 0)
        {
            return true;
        }
        seen |= bit;
        add(letters, direction, letter);
        return false;
    }

    /**
     * Zeek's {@code ScaledHistoryEntry}: the letter again each time the count reaches the next power of ten.
     */
    private void scaled(final ZeekHistory letters, final int direction, final int kind)
    {
        final int count = direction * BLOCK + COUNTS + kind;
        final int threshold = direction * BLOCK + THRESHOLDS + kind;
        if (++endpoints[count] == endpoints[threshold])
        {
            add(letters, direction, SCALED_LETTERS[kind]);
            final long next = endpoints[threshold] * SCALE_BASE;
            if (next <= endpoints[threshold])
            {
                endpoints[count] = 0;
            }
            else
            {
                endpoints[threshold] = next;
            }
        }
    }

    private static void add(final ZeekHistory letters, final int direction, final char letter)
    {
        letters.add(direction == Direction.TO_SERVER ? letter : (char)(letter + ('a' - 'A')));
    }
}
