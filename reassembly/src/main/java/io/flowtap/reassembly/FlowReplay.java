package io.flowtap.reassembly;

import org.agrona.DirectBuffer;

/**
 * Delivers a record of what an engine reported (a journal) to handlers as the engine itself would: the same
 * {@link TcpHandler} callbacks, in the same order per flow, on {@link Flow} objects rebuilt from the record. A handler
 * written for live traffic runs on a journal unchanged; what it cannot get is what the journal does not hold (the
 * packets themselves: {@code onSyn} and {@code onPacket} are not called), and its verdicts ({@code drop},
 * {@code reset}, bytes left unconsumed) change nothing, since the traffic is past.
 * <p>
 * One thread. Allocates a flow object per flow started.
 */
public final class FlowReplay
{
    private final TcpHandler[] handlers;
    private final int dataSlots;

    /**
     * @param dataSlots per-flow data slots, as {@link EngineContext#dataSlots()}.
     * @param handlers  to deliver to, in order.
     */
    public FlowReplay(final int dataSlots, final TcpHandler... handlers)
    {
        this.handlers = handlers.clone();
        this.dataSlots = dataSlots;
    }

    /**
     * A flow started: a flow object with the record's key, and {@code onNewFlow}.
     *
     * @param id         the flow's id.
     * @param version    4 or 6.
     * @param clientHigh client address, high 64 bits.
     * @param clientLow  client address, low 64 bits.
     * @param serverHigh server address, high 64 bits.
     * @param serverLow  server address, low 64 bits.
     * @param clientPort client port.
     * @param serverPort server port.
     * @param vlan       VLAN, or {@link io.flowtap.reassembly.flow.FlowKey#NO_VLAN}.
     * @param midstream  picked up without its handshake.
     * @param timeNs     its first packet's time.
     * @return the flow, to pass to the later calls.
     */
    public Flow start(
        final long id,
        final int version,
        final long clientHigh,
        final long clientLow,
        final long serverHigh,
        final long serverLow,
        final int clientPort,
        final int serverPort,
        final int vlan,
        final boolean midstream,
        final long timeNs)
    {
        final Flow flow = new Flow(0, handlers, dataSlots);
        flow.reset(id, timeNs, midstream);
        flow.version = version;
        flow.clientIsA = true;
        flow.clientHigh = clientHigh;
        flow.clientLow = clientLow;
        flow.serverHigh = serverHigh;
        flow.serverLow = serverLow;
        flow.clientPort = clientPort;
        flow.serverPort = serverPort;
        flow.vlan = vlan;
        for (final TcpHandler handler : handlers)
        {
            handler.onNewFlow(flow, timeNs);
        }
        return flow;
    }

    /**
     * @param flow   started here.
     * @param timeNs when the handshake completed.
     */
    public void established(final Flow flow, final long timeNs)
    {
        flow.state = Flow.STATE_ESTABLISHED;
        for (final TcpHandler handler : handlers)
        {
            handler.onEstablished(flow, timeNs);
        }
    }

    /**
     * In-order stream bytes, offered to every handler.
     *
     * @param flow      started here.
     * @param direction of the bytes.
     * @param seekpos   stream offset of the first byte.
     * @param buffer    holding them.
     * @param offset    of the first byte.
     * @param length    of the bytes.
     * @param timeNs    delivery time.
     * @param eof       as {@link TcpHandler#onPayload} takes it.
     */
    public void payload(
        final Flow flow,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs,
        final int eof)
    {
        for (final TcpHandler handler : handlers)
        {
            handler.onPayload(flow, direction, seekpos, buffer, offset, length, timeNs, eof);
        }
    }

    /**
     * @param flow      started here.
     * @param direction of the stream.
     * @param seekpos   stream offset of the first missing byte.
     * @param length    bytes missing.
     * @param reason    why.
     * @param timeNs    when it was known.
     */
    public void gap(
        final Flow flow, final int direction, final long seekpos, final long length, final GapReason reason,
        final long timeNs)
    {
        for (final TcpHandler handler : handlers)
        {
            handler.onGap(flow, direction, seekpos, length, reason, timeNs);
        }
    }

    /**
     * @param flow       started here.
     * @param direction  of the stream.
     * @param heldStart  the held bytes' stream offset.
     * @param heldLength their length.
     * @param newStart   the new segment's stream offset.
     * @param newLength  its length.
     * @param newKept    whether the new bytes won.
     * @param timeNs     when.
     */
    public void overlapConflict(
        final Flow flow,
        final int direction,
        final long heldStart,
        final long heldLength,
        final long newStart,
        final long newLength,
        final boolean newKept,
        final long timeNs)
    {
        for (final TcpHandler handler : handlers)
        {
            handler.onOverlapConflict(flow, direction, heldStart, heldLength, newStart, newLength, newKept, timeNs);
        }
    }

    /**
     * @param flow      started here.
     * @param direction of the stream it was found in, or -1 for the flow.
     * @param name      of the attribute.
     * @param value     holding its value.
     * @param offset    of the value.
     * @param length    of the value.
     * @param timeNs    when it was found.
     */
    public void attribute(
        final Flow flow,
        final int direction,
        final String name,
        final DirectBuffer value,
        final int offset,
        final int length,
        final long timeNs)
    {
        flow.record.attribute();
        for (final TcpHandler handler : handlers)
        {
            handler.onAttribute(flow, direction, name, value, offset, length, timeNs);
        }
    }

    /**
     * The flow ended: its record as the engine reported it, and {@code onTerminate}.
     *
     * @param flow      started here.
     * @param counters  {@code [counter][direction]}: packets, payload, wire, delivered bytes, retransmissions, out
     *                  of order, overlaps, conflicting overlaps, gaps, gap bytes, then optionally acked missing bytes
     *                  and sequence-space bytes (0 when absent).
     * @param synFlags  of the first SYN each way, {@link FlowRecord#NO_SYN} for none.
     * @param fin       FIN seen each way.
     * @param rst       RST seen each way.
     * @param history   Zeek-style history.
     * @param connected whether the handshake completed.
     * @param firstNs   first packet time.
     * @param lastNs    last packet time.
     * @param reason    why it ended.
     * @param connState Zeek's {@code conn_state}, or null when the journal did not keep it.
     */
    public void end(
        final Flow flow,
        final long[][] counters,
        final int[] synFlags,
        final boolean[] fin,
        final boolean[] rst,
        final CharSequence history,
        final boolean connected,
        final long firstNs,
        final long lastNs,
        final EndReason reason,
        final ConnState connState)
    {
        flow.state = Flow.STATE_CLOSED;
        flow.record.restore(
            counters, synFlags, fin, rst, history, connected, flow.midstream, firstNs, lastNs, reason, connState);
        for (final TcpHandler handler : handlers)
        {
            handler.onTerminate(flow, flow.record);
        }
    }
}
