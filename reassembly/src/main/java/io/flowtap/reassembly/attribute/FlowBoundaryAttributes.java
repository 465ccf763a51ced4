package io.flowtap.reassembly.attribute;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reports Trisul's two flow attributes that are not found in a stream: {@link AttributeNames#FLOW_START} when a
 * flow starts and {@link AttributeNames#FLOW_END} when it ends, each with an empty value, in the client-to-server
 * direction. Allocates nothing.
 * <p>
 * The start is reported on the flow's first packet rather than in {@link TcpHandler#onNewFlow}, so that every handler
 * has heard of the flow (a journal has written its start) before it hears of the attribute, wherever this handler
 * stands in the list. The end is reported from {@link TcpHandler#onTerminate}: register this handler first, so that
 * every other handler hears of it before its own {@code onTerminate}.
 */
public final class FlowBoundaryAttributes implements TcpHandler
{
    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);

    @Override
    public boolean onPacket(final Flow flow, final int direction, final PacketDecoder segment, final long timeNs)
    {
        final FlowRecord record = flow.record();
        if (record.packets(Direction.TO_SERVER) + record.packets(Direction.TO_CLIENT) == 1)
        {
            flow.attribute(Direction.TO_SERVER, AttributeNames.FLOW_START, EMPTY, 0, 0, timeNs);
        }
        return true;
    }

    @Override
    public void onTerminate(final Flow flow, final FlowRecord record)
    {
        flow.attribute(Direction.TO_SERVER, AttributeNames.FLOW_END, EMPTY, 0, 0, record.lastNs());
    }
}
