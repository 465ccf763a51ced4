package io.flowtap.tools.output;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TunnelType;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.tools.text.TextFormat;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Renders a flow's final record as a line of text or a JSON object, into a reused {@link StringBuilder}. The JSON
 * carries PATHspider's TCP field names ({@code tcp_synflags_fwd}, {@code tcp_connected} ...; forward is client to
 * server), Zeek's {@code history}, {@code conn_state}, {@code orig_bytes} and {@code resp_bytes} (client and server
 * bytes in sequence space), one object of counts per direction ({@code to_server}, {@code to_client}) and the flow's
 * events (gaps, conflicting overlaps) in the order they happened.
 * <p>
 * Not thread safe: one formatter per printing thread.
 */
public final class FlowRecordFormatter
{
    private final StringBuilder line = new StringBuilder(1024);
    private final UnsafeBuffer address = new UnsafeBuffer(new byte[16]);

    /**
     * A formatter with its buffers allocated once.
     */
    public FlowRecordFormatter()
    {
    }

    /**
     * @param flow      that ended.
     * @param record    its final record.
     * @param state     what the command kept of it.
     * @param withFiles whether to name each direction's stream file.
     * @return the JSON object, without a line break; valid until the next call.
     */
    public StringBuilder json(final Flow flow, final FlowRecord record, final FlowState state, final boolean withFiles)
    {
        line.setLength(0);
        line.append("{\"flow\":").append(flow.id())
            .append(",\"ip_version\":").append(flow.ipVersion())
            .append(",\"client\":\"");
        address(flow.ipVersion(), flow.clientAddressHigh(), flow.clientAddressLow());
        line.append("\",\"client_port\":").append(flow.clientPort()).append(",\"server\":\"");
        address(flow.ipVersion(), flow.serverAddressHigh(), flow.serverAddressLow());
        line.append("\",\"server_port\":").append(flow.serverPort()).append(",\"vlan\":");
        if (state.vlan == PacketDecoder.NO_VLAN)
        {
            line.append("null");
        }
        else
        {
            line.append(state.vlan);
        }
        if (flow.tunnelType() != TunnelType.NONE)
        {
            line.append(",\"tunnel\":\"").append(TunnelType.name(flow.tunnelType())).append("\",\"tunnel_id\":")
                .append(flow.tunnelId() & 0xFFFF_FFFFL);
        }
        line.append(",\"first\":\"");
        TextFormat.appendTimestamp(line, record.firstNs());
        line.append("\",\"last\":\"");
        TextFormat.appendTimestamp(line, record.lastNs());
        line.append("\",\"first_ns\":").append(record.firstNs())
            .append(",\"last_ns\":").append(record.lastNs())
            .append(",\"end_reason\":\"").append(record.endReason() == null ? "" : record.endReason().label())
            .append("\",\"conn_state\":");
        connState(record);
        line.append(",\"orig_bytes\":").append(record.seqBytes(Direction.TO_SERVER))
            .append(",\"resp_bytes\":").append(record.seqBytes(Direction.TO_CLIENT))
            .append(",\"midstream\":").append(record.midstream())
            .append(",\"tcp_connected\":").append(record.connected());
        synFlags("tcp_synflags_fwd", record.synFlags(Direction.TO_SERVER));
        synFlags("tcp_synflags_rev", record.synFlags(Direction.TO_CLIENT));
        line.append(",\"tcp_fin_fwd\":").append(record.fin(Direction.TO_SERVER))
            .append(",\"tcp_fin_rev\":").append(record.fin(Direction.TO_CLIENT))
            .append(",\"tcp_rst_fwd\":").append(record.rst(Direction.TO_SERVER))
            .append(",\"tcp_rst_rev\":").append(record.rst(Direction.TO_CLIENT));
        if (flow.handlerFailed())
        {
            line.append(",\"handler_failed\":true");
        }
        line.append(",\"history\":\"");
        final int historyStart = line.length();
        record.appendHistory(line);
        escapeFrom(historyStart);
        line.append('"');
        direction(record, state, Direction.TO_SERVER, withFiles);
        direction(record, state, Direction.TO_CLIENT, withFiles);
        line.append(",\"events\":[").append(state.events).append("],\"events_dropped\":")
            .append(state.eventsDropped).append('}');
        return line;
    }

    /**
     * @param flow   that ended.
     * @param record its final record.
     * @param state  what the command kept of it.
     * @return one line: id, first time, client and server, end reason, Zeek's conn_state and history, then packets,
     * stream bytes and gaps each way (client to server / server to client), the bytes missing from each side's own
     * data ({@code missing}) and those only acknowledgements show ({@code acked-missing}) when there are any; valid
     * until the next call.
     */
    public StringBuilder text(final Flow flow, final FlowRecord record, final FlowState state)
    {
        line.setLength(0);
        line.append(flow.id()).append(' ');
        TextFormat.appendTimestamp(line, record.firstNs()).append(' ');
        endpoint(flow.ipVersion(), flow.clientAddressHigh(), flow.clientAddressLow(), flow.clientPort());
        line.append(" -> ");
        endpoint(flow.ipVersion(), flow.serverAddressHigh(), flow.serverAddressLow(), flow.serverPort());
        if (state.vlan != PacketDecoder.NO_VLAN)
        {
            line.append(" vlan ").append(state.vlan);
        }
        if (flow.tunnelType() != TunnelType.NONE)
        {
            line.append(" tunnel ").append(TunnelType.name(flow.tunnelType())).append(' ')
                .append(flow.tunnelId() & 0xFFFF_FFFFL);
        }
        line.append(' ').append(record.endReason() == null ? "-" : record.endReason().label())
            .append(' ').append(record.connState() == null ? "-" : record.connState().label()).append(' ');
        if (record.historyLength() == 0)
        {
            line.append('-');
        }
        else
        {
            record.appendHistory(line);
        }
        line.append(" packets ").append(record.packets(Direction.TO_SERVER))
            .append('/').append(record.packets(Direction.TO_CLIENT))
            .append(" bytes ").append(record.deliveredBytes(Direction.TO_SERVER))
            .append('/').append(record.deliveredBytes(Direction.TO_CLIENT))
            .append(" gaps ").append(record.gaps(Direction.TO_SERVER))
            .append('/').append(record.gaps(Direction.TO_CLIENT));
        if (record.gapBytes(Direction.TO_SERVER) + record.gapBytes(Direction.TO_CLIENT) > 0)
        {
            line.append(" missing ").append(record.gapBytes(Direction.TO_SERVER))
                .append('/').append(record.gapBytes(Direction.TO_CLIENT));
        }
        if (record.ackedMissingBytes(Direction.TO_SERVER) + record.ackedMissingBytes(Direction.TO_CLIENT) > 0)
        {
            line.append(" acked-missing ").append(record.ackedMissingBytes(Direction.TO_SERVER))
                .append('/').append(record.ackedMissingBytes(Direction.TO_CLIENT));
        }
        if (flow.handlerFailed())
        {
            line.append(" handler-failed");
        }
        line.append(state.attributes);
        return line;
    }

    private void direction(final FlowRecord record, final FlowState state, final int d, final boolean withFiles)
    {
        line.append(",\"").append(Direction.name(d)).append("\":{");
        if (withFiles)
        {
            line.append("\"file\":");
            if (state.files[d] == null)
            {
                line.append("null,");
            }
            else
            {
                line.append('"');
                TextFormat.appendJsonEscaped(line, state.files[d].name).append("\",");
            }
        }
        line.append("\"packets\":").append(record.packets(d))
            .append(",\"payload_bytes\":").append(record.payloadBytes(d))
            .append(",\"wire_bytes\":").append(record.wireBytes(d))
            .append(",\"delivered_bytes\":").append(record.deliveredBytes(d))
            .append(",\"retransmissions\":").append(record.retransmissions(d))
            .append(",\"out_of_order\":").append(record.outOfOrder(d))
            .append(",\"overlaps\":").append(record.overlaps(d))
            .append(",\"conflicting_overlaps\":").append(record.conflictingOverlaps(d))
            .append(",\"gaps\":").append(record.gaps(d))
            .append(",\"gap_bytes\":").append(record.gapBytes(d))
            .append(",\"acked_missing_bytes\":").append(record.ackedMissingBytes(d))
            .append('}');
    }

    private void connState(final FlowRecord record)
    {
        if (record.connState() == null)
        {
            line.append("null");
        }
        else
        {
            line.append('"').append(record.connState().label()).append('"');
        }
    }

    private void synFlags(final String name, final int flags)
    {
        line.append(",\"").append(name).append("\":");
        if (flags == FlowRecord.NO_SYN)
        {
            line.append("null");
        }
        else
        {
            line.append(flags);
        }
    }

    private void escapeFrom(final int start)
    {
        for (int i = start; i < line.length(); i++)
        {
            final char c = line.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20)
            {
                final String raw = line.substring(start);
                line.setLength(start);
                TextFormat.appendJsonEscaped(line, raw);
                return;
            }
        }
    }

    private void address(final int version, final long high, final long low)
    {
        if (version == 4)
        {
            address.putInt(0, (int)low, ByteOrder.BIG_ENDIAN);
            TextFormat.appendAddress(line, address, 0, 4);
        }
        else
        {
            address.putLong(0, high, ByteOrder.BIG_ENDIAN);
            address.putLong(8, low, ByteOrder.BIG_ENDIAN);
            TextFormat.appendAddress(line, address, 0, 16);
        }
    }

    private void endpoint(final int version, final long high, final long low, final int port)
    {
        if (version == 6)
        {
            line.append('[');
            address(version, high, low);
            line.append(']');
        }
        else
        {
            address(version, high, low);
        }
        line.append(':').append(port);
    }
}
