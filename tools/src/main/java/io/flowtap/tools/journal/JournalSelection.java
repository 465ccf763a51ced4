package io.flowtap.tools.journal;

import io.flowtap.capture.Frame;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.filter.FilterSyntaxException;
import io.flowtap.capture.filter.FlowFilter;
import io.flowtap.pipeline.journal.JournalEvent;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/**
 * Which events a tool looks at: one flow, the flows a filter expression matches (either direction), a time window.
 * Flow events are judged by their flow's key, learnt from its flow_start; raw frames by decoding them.
 */
public final class JournalSelection
{
    @Option(names = "--flow", paramLabel = "[SOURCE:]ID",
        description = "only this flow: its id, or source:id when several workers wrote the journal")
    String flow;

    @Option(names = "--filter", paramLabel = "EXPR",
        description = "only flows (and frames) the flow-filter expression matches, as capture --filter takes it")
    String filterExpression;

    @Option(names = "--from", paramLabel = "TIME", description = "only events at or after TIME (ISO-8601 or epoch "
        + "seconds)")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "only events before TIME (ISO-8601 or epoch seconds)")
    String to;

    private FlowFilter filter;
    private int flowSource = -1;
    private long flowId = -1;
    private long fromNs = Long.MIN_VALUE;
    private long toNs = Long.MAX_VALUE;
    private final Map<Long, Boolean> flowMatches = new HashMap<>();
    private final PacketDecoder decoder = new PacketDecoder(ChecksumMode.OFF);

    /**
     * Check and parse the options.
     *
     * @param commandLine for usage errors.
     * @return this.
     */
    JournalSelection conclude(final CommandLine commandLine)
    {
        try
        {
            filter = filterExpression == null ? null : FlowFilter.parse(filterExpression);
        }
        catch (final FilterSyntaxException ex)
        {
            throw new CommandLine.ParameterException(commandLine, ex.getMessage());
        }
        if (flow != null)
        {
            try
            {
                final int colon = flow.indexOf(':');
                flowSource = colon < 0 ? -1 : Integer.parseInt(flow.substring(0, colon));
                flowId = Long.parseLong(flow.substring(colon + 1));
            }
            catch (final NumberFormatException ex)
            {
                throw new CommandLine.ParameterException(commandLine, "--flow takes ID or SOURCE:ID, not '" + flow +
                    "'");
            }
        }
        fromNs = from == null ? Long.MIN_VALUE : timeNs(commandLine, "--from", from);
        toNs = to == null ? Long.MAX_VALUE : timeNs(commandLine, "--to", to);
        return this;
    }

    /**
     * @param event read.
     * @return whether the tool should look at it.
     */
    boolean accepts(final JournalEvent event)
    {
        if (event instanceof JournalEvent.FlowStart start && filter != null)
        {
            final JournalEvent.Key key = start.key();
            final int vlan = key.vlan() < 4096 ? key.vlan() : FlowFilter.NO_VLAN;
            flowMatches.put(id(event), filter.matches(key.ipVersion(), key.clientHigh(), key.clientLow(),
                key.clientPort(), key.serverHigh(), key.serverLow(), key.serverPort(), vlan) ||
                filter.matches(key.ipVersion(), key.serverHigh(), key.serverLow(), key.serverPort(), key.clientHigh(),
                key.clientLow(), key.clientPort(), vlan));
        }
        if (event.timeNs() < fromNs || event.timeNs() >= toNs)
        {
            return false;
        }
        if (event instanceof JournalEvent.Frame frame)
        {
            if (filter == null)
            {
                return flow == null;
            }
            return flow == null && decoder.decode(new UnsafeBuffer(frame.data()), 0, frame.data().length, false,
                frame.linkType(), Frame.CHECKSUM_UNKNOWN, frame.vlanTci()) && filter.matches(decoder);
        }
        if (flow != null && (event.flowId() != flowId || flowSource >= 0 && event.source() != flowSource))
        {
            return false;
        }
        return filter == null || flowMatches.getOrDefault(id(event), false);
    }

    private static long id(final JournalEvent event)
    {
        return JournalInput.flowKey(event.source(), event.flowId());
    }

    private static long timeNs(final CommandLine commandLine, final String option, final String text)
    {
        try
        {
            if (text.matches("\\d+(\\.\\d+)?"))
            {
                return (long)(Double.parseDouble(text) * 1e9);
            }
            final Instant instant = Instant.parse(text);
            return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
        }
        catch (final DateTimeParseException ex)
        {
            throw new CommandLine.ParameterException(commandLine, option + " takes ISO-8601 (2026-11-22T10:00:00Z) "
                + "or epoch seconds, not '" + text + "'");
        }
    }
}
