package io.flowtap.reassembly.test;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.reassembly.Direction;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Synthetic TCP traffic for the allocation test and the benchmarks, so that both run the same traffic: many
 * concurrent connections ("lanes", one client address each), interleaved one packet per lane in turn as a busy link
 * carries them, laid back to back off-heap as in a ring block (Ethernet, IPv4, TCP, valid checksums).
 * <p>
 * Each connection is a handshake (the SYNs carry MSS, SACK-permitted and window-scale options), a request of
 * {@code dataSegments} client segments of {@code payloadLength} bytes with a server ACK after every second one, a
 * response the same way round, and a FIN teardown. A lane runs its connections one after the other, each on a new
 * client port except every third, which reuses the port before it (a SYN on a closed flow: port reuse), so flows end
 * and new flows take their table slots.
 * <p>
 * {@link Order#OUT_OF_ORDER}: each direction's data is sent as a receiver on a lossy path sees it: neighbours swapped,
 * segments held back and sent three later (a hole filled late), retransmitted at once, and overlapped by a segment
 * straddling two others. {@link Order#FIRST_LATE}: the first data segment of each direction comes after all the others
 * (lost, then retransmitted), so every other segment waits behind the hole. Overlaps and retransmissions carry the same
 * bytes at the same stream offsets, and every ACK acknowledges only what its sender holds in order, so the streams have
 * no gaps and no conflicts. Every stream byte is a function of the
 * client port, the direction and the stream offset ({@link #expectedByte}), so a handler can check what it is given
 * without allocating.
 */
public final class SyntheticTraffic
{
    /** Time between two packets of the trace. */
    public static final long PACKET_SPACING_NS = TimeUnit.MICROSECONDS.toNanos(10);
    /** Time of the first packet. */
    public static final long START_NS = TimeUnit.SECONDS.toNanos(1_700_000_000L);
    /** Server port of every connection. */
    public static final int SERVER_PORT = 80;

    private static final int ETHERNET_LENGTH = 14;
    private static final int IPV4_LENGTH = 20;
    private static final int TCP_LENGTH = 20;
    private static final byte[] SYN_OPTIONS = {2, 4, 0x05, (byte)0xB4, 4, 2, 1, 3, 3, 7, 1, 1};
    private static final int CLIENT_NET = 0x0A01_0000;
    private static final int SERVER_NET = 0xC0A8_0001;

    private final int lanes;
    private final int dataSegments;
    private final int payloadLength;
    private final Order order;
    private final SplittableRandom random;
    private final Packets packets = new Packets();
    private final UnsafeBuffer frames;
    private final int[] offsets;
    private final int[] lengths;
    private int connections;

    /**
     * Generate a trace.
     *
     * @param lanes              concurrent connections (one client address each), below 65,536.
     * @param connectionsPerLane connections each lane runs, one after the other.
     * @param dataSegments       data segments of the request and of the response; even.
     * @param payloadLength      bytes of each data segment; even, at least 2.
     * @param order              in which the data segments of each direction arrive.
     * @param seed               of the random choices (ISNs, reordering).
     */
    public SyntheticTraffic(
        final int lanes,
        final int connectionsPerLane,
        final int dataSegments,
        final int payloadLength,
        final Order order,
        final long seed)
    {
        if (lanes < 1 || lanes >= 65_536 || dataSegments < 2 || (dataSegments & 1) != 0 || payloadLength < 2 ||
            (payloadLength & 1) != 0)
        {
            throw new IllegalArgumentException("lanes 1..65535, data segments and payload length even and >= 2");
        }
        this.lanes = lanes;
        this.dataSegments = dataSegments;
        this.payloadLength = payloadLength;
        this.order = order;
        this.random = new SplittableRandom(seed);
        script(connectionsPerLane);

        long total = 0;
        for (int i = 0; i < packets.count; i++)
        {
            total += frameLength(i);
        }
        if (total > Integer.MAX_VALUE - 64)
        {
            throw new IllegalArgumentException("trace too large for one buffer: " + total + " bytes");
        }
        frames = new UnsafeBuffer(BufferUtil.allocateDirectAligned((int)total + 64, 64));
        offsets = new int[packets.count];
        lengths = new int[packets.count];
        final PacketDecoder decoder = new PacketDecoder(ChecksumMode.OFF);
        int offset = 0;
        for (int i = 0; i < packets.count; i++)
        {
            offsets[i] = offset;
            lengths[i] = write(i, offset, decoder);
            offset += lengths[i];
        }
    }

    /**
     * @param clientPort of the connection.
     * @param direction  {@link Direction#TO_SERVER} or {@link Direction#TO_CLIENT}.
     * @param offset     stream offset.
     * @return the byte the stream carries there.
     */
    public static byte expectedByte(final int clientPort, final int direction, final long offset)
    {
        return (byte)(offset * 31 + clientPort * 7 + direction * 13);
    }

    /**
     * @return the frames, back to back.
     */
    public UnsafeBuffer buffer()
    {
        return frames;
    }

    /**
     * @return frames in the trace.
     */
    public int frameCount()
    {
        return packets.count;
    }

    /**
     * @param frame index.
     * @return its offset in {@link #buffer()}.
     */
    public int offset(final int frame)
    {
        return offsets[frame];
    }

    /**
     * @param frame index.
     * @return its length, captured and on the wire.
     */
    public int length(final int frame)
    {
        return lengths[frame];
    }

    /**
     * @param frame index.
     * @return its capture time.
     */
    public long timeNs(final int frame)
    {
        return START_NS + frame * PACKET_SPACING_NS;
    }

    /**
     * @return time from the first packet to one spacing after the last: the offset to add to every time when the
     * trace is replayed again after itself.
     */
    public long spanNs()
    {
        return packets.count * PACKET_SPACING_NS;
    }

    /**
     * @return connections in the trace.
     */
    public int connections()
    {
        return connections;
    }

    /**
     * @return stream bytes of every connection, both directions, each counted once (what a handler is given when
     * nothing is lost).
     */
    public long streamBytes()
    {
        return (long)connections * 2 * dataSegments * payloadLength;
    }

    /**
     * @return frames that carry payload (retransmissions and overlaps included).
     */
    public int dataFrames()
    {
        int count = 0;
        for (int i = 0; i < packets.count; i++)
        {
            count += packets.length[i] > 0 ? 1 : 0;
        }
        return count;
    }

    /**
     * Write the first frames of the trace as a classic pcap (nanosecond timestamps, Ethernet), streamed to disk.
     *
     * @param path   to write.
     * @param frameCount frames to write, at most {@link #frameCount()}.
     * @return {@code path}.
     * @throws IOException if it cannot be written.
     */
    public Path writePcap(final Path path, final int frameCount) throws IOException
    {
        final ByteBuffer out = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(0xA1B2_3C4D).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(65_535)
            .putInt(LinkType.ETHERNET);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            for (int i = 0; i < frameCount; i++)
            {
                if (out.remaining() < 16 + lengths[i])
                {
                    drain(out, channel);
                }
                final long timeNs = timeNs(i);
                out.putInt((int)(timeNs / 1_000_000_000L)).putInt((int)(timeNs % 1_000_000_000L));
                out.putInt(lengths[i]).putInt(lengths[i]);
                frames.getBytes(offsets[i], out, out.position(), lengths[i]);
                out.position(out.position() + lengths[i]);
            }
            drain(out, channel);
        }
        return path;
    }

    private static void drain(final ByteBuffer out, final FileChannel channel) throws IOException
    {
        out.flip();
        while (out.hasRemaining())
        {
            channel.write(out);
        }
        out.clear();
    }

    /**
     * Interleave the lanes: one packet from each in turn, each lane scripting its next connection when the last has
     * been sent.
     */
    private void script(final int connectionsPerLane)
    {
        final List<List<long[]>> queues = new ArrayList<>(lanes);
        final int[] next = new int[lanes];
        final int[] generation = new int[lanes];
        for (int lane = 0; lane < lanes; lane++)
        {
            queues.add(new ArrayList<>());
        }
        boolean sent = true;
        while (sent)
        {
            sent = false;
            for (int lane = 0; lane < lanes; lane++)
            {
                List<long[]> queue = queues.get(lane);
                if (next[lane] == queue.size())
                {
                    if (generation[lane] == connectionsPerLane)
                    {
                        continue;
                    }
                    queue = connection(lane, generation[lane]++);
                    queues.set(lane, queue);
                    next[lane] = 0;
                }
                packets.add(queue.get(next[lane]++));
                sent = true;
            }
        }
    }

    private static int clientPort(final int generation)
    {
        final int base = generation % 3 == 2 ? generation - 1 : generation;
        return 1024 + base % 60_000;
    }

    /**
     * One connection's packets in the order they are captured.
     */
    private List<long[]> connection(final int lane, final int generation)
    {
        connections++;
        final int port = clientPort(generation);
        final long clientIsn = random.nextLong() & 0xFFFF_FFFFL;
        final long serverIsn = random.nextLong() & 0xFFFF_FFFFL;
        final long clientData = clientIsn + 1;
        final long serverData = serverIsn + 1;
        final int streamLength = dataSegments * payloadLength;
        final List<long[]> script = new ArrayList<>(6 + 4 * dataSegments);
        final int syn = TcpFlyweight.SYN;
        final int ack = TcpFlyweight.ACK;
        final int data = TcpFlyweight.ACK | TcpFlyweight.PSH;
        final int fin = TcpFlyweight.FIN | TcpFlyweight.ACK;

        script.add(packet(lane, port, Direction.TO_SERVER, syn, clientIsn, 0, 0, 0));
        script.add(packet(lane, port, Direction.TO_CLIENT, syn | ack, serverIsn, clientData, 0, 0));
        script.add(packet(lane, port, Direction.TO_SERVER, ack, clientData, serverData, 0, 0));
        exchange(script, lane, port, Direction.TO_SERVER, clientData, serverData, data);
        exchange(script, lane, port, Direction.TO_CLIENT, serverData, clientData + streamLength, data);
        script.add(packet(lane, port, Direction.TO_SERVER, fin, clientData + streamLength, serverData + streamLength,
            0, 0));
        script.add(packet(lane, port, Direction.TO_CLIENT, fin, serverData + streamLength,
            clientData + streamLength + 1, 0, 0));
        script.add(packet(lane, port, Direction.TO_SERVER, ack, clientData + streamLength + 1,
            serverData + streamLength + 1, 0, 0));
        return script;
    }

    /**
     * One direction's data, with the receiver's ACK after every second segment, acknowledging what it holds in order.
     */
    private void exchange(
        final List<long[]> script,
        final int lane,
        final int port,
        final int direction,
        final long senderData,
        final long receiverNext,
        final int flags)
    {
        final int streamLength = dataSegments * payloadLength;
        final boolean[] received = new boolean[streamLength];
        int inOrder = 0;
        int sent = 0;
        for (final int[] piece : pieces())
        {
            final int start = piece[0];
            final int length = Math.min(piece[1], streamLength - start);
            script.add(packet(lane, port, direction, flags, senderData + start, receiverNext, start, length));
            Arrays.fill(received, start, start + length, true);
            while (inOrder < streamLength && received[inOrder])
            {
                inOrder++;
            }
            if (++sent % 2 == 0)
            {
                script.add(packet(lane, port, Direction.opposite(direction), TcpFlyweight.ACK, receiverNext,
                    senderData + inOrder, 0, 0));
            }
        }
    }

    /**
     * The data segments of one direction as {start, length} in the order they are sent.
     */
    private List<int[]> pieces()
    {
        final List<int[]> pieces = new ArrayList<>(dataSegments * 2);
        for (int j = 0; j < dataSegments; j++)
        {
            pieces.add(new int[] {j * payloadLength, payloadLength});
        }
        if (order == Order.FIRST_LATE)
        {
            pieces.add(pieces.remove(0));
        }
        if (order != Order.OUT_OF_ORDER)
        {
            return pieces;
        }
        for (int j = 0; j + 1 < dataSegments; j += 2)
        {
            if (random.nextInt(10) < 3)
            {
                pieces.set(j, pieces.set(j + 1, pieces.get(j)));
            }
        }
        for (int k = 0; k < pieces.size(); k++)
        {
            if (random.nextInt(100) < 15)
            {
                pieces.add(Math.min(k + 3, pieces.size() - 1), pieces.remove(k));
            }
        }
        final List<int[]> sent = new ArrayList<>(dataSegments * 2);
        for (final int[] piece : pieces)
        {
            sent.add(piece);
            if (random.nextInt(10) == 0)
            {
                sent.add(piece);
            }
            if (random.nextInt(10) == 0 && piece[0] + payloadLength < dataSegments * payloadLength)
            {
                sent.add(new int[] {piece[0] + payloadLength / 2, payloadLength});
            }
        }
        return sent;
    }

    private static long[] packet(
        final int lane,
        final int port,
        final int direction,
        final int flags,
        final long seq,
        final long ack,
        final int streamOffset,
        final int length)
    {
        return new long[] {lane, port, direction, flags, seq & 0xFFFF_FFFFL, ack & 0xFFFF_FFFFL, streamOffset, length};
    }

    private int frameLength(final int i)
    {
        final boolean syn = (packets.flags[i] & TcpFlyweight.SYN) != 0;
        return ETHERNET_LENGTH + IPV4_LENGTH + TCP_LENGTH + (syn ? SYN_OPTIONS.length : 0) + packets.length[i];
    }

    private int write(final int i, final int at, final PacketDecoder decoder)
    {
        final int frameLength = frameLength(i);
        final int lane = packets.lane[i];
        final int port = packets.port[i];
        final int direction = packets.direction[i];
        final boolean toServer = direction == Direction.TO_SERVER;
        final int client = CLIENT_NET | lane;
        final int server = SERVER_NET + (lane & 15);
        final boolean syn = (packets.flags[i] & TcpFlyweight.SYN) != 0;
        final int tcpHeaderLength = TCP_LENGTH + (syn ? SYN_OPTIONS.length : 0);

        frames.putInt(at, toServer ? 0x0200_0000 : 0x0200_0001, ByteOrder.BIG_ENDIAN);
        frames.putShort(at + 4, (short)lane, ByteOrder.BIG_ENDIAN);
        frames.putInt(at + 6, toServer ? 0x0200_0001 : 0x0200_0000, ByteOrder.BIG_ENDIAN);
        frames.putShort(at + 10, (short)lane, ByteOrder.BIG_ENDIAN);
        frames.putShort(at + 12, (short)0x0800, ByteOrder.BIG_ENDIAN);

        final int ip = at + ETHERNET_LENGTH;
        frames.putByte(ip, (byte)0x45);
        frames.putByte(ip + 1, (byte)0);
        frames.putShort(ip + 2, (short)(frameLength - ETHERNET_LENGTH), ByteOrder.BIG_ENDIAN);
        frames.putShort(ip + 4, (short)i, ByteOrder.BIG_ENDIAN);
        frames.putShort(ip + 6, (short)0x4000, ByteOrder.BIG_ENDIAN);
        frames.putByte(ip + 8, (byte)64);
        frames.putByte(ip + 9, (byte)6);
        frames.putShort(ip + 10, (short)0);
        frames.putInt(ip + 12, toServer ? client : server, ByteOrder.BIG_ENDIAN);
        frames.putInt(ip + 16, toServer ? server : client, ByteOrder.BIG_ENDIAN);
        frames.putShort(ip + 10, (short)ipChecksum(ip), ByteOrder.BIG_ENDIAN);

        final int tcp = ip + IPV4_LENGTH;
        frames.putShort(tcp, (short)(toServer ? port : SERVER_PORT), ByteOrder.BIG_ENDIAN);
        frames.putShort(tcp + 2, (short)(toServer ? SERVER_PORT : port), ByteOrder.BIG_ENDIAN);
        frames.putInt(tcp + 4, (int)packets.seq[i], ByteOrder.BIG_ENDIAN);
        frames.putInt(tcp + 8, (int)packets.ack[i], ByteOrder.BIG_ENDIAN);
        frames.putByte(tcp + 12, (byte)((tcpHeaderLength / 4) << 4));
        frames.putByte(tcp + 13, (byte)packets.flags[i]);
        frames.putShort(tcp + 14, (short)0xFFFF, ByteOrder.BIG_ENDIAN);
        frames.putInt(tcp + 16, 0);
        if (syn)
        {
            frames.putBytes(tcp + TCP_LENGTH, SYN_OPTIONS);
        }
        final int payload = tcp + tcpHeaderLength;
        final int streamOffset = packets.streamOffset[i];
        for (int b = 0; b < packets.length[i]; b++)
        {
            frames.putByte(payload + b, expectedByte(port, direction, streamOffset + b));
        }

        if (!decoder.decode(frames, at, frameLength, false, LinkType.ETHERNET, Frame.CHECKSUM_UNKNOWN,
            Frame.NO_VLAN_TCI))
        {
            throw new IllegalStateException("frame " + i + " does not decode: " + decoder.outcome());
        }
        decoder.tcp().updateChecksum();
        return frameLength;
    }

    private int ipChecksum(final int ip)
    {
        int sum = 0;
        for (int i = 0; i < IPV4_LENGTH; i += 2)
        {
            sum += frames.getShort(ip + i, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~sum & 0xFFFF;
    }

    /**
     * In which order each direction's data segments arrive.
     */
    public enum Order
    {
        /** As sent. */
        IN_ORDER,
        /** Swapped in pairs, some held back three segments, some retransmitted, some overlapped. */
        OUT_OF_ORDER,
        /** The first one after all the others: a hole at the front that everything else waits behind. */
        FIRST_LATE
    }

    /**
     * The scripted packets, in capture order, in primitive arrays.
     */
    private static final class Packets
    {
        int count;
        int[] lane = new int[1024];
        int[] port = new int[1024];
        int[] direction = new int[1024];
        int[] flags = new int[1024];
        long[] seq = new long[1024];
        long[] ack = new long[1024];
        int[] streamOffset = new int[1024];
        int[] length = new int[1024];

        void add(final long[] packet)
        {
            if (count == lane.length)
            {
                final int capacity = count * 2;
                lane = Arrays.copyOf(lane, capacity);
                port = Arrays.copyOf(port, capacity);
                direction = Arrays.copyOf(direction, capacity);
                flags = Arrays.copyOf(flags, capacity);
                seq = Arrays.copyOf(seq, capacity);
                ack = Arrays.copyOf(ack, capacity);
                streamOffset = Arrays.copyOf(streamOffset, capacity);
                length = Arrays.copyOf(length, capacity);
            }
            lane[count] = (int)packet[0];
            port[count] = (int)packet[1];
            direction[count] = (int)packet[2];
            flags[count] = (int)packet[3];
            seq[count] = packet[4];
            ack[count] = packet[5];
            streamOffset[count] = (int)packet[6];
            length[count] = (int)packet[7];
            count++;
        }
    }
}
