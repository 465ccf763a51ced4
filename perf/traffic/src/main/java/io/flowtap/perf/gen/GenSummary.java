package io.flowtap.perf.gen;

import java.util.Locale;

/**
 * What a {@link TrafficGenerator} run wrote.
 *
 * @param packets           frames in the capture.
 * @param connections       TCP connections.
 * @param bytes             of frames, without pcap headers.
 * @param medianFrameLength median frame length in bytes.
 * @param lost              data segments left out.
 * @param reordered         data segments moved after their successor.
 * @param duplicated        data segments captured twice.
 * @param overlapsAcked     conflicting retransmissions after the original was acknowledged.
 * @param overlapsHeld      conflicting retransmissions while the original was held out of order.
 */
public record GenSummary(
    long packets,
    long connections,
    long bytes,
    int medianFrameLength,
    long lost,
    long reordered,
    long duplicated,
    long overlapsAcked,
    long overlapsHeld)
{
    /**
     * @return one line for a person.
     */
    public String describe()
    {
        return String.format(Locale.ROOT, "%,d packets, %,d connections, %,d bytes, median frame %d bytes; " +
            "lost %,d, reordered %,d, duplicated %,d, conflicting overlaps %,d after ack and %,d held",
            packets, connections, bytes, medianFrameLength, lost, reordered, duplicated, overlapsAcked, overlapsHeld);
    }
}
