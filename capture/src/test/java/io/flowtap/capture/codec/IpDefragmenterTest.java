package io.flowtap.capture.codec;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.test.Allocations;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static io.flowtap.capture.codec.TunnelFrames.ethernet;
import static io.flowtap.capture.codec.TunnelFrames.ipv4;
import static io.flowtap.capture.codec.TunnelFrames.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IP fragment reassembly through the decoder: datagrams cut in any order come out whole (the frame that completes
 * one decodes as the whole segment, checksum good), fragments of different datagrams, VLANs and tunnels stay apart,
 * overlaps resolve by each target policy, every limit is counted, and the steady state allocates nothing.
 */
class IpDefragmenterTest
{
    private static final long SECOND_NS = 1_000_000_000L;
    private static final byte[] V6_SRC = {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    private static final byte[] V6_DST = {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

    private final Frame frame = new Frame();
    private PacketDecoder decoder = decoder(new DecoderContext().checksumMode(ChecksumMode.VERIFY));

    private static PacketDecoder decoder(final DecoderContext context)
    {
        return new PacketDecoder(context, false);
    }

    private static byte[] payload(final int length)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)('a' + i % 26);
        }
        return bytes;
    }

    private boolean decode(final byte[] bytes, final int linkType, final long timeNs)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(Arrays.copyOf(bytes, bytes.length));
        frame.wrap(buffer, 0, bytes.length, bytes.length, timeNs, linkType);
        return decoder.decode(frame);
    }

    private byte[] payloadOfLastSegment()
    {
        final byte[] got = new byte[decoder.tcp().payloadLength()];
        decoder.tcp().buffer().getBytes(decoder.tcp().payloadOffset(), got);
        return got;
    }

    @Test
    void shouldReassembleIpv4FragmentsInAnyOrder()
    {
        final byte[] data = payload(1000);
        final byte[] packet = PacketBuilder.raw().payload(data).ipPacket();
        final int length = packet.length - 20;
        final List<byte[]> fragments = new ArrayList<>();
        for (int start = 0; start < length; start += 256)
        {
            final int end = Math.min(length, start + 256);
            fragments.add(ethernet(EtherType.IPV4, Fragments.ipv4(packet, start, end, end < length, null)));
        }
        final Random random = new Random(42);
        for (int round = 0; round < 20; round++)
        {
            Collections.shuffle(fragments, random);
            for (int i = 0; i < fragments.size(); i++)
            {
                final boolean decoded = decode(fragments.get(i), LinkType.ETHERNET, round * SECOND_NS);
                assertEquals(i == fragments.size() - 1, decoded, "fragment " + i + " of round " + round);
            }
            assertTrue(decoder.isReassembled());
            assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus());
            assertArrayEquals(data, payloadOfLastSegment());
            assertEquals(0, decoder.defragmenter().fragmentsHeld());
        }
        assertEquals(20, decoder.counters().get(DecodeCounter.DATAGRAMS_REASSEMBLED));
        assertEquals(20, decoder.counters().get(DecodeCounter.TCP_SEGMENT));
        assertEquals(20 * (fragments.size() - 1), decoder.counters().get(DecodeCounter.IP_FRAGMENT));
        assertEquals(decoder.counters().get(DecodeCounter.FRAMES), 20L * fragments.size(), "every frame counted once");
    }

    @Test
    void shouldKeepTheFirstFragmentsLinkAndVlanHeadersInTheReassembledFrame()
    {
        final byte[] packet = PacketBuilder.raw().payload(payload(100)).ipPacket();
        final byte[] tag = {0, 42, 0x08, 0x00};
        final byte[] first = ethernet(EtherType.VLAN, TunnelFrames.concat(tag, Fragments.ipv4(packet, 0, 64, true,
            null)));
        final byte[] last = ethernet(EtherType.VLAN, TunnelFrames.concat(tag, Fragments.ipv4(packet, 64, 120, false,
            null)));
        assertFalse(decode(last, LinkType.ETHERNET, 0));
        assertTrue(decode(first, LinkType.ETHERNET, 1));
        assertEquals(42, decoder.outerVlanId());
        assertEquals(0, decoder.linkOffset());
        assertEquals(14 + 4 + 20 + 120, decoder.capturedLength());
        assertEquals(14 + 4, decoder.ipOffset());
        assertEquals(Frame.CHECKSUM_UNKNOWN, decoder.frameChecksumStatus());
        assertEquals(1, decoder.counters().get(DecodeCounter.VLAN_TAGGED) - 1, "each frame counted once as tagged");

        final byte[] otherVlan = last.clone();
        otherVlan[15] = 43;
        assertFalse(decode(otherVlan, LinkType.ETHERNET, 2));
        assertFalse(decode(first, LinkType.ETHERNET, 3), "another VLAN's fragment does not complete this datagram");
    }

    @Test
    void shouldReassembleIpv6FragmentsAfterUnfragmentableHeaders()
    {
        final byte[] data = payload(700);
        final byte[] destinationOptions = {IpProtocol.TCP, 0, 1, 4, 0, 0, 0, 0};
        final byte[] packet = PacketBuilder.raw().ipv6(V6_SRC, V6_DST).payload(data)
            .extensions(IpProtocol.DESTINATION_OPTIONS, destinationOptions).ipPacket();
        final int length = packet.length - 48;
        final byte[] a = ethernet(EtherType.IPV6, Fragments.ipv6(packet, 8, 0, 304, true, 99));
        final byte[] b = ethernet(EtherType.IPV6, Fragments.ipv6(packet, 8, 304, 608, true, 99));
        final byte[] c = ethernet(EtherType.IPV6, Fragments.ipv6(packet, 8, 608, length, false, 99));
        assertFalse(decode(c, LinkType.ETHERNET, 0));
        assertFalse(decode(a, LinkType.ETHERNET, 0));
        assertTrue(decode(b, LinkType.ETHERNET, 0));
        assertEquals(6, decoder.ipVersion());
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus());
        assertArrayEquals(data, payloadOfLastSegment());
        assertEquals(packet.length - 40, decoder.ipv6().payloadLength(), "payload length made whole");
    }

    @Test
    void shouldReassembleInsideATunnelAndATunnelCarriedInFragments()
    {
        final byte[] data = payload(900);
        final byte[] inner = PacketBuilder.raw().payload(data).ipPacket();
        final int innerLength = inner.length - 20;
        for (final int vni : new int[] {1, 2})
        {
            assertFalse(decode(vxlan(vni, Fragments.ipv4(inner, 0, 512, true, null)), LinkType.ETHERNET, 0));
        }
        assertTrue(decode(vxlan(2, Fragments.ipv4(inner, 512, innerLength, false, null)), LinkType.ETHERNET, 0));
        assertEquals(TunnelType.VXLAN, decoder.tunnelType());
        assertEquals(2, decoder.tunnelId());
        assertArrayEquals(data, payloadOfLastSegment());
        assertEquals(1, decoder.defragmenter().datagramsHeld(), "VNI 1's first fragment still waits");

        // The outer UDP datagram, carrying VXLAN, is what was fragmented.
        final byte[] outer = ipv4(IpProtocol.UDP, udp(1234, 4789, TunnelFrames.vxlan(3,
            ethernet(EtherType.IPV4, inner))));
        final int outerLength = outer.length - 20;
        assertFalse(decode(ethernet(EtherType.IPV4, Fragments.ipv4(outer, 0, 600, true, null)), LinkType.ETHERNET, 0));
        final long vxlanBefore = decoder.counters().get(DecodeCounter.VXLAN);
        assertTrue(decode(ethernet(EtherType.IPV4, Fragments.ipv4(outer, 600, outerLength, false, null)),
            LinkType.ETHERNET, 0));
        assertEquals(3, decoder.tunnelId());
        assertArrayEquals(data, payloadOfLastSegment());
        assertEquals(vxlanBefore + 1, decoder.counters().get(DecodeCounter.VXLAN), "the layer inside is counted");
    }

    private static byte[] vxlan(final int vni, final byte[] innerFragment)
    {
        return ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(1234, 4789, TunnelFrames.vxlan(vni,
            ethernet(EtherType.IPV4, innerFragment)))));
    }

    /**
     * Novak's cases: a held fragment and a later one over it with other bytes; what each target keeps.
     */
    @Test
    void shouldResolveOverlapsByEachTargetPolicy()
    {
        // new over held:       same range  encloses   starts before, ends inside   starts inside
        final int[][] cases = {{8, 24, 8, 24}, {16, 24, 8, 32}, {16, 32, 8, 24}, {8, 24, 16, 32}};
        final String[][] expected = {
            // FIRST, LAST, BSD, LINUX, WINDOWS, SOLARIS
            {"held", "new", "held", "new", "held", "held"},
            {"held", "new", "new", "new", "new", "new"},
            {"held", "new", "new", "new", "held", "held"},
            {"held", "new", "held", "held", "held", "held"}};
        for (int c = 0; c < cases.length; c++)
        {
            for (final FragmentPolicy policy : FragmentPolicy.values())
            {
                decoder = decoder(new DecoderContext().checksumMode(ChecksumMode.OFF).fragmentPolicy(policy));
                final String got = overlap(cases[c][0], cases[c][1], cases[c][2], cases[c][3]);
                assertEquals(expected[c][policy.ordinal()], got, "case " + c + " " + policy);
                assertEquals(1, decoder.counters().get(DecodeCounter.FRAGMENT_OVERLAP_CONFLICTS));
            }
        }
    }

    /**
     * A 48-byte TCP payload after the 20-byte header: fragment data offsets 0 to 68. The held fragment fills its range
     * with 'H', the later one with 'N', both inside the payload (data offset 24 on, payload byte 4 on); the rest
     * comes from the packet ('.'), in fragments that touch neither.
     */
    private String overlap(final int heldStart, final int heldEnd, final int newStart, final int newEnd)
    {
        final byte[] packet = PacketBuilder.raw().payload(".".repeat(48).getBytes(StandardCharsets.US_ASCII))
            .ipPacket();
        final int base = 24;
        final byte[] held = new byte[heldEnd - heldStart];
        Arrays.fill(held, (byte)'H');
        final byte[] later = new byte[newEnd - newStart];
        Arrays.fill(later, (byte)'N');
        assertFalse(decode(ethernet(EtherType.IPV4, Fragments.ipv4(packet, 0, base, true, null)),
            LinkType.ETHERNET, 0));
        assertFalse(decode(ethernet(EtherType.IPV4, Fragments.ipv4(packet, base + heldStart, base + heldEnd, true,
            held)), LinkType.ETHERNET, 0));
        assertFalse(decode(ethernet(EtherType.IPV4, Fragments.ipv4(packet, base + newStart, base + newEnd, true,
            later)), LinkType.ETHERNET, 0));
        final int coveredStart = base + Math.min(heldStart, newStart);
        final int coveredEnd = base + Math.max(heldEnd, newEnd);
        assertFalse(decode(ethernet(EtherType.IPV4, Fragments.ipv4(packet, base, coveredStart, true, null)),
            LinkType.ETHERNET, 0));
        assertTrue(decode(ethernet(EtherType.IPV4, Fragments.ipv4(packet, coveredEnd, 68, false, null)),
            LinkType.ETHERNET, 0));
        final String payload = new String(payloadOfLastSegment(), StandardCharsets.US_ASCII);
        // The one byte both fragments cover in every case: data offset 16 to 24, payload 20 to 28.
        final char owner = payload.charAt(base + 16 - 20);
        return owner == 'H' ? "held" : owner == 'N' ? "new" : "neither: " + payload;
    }

    @Test
    void shouldTakeEachHostsPolicyFromTheResolver()
    {
        decoder = decoder(new DecoderContext().checksumMode(ChecksumMode.OFF)
            .fragmentPolicies((version, high, low) ->
                low == 0x0A00_0002L ? FragmentPolicy.LAST : FragmentPolicy.FIRST));
        assertEquals("new", overlap(8, 24, 8, 24), "10.0.0.2 is a router");
    }

    @Test
    void shouldCountEveryWayADatagramFails()
    {
        final byte[] packet = PacketBuilder.raw().payload(payload(400)).ipPacket();
        final DecoderContext context = new DecoderContext().defragTimeoutNs(SECOND_NS).defragMaxFragments(4)
            .defragMaxDatagrams(2);
        decoder = decoder(context);

        final byte[] other = PacketBuilder.raw().ipv4(new byte[] {10, 0, 0, 7}, new byte[] {10, 0, 0, 8})
            .payload(payload(400)).ipPacket();
        final byte[] third = PacketBuilder.raw().ipv4(new byte[] {10, 0, 0, 9}, new byte[] {10, 0, 0, 8})
            .payload(payload(400)).ipPacket();

        // A datagram waits one second from its first fragment, on the packets' clock.
        assertFalse(decode(ethernet(EtherType.IPV4, Fragments.ipv4(packet, 0, 8, true, null)), LinkType.ETHERNET, 0));
        assertFalse(decode(ethernet(EtherType.IPV4, Fragments.ipv4(other, 8, 16, true, null)), LinkType.ETHERNET,
            SECOND_NS + 1));
        assertEquals(1, decoder.counters().get(DecodeCounter.FRAGMENTS_TIMED_OUT));
        assertEquals(1, decoder.defragmenter().fragmentsHeld());

        // Four fragments a datagram: the fifth gives all five up (and the other datagram times out meanwhile).
        for (int i = 0; i < 5; i++)
        {
            decode(ethernet(EtherType.IPV4, Fragments.ipv4(packet, i * 8, i * 8 + 8, true, null)), LinkType.ETHERNET,
                3 * SECOND_NS);
        }
        assertEquals(5, decoder.counters().get(DecodeCounter.FRAGMENTS_TOO_MANY));
        assertEquals(2, decoder.counters().get(DecodeCounter.FRAGMENTS_TIMED_OUT));
        assertEquals(0, decoder.defragmenter().fragmentsHeld());

        assertFalse(decode(ethernet(EtherType.IPV4, Fragments.ipv4(packet, 0, 12, true, null)), LinkType.ETHERNET,
            3 * SECOND_NS), "not a multiple of 8 before the last");
        final byte[] deathPing = Fragments.ipv4(packet, 65_528, 65_528 + 16, false, payload(16));
        assertFalse(decode(ethernet(EtherType.IPV4, deathPing), LinkType.ETHERNET, 3 * SECOND_NS));
        assertEquals(2, decoder.counters().get(DecodeCounter.FRAGMENTS_BAD));

        // Two datagrams at once: a third gives the oldest up.
        decode(ethernet(EtherType.IPV4, Fragments.ipv4(packet, 0, 8, true, null)), LinkType.ETHERNET, 4 * SECOND_NS);
        decode(ethernet(EtherType.IPV4, Fragments.ipv4(other, 0, 8, true, null)), LinkType.ETHERNET, 4 * SECOND_NS);
        decode(ethernet(EtherType.IPV4, Fragments.ipv4(third, 0, 8, true, null)), LinkType.ETHERNET, 4 * SECOND_NS);
        assertEquals(1, decoder.counters().get(DecodeCounter.FRAGMENTS_MEMCAP), "two at most: the oldest given up");
        assertEquals(2, decoder.defragmenter().datagramsHeld());

        final byte[] cut = ethernet(EtherType.IPV4, Fragments.ipv4(packet, 16, 48, true, null));
        final UnsafeBuffer buffer = new UnsafeBuffer(Arrays.copyOf(cut, cut.length - 4));
        assertFalse(decoder.decode(frame.wrap(buffer, 0, cut.length - 4, cut.length, 5 * SECOND_NS,
            LinkType.ETHERNET)));
        assertEquals(3, decoder.counters().get(DecodeCounter.FRAGMENTS_BAD), "cut by the snap length");
    }

    @Test
    void shouldGiveUpOldestDatagramsWhenTheMemcapIsReached()
    {
        decoder = decoder(new DecoderContext().defragMemcapBytes(3 * IpDefragmenter.PAGE_LENGTH));
        final byte[] big = PacketBuilder.raw().payload(payload(3000)).ipPacket();
        final byte[] other = PacketBuilder.raw().ipv4(new byte[] {10, 0, 0, 7}, new byte[] {10, 0, 0, 8})
            .payload(payload(3000)).ipPacket();
        assertFalse(decode(ethernet(EtherType.IPV4, Fragments.ipv4(big, 0, 2400, true, null)), LinkType.ETHERNET, 0));
        assertFalse(decode(ethernet(EtherType.IPV4, Fragments.ipv4(other, 0, 2400, true, null)), LinkType.ETHERNET,
            0));
        assertFalse(decode(ethernet(EtherType.IPV4, Fragments.ipv4(other, 2400, 2800, true, null)), LinkType.ETHERNET,
            0));
        assertEquals(1, decoder.counters().get(DecodeCounter.FRAGMENTS_MEMCAP), "the older datagram made room");
        assertTrue(decode(ethernet(EtherType.IPV4, Fragments.ipv4(other, 2800, other.length - 20, false, null)),
            LinkType.ETHERNET, 0));
    }

    @Test
    void shouldTakeIdenticalCopiesOfAFragmentAsOverlapsWithoutConflict()
    {
        final byte[] packet = PacketBuilder.raw().payload(payload(100)).ipPacket();
        final byte[] first = ethernet(EtherType.IPV4, Fragments.ipv4(packet, 0, 64, true, null));
        assertFalse(decode(first, LinkType.ETHERNET, 0));
        assertFalse(decode(first, LinkType.ETHERNET, 0));
        assertTrue(decode(ethernet(EtherType.IPV4, Fragments.ipv4(packet, 64, 120, false, null)), LinkType.ETHERNET,
            0));
        assertEquals(1, decoder.counters().get(DecodeCounter.FRAGMENT_OVERLAPS));
        assertEquals(0, decoder.counters().get(DecodeCounter.FRAGMENT_OVERLAP_CONFLICTS));
    }

    @Test
    void shouldNotAllocateReassemblingInSteadyState()
    {
        final byte[][] frames = new byte[300][];
        for (int d = 0; d < 100; d++)
        {
            final byte[] packet = PacketBuilder.raw().ipv4(new byte[] {10, 0, (byte)(d >>> 8), (byte)d},
                new byte[] {10, 1, 0, 1}).payload(payload(1400 + d)).ipPacket();
            final int length = packet.length - 20;
            frames[3 * d] = ethernet(EtherType.IPV4, Fragments.ipv4(packet, 504, 1008, true, null));
            frames[3 * d + 1] = ethernet(EtherType.IPV4, Fragments.ipv4(packet, 1008, length, false, null));
            frames[3 * d + 2] = ethernet(EtherType.IPV4, Fragments.ipv4(packet, 0, 504, true, null));
        }
        final UnsafeBuffer[] buffers = new UnsafeBuffer[frames.length];
        for (int i = 0; i < frames.length; i++)
        {
            buffers[i] = new UnsafeBuffer(frames[i]);
        }
        for (int round = 0; round < 50; round++)
        {
            pass(frames, buffers, round);
        }
        final long before = Allocations.currentThreadBytes();
        long reassembled = 0;
        for (int round = 50; round < 150; round++)
        {
            reassembled += pass(frames, buffers, round);
        }
        final long allocated = Allocations.currentThreadBytes() - before;
        assertEquals(100 * 100, reassembled);
        assertEquals(0, allocated, "bytes allocated reassembling 10,000 datagrams");
    }

    private long pass(final byte[][] frames, final UnsafeBuffer[] buffers, final int round)
    {
        long segments = 0;
        for (int i = 0; i < frames.length; i++)
        {
            frame.wrap(buffers[i], 0, frames[i].length, frames[i].length, round * SECOND_NS, LinkType.ETHERNET);
            if (decoder.decode(frame))
            {
                segments++;
            }
        }
        return segments;
    }
}
