package io.flowtap.perf.gen;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What each stream of a generated capture should reassemble to, as {@code flowtap streams} writes it by default:
 * one file per direction named as tcpflow names it ({@code SRCIP.SRCPORT-DSTIP.DSTPORT}, octets padded to three
 * digits and ports to five), zeros where bytes were lost; and {@value #MANIFEST} with one JSON line per direction
 * giving its file, length and lost ranges as stream offsets.
 * <p>
 * Not thread safe.
 */
public final class ExpectedStreams implements AutoCloseable
{
    /** The manifest's name inside the directory. */
    public static final String MANIFEST = "expected.jsonl";

    private final Path directory;
    private final BufferedWriter manifest;
    private final StringBuilder line = new StringBuilder();

    ExpectedStreams(final Path directory) throws IOException
    {
        this.directory = directory;
        Files.createDirectories(directory);
        manifest = Files.newBufferedWriter(directory.resolve(MANIFEST), StandardCharsets.UTF_8);
    }

    void write(final ConnectionPlan plan) throws IOException
    {
        for (int direction = 0; direction < 2; direction++)
        {
            final ConnectionPlan.ByteSink stream = plan.streams[direction];
            if (stream.length() == 0)
            {
                continue;
            }
            final String name = direction == PlannedSegment.CLIENT ?
                name(plan.clientAddress, plan.clientPort, plan.serverAddress, plan.serverPort) :
                name(plan.serverAddress, plan.serverPort, plan.clientAddress, plan.clientPort);
            try (OutputStream out = Files.newOutputStream(directory.resolve(name)))
            {
                out.write(stream.bytes(), 0, stream.length());
            }
            line.setLength(0);
            line.append("{\"file\":\"").append(name).append("\",\"bytes\":").append(stream.length())
                .append(",\"gaps\":[");
            boolean first = true;
            for (final long[] range : plan.lost)
            {
                if (range[0] == direction)
                {
                    line.append(first ? "" : ",").append('[').append(range[1]).append(',').append(range[2])
                        .append(']');
                    first = false;
                }
            }
            manifest.append(line.append("]}\n"));
        }
    }

    /**
     * @param srcAddress IPv4 source.
     * @param srcPort    source port.
     * @param dstAddress IPv4 destination.
     * @param dstPort    destination port.
     * @return tcpflow's file name of that direction.
     */
    public static String name(final int srcAddress, final int srcPort, final int dstAddress, final int dstPort)
    {
        return String.format(Locale.ROOT, "%03d.%03d.%03d.%03d.%05d-%03d.%03d.%03d.%03d.%05d",
            srcAddress >>> 24, (srcAddress >>> 16) & 0xFF, (srcAddress >>> 8) & 0xFF, srcAddress & 0xFF, srcPort,
            dstAddress >>> 24, (dstAddress >>> 16) & 0xFF, (dstAddress >>> 8) & 0xFF, dstAddress & 0xFF, dstPort);
    }

    @Override
    public void close() throws IOException
    {
        manifest.close();
    }
}
