package io.flowtap.examples;

import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.HandlerContext;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.DirectBuffer;

import java.util.ArrayDeque;

/**
 * Trisul's {@code reassembly_handler}, ported to flowtap: the skeleton's five functions, counting the reassembled bytes
 * of each flow in each direction and printing them when the flow ends.
 * <ul>
 *     <li>{@code filter(engine, timestamp, flowkey)}: {@link #filter}. With {@code port=N} it votes yes for flows to
 *     server port N and no for the others, which are then not reassembled unless another handler votes yes (Trisul's
 *     rule: every script must vote no); without it, it abstains.</li>
 *     <li>{@code onnewflow}: {@link #onNewFlow} takes a pair of counters from a pool made up front and keeps them in
 *     this handler's own flow data slot ({@link HandlerContext#dataSlot()}).</li>
 *     <li>{@code onpayload(engine, timestamp, flowkey, direction, seekpos, buffer)}: {@link #onPayload}. Trisul's
 *     direction 1 (OUT) is client to server, {@link Direction#TO_SERVER}; 0 (IN) the other way. As Trisul advises,
 *     {@code seekpos} tells bytes offered again from new ones: only bytes past the furthest seen are counted.</li>
 *     <li>{@code onattribute}: {@link #onAttribute} counts the attributes found (run with {@code --attributes}).</li>
 *     <li>{@code onterminateflow}: {@link #onTerminate} prints one line and gives the counters back to the pool.</li>
 * </ul>
 * Output, one line per flow: {@code trisul CLIENT:PORT -> SERVER:PORT out BYTES in BYTES attributes N}.
 * <p>
 * Allocates nothing per packet: the counters come from the pool (which grows only if more flows are open at once than
 * it was made for) and are found through the flow, not a map. Printing at a flow's end allocates, once per flow.
 * <pre>
 *   flowtap read capture.pcap --handler-source examples/src/main/java/io/flowtap/examples/TrisulByteCounter.java
 *   flowtap capture -i eth0 --workers 2 --handler io.flowtap.examples.TrisulByteCounter --handler-option port=443
 * </pre>
 */
public final class TrisulByteCounter implements TcpHandler
{
    private final HandlerContext context;
    private final int slot;
    private final int port;
    private final ArrayDeque<Counters> pool = new ArrayDeque<>();

    /** What is counted for one flow. */
    private static final class Counters
    {
        final long[] bytes = new long[2];
        final long[] seen = new long[2];
        long attributes;

        Counters reset()
        {
            bytes[0] = 0;
            bytes[1] = 0;
            seen[0] = 0;
            seen[1] = 0;
            attributes = 0;
            return this;
        }
    }

    /**
     * @param context options {@code port} (vote yes for that server port, no for others) and {@code pool} (flows
     *                counted at once before the pool grows, default 1024).
     */
    public TrisulByteCounter(final HandlerContext context)
    {
        this.context = context;
        this.slot = context.dataSlot();
        this.port = context.intOption("port", -1);
        final int poolSize = context.intOption("pool", 1024);
        for (int i = 0; i < poolSize; i++)
        {
            pool.push(new Counters());
        }
    }

    @Override
    public int filter(final Flow flow)
    {
        if (port < 0)
        {
            return VOTE_ABSTAIN;
        }
        return flow.serverPort() == port ? VOTE_YES : VOTE_NO;
    }

    @Override
    public void onNewFlow(final Flow flow, final long timeNs)
    {
        counters(flow);
    }

    @Override
    public int onPayload(
        final Flow flow,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs,
        final int eof)
    {
        final Counters counters = counters(flow);
        final long end = seekpos + length;
        if (end > counters.seen[direction])
        {
            counters.bytes[direction] += end - Math.max(seekpos, counters.seen[direction]);
            counters.seen[direction] = end;
        }
        return length;
    }

    @Override
    public void onAttribute(
        final Flow flow,
        final int direction,
        final String name,
        final DirectBuffer value,
        final int offset,
        final int length,
        final long timeNs)
    {
        // Attributes of a flow's start can come before this handler's onNewFlow (an earlier handler found them).
        counters(flow).attributes++;
    }

    @Override
    public void onTerminate(final Flow flow, final FlowRecord record)
    {
        final Counters counters = (Counters)flow.data(slot);
        if (counters == null)
        {
            return;
        }
        flow.data(slot, null);
        context.out().println("trisul " + endpoint(flow, true) + " -> " + endpoint(flow, false) +
            " out " + counters.bytes[Direction.TO_SERVER] + " in " + counters.bytes[Direction.TO_CLIENT] +
            " attributes " + counters.attributes);
        pool.push(counters);
    }

    private Counters counters(final Flow flow)
    {
        Counters counters = (Counters)flow.data(slot);
        if (counters == null)
        {
            counters = pool.poll();
            counters = counters == null ? new Counters() : counters.reset();
            flow.data(slot, counters);
        }
        return counters;
    }

    private static String endpoint(final Flow flow, final boolean client)
    {
        final String host = (client ? flow.clientAddress() : flow.serverAddress()).getHostAddress();
        final int port = client ? flow.clientPort() : flow.serverPort();
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
