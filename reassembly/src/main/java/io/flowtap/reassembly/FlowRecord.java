package io.flowtap.reassembly;

import io.flowtap.reassembly.history.ZeekHistory;

import java.util.Arrays;

/**
 * What was seen of one flow, kept up to date while it runs and final when {@link TcpHandler#onTerminate} receives it:
 * PATHspider's TCP fields (SYN flags, FIN and RST each way, whether the handshake completed), Zeek's {@code history},
 * {@code conn_state} and sequence-space byte counts ({@code orig_bytes}, {@code resp_bytes}), and per-direction
 * counts. Per-direction values are indexed by {@link Direction}: the forward direction of PATHspider is
 * {@link Direction#TO_SERVER}.
 * <p>
 * One record per flow slot, reused for the next flow: copy what must outlive {@code onTerminate}.
 */
public final class FlowRecord
{
    /** {@link #synFlags} when no SYN was seen that way. */
    public static final int NO_SYN = -1;


    // Every per-direction count in one array, counter-major with the two directions side by side, the four that
    // every packet or delivery moves first: one object and one or two cache lines per packet rather than an array
    // object per counter.
    private static final int PACKETS = 0;
    private static final int PAYLOAD_BYTES = 2;
    private static final int WIRE_BYTES = 4;
    private static final int DELIVERED_BYTES = 6;
    private static final int RETRANSMISSIONS = 8;
    private static final int OUT_OF_ORDER = 10;
    private static final int OVERLAPS = 12;
    private static final int CONFLICTING_OVERLAPS = 14;
    private static final int GAPS = 16;
    private static final int GAP_BYTES = 18;
    private static final int ACKED_MISSING_BYTES = 20;
    private static final int SEQ_BYTES = 22;
    private static final int COUNTS = 24;

    private final long[] counts = new long[COUNTS];
    private final int[] synFlags = new int[2];
    private final boolean[] fin = new boolean[2];
    private final boolean[] rst = new boolean[2];
    final ZeekHistory history = new ZeekHistory();
    private long attributes;
    private boolean connected;
    private boolean midstream;
    private long firstNs;
    private long lastNs;
    private EndReason endReason;
    private ConnState connState;

    void reset(final long timeNs, final boolean midstream)
    {
        Arrays.fill(counts, 0);
        for (int d = 0; d < 2; d++)
        {
            synFlags[d] = NO_SYN;
            fin[d] = false;
            rst[d] = false;
        }
        history.clear();
        attributes = 0;
        connected = false;
        this.midstream = midstream;
        firstNs = timeNs;
        lastNs = timeNs;
        endReason = null;
        connState = null;
    }

    void packet(final int direction, final int payloadLength, final int wireLength, final long timeNs)
    {
        counts[PACKETS + direction]++;
        counts[PAYLOAD_BYTES + direction] += payloadLength;
        counts[WIRE_BYTES + direction] += wireLength;
        if (timeNs > lastNs)
        {
            lastNs = timeNs;
        }
    }

    /**
     * Zeek's {@code ^}: the roles were flipped (at the first packet, or when a later one showed the guess wrong).
     */
    void flipped()
    {
        history.add('^');
    }

    void synFlags(final int direction, final int flags)
    {
        if (synFlags[direction] == NO_SYN)
        {
            synFlags[direction] = flags;
        }
    }

    void onFin(final int direction)
    {
        fin[direction] = true;
    }

    void onRst(final int direction)
    {
        rst[direction] = true;
    }

    void onConnected()
    {
        connected = true;
    }

    void retransmission(final int direction)
    {
        counts[RETRANSMISSIONS + direction]++;
    }

    void onOutOfOrder(final int direction)
    {
        counts[OUT_OF_ORDER + direction]++;
    }

    void overlap(final int direction)
    {
        counts[OVERLAPS + direction]++;
    }

    void conflictingOverlap(final int direction)
    {
        counts[CONFLICTING_OVERLAPS + direction]++;
    }

    /**
     * A hole in the sender's own data: bytes below a byte (or FIN) it was seen to send.
     */
    void gap(final int direction, final long length)
    {
        counts[GAPS + direction]++;
        counts[GAP_BYTES + direction] += length;
    }

    /**
     * Bytes skipped that only the peer's acknowledgement shows were sent.
     */
    void ackedMissing(final int direction, final long length)
    {
        counts[ACKED_MISSING_BYTES + direction] += length;
    }

    /**
     * Bytes counted as only acknowledged turned out to lie below data the sender was later seen to send: they are a
     * hole in its own data after all.
     */
    void confirmGap(final int direction, final long length, final boolean newHole)
    {
        counts[ACKED_MISSING_BYTES + direction] -= length;
        counts[GAP_BYTES + direction] += length;
        if (newHole)
        {
            counts[GAPS + direction]++;
        }
    }

    void seqBytes(final int direction, final long bytes)
    {
        counts[SEQ_BYTES + direction] = bytes;
    }

    void connState(final ConnState state)
    {
        connState = state;
    }

    void delivered(final int direction, final long length)
    {
        counts[DELIVERED_BYTES + direction] += length;
    }

    void attribute()
    {
        attributes++;
    }

    /**
     * Take a whole record as an engine reported it (a journal's flow end), for replaying it to handlers.
     */
    void restore(
        final long[][] counters,
        final int[] synFlagsEach,
        final boolean[] finEach,
        final boolean[] rstEach,
        final CharSequence historyText,
        final boolean connectedFlag,
        final boolean midstreamFlag,
        final long firstTimeNs,
        final long lastTimeNs,
        final EndReason reason,
        final ConnState zeekState)
    {
        for (int d = 0; d < 2; d++)
        {
            counts[PACKETS + d] = counters[0][d];
            counts[PAYLOAD_BYTES + d] = counters[1][d];
            counts[WIRE_BYTES + d] = counters[2][d];
            counts[DELIVERED_BYTES + d] = counters[3][d];
            counts[RETRANSMISSIONS + d] = counters[4][d];
            counts[OUT_OF_ORDER + d] = counters[5][d];
            counts[OVERLAPS + d] = counters[6][d];
            counts[CONFLICTING_OVERLAPS + d] = counters[7][d];
            counts[GAPS + d] = counters[8][d];
            counts[GAP_BYTES + d] = counters[9][d];
            // A record journaled before these two counters existed has ten rows.
            counts[ACKED_MISSING_BYTES + d] = counters.length > 10 ? counters[10][d] : 0;
            counts[SEQ_BYTES + d] = counters.length > 11 ? counters[11][d] : 0;
            synFlags[d] = synFlagsEach[d];
            fin[d] = finEach[d];
            rst[d] = rstEach[d];
        }
        history.set(historyText);
        connected = connectedFlag;
        midstream = midstreamFlag;
        firstNs = firstTimeNs;
        lastNs = lastTimeNs;
        endReason = reason;
        connState = zeekState;
    }

    void end(final EndReason reason)
    {
        if (endReason == null)
        {
            endReason = reason;
        }
    }

    void clearEnd()
    {
        endReason = null;
    }

    void swapDirections()
    {
        for (int counter = 0; counter < COUNTS; counter += 2)
        {
            final long toClient = counts[counter];
            counts[counter] = counts[counter + 1];
            counts[counter + 1] = toClient;
        }
        final int s = synFlags[0];
        synFlags[0] = synFlags[1];
        synFlags[1] = s;
        final boolean f = fin[0];
        fin[0] = fin[1];
        fin[1] = f;
        final boolean r = rst[0];
        rst[0] = rst[1];
        rst[1] = r;
        // The history is not rewritten: as in Zeek, letters before the ^ keep the roles they were written under.
    }

    /**
     * @param direction a {@link Direction}.
     * @return segments seen that way.
     */
    public long packets(final int direction)
    {
        return counts[PACKETS + direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return TCP payload bytes carried that way, retransmissions included.
     */
    public long payloadBytes(final int direction)
    {
        return counts[PAYLOAD_BYTES + direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return frame bytes on the wire that way (what Suricata's {@code bytes_toserver} counts).
     */
    public long wireBytes(final int direction)
    {
        return counts[WIRE_BYTES + direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return stream bytes handed to the handlers that way.
     */
    public long deliveredBytes(final int direction)
    {
        return counts[DELIVERED_BYTES + direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return segments that brought only bytes already seen.
     */
    public long retransmissions(final int direction)
    {
        return counts[RETRANSMISSIONS + direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return segments that arrived ahead of a hole and had to wait.
     */
    public long outOfOrder(final int direction)
    {
        return counts[OUT_OF_ORDER + direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return segments that overlapped bytes the engine still held.
     */
    public long overlaps(final int direction)
    {
        return counts[OVERLAPS + direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return overlaps whose bytes differed.
     */
    public long conflictingOverlaps(final int direction)
    {
        return counts[CONFLICTING_OVERLAPS + direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return holes in the sender's own data that way (those {@link #gapBytes} counts; a hole only acknowledgements
     * show is not one).
     */
    public long gaps(final int direction)
    {
        return counts[GAPS + direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return bytes missing that way below what the sender itself was seen to send (data or FIN), over all gaps:
     * Zeek's {@code missed_bytes} counts these.
     */
    public long gapBytes(final int direction)
    {
        return counts[GAP_BYTES + direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return bytes skipped that way that only the peer's acknowledgements show were sent (a direction never captured,
     * or lost after the sender's last captured segment); with {@link #gapBytes}, every byte never captured.
     */
    public long ackedMissingBytes(final int direction)
    {
        return counts[ACKED_MISSING_BYTES + direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return the sender's bytes in sequence space, as Zeek's {@code orig_bytes} / {@code resp_bytes} count them:
     * from its first byte to the highest it sent or the peer acknowledged, SYN and FIN not counted, whether captured
     * or not; 64-bit across sequence wraps; 0 for a side no packet was seen from, as Zeek counts it (what its peer
     * acknowledged of it is in {@link #ackedMissingBytes}). Final when the flow ends.
     */
    public long seqBytes(final int direction)
    {
        return counts[SEQ_BYTES + direction];
    }

    /**
     * @return Zeek's {@code conn_state}, or null while the flow runs.
     */
    public ConnState connState()
    {
        return connState;
    }

    /**
     * @param direction a {@link Direction}.
     * @return the TCP flags of the first SYN seen that way (PATHspider's {@code tcp_synflags_fwd/rev}), or
     * {@link #NO_SYN}.
     */
    public int synFlags(final int direction)
    {
        return synFlags[direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return whether a FIN was seen that way (PATHspider's {@code tcp_fin_fwd/rev}).
     */
    public boolean fin(final int direction)
    {
        return fin[direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return whether a RST was seen that way (PATHspider's {@code tcp_rst_fwd/rev}).
     */
    public boolean rst(final int direction)
    {
        return rst[direction];
    }

    /**
     * @return whether the handshake completed (PATHspider's {@code tcp_connected}).
     */
    public boolean connected()
    {
        return connected;
    }

    /**
     * @return attributes reported for the flow ({@link Flow#attribute}).
     */
    public long attributes()
    {
        return attributes;
    }

    /**
     * @return whether the flow was picked up without its handshake.
     */
    public boolean midstream()
    {
        return midstream;
    }

    /**
     * @return capture time of the first packet.
     */
    public long firstNs()
    {
        return firstNs;
    }

    /**
     * @return capture time of the last packet.
     */
    public long lastNs()
    {
        return lastNs;
    }

    /**
     * @return why the flow ended, or null while it runs.
     */
    public EndReason endReason()
    {
        return endReason;
    }

    /**
     * @return letters in the Zeek-style history.
     */
    public int historyLength()
    {
        return history.length();
    }

    /**
     * @param index below {@link #historyLength()}.
     * @return that letter of the history.
     */
    public char historyChar(final int index)
    {
        return history.charAt(index);
    }

    /**
     * @param out to append the history to, without allocating.
     * @return {@code out}.
     */
    public StringBuilder appendHistory(final StringBuilder out)
    {
        return history.appendTo(out);
    }

    /**
     * @return the history as a string (allocates; for output, not the packet path).
     */
    public String history()
    {
        return appendHistory(new StringBuilder(history.length())).toString();
    }
}
