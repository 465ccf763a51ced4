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
 * @param encapsulation     the tunnel frames were written in.
 * @param fragmented        data packets cut into IP fragments.
 * @param fragments         fragments they were cut into.
 * @param spanDuplicates    frames written twice, as a SPAN port delivers them.
 * @param offloaded         client frames whose TCP checksum was left to the NIC.
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
    long overlapsHeld,
    Encapsulation encapsulation,
    long fragmented,
    long fragments,
    long spanDuplicates,
    long offloaded)
{
    /**
     * @return one line for a person.
     */
    public String describe()
    {
        final StringBuilder sensor = new StringBuilder();
        if (encapsulation != Encapsulation.NONE)
        {
            sensor.append("; every frame in ").append(encapsulation.label());
        }
        if (fragmented > 0)
        {
            sensor.append(String.format(Locale.ROOT, "; fragmented %,d packets into %,d fragments", fragmented,
                fragments));
        }
        if (spanDuplicates > 0)
        {
            sensor.append(String.format(Locale.ROOT, "; SPAN duplicates %,d", spanDuplicates));
        }
        if (offloaded > 0)
        {
            sensor.append(String.format(Locale.ROOT, "; client checksums left to the NIC on %,d frames", offloaded));
        }
        return String.format(Locale.ROOT, "%,d packets, %,d connections, %,d bytes, median frame %d bytes; " +
            "lost %,d, reordered %,d, duplicated %,d, conflicting overlaps %,d after ack and %,d held",
            packets, connections, bytes, medianFrameLength, lost, reordered, duplicated, overlapsAcked, overlapsHeld) +
            sensor;
    }
}
