package io.flowtap.tools.corpus;

import io.flowtap.capture.test.Corpus;
import io.flowtap.tools.streams.StreamsCommand;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * flowtap streams against the corpus' tcpflow and tshark oracles ({@code oracles/AGREEMENT.tsv}): wherever the two
 * agree on a direction's bytes, flowtap's file for it must be the same byte for byte, under the same name as tcpflow's,
 * in both configurations below. Where they disagree, the corpus README explains why, and the settings decide which
 * one flowtap sides with: the expectations below say which, and why.
 * <p>
 * tcpflow's packet and byte counts in its report.xml are not compared: it counts a direction's frames only from its
 * first SYN or data segment until it removes the flow (after a RST, or a FIN with every byte seen), so the final ACKs
 * and the ones before the first data are not in them. The suricata-verify sweep checks flowtap's counts instead.
 */
@Tag("corpus")
class CorpusTcpflowAgreementTest
{
    /** tcpflow ignores checksums; segments must not be dropped for them here. */
    private static final List<String> DEFAULT = List.of("--checksum", "off");
    /** tcpflow writes each segment at its offset, so the last bytes seen win: policy last, once acknowledged. */
    private static final List<String> TCPFLOW_LIKE =
        List.of("--checksum", "off", "--overlap-policy", "last", "--delivery", "acked");

    private static final Pattern RECORD = Pattern.compile("\"client\":\"([^\"]+)\",\"client_port\":(\\d+)," +
        "\"server\":\"([^\"]+)\",\"server_port\":(\\d+),.*\"first_ns\":(-?\\d+),.*" +
        "\"to_server\":\\{\"file\":(null|\"[^\"]*\"),\"packets\":(\\d+),\"payload_bytes\":\\d+," +
        "\"wire_bytes\":(\\d+)," +
        ".*\"to_client\":\\{\"file\":(null|\"[^\"]*\"),\"packets\":(\\d+),\"payload_bytes\":\\d+," +
        "\"wire_bytes\":(\\d+),");

    /**
     * Which oracle flowtap gives where tcpflow and tshark differ, in each configuration, and why. Keyed by capture
     * and direction, then the connection's index among the ones between the same endpoints.
     */
    private static final Map<String, String[]> EXPLAINED = Map.of(
        "tcp-overlap2.pcap 1.1.1.1:12345 > 2.2.2.2:8080 #0", new String[] {"tshark", "tcpflow",
            "partial conflicting overlap: tshark keeps the first bytes (as the default policy bsd does here), "
                + "tcpflow the last (as policy last in acked mode)"},
        "tcp-overlap.pcap 1.1.1.1:12345 > 2.2.2.2:8080 #0", new String[] {"tshark", "tcpflow",
            "same-sequence conflicting overlap: first bytes (tshark, bsd) or last (tcpflow, policy last)"},
        "with_evasion_linux.pcap 192.168.1.43:35532 > 192.168.1.90:80 #0", new String[] {"tshark", "tshark",
            "a RST before the SYN-ACK ends tcpflow's connection after 6 bytes; the receiver (Linux) ignores it, "
                + "as tshark and flowtap do, so the request is one 338-byte stream"},
        "with_evasion_linux.pcap 192.168.1.43:35532 > 192.168.1.90:80 #1", new String[] {"none", "none",
            "tcpflow's second file (c1) for the rest of the same connection: flowtap, as tshark, has one connection"},
        "input.pcap 2.2.2.2:8080 > 1.1.1.1:12345 #0", new String[] {"tcpflow", "tcpflow",
            "a hole before the RST: tcpflow and flowtap keep the 17 bytes with the hole as zeros, tshark stops at it "
                + "(suricata-verify expects the bytes after the hole, 'Me In', to be inspected)"},
        "split-handshake-5whs.pcap 1.1.1.1:12345 > 2.2.2.2:80 #0", new String[] {"tcpflow", "tcpflow",
            "split 5-way handshake: tshark starts a second stream (port reuse) for the data, tcpflow and flowtap "
                + "keep one connection with EVIL in it"},
        "split-handshake-5whs.pcap 1.1.1.1:12345 > 2.2.2.2:80 #1", new String[] {"none", "none",
            "tshark's second stream: flowtap, as tcpflow, has one connection"},
        "one_tcp_stream_max_seq.pcap 10.0.0.1:61541 > 81.218.72.15:80 #0", new String[] {"tshark", "tshark",
            "keep-alive probes: tcpflow writes their garbage byte over data; flowtap and tshark (and PcapPlusPlus) "
                + "treat them as the retransmission of a byte already delivered"});

    @TempDir
    Path tempDir;

    private record Row(String oracle, String src, String dst, String verdict, int index)
    {
        String key()
        {
            return Path.of(oracle).getFileName() + " " + src + " > " + dst + " #" + index;
        }
    }

    private record Connection(String client, String server, long firstNs, String[] files, long[] packets,
        long[] wireBytes)
    {
    }

    @Test
    void shouldAgreeWithTcpflowWhereverTcpflowAndTsharkAgree() throws IOException
    {
        final Path corpus = Corpus.dir();
        final List<Row> rows = rows(corpus.resolve("oracles/AGREEMENT.tsv"));
        final Map<String, Path> outputs = new HashMap<>();
        int same = 0;
        int agreed = 0;
        int explained = 0;
        final List<String> disagreements = new ArrayList<>();
        for (final Row row : rows)
        {
            final Path oracleDir = corpus.resolve(row.oracle());
            final List<TcpflowOracle.Direction> tcpflowAll = TcpflowOracle.tcpflow(oracleDir, row.src(), row.dst());
            final List<byte[]> tsharkAll = TcpflowOracle.tshark(oracleDir, row.src(), row.dst());
            final TcpflowOracle.Direction tcpflow =
                row.index() < tcpflowAll.size() ? tcpflowAll.get(row.index()) : null;
            final byte[] tshark = row.index() < tsharkAll.size() ? tsharkAll.get(row.index()) : null;
            if ("same".equals(row.verdict()))
            {
                same++;
            }
            boolean rowAgreed = true;
            for (int config = 0; config < 2; config++)
            {
                final List<String> settings = config == 0 ? DEFAULT : TCPFLOW_LIKE;
                final Path out = outputs.computeIfAbsent(row.oracle() + settings,
                    k -> streams(corpus.resolve(row.oracle().substring("oracles/".length())), settings));
                final byte[][] flowtap = new byte[1][];
                final Connection connection = connection(out, row, flowtap);
                if ("same".equals(row.verdict()))
                {
                    final String problem = compareWithTcpflow(tcpflow, connection, flowtap[0], row);
                    if (problem != null)
                    {
                        rowAgreed = false;
                        disagreements.add(row.key() + " " + settings + ": " + problem);
                    }
                }
                else
                {
                    final byte[] tcpflowBytes = tcpflow == null ? new byte[0] : tcpflow.bytes();
                    final byte[] tsharkBytes = tshark == null ? new byte[0] : tshark;
                    final String matched = connection == null ? "none" : Arrays.equals(flowtap[0], tcpflowBytes) ?
                        "tcpflow" : Arrays.equals(flowtap[0], tsharkBytes) ? "tshark" : "neither";
                    final String[] expected = EXPLAINED.get(row.key());
                    System.out.printf("tcpflow/tshark differ (%s) on %s %s: flowtap (%d bytes) matches %s%s%n",
                        row.verdict(), row.key(), settings, flowtap[0].length, matched,
                        expected == null ? "" : ": " + expected[2]);
                    if (expected == null || !expected[config].equals(matched))
                    {
                        rowAgreed = false;
                        disagreements.add(row.key() + " " + settings + ": matches " + matched + ", expected " +
                            (expected == null ? "an explanation" : expected[config]));
                    }
                }
            }
            if (rowAgreed)
            {
                if ("same".equals(row.verdict()))
                {
                    agreed++;
                }
                else
                {
                    explained++;
                }
            }
        }
        System.out.printf("flowtap vs tcpflow where tcpflow and tshark agree: %d of %d directions byte for byte, "
            + "named as tcpflow; %d of %d directions where they differ as explained%n",
            agreed, same, explained, rows.size() - same);
        disagreements.forEach(line -> System.out.println("  DISAGREE " + line));
        assertEquals(14, same, "rows where tcpflow and tshark agree in AGREEMENT.tsv");
        assertEquals(List.of(), disagreements);
        assertEquals(same, agreed);
        assertEquals(EXPLAINED.size(), explained);
    }

    private static String compareWithTcpflow(
        final TcpflowOracle.Direction tcpflow, final Connection connection, final byte[] flowtap, final Row row)
    {
        if (tcpflow == null)
        {
            return "no tcpflow file object";
        }
        if (!Arrays.equals(tcpflow.bytes(), flowtap))
        {
            return "bytes differ: tcpflow " + tcpflow.bytes().length + ", flowtap " + flowtap.length;
        }
        if (connection == null)
        {
            return "flowtap has no such connection";
        }
        final int d = direction(connection, row);
        if (!Objects.equals(tcpflow.fileName(), connection.files()[d]))
        {
            return "named " + connection.files()[d] + ", tcpflow " + tcpflow.fileName();
        }
        return null;
    }

    /**
     * @return 0 for client to server, 1 for server to client.
     */
    private static int direction(final Connection connection, final Row row)
    {
        return connection.client().equals(TcpflowOracle.endpoint(row.src())) ? 0 : 1;
    }

    /**
     * flowtap's connection for a row: the row's index among the ones between its endpoints, by first packet; and in
     * {@code bytes[0]}, the bytes of its file for the row's direction (none when it has no such connection or file).
     */
    private static Connection connection(final Path out, final Row row, final byte[][] bytes)
    {
        final String src = TcpflowOracle.endpoint(row.src());
        final String dst = TcpflowOracle.endpoint(row.dst());
        final List<Connection> between = new ArrayList<>();
        try
        {
            for (final String line : Files.readAllLines(out.resolve(StreamsCommand.FLOWS_FILE)))
            {
                final Matcher m = RECORD.matcher(line);
                if (!m.find())
                {
                    throw new IllegalStateException("unexpected record: " + line);
                }
                final Connection connection = new Connection(
                    TcpflowOracle.endpoint(m.group(1) + ":" + m.group(2)),
                    TcpflowOracle.endpoint(m.group(3) + ":" + m.group(4)),
                    Long.parseLong(m.group(5)),
                    new String[] {fileName(m.group(6)), fileName(m.group(9))},
                    new long[] {Long.parseLong(m.group(7)), Long.parseLong(m.group(10))},
                    new long[] {Long.parseLong(m.group(8)), Long.parseLong(m.group(11))});
                if ((connection.client().equals(src) && connection.server().equals(dst)) ||
                    (connection.client().equals(dst) && connection.server().equals(src)))
                {
                    between.add(connection);
                }
            }
            between.sort(Comparator.comparingLong(Connection::firstNs));
            bytes[0] = new byte[0];
            if (row.index() >= between.size())
            {
                return null;
            }
            final Connection connection = between.get(row.index());
            final String file = connection.files()[direction(connection, row)];
            if (file != null)
            {
                bytes[0] = Files.readAllBytes(out.resolve(file));
            }
            return connection;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static String fileName(final String json)
    {
        return "null".equals(json) ? null : json.substring(1, json.length() - 1);
    }

    private Path streams(final Path capture, final List<String> settings)
    {
        final Path out = tempDir.resolve("out" + tempDirCount++);
        final List<String> args = new ArrayList<>(List.of(capture.toString(), "--out", out.toString(), "--no-summary"));
        args.addAll(settings);
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exitCode = new CommandLine(new StreamsCommand().streams(new PrintStream(err, true,
            StandardCharsets.UTF_8))).setCaseInsensitiveEnumValuesAllowed(true).execute(args.toArray(new String[0]));
        assertEquals(0, exitCode, capture + ": " + err.toString(StandardCharsets.UTF_8));
        return out;
    }

    private int tempDirCount;

    private static List<Row> rows(final Path agreement) throws IOException
    {
        final List<String> lines = Files.readAllLines(agreement);
        final List<Row> rows = new ArrayList<>();
        final Map<String, Integer> seen = new LinkedHashMap<>();
        for (final String line : lines.subList(1, lines.size()))
        {
            final String[] columns = line.split("\t", -1);
            final int index = seen.merge(columns[0] + " " + columns[1] + " " + columns[2], 1, Integer::sum) - 1;
            rows.add(new Row(columns[0], columns[1], columns[2], columns[5], index));
        }
        return rows;
    }
}
