package io.flowtap.capture.codec;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPAN duplicates through the decoder: a copy within the window is dropped and counted, also when a router between
 * the two copy points changed its TTL; a real retransmission (after the window, or after another packet of the flow)
 * is kept, and other flows' packets in between do not matter.
 */
class DuplicateFilterTest
{
    private static final long MICROSECOND_NS = 1_000;
    private final Frame frame = new Frame();
    private final PacketDecoder decoder = new PacketDecoder(
        new DecoderContext().dedupWindowNs(1_000 * MICROSECOND_NS), false);

    private static byte[] segment(final int srcPort, final int dstPort, final long seq, final String payload)
    {
        return PacketBuilder.ethernet().ports(srcPort, dstPort).seqAck(seq, 1)
            .payload(payload.getBytes(StandardCharsets.US_ASCII)).build();
    }

    private boolean decode(final PacketDecoder decoder, final byte[] bytes, final long timeNs)
    {
        return decoder.decode(frame.wrap(new UnsafeBuffer(bytes), 0, bytes.length, bytes.length, timeNs,
            LinkType.ETHERNET));
    }

    @Test
    void shouldDropACopyWithinTheWindowEvenWithAnotherTtl()
    {
        final byte[] original = segment(40000, 80, 1000, "hello");
        assertTrue(decode(decoder, original, 0));
        assertFalse(decode(decoder, original, 3 * MICROSECOND_NS));
        assertEquals(DecodeCounter.DUPLICATE, decoder.outcome());

        final byte[] next = segment(40000, 80, 1005, "world");
        assertTrue(decode(decoder, next, 10 * MICROSECOND_NS));
        final byte[] routed = next.clone();
        routed[14 + 8]--;
        routed[14 + 10] ^= 0x55;
        assertFalse(decode(decoder, routed, 12 * MICROSECOND_NS), "TTL and header checksum are not compared");
        assertEquals(2, decoder.counters().get(DecodeCounter.DUPLICATE));
        assertEquals(4, decoder.counters().get(DecodeCounter.FRAMES));
    }

    @Test
    void shouldKeepRealRetransmissions()
    {
        final byte[] original = segment(40000, 80, 1000, "hello");
        assertTrue(decode(decoder, original, 0));
        assertTrue(decode(decoder, original, 2_000 * MICROSECOND_NS), "after the window: a retransmission");

        final byte[] ack = PacketBuilder.ethernet().ipv4(new byte[] {10, 0, 0, 2}, new byte[] {10, 0, 0, 1})
            .ports(80, 40000).seqAck(1, 1005).build();
        assertTrue(decode(decoder, ack, 2_001 * MICROSECOND_NS));
        assertTrue(decode(decoder, original, 2_002 * MICROSECOND_NS), "after another packet of the flow");

        final byte[] other = segment(40001, 80, 1000, "other");
        assertTrue(decode(decoder, original, 5_000 * MICROSECOND_NS));
        assertTrue(decode(decoder, other, 5_001 * MICROSECOND_NS));
        assertFalse(decode(decoder, original, 5_002 * MICROSECOND_NS), "another flow's packet in between");

        final byte[] changed = segment(40000, 80, 1000, "hellO");
        assertTrue(decode(decoder, changed, 5_003 * MICROSECOND_NS), "other bytes are not a copy");
        assertEquals(1, decoder.counters().get(DecodeCounter.DUPLICATE));
    }

    @Test
    void shouldDropCopiesOfFragmentsBeforeReassembly()
    {
        final byte[] packet = PacketBuilder.raw().payload(new byte[300]).ipPacket();
        final byte[] first = TunnelFrames.ethernet(EtherType.IPV4, Fragments.ipv4(packet, 0, 160, true, null));
        final byte[] last = TunnelFrames.ethernet(EtherType.IPV4, Fragments.ipv4(packet, 160, 320, false, null));
        assertFalse(decode(decoder, first, 0));
        assertFalse(decode(decoder, first, 1));
        assertEquals(DecodeCounter.DUPLICATE, decoder.outcome());
        assertTrue(decode(decoder, last, 2));
        assertEquals(0, decoder.counters().get(DecodeCounter.FRAGMENT_OVERLAPS), "the copy never reached reassembly");
    }

    @Test
    void shouldKeepEveryCopyWhenOff()
    {
        final PacketDecoder plain = new PacketDecoder(new DecoderContext(), false);
        final byte[] original = segment(40000, 80, 1000, "hello");
        assertTrue(decode(plain, original, 0));
        assertTrue(decode(plain, original, 1));
    }
}
