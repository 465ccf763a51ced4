package io.flowtap.tools.output;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.GapReason;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.reassembly.attribute.AttributeNames;
import io.flowtap.tools.text.TextFormat;
import org.agrona.DirectBuffer;

import java.util.function.Consumer;

/**
 * The handler behind {@code flowtap streams} and {@code flowtap flows}: keeps each flow's VLAN and events, writes its
 * stream bytes to files when given a {@link StreamFileWriter}, and when the flow ends hands its record, rendered as one
 * JSON object or one line of text, to a sink. Consumes every byte it is offered, so the engine holds nothing for it.
 * <p>
 * Not thread safe: called by the engine's thread.
 */
public final class FlowReporter implements TcpHandler
{
    /** The flow data slot this handler keeps its {@link FlowState} in. */
    public static final int STATE_SLOT = 0;

    private final Consumer<CharSequence> sink;
    private final boolean json;
    private final StreamFileWriter files;
    private final FlowRecordFormatter formatter = new FlowRecordFormatter();
    private long flowsReported;

    /**
     * @param sink  receives one rendered record per flow, as the flow ends; valid during the call only.
     * @param json  whether records are JSON objects (else lines of text).
     * @param files to write stream bytes with, or null to write none.
     */
    public FlowReporter(final Consumer<CharSequence> sink, final boolean json, final StreamFileWriter files)
    {
        this.sink = sink;
        this.json = json;
        this.files = files;
    }

    /**
     * @return flows whose record went to the sink.
     */
    public long flowsReported()
    {
        return flowsReported;
    }

    @Override
    public void onNewFlow(final Flow flow, final long timeNs)
    {
        flow.data(STATE_SLOT, new FlowState());
    }

    @Override
    public boolean onPacket(final Flow flow, final int direction, final PacketDecoder segment, final long timeNs)
    {
        final FlowState state = state(flow);
        if (!state.vlanKnown)
        {
            state.vlanKnown = true;
            state.vlan = segment.outerVlanId();
        }
        return true;
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
        if (files != null)
        {
            final FlowState state = state(flow);
            files.write(flow, state, direction, seekpos, buffer, offset, length);
            if (eof != EOF_NONE)
            {
                files.close(state, direction);
            }
        }
        return length;
    }

    @Override
    public void onGap(
        final Flow flow, final int direction, final long seekpos, final long length, final GapReason reason,
        final long timeNs)
    {
        final FlowState state = state(flow);
        if (files != null)
        {
            files.gap(state, direction, length);
        }
        final StringBuilder event = state.newEvent();
        if (event != null)
        {
            event.append("{\"event\":\"gap\",\"direction\":\"").append(Direction.name(direction))
                .append("\",\"offset\":").append(seekpos)
                .append(",\"length\":").append(length)
                .append(",\"reason\":\"").append(reason.label())
                .append("\",\"ts\":\"");
            TextFormat.appendTimestamp(event, timeNs).append("\"}");
        }
    }

    @Override
    public void onOverlapConflict(
        final Flow flow,
        final int direction,
        final long heldStart,
        final long heldLength,
        final long newStart,
        final long newLength,
        final boolean newKept,
        final long timeNs)
    {
        final StringBuilder event = state(flow).newEvent();
        if (event != null)
        {
            event.append("{\"event\":\"conflict\",\"direction\":\"").append(Direction.name(direction))
                .append("\",\"held_offset\":").append(heldStart)
                .append(",\"held_length\":").append(heldLength)
                .append(",\"new_offset\":").append(newStart)
                .append(",\"new_length\":").append(newLength)
                .append(",\"kept\":\"").append(newKept ? "new" : "held")
                .append("\",\"ts\":\"");
            TextFormat.appendTimestamp(event, timeNs).append("\"}");
        }
    }

    /**
     * An attribute another handler found (when the command runs the extractors): kept as an event, and for the text
     * line as {@code name=value}. The bulky ones (whole header blocks, TLS records) go to the events by length only in
     * text form.
     */
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
        final FlowState state = state(flow);
        final boolean binary = AttributeNames.TLS_RECORD.equals(name);
        final String text = binary ? "" : value.getStringWithoutLengthUtf8(offset, length);
        final StringBuilder event = state.newEvent();
        if (event != null)
        {
            event.append("{\"event\":\"attribute\",\"direction\":\"").append(Direction.name(direction))
                .append("\",\"name\":\"");
            TextFormat.appendJsonEscaped(event, name).append('"');
            if (binary)
            {
                event.append(",\"length\":").append(length);
            }
            else
            {
                event.append(",\"value\":\"");
                TextFormat.appendJsonEscaped(event, text).append('"');
            }
            event.append(",\"ts\":\"");
            TextFormat.appendTimestamp(event, timeNs).append("\"}");
        }
        if (!binary && !AttributeNames.HTTP_HEADER.equals(name) && !name.isEmpty() &&
            !AttributeNames.FLOW_END.equals(name))
        {
            state.attributes.append(' ').append(name).append('=');
            TextFormat.appendJsonEscaped(state.attributes, text);
        }
    }

    @Override
    public void onTerminate(final Flow flow, final FlowRecord record)
    {
        final FlowState state = state(flow);
        if (files != null)
        {
            files.close(state, Direction.TO_SERVER);
            files.close(state, Direction.TO_CLIENT);
        }
        sink.accept(json ? formatter.json(flow, record, state, files != null) : formatter.text(flow, record, state));
        flowsReported++;
    }

    private static FlowState state(final Flow flow)
    {
        return (FlowState)flow.data(STATE_SLOT);
    }
}
