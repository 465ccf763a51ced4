package io.flowtap.capture.file;

import io.flowtap.capture.test.Allocations;
import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.IpProtocol;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpOptionIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole per-packet path of this stage, mapped file to decoded segment with its checksum verified and its
 * options walked, allocates nothing per packet: a 100,000-frame pass is measured after warm-up passes.
 */
class DecodeMappedFileZeroAllocationTest
{
    private static final int FRAMES = 100_000;
    private static final long ALLOCATION_ALLOWANCE_BYTES = 4096;

    @TempDir
    static Path tempDir;

    private static Path pcap;

    private final PacketDecoder decoder = new PacketDecoder(ChecksumMode.VERIFY);
    private final TcpOptionIterator options = new TcpOptionIterator();
    private final Decoding decoding = new Decoding();

    @BeforeAll
    static void writeCapture() throws IOException
    {
        final SplittableRandom random = new SplittableRandom(7);
        final byte[][] mix = new byte[64][];
        for (int i = 0; i < mix.length; i++)
        {
            final byte[] payload = new byte[random.nextInt(1400)];
            random.nextBytes(payload);
            PacketBuilder builder = PacketBuilder.ethernet();
            if (i % 8 == 1)
            {
                builder = builder.vlan(EtherType.QINQ, 10).vlan(EtherType.VLAN, 20);
            }
            if (i % 8 == 2)
            {
                builder = builder.ipv6(new byte[16], new byte[16]);
            }
            if (i % 8 == 3)
            {
                builder = builder.protocol(IpProtocol.UDP);
            }
            mix[i] = builder.options(new byte[] {2, 4, 5, (byte)0xB4, 1, 3, 3, 7, 4, 2, 0, 0})
                .seqAck(random.nextLong() >>> 32, i).payload(payload).build();
        }
        final PcapTestWriter writer = new PcapTestWriter(
            ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 65535, LinkType.ETHERNET);
        for (int i = 0; i < FRAMES; i++)
        {
            writer.record(1_700_000_000L, i, mix[i % mix.length], mix[i % mix.length].length);
        }
        pcap = writer.writeTo(tempDir.resolve("tcp.pcap"));
    }

    @Test
    void shouldDecodeAMappedFileWithoutAllocatingPerPacket()
    {
        for (int i = 0; i < 3; i++)
        {
            pass();
        }
        decoder.counters().reset();

        final long before = Allocations.currentThreadBytes();
        final long delivered = pass();
        final long allocated = Allocations.currentThreadBytes() - before;

        assertEquals(FRAMES, delivered);
        assertEquals(FRAMES, decoder.counters().get(DecodeCounter.FRAMES));
        assertEquals(FRAMES - FRAMES / 8, decoder.counters().get(DecodeCounter.TCP_SEGMENT));
        assertEquals(FRAMES / 8, decoder.counters().get(DecodeCounter.NOT_TCP));
        assertEquals(0, decoder.counters().get(DecodeCounter.TCP_CHECKSUM_BAD));
        assertTrue(decoding.optionsSeen > 0);
        assertTrue(allocated < ALLOCATION_ALLOWANCE_BYTES,
            "decoding " + FRAMES + " mapped frames allocated " + allocated + " bytes");
    }

    private long pass()
    {
        decoding.frames = 0;
        try (CaptureFileSource source = CaptureFiles.open(pcap))
        {
            while (!source.isEndOfStream())
            {
                source.poll(decoding, 256);
            }
        }
        return decoding.frames;
    }

    private final class Decoding implements FrameHandler
    {
        long frames;
        long optionsSeen;

        @Override
        public void onFrame(final Frame frame)
        {
            frames++;
            if (decoder.decode(frame))
            {
                options.wrap(decoder.tcp());
                while (options.next())
                {
                    optionsSeen++;
                }
            }
        }
    }
}
