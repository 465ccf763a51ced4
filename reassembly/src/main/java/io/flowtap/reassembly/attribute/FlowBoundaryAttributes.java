package io.flowtap.reassembly.attribute;

import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reports Trisul's two flow attributes that are not found in a stream: {@link AttributeNames#FLOW_START} when a
 * flow starts and {@link AttributeNames#FLOW_END} when it ends, each with an empty value, in the client-to-server
 * direction. Register it first, so that every other handler hears of a flow's end before its own
 * {@link TcpHandler#onTerminate}. Allocates nothing.
 */
public final class FlowBoundaryAttributes implements TcpHandler
{
    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);

    @Override
    public void onNewFlow(final Flow flow, final long timeNs)
    {
        flow.attribute(Direction.TO_SERVER, AttributeNames.FLOW_START, EMPTY, 0, 0, timeNs);
    }

    @Override
    public void onTerminate(final Flow flow, final FlowRecord record)
    {
        flow.attribute(Direction.TO_SERVER, AttributeNames.FLOW_END, EMPTY, 0, 0, record.lastNs());
    }
}
