package io.flowtap.tools.journal;

import io.flowtap.capture.Frame;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.filter.FilterSyntaxException;
import io.flowtap.capture.filter.FlowFilter;
import io.flowtap.pipeline.journal.JournalEvent;
import io.flowtap.pipeline.journal.JournalFlowId;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which events a tool looks at: one flow, the flows a filter expression matches (either direction), a time window.
 * Flow events are judged by their flow's key, learnt from its flow_start; raw frames by decoding them.
 */
public final class JournalSelection
{
    @Option(names = "--flow", paramLabel = "[[RUN/]SOURCE/]ID",
        description = "only this flow, as journal cat shows it: RUN/SOURCE/ID; SOURCE/ID or ID alone take it from "
            + "every run (and every worker) that has one (':' works as well as '/')")
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
    private int flowRun = -1;
    private int flowSource = -1;
    private long flowId = -1;
    private final Set<Integer> runsMatched = new TreeSet<>();
    private long fromNs = Long.MIN_VALUE;
    private long toNs = Long.MAX_VALUE;
    private final Map<JournalFlowId, Boolean> flowMatches = new HashMap<>();
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
            final String[] parts = flow.split("[:/]", -1);
            try
            {
                if (parts.length > 3)
                {
                    throw new NumberFormatException();
                }
                flowId = Long.parseLong(parts[parts.length - 1]);
                flowSource = parts.length > 1 ? Integer.parseInt(parts[parts.length - 2]) : -1;
                flowRun = parts.length > 2 ? Integer.parseInt(parts[0]) : -1;
                if (flowId < 0 || flowSource < -1 || flowSource > 0xFFFF || flowRun < -1 || flowRun > 0xFFFF)
                {
                    throw new NumberFormatException();
                }
            }
            catch (final NumberFormatException ex)
            {
                throw new CommandLine.ParameterException(commandLine, "--flow takes RUN/SOURCE/ID, SOURCE/ID or ID " +
                    "(runs and sources 0-65535, ids 0 and up), not '" + flow + "'");
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
        return acceptsFlowEvent(event.run(), event.source(), event.flowId());
    }

    /**
     * What {@link #accepts} says of a payload event, asked without making a record of it (an export reads payload in
     * place).
     *
     * @param run    of the event.
     * @param source of the event.
     * @param flowId of the event.
     * @param timeNs of the event.
     * @return whether the tool should look at it.
     */
    boolean acceptsPayload(final int run, final int source, final long flowId, final long timeNs)
    {
        return timeNs >= fromNs && timeNs < toNs && acceptsFlowEvent(run, source, flowId);
    }

    private boolean acceptsFlowEvent(final int run, final int source, final long eventFlowId)
    {
        if (flow != null && (eventFlowId != flowId || flowSource >= 0 && source != flowSource ||
            flowRun >= 0 && run != flowRun))
        {
            return false;
        }
        if (flow != null)
        {
            runsMatched.add(run);
        }
        return filter == null || flowMatches.getOrDefault(new JournalFlowId(run, source, eventFlowId), false);
    }

    /**
     * @return a line saying that {@code --flow} without a run matched flows of several runs (which are different
     *         connections), or null.
     */
    String ambiguity()
    {
        if (flow == null || flowRun >= 0 || runsMatched.size() < 2)
        {
            return null;
        }
        return "--flow " + flow + " matched flows of " + runsMatched.size() + " runs " + runsMatched +
            ", which are different connections: give RUN/SOURCE/ID for one";
    }

    private static JournalFlowId id(final JournalEvent event)
    {
        return JournalFlowId.of(event);
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
