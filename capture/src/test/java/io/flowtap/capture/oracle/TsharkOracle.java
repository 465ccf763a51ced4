package io.flowtap.capture.oracle;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * What tshark said about every TCP frame of a set of captures: the gzipped TSV written by
 * {@code capture/src/test/oracle/tshark-tcp-fields.sh} (its README gives the format and the pinned preferences).
 */
public final class TsharkOracle
{
    /**
     * One capture: how many frames tshark read, whether it stopped on an error, and its TCP rows by frame number.
     *
     * @param path   relative to the corpus or bundle directory.
     * @param frames tshark read.
     * @param status "ok" or tshark's error.
     * @param rows   by frame number.
     */
    public record Capture(String path, long frames, String status, Map<Long, Row> rows)
    {
        /**
         * @return whether tshark read the whole file without an error.
         */
        public boolean isClean()
        {
            return "ok".equals(status);
        }
    }

    /**
     * One frame with a TCP layer. Multi-valued fields (several TCP or IP layers) keep tshark's comma-separated
     * list, outermost first; {@link #first(int)} takes the first value.
     *
     * @param frame     frame.number.
     * @param protocols frame.protocols.
     * @param columns   every column as text.
     */
    public record Row(long frame, String protocols, String[] columns)
    {
        /** Column of tcp.srcport. */
        public static final int SRCPORT = 2;
        /** Column of tcp.dstport. */
        public static final int DSTPORT = 3;
        /** Column of tcp.seq_raw. */
        public static final int SEQ = 4;
        /** Column of tcp.ack_raw. */
        public static final int ACK = 5;
        /** Column of tcp.flags. */
        public static final int FLAGS = 6;
        /** Column of tcp.window_size_value. */
        public static final int WINDOW = 7;
        /** Column of tcp.hdr_len. */
        public static final int HDR_LEN = 8;
        /** Column of tcp.len. */
        public static final int LEN = 9;
        /** Column of tcp.checksum.status. */
        public static final int CHECKSUM_STATUS = 10;
        /** Column of tcp.urgent_pointer. */
        public static final int URGENT_POINTER = 11;
        /** Column of ip.src. */
        public static final int IP_SRC = 12;
        /** Column of ipv6.src. */
        public static final int IPV6_SRC = 13;
        /** Column of ip.dst. */
        public static final int IP_DST = 14;
        /** Column of ipv6.dst. */
        public static final int IPV6_DST = 15;
        /** Column of frame.time_epoch. */
        public static final int TIME_EPOCH = 16;
        /** Column of frame.cap_len. */
        public static final int CAP_LEN = 17;
        /** Column of frame.len. */
        public static final int LEN_ON_WIRE = 18;

        /**
         * @param column index.
         * @return the first of the column's comma-separated values, or "" when the field was absent.
         */
        public String first(final int column)
        {
            final String value = column < columns.length ? columns[column] : "";
            final int comma = value.indexOf(',');
            return comma < 0 ? value : value.substring(0, comma);
        }

        /**
         * @param column index.
         * @param n      which of the column's comma-separated values, from 0 (the outermost layer's).
         * @return that value, or "" when there are fewer.
         */
        public String nth(final int column, final int n)
        {
            final String value = column < columns.length ? columns[column] : "";
            final String[] values = value.split(",", -1);
            return n < values.length ? values[n] : "";
        }

        /**
         * @param layer a protocol name, such as {@code ip}.
         * @return how many times it occurs in {@link #encapsulation()}: the layers of it before the first TCP.
         */
        public int layersBeforeTcp(final String layer)
        {
            int count = 0;
            for (final String name : encapsulation().split(":"))
            {
                count += name.equals(layer) ? 1 : 0;
            }
            return count;
        }

        /**
         * @param column index.
         * @return the first value as a number, hex when it starts with 0x; -1 when absent.
         */
        public long number(final int column)
        {
            final String value = first(column);
            if (value.isEmpty())
            {
                return -1;
            }
            return value.startsWith("0x") ? Long.parseLong(value.substring(2), 16) : Long.parseLong(value);
        }

        /**
         * @return frame.time_epoch in nanoseconds.
         */
        public long timeEpochNs()
        {
            final String value = first(TIME_EPOCH);
            final int dot = value.indexOf('.');
            final long seconds = Long.parseLong(dot < 0 ? value : value.substring(0, dot));
            final String fraction = dot < 0 ? "" : (value.substring(dot + 1) + "000000000").substring(0, 9);
            return seconds * 1_000_000_000L + (fraction.isEmpty() ? 0 : Long.parseLong(fraction));
        }

        /**
         * @return the encapsulation up to the first TCP layer, e.g. {@code eth:ethertype:vlan:ethertype:ip}.
         */
        public String encapsulation()
        {
            final int tcp = (":" + protocols + ":").indexOf(":tcp:");
            return tcp <= 0 ? protocols : protocols.substring(0, tcp - 1);
        }
    }

    private TsharkOracle()
    {
    }

    /**
     * @param gzippedTsv the oracle file.
     * @return its captures by path, in file order.
     */
    public static Map<String, Capture> load(final Path gzippedTsv)
    {
        try (InputStream in = Files.newInputStream(gzippedTsv))
        {
            return load(in);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @param gzippedTsv the oracle, as a stream.
     * @return its captures by path, in file order.
     * @throws IOException if it cannot be read.
     */
    public static Map<String, Capture> load(final InputStream gzippedTsv) throws IOException
    {
        final Map<String, Capture> captures = new LinkedHashMap<>();
        final BufferedReader reader = new BufferedReader(
            new InputStreamReader(new GZIPInputStream(gzippedTsv, 1 << 16), StandardCharsets.UTF_8));
        Capture current = null;
        String line;
        while ((line = reader.readLine()) != null)
        {
            if (line.startsWith("#capture\t"))
            {
                final String[] parts = line.split("\t", 4);
                current = new Capture(parts[1], Long.parseLong(parts[2]), parts[3], new LinkedHashMap<>());
                captures.put(current.path(), current);
            }
            else if (!line.startsWith("#") && current != null && !line.isEmpty())
            {
                final String[] columns = line.split("\t", -1);
                final Row row = new Row(Long.parseLong(columns[0]), columns[1], columns);
                current.rows().put(row.frame(), row);
            }
        }
        return captures;
    }
}
