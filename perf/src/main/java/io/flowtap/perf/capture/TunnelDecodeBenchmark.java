package io.flowtap.perf.capture;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Cost of opening a tunnel: decoding one frame down to its inner TCP segment when every frame is the same TCP
 * segment bare ({@code none}) or in one layer of VXLAN, Geneve (with an 8-byte option) or GRE (IPv4 inside), as a
 * cloud mirror or an ERSPAN session delivers it. The decapsulation cost is a tunnel's time less {@code none}'s in the
 * same run. Frames have varied ports, sequence numbers, outer addresses and VNIs and are laid out back to back
 * off-heap, as in a ring block; checksums are not verified (the inner TCP checksum costs the same either way).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dagrona.disable.bounds.checks=true")
public class TunnelDecodeBenchmark
{
    private static final int FRAME_COUNT = 1024;
    private static final int MASK = FRAME_COUNT - 1;
    private static final int HEADERS_LENGTH = 14 + 20 + 20;
    private static final int ETHERNET = 14;
    private static final int IPV4 = 20;
    private static final int UDP = 8;

    /** Inner frame size, Ethernet header included. */
    @Param({"128", "1514"})
    public int frameSize;

    /** The tunnel around every frame. */
    @Param({"none", "vxlan", "geneve", "gre"})
    public String tunnel;

    private final Frame frame = new Frame();
    private final int[] offsets = new int[FRAME_COUNT];
    private final int[] lengths = new int[FRAME_COUNT];
    private UnsafeBuffer block;
    private PacketDecoder decoder;
    private int index;

    /**
     * Build the frames.
     */
    @Setup
    public void setup()
    {
        decoder = new PacketDecoder(ChecksumMode.OFF);
        final SplittableRandom random = new SplittableRandom(42);
        final byte[][] frames = new byte[FRAME_COUNT][];
        int total = 0;
        for (int i = 0; i < FRAME_COUNT; i++)
        {
            final byte[] payload = new byte[frameSize - HEADERS_LENGTH];
            random.nextBytes(payload);
            final byte[] inner = PacketBuilder.ethernet().ports(1024 + random.nextInt(60000), 80)
                .seqAck(random.nextLong() >>> 32, i).payload(payload).build();
            frames[i] = wrap(inner, random.nextInt(), 5000 + random.nextInt(64));
            total += frames[i].length;
        }
        block = new UnsafeBuffer(BufferUtil.allocateDirectAligned(total + 64, 64));
        int offset = 0;
        for (int i = 0; i < FRAME_COUNT; i++)
        {
            block.putBytes(offset, frames[i]);
            offsets[i] = offset;
            lengths[i] = frames[i].length;
            offset += lengths[i];
        }
        frame.wrap(block, offsets[0], lengths[0], lengths[0], 0, LinkType.ETHERNET);
        if (!decoder.decode(frame) || !"none".equals(tunnel) != decoder.isEncapsulated())
        {
            throw new IllegalStateException(tunnel + ": the frames do not decode as meant");
        }
    }

    /**
     * flowtap: decode in place through the tunnel, read the fields a flow table needs.
     *
     * @return a field, so the work is not dead code.
     */
    @Benchmark
    public long decode()
    {
        final int i = index++ & MASK;
        frame.wrap(block, offsets[i], lengths[i], lengths[i], 0, LinkType.ETHERNET);
        if (decoder.decode(frame))
        {
            return decoder.tcp().seq() + decoder.tcp().srcPort() + decoder.tunnelId();
        }
        return -1;
    }

    private byte[] wrap(final byte[] inner, final int outerSource, final int vni)
    {
        if ("none".equals(tunnel))
        {
            return inner;
        }
        final boolean gre = "gre".equals(tunnel);
        final boolean geneve = "geneve".equals(tunnel);
        final int tunnelHeader = gre ? 4 : UDP + (geneve ? 16 : 8);
        // GRE carries the inner IP packet (protocol type IPv4); VXLAN and Geneve carry the whole Ethernet frame.
        final int innerFrom = gre ? ETHERNET : 0;
        final int innerLength = inner.length - innerFrom;
        final int length = ETHERNET + IPV4 + tunnelHeader + innerLength;
        final UnsafeBuffer out = new UnsafeBuffer(new byte[length]);
        out.putBytes(0, inner, 0, 12);
        out.putShort(12, (short)0x0800, BIG_ENDIAN);
        int at = ETHERNET;
        out.putByte(at, (byte)0x45);
        out.putShort(at + 2, (short)(length - ETHERNET), BIG_ENDIAN);
        out.putShort(at + 6, (short)0x4000, BIG_ENDIAN);
        out.putByte(at + 8, (byte)64);
        out.putByte(at + 9, (byte)(gre ? 47 : 17));
        out.putInt(at + 12, 0x0A00_0000 | (outerSource & 0xFFFF), BIG_ENDIAN);
        out.putInt(at + 16, 0x0A01_0001, BIG_ENDIAN);
        at += IPV4;
        if (gre)
        {
            out.putShort(at + 2, (short)0x0800, BIG_ENDIAN);
        }
        else
        {
            out.putShort(at, (short)(49152 + (outerSource >>> 18)), BIG_ENDIAN);
            out.putShort(at + 2, (short)(geneve ? 6081 : 4789), BIG_ENDIAN);
            out.putShort(at + 4, (short)(length - at), BIG_ENDIAN);
            at += UDP;
            if (geneve)
            {
                // Version 0, 8 bytes of options; protocol Transparent Ethernet Bridging; the VNI; one option
                // (class 0x0103, type 0x80) with 4 bytes of data.
                out.putByte(at, (byte)2);
                out.putShort(at + 2, (short)0x6558, BIG_ENDIAN);
                out.putInt(at + 4, vni << 8, BIG_ENDIAN);
                out.putShort(at + 8, (short)0x0103, BIG_ENDIAN);
                out.putByte(at + 10, (byte)0x80);
                out.putByte(at + 11, (byte)1);
            }
            else
            {
                out.putByte(at, (byte)0x08);
                out.putInt(at + 4, vni << 8, BIG_ENDIAN);
            }
        }
        out.putBytes(length - innerLength, inner, innerFrom, innerLength);
        return out.byteArray();
    }
}
