package io.flowtap.tools.corpus;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The pre-built reassembly oracles of the corpus ({@code oracles/<capture>/}): tcpflow's files with its
 * {@code report.xml}, and tshark's followed streams, paired per direction as {@code tools/compare_oracles.py} pairs
 * them (the i-th tcpflow file of a source and destination, by start time, with the i-th tshark stream between them).
 */
final class TcpflowOracle
{
    /**
     * One tcpflow file object: a direction of a connection.
     *
     * @param fileName  its file's name, or null when tcpflow wrote none (no bytes).
     * @param bytes     the file's bytes (empty without a file).
     * @param startTime tcpflow's start time, as it sorts.
     * @param packets   frames tcpflow counted that way.
     * @param length    their wire bytes.
     */
    record Direction(String fileName, byte[] bytes, String startTime, long packets, long length)
    {
    }

    private TcpflowOracle()
    {
    }

    /**
     * @param oracleDir {@code oracles/<capture>}.
     * @param src       source as AGREEMENT.tsv writes it ({@code addr:port}).
     * @param dst       destination.
     * @return tcpflow's directions from src to dst, by start time.
     */
    static List<Direction> tcpflow(final Path oracleDir, final String src, final String dst)
    {
        final Path dir = oracleDir.resolve("tcpflow");
        final List<Direction> found = new ArrayList<>();
        try
        {
            final NodeList objects = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(dir.resolve("report.xml").toFile()).getElementsByTagName("fileobject");
            for (int i = 0; i < objects.getLength(); i++)
            {
                final Element object = (Element)objects.item(i);
                final NodeList flows = object.getElementsByTagName("tcpflow");
                if (flows.getLength() == 0)
                {
                    continue;
                }
                final Element flow = (Element)flows.item(0);
                final String from = endpoint(flow.getAttribute("src_ipn"), flow.getAttribute("srcport"));
                final String to = endpoint(flow.getAttribute("dst_ipn"), flow.getAttribute("dstport"));
                if (!from.equals(endpoint(src)) || !to.equals(endpoint(dst)))
                {
                    continue;
                }
                final NodeList names = object.getElementsByTagName("filename");
                String fileName = null;
                byte[] bytes = new byte[0];
                if (names.getLength() > 0)
                {
                    fileName = Path.of(names.item(0).getTextContent().trim()).getFileName().toString();
                    if (Files.exists(dir.resolve(fileName)))
                    {
                        bytes = Files.readAllBytes(dir.resolve(fileName));
                    }
                }
                found.add(new Direction(fileName, bytes, flow.getAttribute("startime"),
                    Long.parseLong(flow.getAttribute("packets")), Long.parseLong(flow.getAttribute("len"))));
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(oracleDir + ": report.xml: " + ex.getMessage(), ex);
        }
        found.sort(Comparator.comparing(Direction::startTime));
        return found;
    }

    /**
     * @param oracleDir {@code oracles/<capture>}.
     * @param src       source as AGREEMENT.tsv writes it.
     * @param dst       destination.
     * @return tshark's followed bytes from src to dst, one per stream between them, by stream number (a gap is zeros).
     */
    static List<byte[]> tshark(final Path oracleDir, final String src, final String dst)
    {
        final Path dir = oracleDir.resolve("tshark");
        final List<byte[]> found = new ArrayList<>();
        try
        {
            final List<String> lines = Files.readAllLines(dir.resolve("streams.tsv"));
            final List<String[]> rows = new ArrayList<>();
            for (final String line : lines.subList(1, lines.size()))
            {
                rows.add(line.split("\t", -1));
            }
            rows.sort(Comparator.comparingInt(row -> Integer.parseInt(row[0])));
            for (final String[] row : rows)
            {
                if (row[1].isEmpty() || row[2].isEmpty())
                {
                    continue;
                }
                final String node0 = endpoint(row[1]);
                final String node1 = endpoint(row[2]);
                final int node;
                if (node0.equals(endpoint(src)) && node1.equals(endpoint(dst)))
                {
                    node = 0;
                }
                else if (node1.equals(endpoint(src)) && node0.equals(endpoint(dst)))
                {
                    node = 1;
                }
                else
                {
                    continue;
                }
                final Path base = dir.resolve("stream" + row[0] + ".node" + node);
                final Path gapFilled = Path.of(base + ".gapfill.bin");
                found.add(Files.readAllBytes(Files.exists(gapFilled) ? gapFilled : Path.of(base + ".bin")));
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return found;
    }

    /**
     * @param text {@code addr:port}, the address possibly in brackets.
     * @return the same endpoint with the address in Java's canonical form.
     */
    static String endpoint(final String text)
    {
        final int colon = text.lastIndexOf(':');
        return endpoint(text.substring(0, colon), text.substring(colon + 1));
    }

    private static String endpoint(final String address, final String port)
    {
        try
        {
            final String literal = address.startsWith("[") ? address.substring(1, address.length() - 1) : address;
            return InetAddress.getByName(literal).getHostAddress() + ":" + Integer.parseInt(port.trim());
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException(address, ex);
        }
    }
}
