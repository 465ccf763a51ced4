package io.flowtap.reassembly;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.capture.codec.TcpOptionIterator;
import io.flowtap.capture.codec.TcpOptionKind;

/**
 * The TCP state machine of a tracked connection: what a segment's SYN, ACK, FIN and RST do to its flow and its two
 * streams. A SYN synchronises its sender's stream (its ISN, window scale and timestamp), and may show that a
 * midstream guess of client and server was wrong; ACKs complete the handshake and move the receiver's stream; a FIN
 * closes its direction; a RST closes the flow when its receiver would accept it (in window, or answering the SYN),
 * provisionally before the handshake, since a handshake may carry on regardless. Payload goes to the
 * {@link StreamReassembler}, and the flow's state, and with it its idle timeout, to the {@link ConnectionTracker}.
 * <p>
 * Not thread safe: owned by its engine.
 */
final class TcpStateMachine
{
    private final TcpHandler[] handlers;
    private final EngineCounters counters;
    private final ConnectionTracker tracker;
    private final StreamReassembler reassembler;
    private final TcpOptionIterator options = new TcpOptionIterator();

    TcpStateMachine(
        final TcpHandler[] handlers,
        final EngineCounters counters,
        final ConnectionTracker tracker,
        final StreamReassembler reassembler)
    {
        this.handlers = handlers;
        this.counters = counters;
        this.tracker = tracker;
        this.reassembler = reassembler;
    }

    /**
     * A segment of a tracked flow, after its handlers saw it: a flow a RST closed takes only the SYN-ACK that shows
     * the RST was not accepted (it is counted {@link EngineCounter#AFTER_CLOSE} otherwise).
     */
    void onSegment(
        final Flow flow,
        final int direction,
        final PacketDecoder decoder,
        final TcpFlyweight tcp,
        final int flags,
        final long timeNs)
    {
        if (flow.state == Flow.STATE_CLOSED && flow.record.endReason() == EndReason.RST)
        {
            final boolean synAck = (flags & TcpFlyweight.SYN) != 0 && (flags & TcpFlyweight.ACK) != 0;
            if (!(flow.rstProvisional && synAck && direction == Direction.TO_CLIENT && revive(flow, tcp)))
            {
                counters.increment(EngineCounter.AFTER_CLOSE);
                return;
            }
        }
        segment(flow, direction, decoder, tcp, flags, timeNs);
    }

    private void segment(
        final Flow flow,
        final int direction,
        final PacketDecoder decoder,
        final TcpFlyweight tcp,
        final int flags,
        final long timeNs)
    {
        final Stream sender = flow.streams[direction];
        final Stream receiver = flow.streams[Direction.opposite(direction)];
        final boolean syn = (flags & TcpFlyweight.SYN) != 0;
        final boolean ack = (flags & TcpFlyweight.ACK) != 0;
        final boolean rst = (flags & TcpFlyweight.RST) != 0;
        final boolean fin = (flags & TcpFlyweight.FIN) != 0;
        final long seq = tcp.seq();
        final long ackSeq = tcp.ackSeq();
        sender.window = tcp.windowSize();

        if (syn)
        {
            onSyn(flow, direction, decoder, tcp, flags, timeNs);
            if (flow.dropped)
            {
                return;
            }
        }
        final int dir = tracker.direction(flow);
        final Stream from = flow.streams[dir];
        final Stream to = flow.streams[Direction.opposite(dir)];
        if (ack && !rst)
        {
            if (to.synSeen && !to.synAcked && SequenceNumbers.after(ackSeq, to.isn))
            {
                to.synAcked = true;
            }
            reassembler.onAck(flow, Direction.opposite(dir), ackSeq, timeNs);
            if (flow.state == Flow.STATE_EMBRYONIC && !from.synAcked && missedSyn(flow, dir, from, to))
            {
                from.synAcked = true;
            }
            if (flow.state == Flow.STATE_EMBRYONIC && from.synAcked && to.synAcked)
            {
                establish(flow, timeNs);
            }
        }

        final int payloadLength = tcp.payloadLength();
        // Data on a RST is kept, as tcpflow and tshark keep it: receivers discard it, but an analyst wants to see
        // what a RST carried (it is a known place to hide diagnostics, or an evasion).
        if (payloadLength > 0)
        {
            final long dataSeq = syn ? SequenceNumbers.add(seq, 1) : seq;
            final int urgentPointer = (flags & TcpFlyweight.URG) != 0 ? tcp.urgentPointer() : 0;
            reassembler.onData(
                flow,
                dir,
                dataSeq,
                tcp.buffer(),
                tcp.payloadOffset(),
                tcp.capturedPayloadLength(),
                payloadLength,
                urgentPointer,
                timeNs);
        }
        else if (!from.baseKnown && !rst)
        {
            from.base(seq);
        }

        if (fin && !rst)
        {
            onFin(flow, dir, seq, syn, payloadLength);
        }
        reassembler.afterSegment(flow, timeNs);
        if (rst)
        {
            onRst(flow, dir, decoder, tcp, timeNs);
            return;
        }
        checkEndOfStreams(flow, timeNs);
        if (sender != from || receiver != to)
        {
            // Roles were flipped by this packet; nothing else to undo.
            return;
        }
    }

    private void onSyn(
        final Flow flow,
        final int direction,
        final PacketDecoder decoder,
        final TcpFlyweight tcp,
        final int flags,
        final long timeNs)
    {
        final boolean ack = (flags & TcpFlyweight.ACK) != 0;
        int dir = direction;
        if (ack && dir == Direction.TO_SERVER && flow.midstream && !flow.streams[Direction.TO_CLIENT].synSeen &&
            flow.record.deliveredBytes(Direction.TO_SERVER) == 0 &&
            flow.record.deliveredBytes(Direction.TO_CLIENT) == 0)
        {
            // A SYN-ACK from the side taken for the client: the guess was wrong.
            flow.swapRoles();
            counters.increment(EngineCounter.DIRECTION_FLIPPED);
            dir = Direction.TO_CLIENT;
        }
        final Stream sender = flow.streams[dir];
        if (sender.synSeen)
        {
            return;
        }
        sender.synSeen = true;
        sender.isn = tcp.seq();
        if (sender.baseKnown && sender.offsetOf(SequenceNumbers.add(tcp.seq(), 1)) != 0)
        {
            // A midstream guess of the base (from the peer's ACK) is superseded by the SYN itself.
            sender.base(SequenceNumbers.add(tcp.seq(), 1));
            sender.acked = Stream.NONE;
        }
        else if (!sender.baseKnown)
        {
            sender.base(SequenceNumbers.add(tcp.seq(), 1));
        }
        else if (sender.acked != Stream.NONE)
        {
            // The peer's SYN-ACK, seen first, already acknowledged this SYN.
            sender.synAcked = true;
        }
        flow.record.synFlags(dir, flags);
        options.wrap(tcp);
        while (options.next())
        {
            if (options.kind() == TcpOptionKind.WS && options.hasExpectedLength())
            {
                sender.windowScale = Math.min(14, options.windowScale());
            }
            else if (options.kind() == TcpOptionKind.TS && options.hasExpectedLength())
            {
                sender.synHasTimestamp = true;
                sender.synTimestamp = options.timestampValue();
            }
        }
        if (!ack && dir == Direction.TO_SERVER)
        {
            for (int h = 0; h < handlers.length; h++)
            {
                if (!handlers[h].onSyn(flow, decoder, timeNs))
                {
                    flow.drop();
                    return;
                }
            }
        }
    }

    /**
     * The client's SYN was not captured, but the server's SYN-ACK acknowledged it and the client has now acknowledged
     * the SYN-ACK: the handshake happened, as Zeek concludes from a SYN-ACK followed by an ACK. Without this the
     * client would stay unsynchronised and its FIN be dropped, so that the server's ACK of the FIN looked like a
     * missing byte.
     */
    private static boolean missedSyn(final Flow flow, final int dir, final Stream from, final Stream to)
    {
        return dir == Direction.TO_SERVER && !from.synSeen && from.baseKnown && to.synSeen && to.synAcked &&
            flow.record.synFlags(Direction.TO_CLIENT) != FlowRecord.NO_SYN &&
            (flow.record.synFlags(Direction.TO_CLIENT) & TcpFlyweight.ACK) != 0;
    }

    private void onFin(final Flow flow, final int dir, final long seq, final boolean syn, final int payloadLength)
    {
        final Stream sender = flow.streams[dir];
        if (flow.state == Flow.STATE_EMBRYONIC && !sender.synSeen && !flow.midstream)
        {
            // The receiver would drop a FIN from a side that has not synchronised (RFC 793, SYN-SENT).
            counters.increment(EngineCounter.FIN_IGNORED);
            return;
        }
        flow.record.onFin(dir);
        if (!sender.finSeen)
        {
            sender.finSeen = true;
            sender.finOffset = sender.offsetOf(SequenceNumbers.add(seq, payloadLength + (syn ? 1 : 0)));
            StreamDelivery.confirmGaps(flow, dir);
        }
        if (flow.streams[Direction.opposite(dir)].finSeen)
        {
            if (flow.state != Flow.STATE_CLOSED)
            {
                flow.record.end(EndReason.FIN);
                tracker.moveTo(flow, Flow.STATE_CLOSED);
            }
        }
        else if (flow.state != Flow.STATE_CLOSED)
        {
            tracker.moveTo(flow, Flow.STATE_CLOSING);
        }
    }

    private void onRst(
        final Flow flow, final int dir, final PacketDecoder decoder, final TcpFlyweight tcp, final long timeNs)
    {
        final Stream sender = flow.streams[dir];
        final Stream receiver = flow.streams[Direction.opposite(dir)];
        flow.record.onRst(dir);
        final boolean beforeHandshake = flow.state == Flow.STATE_EMBRYONIC;
        final boolean acceptable;
        if (beforeHandshake && !sender.synSeen)
        {
            acceptable = rstAnswersSyn(receiver, tcp);
        }
        else
        {
            acceptable = rstInWindow(sender, receiver, tcp.seq());
        }
        if (!acceptable)
        {
            counters.increment(EngineCounter.RST_IGNORED);
            return;
        }
        sender.rstSeen = true;
        flow.record.end(EndReason.RST);
        if (beforeHandshake)
        {
            // Held open for a handshake that may carry on regardless (an injected RST, as in Suricata #3286).
            flow.rstProvisional = true;
            tracker.moveTo(flow, Flow.STATE_CLOSED);
            return;
        }
        tracker.moveTo(flow, Flow.STATE_CLOSED);
        reassembler.closeStreams(flow, timeNs);
    }

    /**
     * RFC 793 in SYN-SENT: a RST is acceptable only if it acknowledges the SYN; Linux also drops it when its
     * timestamp echo is not the SYN's own (PAWS), which is what makes the injected RST of Suricata #3286 harmless.
     */
    private boolean rstAnswersSyn(final Stream synSender, final TcpFlyweight tcp)
    {
        if (!tcp.ack() || !synSender.synSeen || tcp.ackSeq() != SequenceNumbers.add(synSender.isn, 1))
        {
            return false;
        }
        if (synSender.synHasTimestamp && synSender.policy != OverlapPolicy.WINDOWS)
        {
            options.wrap(tcp);
            while (options.next())
            {
                if (options.kind() == TcpOptionKind.TS && options.hasExpectedLength())
                {
                    return options.timestampEchoReply() == synSender.synTimestamp;
                }
            }
        }
        return true;
    }

    private static boolean rstInWindow(final Stream sender, final Stream receiver, final long seq)
    {
        if (!sender.baseKnown)
        {
            return true;
        }
        final long offset = sender.offsetOf(seq);
        final int scale = sender.windowScale >= 0 && receiver.windowScale >= 0 ? receiver.windowScale : 0;
        final long window = Math.max(65_535L, receiver.window << scale);
        return offset >= sender.frontier - window && offset <= sender.highest + window;
    }

    private boolean revive(final Flow flow, final TcpFlyweight tcp)
    {
        final Stream client = flow.streams[Direction.TO_SERVER];
        if (!client.synSeen || tcp.ackSeq() != SequenceNumbers.add(client.isn, 1))
        {
            return false;
        }
        counters.increment(EngineCounter.RST_OVERRULED);
        flow.rstProvisional = false;
        flow.record.clearEnd();
        client.rstSeen = false;
        flow.streams[Direction.TO_CLIENT].rstSeen = false;
        tracker.moveTo(flow, Flow.STATE_EMBRYONIC);
        return true;
    }

    private void establish(final Flow flow, final long timeNs)
    {
        flow.record.onConnected();
        tracker.moveTo(flow, Flow.STATE_ESTABLISHED);
        for (int h = 0; h < handlers.length; h++)
        {
            handlers[h].onEstablished(flow, timeNs);
        }
    }

    private void checkEndOfStreams(final Flow flow, final long timeNs)
    {
        for (int d = 0; d < 2; d++)
        {
            final Stream stream = flow.streams[d];
            if (!stream.eofSent && stream.finReached())
            {
                final boolean otherEnded = flow.streams[Direction.opposite(d)].eofSent;
                reassembler.endOfStream(
                    flow, d, otherEnded ? TcpHandler.EOF_BOTH : TcpHandler.EOF_DIRECTION, timeNs);
            }
        }
    }
}
