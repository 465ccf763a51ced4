package io.flowtap.reassembly;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.reassembly.checksum.BadChecksums;
import io.flowtap.reassembly.flow.FlowKey;
import io.flowtap.reassembly.flow.FlowTable;
import io.flowtap.reassembly.history.ZeekConnection;
import io.flowtap.reassembly.timeout.IdleTimeouts;

/**
 * Connection tracking: which flow a segment belongs to, and each flow's life from its first segment to its end. It
 * owns the flow table and the flow objects (made once per table slot, on first use, and reused), makes a flow for a
 * segment that starts one (telling client from server, asking the handlers whether to reassemble it, evicting one
 * when the table is full), tells a SYN that starts a new connection on a known 4-tuple from a retransmission, and
 * ends flows: delivers what they hold, gives the handlers the final record, and frees the slot.
 * <p>
 * The segment being handled is the one in the engine's {@link FlowKey}, which this class reads but does not fill.
 * <p>
 * Not thread safe: owned by its engine.
 */
final class ConnectionTracker
{
    private final EngineContext context;
    private final TcpHandler[] handlers;
    private final EngineCounters counters;
    private final FlowKey key;
    private final FlowTable table;
    private final Flow[] flows;
    private final IdleTimeouts timeouts;
    private final StreamReassembler reassembler;
    private final BadChecksums badChecksums;
    private long nextFlowId = 1;

    ConnectionTracker(
        final EngineContext context,
        final TcpHandler[] handlers,
        final EngineCounters counters,
        final FlowKey key,
        final IdleTimeouts timeouts,
        final StreamReassembler reassembler,
        final BadChecksums badChecksums)
    {
        this.context = context;
        this.handlers = handlers;
        this.counters = counters;
        this.key = key;
        this.table = new FlowTable(context.maxFlows());
        this.flows = new Flow[context.maxFlows()];
        this.timeouts = timeouts;
        this.reassembler = reassembler;
        this.badChecksums = badChecksums;
    }

    /**
     * @return flows tracked now.
     */
    int activeFlows()
    {
        return table.size();
    }

    /**
     * @param hash the key's table hash.
     * @return the slot of the key's flow, or a negative value.
     */
    int find(final int hash)
    {
        return table.find(key, hash);
    }

    /**
     * @param slot a slot from {@link #find}, or a negative value.
     * @return its flow, or null.
     */
    Flow flowAt(final int slot)
    {
        return slot >= 0 ? flows[slot] : null;
    }

    /**
     * @return the direction of the key's segment in its flow.
     */
    int direction(final Flow flow)
    {
        return key.sourceIsA() == flow.clientIsA ? Direction.TO_SERVER : Direction.TO_CLIENT;
    }

    /**
     * A flow changes state, and with it its idle timeout.
     */
    void moveTo(final Flow flow, final int state)
    {
        if (flow.state != state || timeouts.stateOf(flow.slot) != state)
        {
            flow.state = state;
            timeouts.moveTo(flow.slot, state);
        }
    }

    /**
     * End every flow idle for longer than its state's timeout at the clock.
     *
     * @return flows ended.
     */
    int expireIdle()
    {
        int ended = 0;
        for (int slot = timeouts.expired(); slot != IdleTimeouts.NONE; slot = timeouts.expired())
        {
            terminate(flows[slot], EndReason.IDLE_TIMEOUT);
            ended++;
        }
        return ended;
    }

    /**
     * End every flow, reason {@link EndReason#SHUTDOWN} unless it had already closed.
     */
    void shutdown()
    {
        for (int slot = timeouts.anyTracked(); slot != IdleTimeouts.NONE; slot = timeouts.anyTracked())
        {
            terminate(flows[slot], EndReason.SHUTDOWN);
        }
    }

    /**
     * Make a flow for the key's segment, evicting one if the table is full and the policy says so.
     *
     * @return the flow, or null when there is no room for it.
     */
    Flow create(final PacketDecoder decoder, final long timeNs, final boolean syn, final boolean ack, final int hash)
    {
        int slot = table.insert(key, hash);
        if (slot == FlowTable.FULL)
        {
            if (context.flowLimitPolicy() == FlowLimitPolicy.IGNORE_NEW)
            {
                return null;
            }
            final int victim = timeouts.oldest(Flow.STATE_CLOSED, Flow.STATE_EMBRYONIC);
            if (victim == IdleTimeouts.NONE)
            {
                return null;
            }
            terminate(flows[victim], EndReason.EVICTED);
            slot = table.insert(key, hash);
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
        orient(flow, decoder, syn, ack);

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
        timeouts.start(flow.slot, Flow.STATE_EMBRYONIC, timeNs);
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
     * Which end is the client: the sender of a SYN, the receiver of a SYN-ACK; midstream, the end with the ephemeral
     * port. The flow takes its addresses, ports, VLAN and tunnel from the key's segment in that orientation.
     */
    private void orient(final Flow flow, final PacketDecoder decoder, final boolean syn, final boolean ack)
    {
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
    }

    /**
     * End a flow: deliver what it holds (unless dropped), close its record, give each handler the final record, and
     * free its slot.
     */
    void terminate(final Flow flow, final EndReason reason)
    {
        final long timeNs = timeouts.endTimeNs(flow.slot);
        if (!flow.dropped)
        {
            reassembler.closeStreams(flow, timeNs);
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
        timeouts.remove(flow.slot);
        table.remove(flow.slot);
    }

    /**
     * A SYN on a known 4-tuple starts a new connection (Zeek's and Suricata's boundaries): when the old one has
     * closed (both FINs, or an acceptable RST); when its sequence number is not the old client's ISN (a retransmitted
     * SYN has the same one); when the old one was an attempt the server refused with a RST (a client that retries a
     * refused connect, even with the same ISN, makes a new attempt: {@link EngineContext#newConnectionAfterReject});
     * and when the old one was an unanswered attempt older than {@link EngineContext#attemptTimeoutNs}.
     */
    boolean isNewConnection(final Flow flow, final int direction, final long seq, final long timeNs)
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
}
