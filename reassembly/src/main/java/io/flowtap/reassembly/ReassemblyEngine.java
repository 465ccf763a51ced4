package io.flowtap.reassembly;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.reassembly.checksum.BadChecksumHold;
import io.flowtap.reassembly.checksum.BadChecksums;
import io.flowtap.reassembly.flow.FlowKey;
import io.flowtap.reassembly.history.ZeekConnection;
import io.flowtap.reassembly.response.ActiveResponder;
import io.flowtap.reassembly.store.PageStore;
import io.flowtap.reassembly.store.SegmentPool;
import io.flowtap.reassembly.timeout.IdleTimeouts;

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
 * <p>
 * The engine is a front over parts with one job each, which it calls in turn for each segment: the checksum policy
 * ({@link BadChecksums}: drop, keep, or hold a bad segment until its receiver acknowledges it), connection tracking
 * ({@link ConnectionTracker}: the flow table, flow creation and orientation, ends), the handlers' per-packet votes,
 * the Zeek history ({@link ZeekConnection}), the TCP state machine ({@link TcpStateMachine}), which hands payload to
 * the {@link StreamReassembler}, and active response ({@link ActiveResponder}). Idle timeouts and the engine's clock
 * are {@link IdleTimeouts}'. Each part is a final class in a final field, so the per-segment path stays monomorphic.
 */
public final class ReassemblyEngine
{
    private final EngineContext context;
    private final TcpHandler[] handlers;
    private final EngineCounters counters;
    private final FlowKey key = new FlowKey();
    private final PageStore pages;
    private final StreamReassembler reassembler;
    private final IdleTimeouts timeouts;
    private final ConnectionTracker tracker;
    private final TcpStateMachine stateMachine;
    private final ActiveResponder responder;
    private final BadChecksums badChecksums;
    private final BadChecksumHold.Release releaseHeld = this::releaseHeld;
    private boolean refeeding;
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
        this.pages = new PageStore(context.pageSize(), (int)(context.engineMemcapBytes() / context.pageSize()));
        this.reassembler = new StreamReassembler(
            pages, new SegmentPool(context.maxSegments()), this.handlers, counters, context);
        this.badChecksums = new BadChecksums(context, counters);
        // One list per state, indexed by the Flow.STATE_ constants.
        this.timeouts = new IdleTimeouts(context.maxFlows(), context.embryonicTimeoutNs(),
            context.establishedTimeoutNs(), context.closingTimeoutNs(), context.closedTimeoutNs());
        this.tracker = new ConnectionTracker(
            context, this.handlers, counters, key, timeouts, reassembler, badChecksums);
        this.stateMachine = new TcpStateMachine(this.handlers, counters, tracker, reassembler);
        this.responder = new ActiveResponder(context, counters);
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
        return tracker.activeFlows();
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
        if (!responder.canAnswer(decoder))
        {
            return;
        }
        final int direction = tracker.direction(flow);
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
        responder.resetBothEnds(decoder, senderNext, receiverNext);
    }

    private Flow track(final PacketDecoder decoder, final long timeNs, final int wireLength)
    {
        if (timeouts.advance(timeNs))
        {
            tracker.expireIdle();
        }
        final TcpFlyweight tcp = decoder.tcp();
        final int flags = tcp.flags();
        final boolean syn = (flags & TcpFlyweight.SYN) != 0;
        final boolean ack = (flags & TcpFlyweight.ACK) != 0;
        final boolean rst = (flags & TcpFlyweight.RST) != 0;

        int slot = tracker.find(segmentHash);
        if (!refeeding && badChecksums.releaseAcknowledged(decoder, key, segmentHash, slot, releaseHeld))
        {
            // Held segments this one acknowledges went first, as they were captured first; back to this one.
            final int hash = segmentHash;
            key.wrap(decoder, context.vlanInKey(), context.tunnelInKey());
            segmentHash = hash;
            slot = tracker.find(segmentHash);
        }
        Flow flow = tracker.flowAt(slot);

        final int checksumStatus = decoder.checksumStatus();
        if (checksumStatus == TcpFlyweight.CHECKSUM_BAD && !refeeding &&
            !badChecksums.accept(decoder, key, segmentHash, timeNs, wireLength))
        {
            if (flow != null)
            {
                flow.zeek.checksumError(flow.record.history, tracker.direction(flow));
            }
            return null;
        }

        if (flow != null && syn && !ack &&
            tracker.isNewConnection(flow, tracker.direction(flow), tcp.seq(), timeNs))
        {
            counters.increment(EngineCounter.PORT_REUSE);
            tracker.terminate(flow, EndReason.PORT_REUSE);
            flow = null;
        }
        if (flow == null)
        {
            if (rst || (!syn && !context.midstream()))
            {
                counters.increment(EngineCounter.NO_FLOW);
                return null;
            }
            flow = tracker.create(decoder, timeNs, syn, ack, segmentHash);
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

        final int direction = tracker.direction(flow);
        badChecksums.used(flow.slot, key.sourceIsA(), checksumStatus);
        timeouts.touch(flow.slot, timeNs);
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
        flow.zeek.packet(
            flow.record.history, direction, flags, tcp.seq(), tcp.ackSeq(), tcp.payloadLength(), tcp.windowSize());
        stateMachine.onSegment(flow, direction, decoder, tcp, flags, timeNs);
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
        timeouts.advance(nowNs);
        return tracker.expireIdle();
    }

    /**
     * End every flow (reason {@link EndReason#SHUTDOWN}, unless it had already closed): deliver what is held, report
     * the holes as gaps, give each handler its last payload call and the final record.
     */
    public void shutdown()
    {
        tracker.shutdown();
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
        final int slot = tracker.find(segmentHash);
        final Flow flow = tracker.flowAt(slot);
        if (flow != null && isSuperseded(flow, tracker.direction(flow), held.tcp()))
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
}
