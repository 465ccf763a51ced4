package io.flowtap.reassembly;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Delivers a record of what an engine reported (a journal) to handlers as the engine itself would: the same
 * {@link TcpHandler} callbacks, in the same order per flow, on {@link Flow} objects rebuilt from the record. A handler
 * written for live traffic runs on a journal unchanged; what it cannot get is what the journal does not hold (the
 * packets themselves: {@code onSyn}, {@code onPacket} and the {@code filter} vote are not called), and its verdicts
 * ({@code drop}, {@code reset}) change nothing, since the traffic is past.
 * <p>
 * Bytes a handler leaves unconsumed are kept for it and offered again, in front of the next bytes of that direction,
 * as the engine does (Net::Inspect's {@code in()} returning what it processed); so a handler that parses lines or
 * records across segments sees the same stream from a journal as live. As in the engine, held bytes are given up
 * at a gap, and the call with {@code eof} is the last.
 * <p>
 * One thread. Allocates a flow object per flow started, and a buffer per handler and direction that leaves bytes.
 */
public final class FlowReplay
{
    private final TcpHandler[] handlers;
    private final int dataSlots;
    private final Map<Flow, Held[]> held = new IdentityHashMap<>();

    /** Bytes one handler left unconsumed in one direction. */
    private static final class Held
    {
        final ExpandableArrayBuffer bytes = new ExpandableArrayBuffer(1024);
        long start;
        int length;

        void keep(final long seekpos, final DirectBuffer buffer, final int offset, final int count)
        {
            start = seekpos;
            length = count;
            bytes.putBytes(0, buffer, offset, count);
        }

        void append(final DirectBuffer buffer, final int offset, final int count)
        {
            bytes.putBytes(length, buffer, offset, count);
            length += count;
        }

        void consume(final int count)
        {
            if (count > 0)
            {
                final byte[] array = bytes.byteArray();
                System.arraycopy(array, count, array, 0, length - count);
                start += count;
                length -= count;
            }
        }
    }

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
        for (int h = 0; h < handlers.length; h++)
        {
            final Held kept = held(flow, h, direction, false);
            if (kept != null && kept.length > 0 && kept.start + kept.length == seekpos)
            {
                kept.append(buffer, offset, length);
                final int consumed = clamp(handlers[h].onPayload(
                    flow, direction, kept.start, kept.bytes, 0, kept.length, timeNs, eof), kept.length);
                kept.consume(eof == TcpHandler.EOF_NONE ? consumed : kept.length);
                continue;
            }
            if (kept != null)
            {
                // Not contiguous with what was held: the engine would not have offered those bytes again either.
                kept.length = 0;
            }
            final int consumed = clamp(
                handlers[h].onPayload(flow, direction, seekpos, buffer, offset, length, timeNs, eof), length);
            if (consumed < length && eof == TcpHandler.EOF_NONE)
            {
                held(flow, h, direction, true).keep(seekpos + consumed, buffer, offset + consumed, length - consumed);
            }
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
        for (int h = 0; h < handlers.length; h++)
        {
            final Held kept = held(flow, h, direction, false);
            if (kept != null)
            {
                // As in the engine: bytes left unconsumed before a gap cannot be continued by what follows it.
                kept.length = 0;
            }
            handlers[h].onGap(flow, direction, seekpos, length, reason, timeNs);
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
        held.remove(flow);
        for (final TcpHandler handler : handlers)
        {
            handler.onTerminate(flow, flow.record);
        }
    }

    private Held held(final Flow flow, final int handler, final int direction, final boolean make)
    {
        Held[] flowHeld = held.get(flow);
        if (flowHeld == null)
        {
            if (!make)
            {
                return null;
            }
            flowHeld = new Held[2 * handlers.length];
            held.put(flow, flowHeld);
        }
        final int index = 2 * handler + direction;
        if (flowHeld[index] == null && make)
        {
            flowHeld[index] = new Held();
        }
        return flowHeld[index];
    }

    private static int clamp(final int consumed, final int length)
    {
        return consumed < 0 ? 0 : Math.min(consumed, length);
    }
}
