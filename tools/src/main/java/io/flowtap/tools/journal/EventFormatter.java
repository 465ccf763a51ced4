package io.flowtap.tools.journal;

import io.flowtap.pipeline.journal.JournalEvent;
import io.flowtap.pipeline.journal.JournalFlowKey;
import io.flowtap.reassembly.Direction;
import io.flowtap.tools.text.TextFormat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;

/**
 * One journal event as a line people read, or as a JSON object. Names follow the journal's schema
 * ({@code pipeline/JOURNAL.md}); flows are {@code source/flow id}, since flow ids are unique per writer only.
 */
final class EventFormatter
{
    private final StringBuilder line = new StringBuilder(256);
    private final boolean withData;

    /**
     * @param withData whether payload and frame bytes are shown (base64 in JSON, escaped text in lines).
     */
    EventFormatter(final boolean withData)
    {
        this.withData = withData;
    }

    /**
     * @param event to show.
     * @return the line, valid until the next call.
     */
    CharSequence text(final JournalEvent event)
    {
        line.setLength(0);
        line.append(time(event.timeNs())).append(' ').append(event.run()).append('/').append(event.source())
            .append('/').append(event.flowId()).append(' ');
        if (event instanceof JournalEvent.FlowStart start)
        {
            line.append("flow_start ").append(endpoints(start.key()));
            vlan(start.key().vlan());
            line.append(start.midstream() ? " midstream" : "");
        }
        else if (event instanceof JournalEvent.Established)
        {
            line.append("established");
        }
        else if (event instanceof JournalEvent.Payload payload)
        {
            line.append("payload ").append(Direction.name(payload.direction())).append(" offset ")
                .append(payload.streamOffset()).append(" length ").append(payload.data().length)
                .append(payload.eof() == 0 ? "" : payload.eof() == 1 ? " eof" : " eof-both");
            if (withData)
            {
                line.append(" data \"");
                TextFormat.appendJsonEscaped(line, new String(payload.data(), StandardCharsets.ISO_8859_1));
                line.append('"');
            }
        }
        else if (event instanceof JournalEvent.Gap gap)
        {
            line.append("gap ").append(Direction.name(gap.direction())).append(" offset ").append(gap.streamOffset())
                .append(" length ").append(gap.length()).append(" reason ").append(gap.reason().label());
        }
        else if (event instanceof JournalEvent.OverlapConflict conflict)
        {
            line.append("overlap_conflict ").append(Direction.name(conflict.direction())).append(" held ")
                .append(conflict.heldOffset()).append('+').append(conflict.heldLength()).append(" new ")
                .append(conflict.newOffset()).append('+').append(conflict.newLength()).append(" kept ")
                .append(conflict.newKept() ? "new" : "held");
        }
        else if (event instanceof JournalEvent.Attribute attribute)
        {
            line.append("attribute ").append(attribute.direction() > 1 ? "flow" : Direction.name(attribute.direction()))
                .append(' ').append(attribute.name()).append('=');
            TextFormat.appendJsonEscaped(line, attributeText(attribute));
        }
        else if (event instanceof JournalEvent.FlowEnd end)
        {
            line.append("flow_end ").append(endpoints(end.key()));
            vlan(end.key().vlan());
            line.append(" reason ").append(end.endReason().label())
                .append(" state ").append(end.connState() == null ? "-" : end.connState().label())
                .append(" history ").append(end.history())
                .append(" packets ").append(end.counters()[0][Direction.TO_SERVER]).append('/')
                .append(end.counters()[0][Direction.TO_CLIENT]).append(" delivered ")
                .append(end.counters()[3][Direction.TO_SERVER]).append('/')
                .append(end.counters()[3][Direction.TO_CLIENT]);
            if (end.handlerFailed())
            {
                line.append(" handler-failed");
            }
        }
        else if (event instanceof JournalEvent.Frame frame)
        {
            line.append("frame length ").append(frame.data().length).append(" wire ").append(frame.wireLength())
                .append(" linktype ").append(frame.linkType());
        }
        else if (event instanceof JournalEvent.Loss loss)
        {
            line.append("loss events ").append(loss.events()).append(" payload_bytes ").append(loss.payloadBytes())
                .append(" since ").append(time(loss.firstNs())).append(" (disk full)");
        }
        return line;
    }

    /**
     * @param event to show.
     * @return the JSON object, valid until the next call.
     */
    CharSequence json(final JournalEvent event)
    {
        line.setLength(0);
        line.append("{\"time\":\"").append(time(event.timeNs())).append("\",\"time_ns\":").append(event.timeNs())
            .append(",\"run\":").append(event.run()).append(",\"source\":").append(event.source())
            .append(",\"flow\":").append(event.flowId());
        if (event instanceof JournalEvent.FlowStart start)
        {
            line.append(",\"event\":\"flow_start\"");
            key(start.key());
            line.append(",\"midstream\":").append(start.midstream());
        }
        else if (event instanceof JournalEvent.Established)
        {
            line.append(",\"event\":\"established\"");
        }
        else if (event instanceof JournalEvent.Payload payload)
        {
            line.append(",\"event\":\"payload\",\"direction\":\"").append(Direction.name(payload.direction()))
                .append("\",\"offset\":").append(payload.streamOffset()).append(",\"length\":")
                .append(payload.data().length).append(",\"eof\":").append(payload.eof());
            if (withData)
            {
                line.append(",\"data\":\"").append(Base64.getEncoder().encodeToString(payload.data())).append('"');
            }
        }
        else if (event instanceof JournalEvent.Gap gap)
        {
            line.append(",\"event\":\"gap\",\"direction\":\"").append(Direction.name(gap.direction()))
                .append("\",\"offset\":").append(gap.streamOffset()).append(",\"length\":").append(gap.length())
                .append(",\"reason\":\"").append(gap.reason().label()).append('"');
        }
        else if (event instanceof JournalEvent.OverlapConflict conflict)
        {
            line.append(",\"event\":\"overlap_conflict\",\"direction\":\"")
                .append(Direction.name(conflict.direction())).append("\",\"held_offset\":")
                .append(conflict.heldOffset()).append(",\"held_length\":").append(conflict.heldLength())
                .append(",\"new_offset\":").append(conflict.newOffset()).append(",\"new_length\":")
                .append(conflict.newLength()).append(",\"kept\":\"").append(conflict.newKept() ? "new" : "held")
                .append('"');
        }
        else if (event instanceof JournalEvent.Attribute attribute)
        {
            line.append(",\"event\":\"attribute\",\"direction\":\"")
                .append(attribute.direction() > 1 ? "flow" : Direction.name(attribute.direction()))
                .append("\",\"name\":\"");
            TextFormat.appendJsonEscaped(line, attribute.name()).append("\",\"value\":\"");
            TextFormat.appendJsonEscaped(line, attributeText(attribute)).append('"');
        }
        else if (event instanceof JournalEvent.FlowEnd end)
        {
            line.append(",\"event\":\"flow_end\"");
            key(end.key());
            line.append(",\"end_reason\":\"").append(end.endReason().label()).append("\",\"connected\":")
                .append(end.connected()).append(",\"history\":\"");
            TextFormat.appendJsonEscaped(line, end.history()).append("\",\"conn_state\":");
            if (end.connState() == null)
            {
                line.append("null");
            }
            else
            {
                line.append('"').append(end.connState().label()).append('"');
            }
            line.append(",\"orig_bytes\":").append(end.seqBytes()[Direction.TO_SERVER])
                .append(",\"resp_bytes\":").append(end.seqBytes()[Direction.TO_CLIENT])
                .append(",\"first_ns\":").append(end.firstNs())
                .append(",\"last_ns\":").append(end.lastNs());
            if (end.handlerFailed())
            {
                line.append(",\"handler_failed\":true");
            }
            direction(end, Direction.TO_SERVER);
            direction(end, Direction.TO_CLIENT);
        }
        else if (event instanceof JournalEvent.Frame frame)
        {
            line.append(",\"event\":\"frame\",\"length\":").append(frame.data().length).append(",\"wire_length\":")
                .append(frame.wireLength()).append(",\"link_type\":").append(frame.linkType());
            if (withData)
            {
                line.append(",\"data\":\"").append(Base64.getEncoder().encodeToString(frame.data())).append('"');
            }
        }
        else if (event instanceof JournalEvent.Loss loss)
        {
            line.append(",\"event\":\"loss\",\"events\":").append(loss.events()).append(",\"payload_bytes\":")
                .append(loss.payloadBytes()).append(",\"first\":\"").append(time(loss.firstNs())).append('"');
        }
        return line.append('}');
    }

    /**
     * @param timeNs since the epoch.
     * @return ISO-8601 in UTC, to the nanosecond.
     */
    static String time(final long timeNs)
    {
        return Instant.ofEpochSecond(Math.floorDiv(timeNs, 1_000_000_000L), Math.floorMod(timeNs, 1_000_000_000L))
            .toString();
    }

    private static String attributeText(final JournalEvent.Attribute attribute)
    {
        if (attribute.valueType() == 1)
        {
            final StringBuilder hex = new StringBuilder(attribute.value().length * 2);
            for (final byte b : attribute.value())
            {
                hex.append(String.format(Locale.ROOT, "%02x", b & 0xFF));
            }
            return hex.toString();
        }
        return attribute.text();
    }

    private static String endpoints(final JournalEvent.Key key)
    {
        return JournalFlowKey.endpoint(key.clientAddress(), key.clientPort()) + " > " +
            JournalFlowKey.endpoint(key.serverAddress(), key.serverPort());
    }

    private void vlan(final int vlan)
    {
        if (vlan < 4096)
        {
            line.append(" vlan ").append(vlan);
        }
    }

    private void key(final JournalEvent.Key key)
    {
        line.append(",\"client\":\"").append(key.clientAddress().getHostAddress()).append("\",\"client_port\":")
            .append(key.clientPort()).append(",\"server\":\"").append(key.serverAddress().getHostAddress())
            .append("\",\"server_port\":").append(key.serverPort()).append(",\"vlan\":")
            .append(key.vlan() < 4096 ? Integer.toString(key.vlan()) : "null");
    }

    private void direction(final JournalEvent.FlowEnd end, final int d)
    {
        final long[][] c = end.counters();
        line.append(",\"").append(Direction.name(d)).append("\":{\"packets\":").append(c[0][d])
            .append(",\"payload_bytes\":").append(c[1][d]).append(",\"wire_bytes\":").append(c[2][d])
            .append(",\"delivered_bytes\":").append(c[3][d]).append(",\"retransmissions\":").append(c[4][d])
            .append(",\"out_of_order\":").append(c[5][d]).append(",\"overlaps\":").append(c[6][d])
            .append(",\"conflicting_overlaps\":").append(c[7][d]).append(",\"gaps\":").append(c[8][d])
            .append(",\"gap_bytes\":").append(c[9][d])
            .append(",\"acked_missing_bytes\":").append(end.ackedMissing()[d]).append('}');
    }
}
