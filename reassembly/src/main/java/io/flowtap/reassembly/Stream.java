package io.flowtap.reassembly;

import io.flowtap.reassembly.store.PageStore;
import io.flowtap.reassembly.store.SegmentPool;

/**
 * One direction of a connection: the sender's sequence space mapped to absolute stream offsets, its TCP state as the
 * engine tracks it, and where delivery stands. Plain fields, reused with its flow; the logic that moves them is in
 * {@link StreamReassembler} (bytes) and {@link ReassemblyEngine} (flags).
 * <p>
 * Offsets: offset 0 is the first byte after the SYN (or, midstream, the first sequence number seen). A sequence number
 * maps to an offset through an anchor (a sequence number whose offset is known) that moves forward with delivery, so
 * offsets stay exact however many times the 32-bit sequence space wraps.
 */
final class Stream
{
    static final long NONE = Long.MIN_VALUE;
    final long[] consumed;

    boolean baseKnown;
    long anchorSeq;
    long anchorOffset;

    boolean synSeen;
    long isn;
    boolean synAcked;
    boolean synHasTimestamp;
    long synTimestamp;
    int windowScale = -1;
    long window;

    boolean finSeen;
    long finOffset;
    boolean rstSeen;

    /** Offset after the highest byte any segment claimed (captured or not). */
    long highest;
    /** Everything below has been offered to handlers, or skipped as a gap. */
    long frontier;
    /** Highest offset the peer acknowledged, or {@link #NONE}. */
    long acked;
    /** When the peer first acknowledged bytes not captured yet (an acked hole), or {@link #NONE}. */
    long ackedHoleSinceNs = NONE;
    /** Segments of the flow seen since, either way. */
    int ackedHoleSegments;
    /**
     * Start of the bytes skipped as a gap that only the peer's acknowledgements showed were sent (above everything the
     * sender was seen to send), up to the frontier; {@link #NONE} when there are none.
     */
    long ackedOnlyFrom;
    /** Whether the hole those bytes continue was already counted (it began below the sender's own data). */
    boolean ackedOnlyCounted;

    int segmentHead = SegmentPool.NONE;
    int pageHead = PageStore.NONE;
    /** Last segment and page of the chains: a segment after everything held is appended there in O(1). */
    int segmentTail = SegmentPool.NONE;
    int pageTail = PageStore.NONE;
    /** At least the end of every segment held, so a segment starting there overlaps none of them. */
    long heldEnd = Long.MIN_VALUE;
    int heldPages;

    boolean reassembling;
    boolean stopped;
    boolean eofSent;
    OverlapPolicy policy;

    Stream(final int handlers)
    {
        consumed = new long[handlers];
    }

    void reset(final OverlapPolicy policy, final boolean reassembling)
    {
        baseKnown = false;
        anchorSeq = 0;
        anchorOffset = 0;
        synSeen = false;
        isn = 0;
        synAcked = false;
        synHasTimestamp = false;
        synTimestamp = 0;
        windowScale = -1;
        window = 65_535;
        finSeen = false;
        finOffset = 0;
        rstSeen = false;
        highest = 0;
        frontier = 0;
        acked = NONE;
        ackedOnlyFrom = NONE;
        ackedOnlyCounted = false;
        segmentHead = SegmentPool.NONE;
        pageHead = PageStore.NONE;
        segmentTail = SegmentPool.NONE;
        pageTail = PageStore.NONE;
        heldEnd = Long.MIN_VALUE;
        heldPages = 0;
        this.reassembling = reassembling;
        stopped = false;
        eofSent = false;
        ackedHoleSinceNs = NONE;
        ackedHoleSegments = 0;
        this.policy = policy;
        java.util.Arrays.fill(consumed, 0);
    }

    /**
     * @param seq sequence number of stream offset 0.
     */
    void base(final long seq)
    {
        baseKnown = true;
        anchorSeq = seq & SequenceNumbers.MASK;
        anchorOffset = 0;
    }

    long offsetOf(final long seq)
    {
        return SequenceNumbers.streamOffset(seq, anchorSeq, anchorOffset);
    }

    long seqOf(final long offset)
    {
        return SequenceNumbers.add(anchorSeq, offset - anchorOffset);
    }

    /**
     * Move the anchor up to the frontier, so that any sequence number up to 2^31 - 1 ahead of the data in order maps
     * to the right offset: a sparse capture can show an ACK 1.9 GiB past the last one, and a 32-bit number says no
     * more than that about how many times the space wrapped in between (Zeek counts wraps the same way).
     */
    void reanchor()
    {
        if (frontier > anchorOffset)
        {
            anchorSeq = seqOf(frontier);
            anchorOffset = frontier;
        }
    }

    /**
     * Take one byte out of the sequence-to-offset mapping (an out-of-band urgent byte): sequence numbers after
     * {@code urgentOffset} map one lower from now on.
     */
    void removeByte(final long urgentOffset)
    {
        final long seqAfter = SequenceNumbers.add(seqOf(urgentOffset), 1);
        anchorSeq = seqAfter;
        anchorOffset = urgentOffset;
        if (highest > urgentOffset)
        {
            highest--;
        }
        if (finSeen && finOffset > urgentOffset)
        {
            finOffset--;
        }
    }

    boolean hasRetained()
    {
        for (int i = 0; i < consumed.length; i++)
        {
            if (consumed[i] < frontier)
            {
                return true;
            }
        }
        return false;
    }

    long minConsumed()
    {
        long min = frontier;
        for (int i = 0; i < consumed.length; i++)
        {
            min = Math.min(min, consumed[i]);
        }
        return min;
    }

    /**
     * @return the sequence number the receiver expects next from this sender (after its FIN, if it sent one), or -1
     * when the sender's sequence space is not known yet.
     */
    long nextSeq()
    {
        if (!baseKnown)
        {
            return -1;
        }
        return finSeen ? SequenceNumbers.add(seqOf(finOffset), 1) : seqOf(highest);
    }

    /**
     * @return the offset after the last byte the sender's own segments showed it sent: its highest claimed byte, or
     * its FIN.
     */
    long ownEnd()
    {
        return finSeen ? Math.max(highest, finOffset) : highest;
    }

    /**
     * Zeek's endpoint size ({@code orig_bytes}, {@code resp_bytes}): the sender's bytes in sequence space, up to the
     * highest it sent or its peer acknowledged, without SYN and FIN; 64-bit, since offsets are.
     *
     * @return bytes, 0 when the sequence space was never known.
     */
    long seqBytes()
    {
        if (!baseKnown)
        {
            return 0;
        }
        // As Zeek: the highest sequence number reached or acknowledged, less the FIN's own when one was sent.
        long end = finSeen ? Math.max(highest, finOffset + 1) : highest;
        if (acked != NONE && acked > end)
        {
            end = acked;
        }
        return Math.max(0, finSeen ? end - 1 : end);
    }

    /**
     * @return whether every byte the sender claimed up to its FIN has been delivered or skipped.
     */
    boolean finReached()
    {
        return finSeen && frontier >= finOffset;
    }
}
