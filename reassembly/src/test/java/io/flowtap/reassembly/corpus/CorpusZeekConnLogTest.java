package io.flowtap.reassembly.corpus;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.capture.test.Corpus;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.FrameFeeder;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * flowtap's flow records against the {@code conn.log} baselines of Zeek's own tests ({@code testing/btest/Baseline/
 * NAME/conn.log}, each test's trace read as its {@code @TEST-EXEC} line reads it, {@code -C} meaning checksums off):
 * TCP connections matched by 4-tuple in order of start, then the share that agree on orientation, {@code history},
 * {@code missed_bytes} (gap bytes both ways), {@code conn_state} and {@code orig_bytes}/{@code resp_bytes}. The
 * baselines are looked for where the corpus keeps each source at its repository path ({@code zeek/testing/btest});
 * the corpus does not carry them yet, so the test skips, saying so, until it does (or run it with
 * {@code -Dflowtap.corpus.dir} at a directory holding an {@code INDEX.tsv} and {@code zeek/testing/btest}). Issue 19
 * measured with a copy of Zeek's tests (66 baselines with TCP connections, 225 connections, 198 matched): history 70 %
 * before its changes and 92 % after, missed bytes 77 % and 100 %, conn_state 95 %, sequence-space bytes 95 %; the
 * floors below keep those.
 */
@Tag("corpus")
class CorpusZeekConnLogTest
{
    private static final Pattern TRACE = Pattern.compile("-r\\s+\\$TRACES/(\\S+)");
    private static final Pattern CHECKSUMS_OFF = Pattern.compile("\\s-C(\\s|$)|ignore_checksums");
    private static final double HISTORY_FLOOR = 0.90;
    private static final double MISSED_FLOOR = 0.98;
    private static final double STATE_FLOOR = 0.93;
    private static final double BYTES_FLOOR = 0.93;

    private record ZeekConnection(String key, String history, long missed, String state, String origBytes,
        String respBytes)
    {
    }

    private record FlowtapConnection(String key, String reverseKey, long firstNs, String history, long missed,
        String state, long origBytes, long respBytes)
    {
    }

    @Test
    void shouldAgreeWithZeeksConnLogBaselines() throws IOException
    {
        final Path btest = Corpus.dir().resolve("zeek/testing/btest");
        if (!Files.isDirectory(btest.resolve("Baseline")))
        {
            Assumptions.abort("skipped: the corpus has no Zeek test baselines at " + btest + " (conn.log under " +
                "Baseline/, traces under Traces/, as in Zeek's repository)");
        }
        final int[] agree = new int[7];
        int zeekConnections = 0;
        int baselines = 0;
        final List<String> differences = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(btest.resolve("Baseline")))
        {
            for (final Path dir : dirs.sorted().toList())
            {
                final Path connLog = dir.resolve("conn.log");
                final Path test = testFile(btest, dir.getFileName().toString());
                if (!Files.isRegularFile(connLog) || test == null)
                {
                    continue;
                }
                final List<String> runs = Files.readAllLines(test).stream()
                    .filter(line -> line.contains("@TEST-EXEC") && TRACE.matcher(line).find()).toList();
                final List<ZeekConnection> zeek = connLog(connLog);
                if (runs.size() != 1 || zeek.isEmpty())
                {
                    continue;
                }
                final Matcher trace = TRACE.matcher(runs.get(0));
                trace.find();
                final Path capture = btest.resolve("Traces").resolve(trace.group(1));
                if (!Files.isRegularFile(capture))
                {
                    continue;
                }
                final boolean checksumsOff = CHECKSUMS_OFF.matcher(runs.get(0)).find() ||
                    Files.readString(test).contains("ignore_checksums");
                final List<FlowtapConnection> flowtap = replay(capture, checksumsOff);
                if (flowtap == null)
                {
                    continue;
                }
                baselines++;
                final Set<FlowtapConnection> used = new HashSet<>();
                for (final ZeekConnection z : zeek)
                {
                    zeekConnections++;
                    final FlowtapConnection f = flowtap.stream()
                        .filter(c -> !used.contains(c) && (c.key.equals(z.key) || c.reverseKey.equals(z.key)))
                        .findFirst().orElse(null);
                    if (f == null)
                    {
                        continue;
                    }
                    used.add(f);
                    agree[0]++;
                    agree[1] += f.key.equals(z.key) ? 1 : 0;
                    agree[2] += f.history.equals(z.history) ? 1 : 0;
                    agree[3] += f.missed == z.missed ? 1 : 0;
                    agree[4] += f.state.equals(z.state) ? 1 : 0;
                    if (!"-".equals(z.origBytes))
                    {
                        // Zeek leaves the sizes unset for a connection of no duration.
                        agree[6]++;
                        agree[5] += z.origBytes.equals(Long.toString(f.origBytes)) &&
                            z.respBytes.equals(Long.toString(f.respBytes)) ? 1 : 0;
                    }
                    if (!f.history.equals(z.history) || f.missed != z.missed || !f.state.equals(z.state))
                    {
                        differences.add(dir.getFileName() + " " + z.key + ": zeek " + z.history + " " + z.missed +
                            " " + z.state + ", flowtap " + f.history + " " + f.missed + " " + f.state);
                    }
                }
            }
        }
        final int matched = agree[0];
        System.out.printf("Zeek conn.log baselines: %d, TCP connections %d, matched %d; agreement: orientation " +
                "%.1f%%, history %.1f%%, missed bytes %.1f%%, conn_state %.1f%%, orig/resp bytes %.1f%%%n",
            baselines, zeekConnections, matched, percent(agree[1], matched), percent(agree[2], matched),
            percent(agree[3], matched), percent(agree[4], matched), percent(agree[5], agree[6]));
        differences.forEach(line -> System.out.println("  " + line));
        assertTrue(matched > 0, "no connection matched");
        assertTrue(agree[2] >= HISTORY_FLOOR * matched, "history agreement");
        assertTrue(agree[3] >= MISSED_FLOOR * matched, "missed bytes agreement");
        assertTrue(agree[4] >= STATE_FLOOR * matched, "conn_state agreement");
        assertTrue(agree[5] >= BYTES_FLOOR * agree[6], "orig/resp bytes agreement");
    }

    private static double percent(final int part, final int whole)
    {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }

    /**
     * A baseline directory is its test's path with dots for slashes.
     */
    private static Path testFile(final Path btest, final String baseline)
    {
        for (final String suffix : new String[] {".zeek", ".test", ".bro"})
        {
            final Path candidate = btest.resolve(baseline.replace('.', '/') + suffix);
            if (Files.isRegularFile(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static List<ZeekConnection> connLog(final Path file) throws IOException
    {
        final List<ZeekConnection> connections = new ArrayList<>();
        List<String> fields = null;
        for (final String line : Files.readAllLines(file))
        {
            if (line.startsWith("#fields"))
            {
                fields = List.of(line.split("\t")).subList(1, line.split("\t").length);
                continue;
            }
            if (line.startsWith("#") || fields == null)
            {
                continue;
            }
            // Zeek's conn.log is tab-separated under a header naming its fields; some tests log only a few of them.
            if (!fields.containsAll(List.of("id.orig_h", "history", "missed_bytes", "conn_state", "orig_bytes")))
            {
                return List.of();
            }
            final String[] values = line.split("\t", -1);
            final List<String> names = fields;
            final Function<String, String> value = name -> values[names.indexOf(name)];
            if (!"tcp".equals(value.apply("proto")))
            {
                continue;
            }
            final String key = address(value.apply("id.orig_h")) + "/" + value.apply("id.orig_p") + ">" +
                address(value.apply("id.resp_h")) + "/" + value.apply("id.resp_p");
            final String missed = value.apply("missed_bytes");
            connections.add(new ZeekConnection(key, "-".equals(value.apply("history")) ? "" : value.apply("history"),
                "-".equals(missed) ? 0 : Long.parseLong(missed), value.apply("conn_state"),
                value.apply("orig_bytes"), value.apply("resp_bytes")));
        }
        return connections;
    }

    private static String address(final String text)
    {
        try
        {
            return InetAddress.getByName(text).getHostAddress();
        }
        catch (final UnknownHostException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return the flows as {@code flowtap flows} reports them, in order of start; null for a capture flowtap does not
     * read.
     */
    private static List<FlowtapConnection> replay(final Path capture, final boolean checksumsOff)
    {
        final List<FlowtapConnection> connections = new ArrayList<>();
        final TcpHandler collector = new TcpHandler()
        {
            @Override
            public void onTerminate(final Flow flow, final FlowRecord record)
            {
                final String client = flow.clientAddress().getHostAddress() + "/" + flow.clientPort();
                final String server = flow.serverAddress().getHostAddress() + "/" + flow.serverPort();
                connections.add(new FlowtapConnection(client + ">" + server, server + ">" + client,
                    record.firstNs(), record.history(),
                    record.gapBytes(Direction.TO_SERVER) + record.gapBytes(Direction.TO_CLIENT),
                    record.connState().label(), record.seqBytes(Direction.TO_SERVER),
                    record.seqBytes(Direction.TO_CLIENT)));
            }
        };
        final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext(), collector);
        try (CaptureFileSource source = CaptureFiles.open(capture))
        {
            new FrameFeeder(new PacketDecoder(checksumsOff ? ChecksumMode.OFF : ChecksumMode.AUTO), engine)
                .feedAll(source);
        }
        catch (final CaptureFileException ex)
        {
            if (connections.isEmpty())
            {
                return null;
            }
        }
        engine.shutdown();
        connections.sort((a, b) -> Long.compare(a.firstNs, b.firstNs));
        return connections;
    }
}
