package io.flowtap.capture.codec;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random, truncated and bit-flipped frames: the decoder never throws, never reads outside the captured bytes
 * (Agrona's bounds checks are on in tests and every buffer is exactly the frame), and every frame is either a TCP
 * segment or counted under exactly one reason.
 */
class PacketDecoderProperties
{
    private static final int[] LINK_TYPES = {
        LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.NULL, LinkType.LOOP,
        LinkType.RAW, LinkType.IPV4, LinkType.IPV6, 147};

    private final PacketDecoder decoder = new PacketDecoder(ChecksumMode.VERIFY);
    private final TcpOptionIterator options = new TcpOptionIterator();
    private final Frame frame = new Frame();

    @Property(tries = 3000)
    void shouldSurviveRandomBytes(
        @ForAll @Size(max = 200) final byte[] bytes,
        @ForAll @IntRange(max = 8) final int linkTypeIndex,
        @ForAll final boolean snapTruncated)
    {
        decodeAndCheck(bytes, LINK_TYPES[linkTypeIndex], snapTruncated);
    }

    @Property(tries = 3000)
    void shouldSurviveMutatedValidFrames(@ForAll("mutatedFrames") final byte[] bytes, @ForAll final boolean snap)
    {
        decodeAndCheck(bytes, LinkType.ETHERNET, snap);
    }

    @Provide
    Arbitrary<byte[]> mutatedFrames()
    {
        final Arbitrary<byte[]> valid = Arbitraries.of(validFrames());
        final Arbitrary<List<Integer>> flips = Arbitraries.integers().between(0, 8 * 200).list().ofMaxSize(6);
        final Arbitrary<Integer> cut = Arbitraries.integers().between(0, 200);
        return Combinators.combine(valid, flips, cut).as((frame, bits, keep) ->
        {
            final byte[] mutated = Arrays.copyOf(frame, Math.min(frame.length, keep + 20));
            for (final int bit : bits)
            {
                if (bit / 8 < mutated.length)
                {
                    mutated[bit / 8] ^= (byte)(1 << (bit % 8));
                }
            }
            return mutated;
        });
    }

    private static List<byte[]> validFrames()
    {
        final byte[] v6src = new byte[16];
        final byte[] v6dst = new byte[16];
        v6dst[15] = 1;
        final byte[] payload = new byte[40];
        final byte[] chain = {IpProtocol.DESTINATION_OPTIONS, 0, 1, 4, 0, 0, 0, 0, IpProtocol.TCP, 0, 1, 4, 0, 0, 0, 0};
        return List.of(
            PacketBuilder.ethernet().payload(payload).build(),
            PacketBuilder.ethernet().vlan(EtherType.QINQ, 5).vlan(EtherType.VLAN, 6).payload(payload).build(),
            PacketBuilder.ethernet().ipv4Options(new byte[] {1, 1, 1, 0}).options(
                new byte[] {2, 4, 5, (byte)0xB4, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 0}).build(),
            PacketBuilder.ethernet().ipv6(v6src, v6dst).extensions(IpProtocol.HOP_BY_HOP, chain)
                .payload(payload).build());
    }

    private void decodeAndCheck(final byte[] bytes, final int linkType, final boolean snapTruncated)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final DecodeCounters counters = decoder.counters();
        final long framesBefore = counters.get(DecodeCounter.FRAMES);
        final long segmentsBefore = counters.get(DecodeCounter.TCP_SEGMENT);
        final long droppedBefore = counters.dropped();

        final boolean tcp = decoder.decode(
            frame.wrap(buffer, 0, bytes.length, bytes.length + (snapTruncated ? 100 : 0), 0, linkType));

        assertEquals(framesBefore + 1, counters.get(DecodeCounter.FRAMES));
        assertEquals(tcp ? segmentsBefore + 1 : segmentsBefore, counters.get(DecodeCounter.TCP_SEGMENT));
        assertEquals(tcp ? droppedBefore : droppedBefore + 1, counters.dropped());
        assertTrue(tcp == (decoder.outcome() == DecodeCounter.TCP_SEGMENT));
        if (tcp)
        {
            // Everything a handler may touch must be inside the captured bytes.
            final TcpFlyweight segment = decoder.tcp();
            assertTrue(segment.payloadOffset() + segment.capturedPayloadLength() <= bytes.length);
            assertTrue(segment.capturedPayloadLength() >= 0);
            segment.srcPort();
            segment.urgentPointer();
            segment.verifyChecksum();
            options.wrap(segment);
            while (options.next())
            {
                options.valueLength();
            }
        }
    }
}
