package io.flowtap.examples;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.capture.codec.TcpOptionIterator;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.HandlerContext;
import io.flowtap.reassembly.TcpHandler;

import java.util.ArrayDeque;

/**
 * PATHspider's {@code TCPChain}, ported to flowtap: a flow analysis chain that fills a flow record from every TCP
 * segment and emits the record when the flow is done.
 * <ul>
 *     <li>{@code new_flow(rec, ip)}: {@link #onNewFlow}. Every field starts false, except {@code tcp_synflags_*},
 *     which start as none (JSON {@code null}).</li>
 *     <li>{@code tcp(rec, tcp, rev)}: {@link #onPacket}, for every segment ({@code rev} is
 *     {@link Direction#TO_CLIENT}; forward is the client's direction). The first SYN each way sets its
 *     {@code tcp_synflags}; any FIN or RST sets {@code tcp_fin_*} / {@code tcp_rst_*}; a forward ACK after a SYN
 *     forward and a SYN-ACK back sets {@code tcp_connected}. The flow is complete (the chain would return False) on a
 *     FIN in one direction after one in the other, or on any RST.</li>
 *     <li>{@code tcp_options(tcp)}: the options of the first SYN each way, parsed in place with
 *     {@link TcpOptionIterator}, as the list of option kinds in order ({@code TO_MSS} 2, {@code TO_SACKOK} 4,
 *     {@code TO_TS} 8, {@code TO_NOP} 1, {@code TO_WS} 3 ...).</li>
 * </ul>
 * Output, one JSON record per flow when it ends: endpoints, the seven TCPChain fields, {@code tcp_options_fwd/rev} and
 * {@code complete}. The engine keeps the same TCPChain fields in every {@link FlowRecord} ({@code flowtap flows
 * --json} prints them); this chain computes them itself, from the packets, as PATHspider does.
 * <p>
 * Allocates nothing per packet: records come from a pool made up front and live in this handler's data slot.
 * <pre>
 *   flowtap flows capture.pcap --no-summary --handler-source PathspiderTcpChain.java
 * </pre>
 */
public final class PathspiderTcpChain implements TcpHandler
{
    private static final int MAX_OPTIONS = 20;

    private final HandlerContext context;
    private final int slot;
    private final ArrayDeque<Record> pool = new ArrayDeque<>();
    private final TcpOptionIterator options = new TcpOptionIterator();

    /** One flow's record. */
    private static final class Record
    {
        final int[] synFlags = new int[2];
        final boolean[] fin = new boolean[2];
        final boolean[] rst = new boolean[2];
        final int[][] options = new int[2][MAX_OPTIONS];
        final int[] optionCount = new int[2];
        boolean connected;
        boolean complete;

        Record reset()
        {
            for (int d = 0; d < 2; d++)
            {
                synFlags[d] = -1;
                fin[d] = false;
                rst[d] = false;
                optionCount[d] = 0;
            }
            connected = false;
            complete = false;
            return this;
        }
    }

    /**
     * @param context option {@code pool}: flows recorded at once before the pool grows (default 1024).
     */
    public PathspiderTcpChain(final HandlerContext context)
    {
        this.context = context;
        this.slot = context.dataSlot();
        final int poolSize = context.intOption("pool", 1024);
        for (int i = 0; i < poolSize; i++)
        {
            pool.push(new Record());
        }
    }

    @Override
    public void onNewFlow(final Flow flow, final long timeNs)
    {
        final Record record = pool.poll();
        flow.data(slot, record == null ? new Record().reset() : record.reset());
    }

    @Override
    public boolean onPacket(final Flow flow, final int direction, final PacketDecoder segment, final long timeNs)
    {
        final Record record = (Record)flow.data(slot);
        if (record == null)
        {
            return true;
        }
        final TcpFlyweight tcp = segment.tcp();
        final int flags = tcp.flags();
        final int forward = Direction.TO_SERVER;
        final int reverse = Direction.TO_CLIENT;
        if ((flags & TcpFlyweight.SYN) != 0 && record.synFlags[direction] < 0)
        {
            record.synFlags[direction] = flags;
            options.wrap(tcp);
            while (options.next() && record.optionCount[direction] < MAX_OPTIONS)
            {
                record.options[direction][record.optionCount[direction]++] = options.kind();
            }
        }
        final int synAck = TcpFlyweight.SYN | TcpFlyweight.ACK;
        if (direction == forward && (flags & synAck) == TcpFlyweight.ACK && record.synFlags[forward] >= 0 &&
            record.synFlags[reverse] >= 0 && (record.synFlags[reverse] & synAck) == synAck)
        {
            record.connected = true;
        }
        if ((flags & TcpFlyweight.FIN) != 0)
        {
            record.fin[direction] = true;
            record.complete |= record.fin[Direction.opposite(direction)];
        }
        if ((flags & TcpFlyweight.RST) != 0)
        {
            record.rst[direction] = true;
            record.complete = true;
        }
        return true;
    }

    @Override
    public void onTerminate(final Flow flow, final FlowRecord flowRecord)
    {
        final Record record = (Record)flow.data(slot);
        if (record == null)
        {
            return;
        }
        flow.data(slot, null);
        final StringBuilder json = new StringBuilder(256);
        json.append("{\"client\":\"").append(flow.clientAddress().getHostAddress())
            .append("\",\"client_port\":").append(flow.clientPort())
            .append(",\"server\":\"").append(flow.serverAddress().getHostAddress())
            .append("\",\"server_port\":").append(flow.serverPort());
        synFlags(json, "tcp_synflags_fwd", record.synFlags[Direction.TO_SERVER]);
        synFlags(json, "tcp_synflags_rev", record.synFlags[Direction.TO_CLIENT]);
        json.append(",\"tcp_fin_fwd\":").append(record.fin[Direction.TO_SERVER])
            .append(",\"tcp_fin_rev\":").append(record.fin[Direction.TO_CLIENT])
            .append(",\"tcp_rst_fwd\":").append(record.rst[Direction.TO_SERVER])
            .append(",\"tcp_rst_rev\":").append(record.rst[Direction.TO_CLIENT])
            .append(",\"tcp_connected\":").append(record.connected);
        options(json, "tcp_options_fwd", record, Direction.TO_SERVER);
        options(json, "tcp_options_rev", record, Direction.TO_CLIENT);
        json.append(",\"complete\":").append(record.complete).append('}');
        context.out().println(json);
        pool.push(record);
    }

    private static void synFlags(final StringBuilder json, final String name, final int flags)
    {
        json.append(",\"").append(name).append("\":");
        if (flags < 0)
        {
            json.append("null");
        }
        else
        {
            json.append(flags);
        }
    }

    private static void options(final StringBuilder json, final String name, final Record record, final int d)
    {
        json.append(",\"").append(name).append("\":[");
        for (int i = 0; i < record.optionCount[d]; i++)
        {
            json.append(i == 0 ? "" : ",").append(record.options[d][i]);
        }
        json.append(']');
    }
}
