package io.flowtap.reassembly;

import io.flowtap.capture.FrameSender;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.capture.codec.TcpOptionIterator;
import io.flowtap.capture.codec.TcpOptionKind;
import io.flowtap.reassembly.flow.ActivityLists;
import io.flowtap.reassembly.flow.FlowKey;
import io.flowtap.reassembly.flow.FlowTable;
import io.flowtap.reassembly.store.PageStore;
import io.flowtap.reassembly.store.SegmentPool;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;

/**
 * The TCP reassembly engine: fed decoded segments, it tracks each connection's handshake and teardown, puts each
 * direction's bytes in order, and calls its {@link TcpHandler}s. It knows nothing of threads or queues: one engine
 * belongs to one thread (a pipeline worker, or the command line reading a file), and every flow it tracks is handled
 * on that thread.
 * <p>
 * Time comes from the packets ({@code timeNs} of each segment) or from {@link #expire(long)}: idle timeouts fire
 * when the engine's clock (the latest time it was given) passes them. Flows sit in one least-recently-active list
 * per state (embryonic, established, closing, closed), each with its own timeout, so finding the flows to expire is
 * a look at four list tails rather than a scan.
 * <p>
 * The steady state allocates nothing: the flow table, the flow objects (created once per table slot, on first use),
 * the page store and the segment pool are all sized from the {@link EngineContext} and reused.
 */
public final class ReassemblyEngine
{
    private static final int LISTS = 4;
    private static final long NO_TIME = Long.MIN_VALUE;

    private final EngineContext context;
    private final TcpHandler[] handlers;
    private final EngineCounters counters;
    private final FlowTable table;
    private final FlowKey key = new FlowKey();
    private final Flow[] flows;
    private final PageStore pages;
    private final SegmentPool segments;
    private final StreamReassembler reassembler;
    private final TcpOptionIterator options = new TcpOptionIterator();
    private final UnsafeBuffer rstFrame =
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(2 * RstFrameBuilder.MAX_FRAME_LENGTH, 64));
    private final ActivityLists activity;
    private final long[] timeoutsNs = new long[LISTS];
    private final BadChecksums badChecksums;
    private final BadChecksumHold.Release releaseHeld = this::releaseHeld;
    private boolean refeeding;
    private long nextFlowId = 1;
    private long clockNs = NO_TIME;
    private int segmentHash;

    /**
     * @param context  configuration; concluded here if it was not.
     * @param handlers called in this order for every event.
     */
    public ReassemblyEngine(final EngineContext context, final TcpHandler... handlers)
    {
        this(context, new EngineCounters(), handlers);
    }

    /**
     * @param context  configuration; concluded here if it was not.
     * @param counters where the engine counts, from its thread only (a worker's, in the counters file).
     * @param handlers called in this order for every event.
     */
    public ReassemblyEngine(final EngineContext context, final EngineCounters counters, final TcpHandler... handlers)
    {
        this.counters = counters;
        if (!context.isConcluded())
        {
            context.conclude();
        }
        this.context = context;
        this.handlers = handlers.clone();
        this.table = new FlowTable(context.maxFlows());
        this.flows = new Flow[context.maxFlows()];
        this.activity = new ActivityLists(context.maxFlows(), LISTS);
        this.pages = new PageStore(context.pageSize(), (int)(context.engineMemcapBytes() / context.pageSize()));
        this.segments = new SegmentPool(context.maxSegments());
        this.reassembler = new StreamReassembler(pages, segments, this.handlers, counters, context);
        this.badChecksums = new BadChecksums(context, counters);
        timeoutsNs[Flow.STATE_EMBRYONIC] = context.embryonicTimeoutNs();
        timeoutsNs[Flow.STATE_ESTABLISHED] = context.establishedTimeoutNs();
        timeoutsNs[Flow.STATE_CLOSING] = context.closingTimeoutNs();
        timeoutsNs[Flow.STATE_CLOSED] = context.closedTimeoutNs();
    }

    /**
     * @return the engine's counters.
     */
    public EngineCounters counters()
    {
        return counters;
    }

    /**
     * @return flows being tracked now.
     */
    public int activeFlows()
    {
        return table.size();
    }

    /**
     * @return bytes held in the page store now.
     */
    public long bufferedBytes()
    {
        return (long)(pages.pageCount() - pages.freePages()) * pages.pageSize();
    }

    /**
     * Feed one decoded segment.
     *
     * @param decoder    that has just returned true from {@code decode}: the segment is read in place from it.
     * @param timeNs     capture time of the segment.
     * @param wireLength length of its frame on the wire (for the flow's byte counts).
     */
    public void onSegment(final PacketDecoder decoder, final long timeNs, final int wireLength)
    {
        key.wrap(decoder, context.vlanInKey(), context.tunnelInKey());
        onKeyedSegment(decoder, timeNs, wireLength, key.tableHash());
    }

    /**
     * Feed one decoded segment whose flow was hashed already: a pipeline's poller hashes each segment once, to pick
     * its worker, and hands the hash on.
     *
     * @param decoder    that describes the segment: the segment is read in place from it.
     * @param timeNs     capture time of the segment.
     * @param wireLength length of its frame on the wire (for the flow's byte counts).
     * @param tableHash  {@link FlowKey#tableHash()} of the segment's flow key, with the VLAN and the tunnel in the key
     *                   exactly when {@link EngineContext#vlanInKey()} and {@link EngineContext#tunnelInKey()} say so.
     */
    public void onSegment(final PacketDecoder decoder, final long timeNs, final int wireLength, final int tableHash)
    {
        key.wrap(decoder, context.vlanInKey(), context.tunnelInKey());
        onKeyedSegment(decoder, timeNs, wireLength, tableHash);
    }

    private void onKeyedSegment(final PacketDecoder decoder, final long timeNs, final int wireLength, final int hash)
    {
        segmentHash = hash;
        final Flow flow = track(decoder, timeNs, wireLength);
        if (flow != null && flow.resetRequested && !flow.resetHandled)
        {
            respond(flow, decoder);
        }
    }

    /**
     * Active response to {@link Flow#reset()}: a RST to each end, built from the segment just handled (its link
     * addresses and VLAN tags) with the sequence numbers each end expects next. The stream state gives them: the next
     * sequence number of a sender is what its receiver expects, exactly, as a receiver needs it to be to accept a RST
     * (RFC 5961); the segment's own numbers stand in for a direction not seen yet.
     */
    private void respond(final Flow flow, final PacketDecoder decoder)
    {
        flow.resetHandled = true;
        final FrameSender responder = context.responder();
        if (responder == null || decoder.linkType() != LinkType.ETHERNET || decoder.isEncapsulated())
        {
            counters.increment(EngineCounter.RESET_NOT_SENT);
            return;
        }
        final int direction = direction(flow);
        final TcpFlyweight tcp = decoder.tcp();
        final int flags = tcp.flags();
        long senderNext = flow.streams[direction].nextSeq();
        if (senderNext < 0)
        {
            final int control = ((flags & TcpFlyweight.SYN) != 0 ? 1 : 0) + ((flags & TcpFlyweight.FIN) != 0 ? 1 : 0);
            senderNext = SequenceNumbers.add(tcp.seq(), tcp.payloadLength() + control);
        }
        long receiverNext = flow.streams[Direction.opposite(direction)].nextSeq();
        if (receiverNext < 0)
        {
            receiverNext = (flags & TcpFlyweight.ACK) != 0 ? tcp.ackSeq() : 0;
        }
        final int outerVlan = decoder.vlanCount() > 0 ? decoder.outerVlanId() : -1;
        final int innerVlan = decoder.vlanCount() > 1 ? decoder.innerVlanId() : -1;
        for (int reverse = 0; reverse < 2; reverse++)
        {
            final boolean toSender = reverse == 1;
            final int length = RstFrameBuilder.build(
                rstFrame,
                decoder.buffer(),
                decoder.linkOffset(),
                toSender,
                outerVlan,
                innerVlan,
                decoder.ipVersion(),
                decoder.sourceAddressOffset(),
                decoder.headerDestinationAddressOffset(),
                tcp.srcPort(),
                tcp.dstPort(),
                toSender ? receiverNext : senderNext,
                toSender ? senderNext : receiverNext);
            final int sent = responder.send(rstFrame, 0, length);
            counters.increment(sent == length ? EngineCounter.RESET_FRAMES_SENT : EngineCounter.RESET_SEND_FAILED);
        }
    }

    private Flow track(final PacketDecoder decoder, final long timeNs, final int wireLength)
    {
        advanceClock(timeNs);
        final TcpFlyweight tcp = decoder.tcp();
        final int flags = tcp.flags();
        final boolean syn = (flags & TcpFlyweight.SYN) != 0;
        final boolean ack = (flags & TcpFlyweight.ACK) != 0;
        final boolean rst = (flags & TcpFlyweight.RST) != 0;

        int slot = table.find(key, segmentHash);
        if (!refeeding && badChecksums.releaseAcknowledged(decoder, key, segmentHash, slot, releaseHeld))
        {
            // Held segments this one acknowledges went first, as they were captured first; back to this one.
            final int hash = segmentHash;
            key.wrap(decoder, context.vlanInKey(), context.tunnelInKey());
            segmentHash = hash;
            slot = table.find(key, segmentHash);
        }
        Flow flow = slot >= 0 ? flows[slot] : null;

        final int checksumStatus = decoder.checksumStatus();
        if (checksumStatus == TcpFlyweight.CHECKSUM_BAD && !refeeding &&
            !badChecksums.accept(decoder, key, segmentHash, timeNs, wireLength))
        {
            if (flow != null)
            {
                flow.zeek.checksumError(flow.record, direction(flow));
            }
            return null;
        }

        if (flow != null && syn && !ack && isNewConnection(flow, direction(flow), tcp.seq(), timeNs))
        {
            counters.increment(EngineCounter.PORT_REUSE);
            terminate(flow, EndReason.PORT_REUSE);
            flow = null;
        }
        if (flow == null)
        {
            if (rst || (!syn && !context.midstream()))
            {
                counters.increment(EngineCounter.NO_FLOW);
                return null;
            }
            flow = create(decoder, timeNs, syn, ack);
            if (flow == null)
            {
                counters.increment(EngineCounter.FLOW_TABLE_FULL);
                return null;
            }
        }
        if (flow.dropped)
        {
            counters.increment(EngineCounter.DROPPED_FLOW);
            return flow;
        }

        final int direction = direction(flow);
        badChecksums.used(flow.slot, key.sourceIsA(), checksumStatus);
        flow.lastNs = Math.max(flow.lastNs, timeNs);
        activity.touch(flow.slot);
        flow.record.packet(direction, tcp.payloadLength(), wireLength, timeNs);
        for (int h = 0; h < handlers.length; h++)
        {
            if (!handlers[h].onPacket(flow, direction, decoder, timeNs))
            {
                counters.increment(EngineCounter.DROPPED_BY_HANDLER);
                return flow;
            }
            if (flow.dropped)
            {
                counters.increment(EngineCounter.DROPPED_FLOW);
                return flow;
            }
        }
        counters.increment(EngineCounter.TRACKED);
        flow.zeek.packet(flow.record, direction, flags, tcp.seq(), tcp.ackSeq(), tcp.payloadLength(), tcp.windowSize());

        if (flow.state == Flow.STATE_CLOSED && flow.record.endReason() == EndReason.RST)
        {
            if (!(flow.rstProvisional && syn && ack && direction == Direction.TO_CLIENT && revive(flow, tcp)))
            {
                counters.increment(EngineCounter.AFTER_CLOSE);
                return flow;
            }
        }
        segment(flow, direction, decoder, tcp, flags, timeNs);
        return flow;
    }

    /**
     * End every flow idle for longer than its state's timeout at {@code nowNs}, and move the engine's clock there.
     * Packet time drives this on its own; call it when traffic stops, so flows still time out.
     *
     * @param nowNs the current time, on the packets' clock.
     * @return flows ended.
     */
    public int expire(final long nowNs)
    {
        if (clockNs == NO_TIME || nowNs > clockNs)
        {
            clockNs = nowNs;
        }
        return expireIdle();
    }

    /**
     * End every flow (reason {@link EndReason#SHUTDOWN}, unless it had already closed): deliver what is held, report
     * the holes as gaps, give each handler its last payload call and the final record.
     */
    public void shutdown()
    {
        for (int list = 0; list < LISTS; list++)
        {
            for (int tail = activity.tail(list); tail != ActivityLists.NONE; tail = activity.tail(list))
            {
                terminate(flows[tail], EndReason.SHUTDOWN);
            }
        }
        badChecksums.shutdown();
    }

    /**
     * @return the hosts found to send segments with bad checksums that their peers acknowledge (capture taken on a
     * host with checksum offload), each with how many of its segments were kept; allocates, for a summary.
     */
    public List<String> checksumOffloadHosts()
    {
        return badChecksums.offloadingHosts();
    }

    /**
     * @return segments with a bad checksum held now, waiting for their receivers' acknowledgement.
     */
    public int heldBadChecksums()
    {
        return badChecksums.held();
    }

    /**
     * A held segment with a bad checksum whose receiver acknowledged it: accepted as if it arrived now, unless its
     * bytes (or its SYN or FIN) reached the stream another way.
     */
    private void releaseHeld(final PacketDecoder held, final long timeNs, final int wireLength, final boolean consumes)
    {
        key.wrap(held, context.vlanInKey(), context.tunnelInKey());
        segmentHash = key.tableHash();
        final int slot = table.find(key, segmentHash);
        final Flow flow = slot >= 0 ? flows[slot] : null;
        if (flow != null && isSuperseded(flow, direction(flow), held.tcp()))
        {
            badChecksums.superseded();
            return;
        }
        badChecksums.accepted(held, key.sourceIsA(), slot, consumes);
        refeeding = true;
        try
        {
            track(held, timeNs, wireLength);
        }
        finally
        {
            refeeding = false;
        }
    }

    /**
     * Whether what a held segment carried is already in its stream: a good copy of it was captured after all.
     */
    private boolean isSuperseded(final Flow flow, final int direction, final TcpFlyweight tcp)
    {
        final Stream stream = flow.streams[direction];
        if (tcp.syn())
        {
            return stream.synSeen;
        }
        final int payloadLength = tcp.payloadLength();
        if (payloadLength == 0)
        {
            return tcp.fin() && stream.finSeen;
        }
        if (!stream.baseKnown)
        {
            return false;
        }
        final long start = stream.offsetOf(tcp.seq());
        return reassembler.isCovered(stream, start, start + payloadLength);
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
        final int dir = direction(flow);
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
            StreamReassembler.confirmGaps(flow, dir);
        }
        if (flow.streams[Direction.opposite(dir)].finSeen)
        {
            if (flow.state != Flow.STATE_CLOSED)
            {
                flow.record.end(EndReason.FIN);
                moveTo(flow, Flow.STATE_CLOSED);
            }
        }
        else if (flow.state != Flow.STATE_CLOSED)
        {
            moveTo(flow, Flow.STATE_CLOSING);
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
            moveTo(flow, Flow.STATE_CLOSED);
            return;
        }
        moveTo(flow, Flow.STATE_CLOSED);
        closeStreams(flow, timeNs);
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
        moveTo(flow, Flow.STATE_EMBRYONIC);
        return true;
    }

    private void establish(final Flow flow, final long timeNs)
    {
        flow.record.onConnected();
        moveTo(flow, Flow.STATE_ESTABLISHED);
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

    private void closeStreams(final Flow flow, final long timeNs)
    {
        reassembler.flush(flow, Direction.TO_SERVER, timeNs);
        reassembler.flush(flow, Direction.TO_CLIENT, timeNs);
        for (int d = Direction.TO_SERVER; d >= Direction.TO_CLIENT; d--)
        {
            final boolean otherEnded = flow.streams[Direction.opposite(d)].eofSent;
            reassembler.endOfStream(flow, d, otherEnded ? TcpHandler.EOF_BOTH : TcpHandler.EOF_DIRECTION, timeNs);
        }
    }

    private void terminate(final Flow flow, final EndReason reason)
    {
        final long timeNs = clockNs == NO_TIME ? flow.lastNs : Math.max(clockNs, flow.lastNs);
        if (!flow.dropped)
        {
            closeStreams(flow, timeNs);
        }
        else
        {
            reassembler.release(flow.streams[0]);
            reassembler.release(flow.streams[1]);
        }
        flow.record.end(reason);
        for (int d = 0; d < 2; d++)
        {
            // As Zeek sizes an endpoint: one never seen has no size, whatever its peer acknowledged of it (that
            // view stays in the acked missing bytes).
            flow.record.seqBytes(d, flow.zeek.state(d) == ZeekConnection.INACTIVE ? 0 : flow.streams[d].seqBytes());
        }
        flow.record.connState(flow.zeek.connState(flow.record));
        counters.increment(EngineCounter.FLOWS_ENDED);
        if (reason == EndReason.IDLE_TIMEOUT && flow.record.endReason() == EndReason.IDLE_TIMEOUT)
        {
            counters.increment(EngineCounter.FLOWS_TIMED_OUT);
        }
        else if (reason == EndReason.EVICTED)
        {
            counters.increment(EngineCounter.FLOWS_EVICTED);
        }
        if (flow.resetRequested)
        {
            counters.increment(EngineCounter.RESET_REQUESTED);
            if (!flow.resetHandled)
            {
                counters.increment(EngineCounter.RESET_NOT_SENT);
            }
        }
        else if (flow.dropped)
        {
            counters.increment(EngineCounter.FLOWS_DROPPED);
        }
        for (int h = 0; h < handlers.length; h++)
        {
            handlers[h].onTerminate(flow, flow.record);
        }
        badChecksums.ended(table, flow.slot);
        activity.unlink(flow.slot);
        table.remove(flow.slot);
    }

    private Flow create(final PacketDecoder decoder, final long timeNs, final boolean syn, final boolean ack)
    {
        int slot = table.insert(key, segmentHash);
        if (slot == FlowTable.FULL)
        {
            if (context.flowLimitPolicy() == FlowLimitPolicy.IGNORE_NEW)
            {
                return null;
            }
            final Flow victim = oldest();
            if (victim == null)
            {
                return null;
            }
            terminate(victim, EndReason.EVICTED);
            slot = table.insert(key, segmentHash);
        }
        Flow flow = flows[slot];
        if (flow == null)
        {
            flow = new Flow(slot, handlers, context.dataSlots());
            flows[slot] = flow;
        }
        badChecksums.created(slot);
        final boolean midstream = !syn;
        flow.reset(nextFlowId++, timeNs, midstream);

        final boolean senderIsClient;
        if (syn)
        {
            senderIsClient = !ack;
        }
        else
        {
            // Midstream: a well-known source port talking to an ephemeral one is a server answering.
            final int srcPort = decoder.tcp().srcPort();
            final int dstPort = decoder.tcp().dstPort();
            senderIsClient = !(srcPort < 1024 && dstPort >= 1024);
        }
        if (!senderIsClient)
        {
            // Zeek takes the first packet's sender for the originator and writes ^ when it decides otherwise.
            flow.record.flipped();
        }
        final boolean sourceIsA = key.sourceIsA();
        flow.clientIsA = senderIsClient == sourceIsA;
        flow.version = key.version();
        final long aHigh = key.word(0);
        final long aLow = key.word(1);
        final long bHigh = key.word(2);
        final long bLow = key.word(3);
        flow.clientHigh = flow.clientIsA ? aHigh : bHigh;
        flow.clientLow = flow.clientIsA ? aLow : bLow;
        flow.serverHigh = flow.clientIsA ? bHigh : aHigh;
        flow.serverLow = flow.clientIsA ? bLow : aLow;
        flow.clientPort = flow.clientIsA ? key.portA() : key.portB();
        flow.serverPort = flow.clientIsA ? key.portB() : key.portA();
        flow.vlan = (int)(key.word(4) >>> 8) & 0x1FFF;
        flow.firstVlan = decoder.outerVlanId();
        flow.tunnelType = decoder.tunnelType();
        flow.tunnelId = decoder.tunnelId();

        boolean yes = false;
        boolean no = false;
        for (int h = 0; h < handlers.length; h++)
        {
            final int vote = handlers[h].filter(flow);
            yes |= vote == TcpHandler.VOTE_YES;
            no |= vote == TcpHandler.VOTE_NO;
        }
        final boolean reassemble = yes || !no;
        final HostPolicies policies = context.hostPolicies();
        flow.streams[Direction.TO_SERVER].reset(
            policies.policyFor(flow.version, flow.serverHigh, flow.serverLow), reassemble);
        flow.streams[Direction.TO_CLIENT].reset(
            policies.policyFor(flow.version, flow.clientHigh, flow.clientLow), reassemble);

        counters.increment(EngineCounter.FLOWS_CREATED);
        activity.link(flow.slot, Flow.STATE_EMBRYONIC);
        for (int h = 0; h < handlers.length; h++)
        {
            handlers[h].onNewFlow(flow, timeNs);
        }
        if (midstream)
        {
            counters.increment(EngineCounter.FLOWS_MIDSTREAM);
            moveTo(flow, Flow.STATE_ESTABLISHED);
            for (int h = 0; h < handlers.length; h++)
            {
                handlers[h].onEstablished(flow, timeNs);
            }
        }
        return flow;
    }

    /**
     * A SYN on a known 4-tuple starts a new connection (Zeek's and Suricata's boundaries): when the old one has
     * closed (both FINs, or an acceptable RST); when its sequence number is not the old client's ISN (a retransmitted
     * SYN has the same one); when the old one was an attempt the server refused with a RST (a client that retries a
     * refused connect, even with the same ISN, makes a new attempt: {@link EngineContext#newConnectionAfterReject});
     * and when the old one was an unanswered attempt older than {@link EngineContext#attemptTimeoutNs}.
     */
    private boolean isNewConnection(final Flow flow, final int direction, final long seq, final long timeNs)
    {
        if (flow.state == Flow.STATE_CLOSED && !flow.rstProvisional)
        {
            return true;
        }
        if (direction == Direction.TO_SERVER)
        {
            if (flow.rstProvisional && flow.state == Flow.STATE_CLOSED && context.newConnectionAfterReject())
            {
                return true;
            }
            final long attemptTimeoutNs = context.attemptTimeoutNs();
            if (attemptTimeoutNs > 0 && flow.zeek.attemptOnly() && timeNs - flow.record.firstNs() >= attemptTimeoutNs)
            {
                return true;
            }
        }
        final Stream sender = flow.streams[direction];
        if (direction == Direction.TO_SERVER)
        {
            return sender.synSeen && seq != sender.isn && flow.state != Flow.STATE_EMBRYONIC;
        }
        // A bare SYN from the server side is a simultaneous open or a split handshake while the flow is young.
        return flow.state != Flow.STATE_EMBRYONIC && sender.synSeen && seq != sender.isn;
    }

    private int direction(final Flow flow)
    {
        return key.sourceIsA() == flow.clientIsA ? Direction.TO_SERVER : Direction.TO_CLIENT;
    }

    private void advanceClock(final long timeNs)
    {
        if (clockNs == NO_TIME || timeNs > clockNs)
        {
            clockNs = timeNs;
            expireIdle();
        }
    }

    private int expireIdle()
    {
        int ended = 0;
        for (int list = 0; list < LISTS; list++)
        {
            for (int tail = activity.tail(list); tail != ActivityLists.NONE; tail = activity.tail(list))
            {
                final Flow flow = flows[tail];
                if (clockNs - flow.lastNs < timeoutsNs[list])
                {
                    break;
                }
                terminate(flow, EndReason.IDLE_TIMEOUT);
                ended++;
            }
        }
        return ended;
    }

    private Flow oldest()
    {
        if (activity.tail(Flow.STATE_CLOSED) != ActivityLists.NONE)
        {
            return flows[activity.tail(Flow.STATE_CLOSED)];
        }
        if (activity.tail(Flow.STATE_EMBRYONIC) != ActivityLists.NONE)
        {
            return flows[activity.tail(Flow.STATE_EMBRYONIC)];
        }
        Flow oldest = null;
        for (int list = 0; list < LISTS; list++)
        {
            final int tail = activity.tail(list);
            if (tail != ActivityLists.NONE && (oldest == null || flows[tail].lastNs < oldest.lastNs))
            {
                oldest = flows[tail];
            }
        }
        return oldest;
    }

    private void moveTo(final Flow flow, final int state)
    {
        if (flow.state != state || activity.listOf(flow.slot) != state)
        {
            flow.state = state;
            activity.moveTo(flow.slot, state);
        }
    }
}
