package io.flowtap.reassembly;

/**
 * What was seen of one flow, kept up to date while it runs and final when {@link TcpHandler#onTerminate} receives it:
 * PATHspider's TCP fields (SYN flags, FIN and RST each way, whether the handshake completed), a Zeek-style
 * {@code history}, and per-direction counts. Per-direction values are indexed by {@link Direction}: the forward
 * direction of PATHspider is {@link Direction#TO_SERVER}.
 * <p>
 * One record per flow slot, reused for the next flow: copy what must outlive {@code onTerminate}.
 */
public final class FlowRecord
{
    /** {@link #synFlags} when no SYN was seen that way. */
    public static final int NO_SYN = -1;

    private static final int MAX_HISTORY = 40;

    private final long[] packets = new long[2];
    private final long[] payloadBytes = new long[2];
    private final long[] wireBytes = new long[2];
    private final long[] retransmissions = new long[2];
    private final long[] outOfOrder = new long[2];
    private final long[] overlaps = new long[2];
    private final long[] conflictingOverlaps = new long[2];
    private final long[] gaps = new long[2];
    private final long[] gapBytes = new long[2];
    private final long[] deliveredBytes = new long[2];
    private final int[] synFlags = new int[2];
    private final boolean[] fin = new boolean[2];
    private final boolean[] rst = new boolean[2];
    private final int[] historySeen = new int[2];
    private final byte[] history = new byte[MAX_HISTORY];
    private int historyLength;
    private long attributes;
    private boolean connected;
    private boolean midstream;
    private long firstNs;
    private long lastNs;
    private EndReason endReason;

    void reset(final long timeNs, final boolean midstream)
    {
        for (int d = 0; d < 2; d++)
        {
            packets[d] = 0;
            payloadBytes[d] = 0;
            wireBytes[d] = 0;
            retransmissions[d] = 0;
            outOfOrder[d] = 0;
            overlaps[d] = 0;
            conflictingOverlaps[d] = 0;
            gaps[d] = 0;
            gapBytes[d] = 0;
            deliveredBytes[d] = 0;
            synFlags[d] = NO_SYN;
            fin[d] = false;
            rst[d] = false;
            historySeen[d] = 0;
        }
        historyLength = 0;
        attributes = 0;
        connected = false;
        this.midstream = midstream;
        firstNs = timeNs;
        lastNs = timeNs;
        endReason = null;
    }

    void packet(final int direction, final int payloadLength, final int wireLength, final long timeNs)
    {
        packets[direction]++;
        payloadBytes[direction] += payloadLength;
        wireBytes[direction] += wireLength;
        if (timeNs > lastNs)
        {
            lastNs = timeNs;
        }
    }

    /**
     * Add a Zeek history letter, once per direction: upper case for the originator (client), lower case for the
     * responder, as Zeek writes it.
     */
    void history(final int direction, final char letter)
    {
        final int bit = 1 << (letter - 'A');
        if ((historySeen[direction] & bit) == 0 && historyLength < MAX_HISTORY)
        {
            historySeen[direction] |= bit;
            history[historyLength++] =
                (byte)(direction == Direction.TO_SERVER ? letter : Character.toLowerCase(letter));
        }
    }

    /**
     * Zeek's {@code ^}: the engine found that it had the roles the wrong way round and flipped them.
     */
    void flipped()
    {
        if (historyLength < MAX_HISTORY)
        {
            history[historyLength++] = '^';
        }
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
        retransmissions[direction]++;
    }

    void onOutOfOrder(final int direction)
    {
        outOfOrder[direction]++;
    }

    void overlap(final int direction)
    {
        overlaps[direction]++;
    }

    void conflictingOverlap(final int direction)
    {
        conflictingOverlaps[direction]++;
    }

    void gap(final int direction, final long length)
    {
        gaps[direction]++;
        gapBytes[direction] += length;
    }

    void delivered(final int direction, final long length)
    {
        deliveredBytes[direction] += length;
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
        final EndReason reason)
    {
        for (int d = 0; d < 2; d++)
        {
            packets[d] = counters[0][d];
            payloadBytes[d] = counters[1][d];
            wireBytes[d] = counters[2][d];
            deliveredBytes[d] = counters[3][d];
            retransmissions[d] = counters[4][d];
            outOfOrder[d] = counters[5][d];
            overlaps[d] = counters[6][d];
            conflictingOverlaps[d] = counters[7][d];
            gaps[d] = counters[8][d];
            gapBytes[d] = counters[9][d];
            synFlags[d] = synFlagsEach[d];
            fin[d] = finEach[d];
            rst[d] = rstEach[d];
        }
        historyLength = Math.min(historyText.length(), MAX_HISTORY);
        for (int i = 0; i < historyLength; i++)
        {
            history[i] = (byte)historyText.charAt(i);
        }
        connected = connectedFlag;
        midstream = midstreamFlag;
        firstNs = firstTimeNs;
        lastNs = lastTimeNs;
        endReason = reason;
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
        swap(packets);
        swap(payloadBytes);
        swap(wireBytes);
        swap(retransmissions);
        swap(outOfOrder);
        swap(overlaps);
        swap(conflictingOverlaps);
        swap(gaps);
        swap(gapBytes);
        swap(deliveredBytes);
        final int s = synFlags[0];
        synFlags[0] = synFlags[1];
        synFlags[1] = s;
        final boolean f = fin[0];
        fin[0] = fin[1];
        fin[1] = f;
        final boolean r = rst[0];
        rst[0] = rst[1];
        rst[1] = r;
        final int h = historySeen[0];
        historySeen[0] = historySeen[1];
        historySeen[1] = h;
        for (int i = 0; i < historyLength; i++)
        {
            final char c = (char)history[i];
            if (Character.isLetter(c))
            {
                history[i] = (byte)(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
            }
        }
    }

    private static void swap(final long[] pair)
    {
        final long t = pair[0];
        pair[0] = pair[1];
        pair[1] = t;
    }

    /**
     * @param direction a {@link Direction}.
     * @return segments seen that way.
     */
    public long packets(final int direction)
    {
        return packets[direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return TCP payload bytes carried that way, retransmissions included.
     */
    public long payloadBytes(final int direction)
    {
        return payloadBytes[direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return frame bytes on the wire that way (what Suricata's {@code bytes_toserver} counts).
     */
    public long wireBytes(final int direction)
    {
        return wireBytes[direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return stream bytes handed to the handlers that way.
     */
    public long deliveredBytes(final int direction)
    {
        return deliveredBytes[direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return segments that brought only bytes already seen.
     */
    public long retransmissions(final int direction)
    {
        return retransmissions[direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return segments that arrived ahead of a hole and had to wait.
     */
    public long outOfOrder(final int direction)
    {
        return outOfOrder[direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return segments that overlapped bytes the engine still held.
     */
    public long overlaps(final int direction)
    {
        return overlaps[direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return overlaps whose bytes differed.
     */
    public long conflictingOverlaps(final int direction)
    {
        return conflictingOverlaps[direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return gaps reported that way.
     */
    public long gaps(final int direction)
    {
        return gaps[direction];
    }

    /**
     * @param direction a {@link Direction}.
     * @return bytes missing that way, over all gaps.
     */
    public long gapBytes(final int direction)
    {
        return gapBytes[direction];
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
        return historyLength;
    }

    /**
     * @param index below {@link #historyLength()}.
     * @return that letter of the history.
     */
    public char historyChar(final int index)
    {
        return (char)history[index];
    }

    /**
     * @param out to append the history to, without allocating.
     * @return {@code out}.
     */
    public StringBuilder appendHistory(final StringBuilder out)
    {
        for (int i = 0; i < historyLength; i++)
        {
            out.append((char)history[i]);
        }
        return out;
    }

    /**
     * @return the history as a string (allocates; for output, not the packet path).
     */
    public String history()
    {
        return appendHistory(new StringBuilder(historyLength)).toString();
    }
}
