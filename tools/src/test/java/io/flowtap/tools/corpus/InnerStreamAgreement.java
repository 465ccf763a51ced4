package io.flowtap.tools.corpus;

import io.flowtap.tools.streams.StreamsCommand;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * flowtap's streams against tshark's, direction by direction, for captures whose TCP is inside tunnels, in IP
 * fragments, or carries bad checksums. Each capture goes through {@code flowtap streams} twice: with the defaults,
 * and with {@code --checksum off} (tshark does not verify checksums). tshark's i-th stream between two endpoints is
 * flowtap's i-th connection between them (by first segment), whichever end tshark names first.
 * <ul>
 * <li>With {@code --checksum off}, every direction flowtap delivers without a hole must be tshark's bytes exactly.</li>
 * <li>With the defaults, it must be too, or differ only because segments with bad checksums that no receiver
 * acknowledged were ignored (the run counted some, and {@code --checksum off} agrees): a receiver drops such a
 * segment, so a sensor must not take it (the evasion cases in the suricata-verify corpus).</li>
 * </ul>
 * A direction with a hole in flowtap's stream, or one tshark marks as missing bytes, is not compared: tshark's raw
 * follow writes a note for missing bytes where flowtap's file has zeros, and the two differ on what comes after a
 * hole; the corpus' tcpflow comparison checks holes. Anything else must be explained (by capture path and
 * direction, with the reason), and every explanation must still be needed.
 */
final class InnerStreamAgreement
{
    private static final Pattern IGNORED_BAD_CHECKSUMS = Pattern.compile("\n {2}bad checksum +([0-9]+)\n");
    private static final List<String> OFF = List.of("--checksum", "off");

    private final Map<String, String> explained;
    private final Set<String> explanationsUsed = new TreeSet<>();
    final List<String> disagreements = new ArrayList<>();
    int captures;
    int directions;
    int agreed;
    int agreedChecksumOff;
    int unacknowledgedBadChecksums;
    int withHoles;
    int explainedDirections;

    /**
     * One direction of one of flowtap's connections.
     *
     * @param bytes what its file holds.
     * @param holes whether flowtap delivered it with holes.
     */
    record Direction(byte[] bytes, boolean holes)
    {
    }

    /**
     * One of flowtap's connections.
     *
     * @param client   "address:port" of its client.
     * @param server   "address:port" of its server.
     * @param firstNs  its first segment's time.
     * @param toServer what the client sent.
     * @param toClient what the server sent.
     */
    record Connection(String client, String server, long firstNs, Direction toServer, Direction toClient)
    {
    }

    /**
     * @param explained reasons for the directions flowtap gives otherwise than tshark, by "capture A > B".
     */
    InnerStreamAgreement(final Map<String, String> explained)
    {
        this.explained = explained;
    }

    /**
     * What one capture gives: tshark's streams and flowtap's connections both ways, ready to be judged.
     *
     * @param name       the capture's name in the explanations and messages.
     * @param streams    tshark's, by index.
     * @param auto       flowtap's with the defaults, by endpoint pair.
     * @param off        flowtap's with {@code --checksum off}.
     * @param badIgnored whether the defaults ignored segments with bad checksums.
     */
    record Outputs(String name, List<TsharkFollow.Stream> streams, Map<String, List<Connection>> auto,
        Map<String, List<Connection>> off, boolean badIgnored)
    {
    }

    /**
     * Compare one capture.
     *
     * @param tshark  its path.
     * @param capture the capture.
     * @param name    the capture's name in the explanations and messages.
     * @param scratch a directory for outputs.
     * @return how many of its directions flowtap gave as tshark did with the defaults.
     */
    int compare(final String tshark, final Path capture, final String name, final Path scratch)
    {
        try
        {
            return judge(run(tshark, capture, name, Files.createTempDirectory(scratch, "capture")));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Run tshark and flowtap on one capture. Touches nothing shared: captures may run at once, each with a scratch
     * directory of its own, and be judged one by one after.
     *
     * @param tshark  its path.
     * @param capture the capture.
     * @param name    the capture's name in the explanations and messages.
     * @param scratch an empty directory for this capture's outputs.
     * @return what both gave.
     */
    static Outputs run(final String tshark, final Path capture, final String name, final Path scratch)
    {
        final List<TsharkFollow.Stream> streams = TsharkFollow.follow(tshark, capture, scratch);
        final String[] summary = new String[1];
        final Path autoDir = scratch.resolve("defaults");
        final Path offDir = scratch.resolve("checksum-off");
        final Map<String, List<Connection>> auto = connections(streams(capture, autoDir, List.of(), summary));
        final Matcher ignored = IGNORED_BAD_CHECKSUMS.matcher(summary[0]);
        final boolean badIgnored = ignored.find() && Long.parseLong(ignored.group(1)) > 0;
        final Map<String, List<Connection>> off = connections(streams(capture, offDir, OFF, summary));
        delete(scratch);
        return new Outputs(name, streams, auto, off, badIgnored);
    }

    /**
     * Judge one capture's outputs, by the rules above.
     *
     * @param outputs of {@link #run}.
     * @return how many of its directions flowtap gave as tshark did with the defaults.
     */
    int judge(final Outputs outputs)
    {
        final int agreedBefore = agreed;
        captures++;
        final Map<String, Integer> seen = new HashMap<>();
        for (final TsharkFollow.Stream stream : outputs.streams())
        {
            final String pair = pair(stream.nodeA(), stream.nodeB());
            final int index = seen.merge(pair, 1, Integer::sum) - 1;
            final Connection auto = find(outputs.auto(), pair, index);
            final Connection off = find(outputs.off(), pair, index);
            compare(outputs.name(), stream.nodeA(), stream.nodeB(), stream.fromA(), stream.holesA(), auto, off,
                outputs.badIgnored());
            compare(outputs.name(), stream.nodeB(), stream.nodeA(), stream.fromB(), stream.holesB(), auto, off,
                outputs.badIgnored());
        }
        return agreed - agreedBefore;
    }

    /**
     * @return explanations no direction needed any more.
     */
    Set<String> unusedExplanations()
    {
        final Set<String> unused = new TreeSet<>(explained.keySet());
        unused.removeAll(explanationsUsed);
        return unused;
    }

    String summary()
    {
        return captures + " captures, " + directions + " directions compared: " + agreed +
            " the same with the defaults, " + agreedChecksumOff + " with --checksum off, " +
            unacknowledgedBadChecksums +
            " differ with the defaults only by bad-checksum segments never acknowledged, " + explainedDirections +
            " explained; " + withHoles + " not compared (holes in flowtap's stream or tshark's); " +
            disagreements.size() + " disagreements";
    }

    private void compare(
        final String name,
        final String from,
        final String to,
        final byte[] tshark,
        final boolean tsharkHoles,
        final Connection auto,
        final Connection off,
        final boolean badIgnored)
    {
        final Direction withDefaults = direction(auto, from);
        final Direction checksumOff = direction(off, from);
        if (tshark.length == 0 && checksumOff.bytes().length == 0 && withDefaults.bytes().length == 0)
        {
            return;
        }
        final String key = name + " " + from + " > " + to;
        if (checksumOff.holes() || tsharkHoles)
        {
            withHoles++;
            return;
        }
        directions++;
        final String reason = explained.get(key);
        final boolean offSame = Arrays.equals(tshark, checksumOff.bytes());
        final boolean autoSame = !withDefaults.holes() && Arrays.equals(tshark, withDefaults.bytes());
        if (reason != null && !(offSame && autoSame))
        {
            explanationsUsed.add(key);
            explainedDirections++;
            System.out.printf("  explained: %s: tshark %d bytes, flowtap %d (--checksum off %d): %s%n", key,
                tshark.length, withDefaults.bytes().length, checksumOff.bytes().length, reason);
            return;
        }
        if (!offSame)
        {
            disagreements.add(key + " with --checksum off: tshark " + tshark.length + " bytes, flowtap " +
                checksumOff.bytes().length + ", first difference at " + Arrays.mismatch(tshark, checksumOff.bytes()));
            return;
        }
        agreedChecksumOff++;
        if (autoSame)
        {
            agreed++;
        }
        else if (badIgnored)
        {
            unacknowledgedBadChecksums++;
        }
        else
        {
            disagreements.add(key + " with the defaults: tshark " + tshark.length + " bytes, flowtap " +
                withDefaults.bytes().length + ", first difference at " +
                Arrays.mismatch(tshark, withDefaults.bytes()));
        }
    }

    private static Direction direction(final Connection connection, final String from)
    {
        if (connection == null)
        {
            return new Direction(new byte[0], false);
        }
        return connection.client().equals(from) ? connection.toServer() : connection.toClient();
    }

    private static Connection find(final Map<String, List<Connection>> connections, final String pair,
        final int index)
    {
        final List<Connection> between = connections.get(pair);
        return between == null || index >= between.size() ? null : between.get(index);
    }

    private static String pair(final String a, final String b)
    {
        return a.compareTo(b) < 0 ? a + " " + b : b + " " + a;
    }

    private static Path streams(final Path capture, final Path out, final List<String> options,
        final String[] summary)
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final List<String> arguments = new ArrayList<>(List.of(capture.toString(), "-o", out.toString()));
        arguments.addAll(options);
        new CommandLine(new StreamsCommand().streams(new PrintStream(err, true, StandardCharsets.UTF_8)))
            .setCaseInsensitiveEnumValuesAllowed(true)
            .execute(arguments.toArray(String[]::new));
        summary[0] = err.toString(StandardCharsets.UTF_8);
        return out;
    }

    /**
     * flowtap's connections from {@code flows.jsonl}, by unordered endpoint pair, in order of first segment.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, List<Connection>> connections(final Path out)
    {
        final Map<String, List<Connection>> connections = new HashMap<>();
        final Path flows = out.resolve(StreamsCommand.FLOWS_FILE);
        if (!Files.exists(flows))
        {
            return connections;
        }
        try
        {
            final Yaml json = new Yaml();
            for (final String line : Files.readAllLines(flows, StandardCharsets.UTF_8))
            {
                final Map<String, Object> flow = json.load(line);
                final String client = TsharkFollow.canonical((String)flow.get("client")) + ":" +
                    flow.get("client_port");
                final String server = TsharkFollow.canonical((String)flow.get("server")) + ":" +
                    flow.get("server_port");
                final Connection connection = new Connection(client, server,
                    ((Number)flow.get("first_ns")).longValue(),
                    direction(out, (Map<String, Object>)flow.get("to_server")),
                    direction(out, (Map<String, Object>)flow.get("to_client")));
                connections.computeIfAbsent(pair(client, server), k -> new ArrayList<>()).add(connection);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        connections.values().forEach(list -> list.sort(Comparator.comparingLong(Connection::firstNs)));
        return connections;
    }

    private static Direction direction(final Path out, final Map<String, Object> side) throws IOException
    {
        final String file = (String)side.get("file");
        return new Direction(file == null ? new byte[0] : Files.readAllBytes(out.resolve(file)),
            ((Number)side.get("gaps")).longValue() > 0);
    }

    private static void delete(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(dir))
        {
            for (final Path path : files.sorted(Comparator.reverseOrder()).toList())
            {
                Files.delete(path);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
