package io.flowtap.tools.journal;

import io.flowtap.pipeline.journal.JournalEvent;
import io.flowtap.pipeline.journal.JournalFlowId;
import io.flowtap.reassembly.Direction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code flowtap journal stats DIR}: what a journal holds, summed: flows, bytes each way, gaps and conflicting
 * overlaps, how flows ended, the top talkers and server ports, and the time it spans.
 */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description = "Summarise a journal: flows, bytes per direction, gaps and conflicting overlaps, how flows ended "
        + "and their Zeek conn_state, top talkers and server ports, the time span.",
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap journal stats /var/lib/flowtap/journal",
        "  flowtap journal stats journal/ --json --filter 'net 10.0.0.0/8'",
        "  flowtap journal stats journal/ --top 20",
        "  flowtap journal stats --kafka kafka1:9092 --topic flows"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:no journal there, not a flowtap journal, a newer schema, or a damaged tail (what was before it is counted)",
        "2:bad command line",
        "3:standard output cannot be written (a full disk, /dev/full)"})
public final class JournalStatsCommand implements Callable<Integer>
{
    private static final String PREFIX = "flowtap journal stats: ";
    private static final int MAX_TOP = 100_000;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "the journal's directory")
    private Path directory;

    @Mixin
    private KafkaInput kafka = new KafkaInput();

    @Option(names = "--json", description = "one JSON object")
    private boolean json;

    @Option(names = "--top", paramLabel = "N",
        description = "talkers and ports listed, 0 to 100000 (default: ${DEFAULT-VALUE})")
    private int top = 10;

    @Mixin
    private JournalSelection selection = new JournalSelection();

    private long events;
    private long flows;
    private long flowsEnded;
    private long frames;
    private final long[] bytes = new long[2];
    private long gaps;
    private long gapBytes;
    private long conflicts;
    private long attributes;
    private long lostEvents;
    private long lostPayloadBytes;
    private long firstNs = Long.MAX_VALUE;
    private long lastNs = Long.MIN_VALUE;
    private final Map<String, Long> endReasons = new TreeMap<>();
    private final Map<String, Long> connStates = new TreeMap<>();
    private final Map<String, long[]> talkers = new HashMap<>();
    private final Map<Integer, long[]> ports = new HashMap<>();
    private final Map<JournalFlowId, JournalEvent.Key> keys = new HashMap<>();
    private JournalSource source;

    @Override
    public Integer call()
    {
        selection.conclude(spec.commandLine());
        if (top < 0 || top > MAX_TOP)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--top must be from 0 to " + MAX_TOP);
        }
        kafka.conclude(spec.commandLine(), directory);
        final PrintWriter err = spec.commandLine().getErr();
        final JournalSource reader = JournalInput.open(directory, kafka, false);
        source = reader;
        try (reader)
        {
            reader.readAll(new JournalEvent.Collector(event ->
            {
                if (selection.accepts(event))
                {
                    count(event);
                }
            }));
            final PrintWriter out = spec.commandLine().getOut();
            out.print(json ? json() : text());
            out.flush();
            final String ambiguity = selection.ambiguity();
            if (ambiguity != null)
            {
                err.println(PREFIX + ambiguity);
            }
            return reader.finish(err, PREFIX, 0);
        }
    }

    private void count(final JournalEvent event)
    {
        events++;
        firstNs = Math.min(firstNs, event.timeNs());
        lastNs = Math.max(lastNs, event.timeNs());
        final JournalFlowId id = JournalFlowId.of(source.sensor(), event);
        if (event instanceof JournalEvent.FlowStart start)
        {
            flows++;
            keys.put(id, start.key());
            ports.computeIfAbsent(start.key().serverPort(), port -> new long[2])[0]++;
        }
        else if (event instanceof JournalEvent.Payload payload)
        {
            final int length = payload.data().length;
            bytes[payload.direction()] += length;
            final JournalEvent.Key key = keys.get(id);
            if (key != null)
            {
                // A talker is the host that sent the bytes.
                final String host = payload.direction() == Direction.TO_SERVER ?
                    key.clientAddress().getHostAddress() : key.serverAddress().getHostAddress();
                talkers.computeIfAbsent(host, h -> new long[1])[0] += length;
                ports.computeIfAbsent(key.serverPort(), port -> new long[2])[1] += length;
            }
        }
        else if (event instanceof JournalEvent.Gap gap)
        {
            gaps++;
            gapBytes += gap.length();
        }
        else if (event instanceof JournalEvent.OverlapConflict)
        {
            conflicts++;
        }
        else if (event instanceof JournalEvent.Attribute)
        {
            attributes++;
        }
        else if (event instanceof JournalEvent.FlowEnd end)
        {
            flowsEnded++;
            endReasons.merge(end.endReason().label(), 1L, Long::sum);
            if (end.connState() != null)
            {
                connStates.merge(end.connState().label(), 1L, Long::sum);
            }
            keys.remove(id);
        }
        else if (event instanceof JournalEvent.Frame)
        {
            frames++;
        }
        else if (event instanceof JournalEvent.Loss loss)
        {
            lostEvents += loss.events();
            lostPayloadBytes += loss.payloadBytes();
        }
    }

    private List<Map.Entry<String, long[]>> topTalkers()
    {
        final List<Map.Entry<String, long[]>> list = new ArrayList<>(talkers.entrySet());
        list.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[0])
            .thenComparing(Map.Entry::getKey));
        return list.subList(0, Math.min(top, list.size()));
    }

    private List<Map.Entry<Integer, long[]>> topPorts()
    {
        final List<Map.Entry<Integer, long[]>> list = new ArrayList<>(ports.entrySet());
        list.sort(Comparator.comparingLong((Map.Entry<Integer, long[]> e) -> -e.getValue()[0])
            .thenComparing(Map.Entry::getKey));
        return list.subList(0, Math.min(top, list.size()));
    }

    private String text()
    {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "events %d, flows %d (%d ended), raw frames %d%n", events, flows,
            flowsEnded, frames));
        if (events > 0)
        {
            out.append("time ").append(EventFormatter.time(firstNs)).append(" to ").append(EventFormatter.time(lastNs))
                .append(String.format(Locale.ROOT, " (%.3f s)%n", (lastNs - firstNs) / 1e9));
        }
        out.append(String.format(Locale.ROOT, "bytes to_server %d, to_client %d%n", bytes[Direction.TO_SERVER],
            bytes[Direction.TO_CLIENT]));
        out.append(String.format(Locale.ROOT, "gaps %d (%d bytes), conflicting overlaps %d, attributes %d%n", gaps,
            gapBytes, conflicts, attributes));
        if (lostEvents > 0)
        {
            out.append(String.format(Locale.ROOT, "not journaled (disk full): %d events, %d payload bytes%n",
                lostEvents, lostPayloadBytes));
        }
        out.append("ended:");
        endReasons.forEach((reason, count) -> out.append(' ').append(reason).append(' ').append(count));
        if (!connStates.isEmpty())
        {
            out.append(String.format("%nconn_state:"));
            connStates.forEach((state, count) -> out.append(' ').append(state).append(' ').append(count));
        }
        out.append(String.format("%ntop talkers (bytes sent):%n"));
        for (final Map.Entry<String, long[]> talker : topTalkers())
        {
            out.append(String.format(Locale.ROOT, "  %-40s %d%n", talker.getKey(), talker.getValue()[0]));
        }
        out.append(String.format("top server ports (flows, bytes):%n"));
        for (final Map.Entry<Integer, long[]> port : topPorts())
        {
            out.append(String.format(Locale.ROOT, "  %-6d %d %d%n", port.getKey(), port.getValue()[0],
                port.getValue()[1]));
        }
        return out.toString();
    }

    private String json()
    {
        final StringBuilder out = new StringBuilder();
        out.append("{\"events\":").append(events).append(",\"flows\":").append(flows).append(",\"flows_ended\":")
            .append(flowsEnded).append(",\"frames\":").append(frames);
        if (events > 0)
        {
            out.append(",\"first\":\"").append(EventFormatter.time(firstNs)).append("\",\"last\":\"")
                .append(EventFormatter.time(lastNs)).append("\",\"first_ns\":").append(firstNs)
                .append(",\"last_ns\":").append(lastNs);
        }
        out.append(",\"bytes\":{\"to_server\":").append(bytes[Direction.TO_SERVER]).append(",\"to_client\":")
            .append(bytes[Direction.TO_CLIENT]).append("},\"gaps\":").append(gaps).append(",\"gap_bytes\":")
            .append(gapBytes).append(",\"conflicting_overlaps\":").append(conflicts).append(",\"attributes\":")
            .append(attributes).append(",\"lost_events\":").append(lostEvents).append(",\"lost_payload_bytes\":")
            .append(lostPayloadBytes).append(",\"end_reasons\":{");
        String separator = "";
        for (final Map.Entry<String, Long> reason : endReasons.entrySet())
        {
            out.append(separator).append('"').append(reason.getKey()).append("\":").append(reason.getValue());
            separator = ",";
        }
        out.append("},\"conn_states\":{");
        separator = "";
        for (final Map.Entry<String, Long> state : connStates.entrySet())
        {
            out.append(separator).append('"').append(state.getKey()).append("\":").append(state.getValue());
            separator = ",";
        }
        out.append("},\"top_talkers\":[");
        separator = "";
        for (final Map.Entry<String, long[]> talker : topTalkers())
        {
            out.append(separator).append("{\"host\":\"").append(talker.getKey()).append("\",\"bytes\":")
                .append(talker.getValue()[0]).append('}');
            separator = ",";
        }
        out.append("],\"top_ports\":[");
        separator = "";
        for (final Map.Entry<Integer, long[]> port : topPorts())
        {
            out.append(separator).append("{\"port\":").append(port.getKey()).append(",\"flows\":")
                .append(port.getValue()[0]).append(",\"bytes\":").append(port.getValue()[1]).append('}');
            separator = ",";
        }
        return out.append("]}\n").toString();
    }
}
