package io.flowtap.perf.capture;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.PacketDecoder;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpPacket;
import org.pcap4j.packet.TcpPacket;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Cost of decoding one frame down to its TCP segment, flowtap's flyweights beside pcap4j's object decoder (a peer
 * measured in the same run). Frames have varied ports and sequence numbers and are laid out back to back off-heap,
 * as in a ring block.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dagrona.disable.bounds.checks=true")
public class DecodeBenchmark
{
    private static final int FRAME_COUNT = 1024;
    private static final int MASK = FRAME_COUNT - 1;
    private static final int HEADERS_LENGTH = 14 + 20 + 20;

    /** Frame size on the wire, Ethernet header included. */
    @Param({"64", "900", "1514"})
    public int frameSize;

    /** Whether the TCP checksum is verified in software. */
    @Param({"OFF", "VERIFY"})
    public ChecksumMode checksum;

    /** {@code ipv4}: every frame plain IPv4; {@code mixed}: 80% IPv4, 10% 802.1Q-tagged IPv4, 10% IPv6. */
    @Param({"ipv4", "mixed"})
    public String mix;

    private final Frame frame = new Frame();
    private final int[] offsets = new int[FRAME_COUNT];
    private final int[] lengths = new int[FRAME_COUNT];
    private final byte[][] heapFrames = new byte[FRAME_COUNT][];
    private UnsafeBuffer block;
    private PacketDecoder decoder;
    private int index;

    /**
     * Build the frames.
     */
    @Setup
    public void setup()
    {
        decoder = new PacketDecoder(checksum);
        final SplittableRandom random = new SplittableRandom(42);
        int total = 0;
        for (int i = 0; i < FRAME_COUNT; i++)
        {
            final int kind = "mixed".equals(mix) ? random.nextInt(10) : 0;
            final byte[] payload = new byte[Math.max(0, frameSize - HEADERS_LENGTH - (kind == 9 ? 20 : 0))];
            random.nextBytes(payload);
            PacketBuilder builder = PacketBuilder.ethernet();
            if (kind == 8)
            {
                builder = builder.vlan(EtherType.VLAN, 100 + i % 7);
            }
            else if (kind == 9)
            {
                final byte[] src = new byte[16];
                final byte[] dst = new byte[16];
                random.nextBytes(src);
                random.nextBytes(dst);
                builder = builder.ipv6(src, dst);
            }
            heapFrames[i] = builder.ports(1024 + random.nextInt(60000), 80).seqAck(random.nextLong() >>> 32, i)
                .payload(payload).build();
            total += heapFrames[i].length;
        }

        block = new UnsafeBuffer(BufferUtil.allocateDirectAligned(total + 64, 64));
        int offset = 0;
        for (int i = 0; i < FRAME_COUNT; i++)
        {
            block.putBytes(offset, heapFrames[i]);
            offsets[i] = offset;
            lengths[i] = heapFrames[i].length;
            offset += lengths[i];
        }
    }

    /**
     * flowtap: decode in place, read the fields a flow table needs.
     *
     * @return a field, so the work is not dead code.
     */
    @Benchmark
    public long flowtap()
    {
        final int i = index++ & MASK;
        frame.wrap(block, offsets[i], lengths[i], lengths[i], 0, LinkType.ETHERNET);
        if (decoder.decode(frame))
        {
            return decoder.tcp().seq() + decoder.tcp().srcPort() + decoder.checksumStatus();
        }
        return -1;
    }

    /**
     * The floor: touch the bytes a decoder must read (EtherType, IP version, TCP ports and sequence) without
     * decoding, so the cost of reaching the frame's cache lines is told apart from the cost of decoding.
     *
     * @return the bytes read, so the work is not dead code.
     */
    @Benchmark
    public long touchHeaders()
    {
        final int i = index++ & MASK;
        final int offset = offsets[i];
        return block.getShort(offset + 12) + block.getByte(offset + 14) + block.getLong(offset + 34);
    }

    /**
     * pcap4j: parse the frame into objects from a heap array (its API takes no off-heap memory), then read the same
     * fields.
     *
     * @return a field, so the work is not dead code.
     * @throws IllegalRawDataException never, the frames are well formed.
     */
    @Benchmark
    public long pcap4j() throws IllegalRawDataException
    {
        final int i = index++ & MASK;
        final EthernetPacket ethernet = EthernetPacket.newPacket(heapFrames[i], 0, lengths[i]);
        final TcpPacket tcp = ethernet.get(TcpPacket.class);
        long result = tcp.getHeader().getSequenceNumberAsLong() + tcp.getHeader().getSrcPort().valueAsInt();
        if (checksum == ChecksumMode.VERIFY)
        {
            final IpPacket ip = ethernet.get(IpPacket.class);
            result += tcp.hasValidChecksum(ip.getHeader().getSrcAddr(), ip.getHeader().getDstAddr(), false) ? 1 : 0;
        }
        return result;
    }
}
