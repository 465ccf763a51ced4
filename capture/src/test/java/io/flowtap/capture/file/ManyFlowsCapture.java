package io.flowtap.capture.file;

import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.TcpFlyweight;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The capture the zero-allocation tests measure a steady state on: {@link #FLOWS} connections from 10.1.x.y to
 * 10.2.0.1:80, every handshake first, then {@link #DATA_SEGMENTS_PER_DIRECTION} segments of {@link #PAYLOAD} bytes
 * each way interleaved over all flows (the first byte numbering the segment), then every close; 10 µs apart.
 */
public final class ManyFlowsCapture
{
    /** Connections. */
    public static final int FLOWS = 500;
    /** Data segments each way per connection. */
    public static final int DATA_SEGMENTS_PER_DIRECTION = 250;
    /** Bytes of each data segment. */
    public static final int PAYLOAD = 100;

    private static final byte[] SERVER = {10, 2, 0, 1};

    private ManyFlowsCapture()
    {
    }

    /**
     * @param file to write, a pcap with nanosecond timestamps.
     * @return frames written.
     * @throws IOException writing it.
     */
    public static long write(final Path file) throws IOException
    {
        final PcapTestWriter writer = new PcapTestWriter(
            ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_NANOSECONDS, 65535, LinkType.ETHERNET);
        final long[] timeNs = {1_700_000_000_000_000_000L};
        long count = 0;
        final byte[] none = new byte[0];
        final byte[] payload = new byte[PAYLOAD];
        for (int f = 0; f < FLOWS; f++)
        {
            count += write(writer, timeNs, f, true, TcpFlyweight.SYN, 0, 0, none);
            count += write(writer, timeNs, f, false, TcpFlyweight.SYN | TcpFlyweight.ACK, 0, 1, none);
            count += write(writer, timeNs, f, true, TcpFlyweight.ACK, 1, 1, none);
        }
        for (int i = 0; i < DATA_SEGMENTS_PER_DIRECTION; i++)
        {
            for (int f = 0; f < FLOWS; f++)
            {
                payload[0] = (byte)i;
                final long offset = 1 + (long)i * PAYLOAD;
                final int flags = TcpFlyweight.ACK | TcpFlyweight.PSH;
                count += write(writer, timeNs, f, true, flags, offset, offset, payload);
                count += write(writer, timeNs, f, false, flags, offset, offset + PAYLOAD, payload);
            }
        }
        final long end = 1 + (long)DATA_SEGMENTS_PER_DIRECTION * PAYLOAD;
        for (int f = 0; f < FLOWS; f++)
        {
            count += write(writer, timeNs, f, true, TcpFlyweight.FIN | TcpFlyweight.ACK, end, end, none);
            count += write(writer, timeNs, f, false, TcpFlyweight.FIN | TcpFlyweight.ACK, end, end + 1, none);
            count += write(writer, timeNs, f, true, TcpFlyweight.ACK, end + 1, end + 1, none);
        }
        writer.writeTo(file);
        return count;
    }

    private static int write(
        final PcapTestWriter writer,
        final long[] timeNs,
        final int flow,
        final boolean fromClient,
        final int flags,
        final long seqOffset,
        final long ackOffset,
        final byte[] payload)
    {
        final byte[] client = {10, 1, (byte)(flow >>> 8), (byte)flow};
        final long clientIsn = 1000L * flow;
        final long serverIsn = 5000L * flow + 7;
        final byte[] frame = fromClient ?
            PacketBuilder.ethernet().ipv4(client, SERVER).ports(20000 + flow, 80)
                .seqAck(clientIsn + seqOffset, (flags & TcpFlyweight.ACK) != 0 ? serverIsn + ackOffset : 0)
                .flags(flags).payload(payload).build() :
            PacketBuilder.ethernet().ipv4(SERVER, client).ports(80, 20000 + flow)
                .seqAck(serverIsn + seqOffset, clientIsn + ackOffset).flags(flags).payload(payload).build();
        timeNs[0] += 10_000;
        writer.record(timeNs[0] / 1_000_000_000L, timeNs[0] % 1_000_000_000L, frame, frame.length);
        return 1;
    }
}
