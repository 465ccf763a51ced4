package io.flowtap.capture.codec;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PacketDecoderTest
{
    private static final byte[] V6_SRC = {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    private static final byte[] V6_DST = {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    private static final byte[] PAYLOAD = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final PacketDecoder decoder = new PacketDecoder(ChecksumMode.VERIFY);
    private final Frame frame = new Frame();

    private boolean decode(final byte[] bytes, final int linkType)
    {
        return decode(bytes, bytes.length, bytes.length, linkType);
    }

    private boolean decode(final byte[] bytes, final int captured, final int wire, final int linkType)
    {
        // The buffer is exactly the captured bytes, so any read past them trips Agrona's bounds check.
        final UnsafeBuffer buffer = new UnsafeBuffer(Arrays.copyOf(bytes, captured));
        return decoder.decode(frame.wrap(buffer, 0, captured, wire, 0, linkType));
    }

    @Test
    void shouldDecodeEveryHakaFieldOfAnIpv4Segment()
    {
        final byte[] bytes = PacketBuilder.ethernet()
            .ports(51234, 443).seqAck(0xFFFF_FFF0L, 0x8000_0001L)
            .flags(TcpFlyweight.SYN | TcpFlyweight.ACK | TcpFlyweight.ECE | TcpFlyweight.CWR)
            .res(0x1).window(29200).urgent(7).payload(PAYLOAD).build();

        assertTrue(decode(bytes, LinkType.ETHERNET));
        final TcpFlyweight tcp = decoder.tcp();
        assertEquals(51234, tcp.srcPort());
        assertEquals(443, tcp.dstPort());
        assertEquals(0xFFFF_FFF0L, tcp.seq());
        assertEquals(0x8000_0001L, tcp.ackSeq());
        assertEquals(1, tcp.res());
        assertEquals(20, tcp.hdrLen());
        assertEquals(29200, tcp.windowSize());
        assertEquals(7, tcp.urgentPointer());
        assertEquals(0xD2, tcp.flags());
        assertTrue(tcp.syn() && tcp.ack() && tcp.ecn() && tcp.cwr());
        assertFalse(tcp.fin() || tcp.rst() || tcp.psh() || tcp.urg());
        assertEquals(PAYLOAD.length, tcp.payloadLength());
        assertEquals(PAYLOAD.length, tcp.capturedPayloadLength());
        final byte[] payload = new byte[tcp.payloadLength()];
        tcp.buffer().getBytes(tcp.payloadOffset(), payload);
        assertEquals(new String(PAYLOAD, StandardCharsets.US_ASCII), new String(payload, StandardCharsets.US_ASCII));
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus());
        assertEquals(4, decoder.ipVersion());
        assertEquals(0x0A00_0001, decoder.ipv4().sourceAddress());
        assertEquals(0x0A00_0002, decoder.ipv4().destinationAddress());
        assertTrue(decoder.ipv4().verifyHeaderChecksum());
    }

    @Test
    void shouldOpenPppoeSessionsWithTwoAndOneByteProtocolFields()
    {
        final byte[] ip = PacketBuilder.raw().payload(PAYLOAD).ipPacket();
        final byte[] macsAndType = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, (byte)0x88, 0x64};
        for (final byte[] protocolField : new byte[][] {{0x00, 0x21}, {0x21}})
        {
            final java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
            frame.writeBytes(macsAndType);
            final int length = protocolField.length + ip.length;
            frame.writeBytes(new byte[] {0x11, 0x00, 0x12, 0x34, (byte)(length >>> 8), (byte)length});
            frame.writeBytes(protocolField);
            frame.writeBytes(ip);
            assertTrue(decode(frame.toByteArray(), LinkType.ETHERNET), "protocol field of " + protocolField.length);
            assertEquals(PAYLOAD.length, decoder.tcp().payloadLength());
            assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus());
        }

        final byte[] lcp = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, (byte)0x88, 0x64, 0x11, 0x00, 0x12, 0x34, 0, 2,
            (byte)0xC0, 0x21};
        assertFalse(decode(lcp, LinkType.ETHERNET));
        assertEquals(DecodeCounter.NOT_IP, decoder.outcome());
    }

    @Test
    void shouldReadEachFlagOnItsOwn()
    {
        final int[] flags = {
            TcpFlyweight.FIN, TcpFlyweight.SYN, TcpFlyweight.RST, TcpFlyweight.PSH,
            TcpFlyweight.ACK, TcpFlyweight.URG, TcpFlyweight.ECE, TcpFlyweight.CWR};
        for (final int flag : flags)
        {
            assertTrue(decode(PacketBuilder.ethernet().flags(flag).build(), LinkType.ETHERNET));
            final TcpFlyweight tcp = decoder.tcp();
            final boolean[] bits = {
                tcp.fin(), tcp.syn(), tcp.rst(), tcp.psh(), tcp.ack(), tcp.urg(), tcp.ecn(), tcp.cwr()};
            for (int i = 0; i < bits.length; i++)
            {
                assertEquals(flags[i] == flag, bits[i], "flag 0x" + Integer.toHexString(flag) + " bit " + i);
            }
            assertEquals(flag, tcp.flags());
        }
    }

    @Test
    void shouldFindAndComputeChecksumsOverIpv4AndIpv6()
    {
        assertTrue(decode(PacketBuilder.ethernet().payload(PAYLOAD).build(), LinkType.ETHERNET));
        assertTrue(decoder.tcp().verifyChecksum());
        assertEquals(decoder.tcp().checksum(), decoder.tcp().computeChecksum());

        assertTrue(decode(PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST).payload(PAYLOAD).build(), LinkType.ETHERNET));
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus());
        assertEquals(decoder.tcp().checksum(), decoder.tcp().computeChecksum());

        final byte[] odd = Arrays.copyOf(PAYLOAD, PAYLOAD.length - 1);
        assertTrue(decode(PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST).payload(odd).corruptChecksum().build(),
            LinkType.ETHERNET));
        assertEquals(TcpFlyweight.CHECKSUM_BAD, decoder.checksumStatus());
        assertEquals(1, decoder.counters().get(DecodeCounter.TCP_CHECKSUM_BAD));
        final int carried = decoder.tcp().checksum();
        assertEquals(carried ^ 0x5A5A, decoder.tcp().computeChecksum());
        assertEquals(carried ^ 0x5A5A, decoder.tcp().updateChecksum());
        assertTrue(decoder.tcp().verifyChecksum());
    }

    @Test
    void shouldLeaveChecksumUnverifiedWhenTheSnapLengthCutThePayload()
    {
        final byte[] bytes = PacketBuilder.ethernet().payload(PAYLOAD).build();
        assertTrue(decode(bytes, bytes.length - 10, bytes.length, LinkType.ETHERNET));
        assertEquals(TcpFlyweight.CHECKSUM_UNVERIFIED, decoder.checksumStatus());
        assertEquals(PAYLOAD.length, decoder.tcp().payloadLength());
        assertEquals(PAYLOAD.length - 10, decoder.tcp().capturedPayloadLength());
        assertEquals(1, decoder.counters().get(DecodeCounter.TCP_PAYLOAD_TRUNCATED));
        assertEquals(1, decoder.counters().get(DecodeCounter.TCP_CHECKSUM_UNVERIFIED));
    }

    @Test
    void shouldTrustTheKernelChecksumStatusInAutoMode()
    {
        final PacketDecoder auto = new PacketDecoder(ChecksumMode.AUTO);
        final byte[] bytes = PacketBuilder.ethernet().corruptChecksum().build();
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);

        assertTrue(auto.decode(frame.wrap(buffer, 0, bytes.length, bytes.length, 0, LinkType.ETHERNET)));
        assertEquals(TcpFlyweight.CHECKSUM_BAD, auto.checksumStatus());
        assertTrue(auto.decode(frame.wrap(buffer, 0, bytes.length, bytes.length, 0, LinkType.ETHERNET)
            .checksumStatus(Frame.CHECKSUM_VALID)));
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, auto.checksumStatus());
        assertTrue(auto.decode(frame.wrap(buffer, 0, bytes.length, bytes.length, 0, LinkType.ETHERNET)
            .checksumStatus(Frame.CHECKSUM_NOT_READY)));
        assertEquals(TcpFlyweight.CHECKSUM_UNVERIFIED, auto.checksumStatus());

        final PacketDecoder off = new PacketDecoder(ChecksumMode.OFF);
        assertTrue(off.decode(frame.wrap(buffer, 0, bytes.length, bytes.length, 0, LinkType.ETHERNET)));
        assertEquals(TcpFlyweight.CHECKSUM_UNVERIFIED, off.checksumStatus());
    }

    @Test
    void shouldDecodeThroughSingleAndStackedVlanTags()
    {
        assertTrue(decode(PacketBuilder.ethernet().vlan(EtherType.VLAN, 100).build(), LinkType.ETHERNET));
        assertEquals(1, decoder.vlanCount());
        assertEquals(100, decoder.outerVlanId());
        assertEquals(PacketDecoder.NO_VLAN, decoder.innerVlanId());

        assertTrue(decode(PacketBuilder.ethernet().vlan(EtherType.QINQ, 300).vlan(EtherType.VLAN, 42).build(),
            LinkType.ETHERNET));
        assertEquals(2, decoder.vlanCount());
        assertEquals(300, decoder.outerVlanId());
        assertEquals(42, decoder.innerVlanId());
        assertEquals(2, decoder.counters().get(DecodeCounter.VLAN_TAGGED));

        assertTrue(decode(PacketBuilder.ethernet().vlan(EtherType.QINQ, 1).vlan(EtherType.VLAN, 2)
            .vlan(EtherType.VLAN, 3).build(), LinkType.ETHERNET), "QinQinQ");
        assertEquals(3, decoder.vlanCount());
        assertEquals(1, decoder.outerVlanId());
        assertEquals(2, decoder.innerVlanId());
        assertTrue(decoder.isEncapsulated(), "a third tag is more than an answer on the link could carry");

        assertFalse(decode(PacketBuilder.ethernet().vlan(EtherType.QINQ, 1).vlan(EtherType.VLAN, 2)
            .vlan(EtherType.VLAN, 3).vlan(EtherType.VLAN, 4).build(), LinkType.ETHERNET));
        assertEquals(DecodeCounter.UNSUPPORTED_ENCAPSULATION, decoder.outcome());
    }

    @Test
    void shouldTakeTheOuterVlanFromFrameMetadata()
    {
        final byte[] bytes = PacketBuilder.ethernet().vlan(EtherType.VLAN, 7).build();
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        assertTrue(decoder.decode(frame.wrap(buffer, 0, bytes.length, bytes.length, 0, LinkType.ETHERNET)
            .vlanTci(0x2000 | 99)));
        assertEquals(2, decoder.vlanCount());
        assertEquals(99, decoder.outerVlanId());
        assertEquals(7, decoder.innerVlanId());
    }

    @Test
    void shouldDecodeIpv4WithOptions()
    {
        final byte[] routerAlert = {(byte)0x94, 4, 0, 0, 1, 1, 1, 0};
        assertTrue(decode(PacketBuilder.ethernet().ipv4Options(routerAlert).payload(PAYLOAD).build(),
            LinkType.ETHERNET));
        assertEquals(28, decoder.ipv4().headerLength());
        assertEquals(PAYLOAD.length, decoder.tcp().payloadLength());
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus());
    }

    @Test
    void shouldChecksumAgainstTheFinalDestinationOfAnIpv4SourceRoute()
    {
        final byte[] finalHop = {5, 6, 7, 8};
        // Loose source route, pointer 4: 1.2.3.4 is next, 5.6.7.8 is where the packet is finally going.
        final byte[] lsrr = {(byte)131, 11, 4, 1, 2, 3, 4, 5, 6, 7, 8, 0};
        assertTrue(decode(PacketBuilder.ethernet().ipv4Options(lsrr).finalDestination(finalHop).payload(PAYLOAD)
            .build(), LinkType.ETHERNET));
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus());
        assertEquals(0x0506_0708, decoder.buffer().getInt(decoder.destinationAddressOffset(), BIG_ENDIAN));
        assertEquals(0x0A00_0002, decoder.buffer().getInt(decoder.headerDestinationAddressOffset(), BIG_ENDIAN));

        // The same route completed (pointer past the end): the header's destination is the final one.
        final byte[] done = {(byte)137, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 0};
        assertTrue(decode(PacketBuilder.ethernet().ipv4Options(done).payload(PAYLOAD).build(), LinkType.ETHERNET));
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus());
        assertEquals(decoder.headerDestinationAddressOffset(), decoder.destinationAddressOffset());

    }

    @Test
    void shouldCountIpv4OptionsOfImpossibleLength()
    {
        final byte[][] bad = {
            {1, (byte)131, 40, 4},
            {(byte)130, 2, 0, 0},
            {7, 6, 4, 0, 0, 0, 0, 0},
            {(byte)148, 3, 0, 0},
            {1, 1, 1, 68}};
        for (final byte[] options : bad)
        {
            assertFalse(decode(PacketBuilder.ethernet().ipv4Options(options).build(), LinkType.ETHERNET));
            assertEquals(DecodeCounter.BAD_IP_OPTIONS, decoder.outcome());
        }
        final byte[] fine = {(byte)148, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0};
        assertTrue(decode(PacketBuilder.ethernet().ipv4Options(fine).build(), LinkType.ETHERNET));
    }

    @Test
    void shouldDecodeTcpBehindAnIpv4AuthenticationHeader()
    {
        // AH: next header TCP, length 4 (= 24 bytes), reserved, SPI, sequence, 12 bytes of ICV.
        final byte[] ah = new byte[24];
        ah[0] = IpProtocol.TCP;
        ah[1] = 4;
        assertTrue(decode(PacketBuilder.ethernet().extensions(IpProtocol.AH, ah).payload(PAYLOAD).build(),
            LinkType.ETHERNET));
        assertEquals(IpProtocol.TCP, decoder.ipProtocol());
        assertEquals(PAYLOAD.length, decoder.tcp().payloadLength());
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus());

        // IP in IP behind AH is a tunnel, opened: here what it carries is a bare TCP header, not an IPv4 packet.
        final byte[] ipInAh = ah.clone();
        ipInAh[0] = IpProtocol.IPIP;
        assertFalse(decode(PacketBuilder.ethernet().extensions(IpProtocol.AH, ipInAh).build(), LinkType.ETHERNET));
        assertEquals(DecodeCounter.BAD_IP_VERSION, decoder.outcome());
        assertEquals(1, decoder.counters().get(DecodeCounter.IP_IN_IP));
    }

    @Test
    void shouldChecksumAgainstTheFinalDestinationOfAnIpv6RoutingHeader()
    {
        final byte[] finalHop = V6_SRC.clone();
        finalHop[15] = 99;
        final byte[] type0 = new byte[8 + 16];
        type0[0] = IpProtocol.TCP;
        type0[1] = 2;
        type0[3] = 1;
        System.arraycopy(finalHop, 0, type0, 8, 16);
        assertTrue(decode(PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST).extensions(IpProtocol.ROUTING, type0)
            .finalDestination(finalHop).payload(PAYLOAD).build(), LinkType.ETHERNET));
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus());
        assertEquals(99, decoder.buffer().getByte(decoder.destinationAddressOffset() + 15));

        final byte[] segmentRouting = type0.clone();
        segmentRouting[2] = 4;
        assertTrue(decode(PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST)
            .extensions(IpProtocol.ROUTING, segmentRouting).finalDestination(finalHop).payload(PAYLOAD).build(),
            LinkType.ETHERNET));
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus());

        final byte[] noneLeft = type0.clone();
        noneLeft[3] = 0;
        assertTrue(decode(PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST).extensions(IpProtocol.ROUTING, noneLeft)
            .payload(PAYLOAD).build(), LinkType.ETHERNET));
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus());
        assertEquals(decoder.headerDestinationAddressOffset(), decoder.destinationAddressOffset());
    }

    @Test
    void shouldWalkTheIpv6ExtensionHeaderChain()
    {
        final byte[] chain = {
            // hop-by-hop, 8 bytes: next = routing
            IpProtocol.ROUTING, 0, 1, 4, 0, 0, 0, 0,
            // routing, 8 bytes (segments left 0): next = fragment
            IpProtocol.FRAGMENT, 0, 0, 0, 0, 0, 0, 0,
            // atomic fragment, 8 bytes: next = destination options
            IpProtocol.DESTINATION_OPTIONS, 0, 0, 0, 0, 0, 0, 1,
            // destination options, 16 bytes: next = TCP
            IpProtocol.TCP, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertTrue(decode(PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST).extensions(IpProtocol.HOP_BY_HOP, chain)
            .payload(PAYLOAD).build(), LinkType.ETHERNET));
        assertEquals(6, decoder.ipVersion());
        assertEquals(IpProtocol.TCP, decoder.ipProtocol());
        assertEquals(PAYLOAD.length, decoder.tcp().payloadLength());
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus());
    }

    @Test
    void shouldCountIpv6ExtensionChainsThatAreBrokenOrTooLong()
    {
        // A destination-options header claiming 64 bytes in a packet that has far fewer.
        final byte[] overrun = {IpProtocol.TCP, 7, 1, 4, 0, 0, 0, 0};
        assertFalse(decode(PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST)
            .extensions(IpProtocol.DESTINATION_OPTIONS, overrun).build(), LinkType.ETHERNET));
        assertEquals(DecodeCounter.BAD_IPV6_EXTENSION_HEADER, decoder.outcome());

        // Nine destination-options headers in a row: more than the decoder follows.
        final byte[] chain = new byte[8 * 9];
        for (int i = 0; i < 9; i++)
        {
            chain[8 * i] = (byte)(i < 8 ? IpProtocol.DESTINATION_OPTIONS : IpProtocol.TCP);
            chain[8 * i + 2] = 1;
            chain[8 * i + 3] = 4;
        }
        assertFalse(decode(PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST)
            .extensions(IpProtocol.DESTINATION_OPTIONS, chain).build(), LinkType.ETHERNET));
        assertEquals(DecodeCounter.BAD_IPV6_EXTENSION_HEADER, decoder.outcome());

        // Eight are fine.
        final byte[] eight = Arrays.copyOfRange(chain, 8, chain.length);
        assertTrue(decode(PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST)
            .extensions(IpProtocol.DESTINATION_OPTIONS, eight).build(), LinkType.ETHERNET));
    }

    @Test
    void shouldCountFragmentsOfBothIpVersions()
    {
        assertFalse(decode(PacketBuilder.ethernet().fragmentField(0x2000).build(), LinkType.ETHERNET));
        assertEquals(DecodeCounter.IP_FRAGMENT, decoder.outcome());
        assertFalse(decode(PacketBuilder.ethernet().fragmentField(0x0010).build(), LinkType.ETHERNET));
        assertEquals(DecodeCounter.IP_FRAGMENT, decoder.outcome());
        assertTrue(decode(PacketBuilder.ethernet().fragmentField(0x4000).build(), LinkType.ETHERNET), "DF only");

        final byte[] firstFragment = {IpProtocol.TCP, 0, 0, 1, 0, 0, 0, 9};
        assertFalse(decode(PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST)
            .extensions(IpProtocol.FRAGMENT, firstFragment).build(), LinkType.ETHERNET));
        assertEquals(DecodeCounter.IP_FRAGMENT, decoder.outcome());
        assertEquals(2 + 1, decoder.counters().get(DecodeCounter.IP_FRAGMENT));
    }

    @Test
    void shouldDecodeEveryLinkType()
    {
        final byte[] v4 = PacketBuilder.raw().payload(PAYLOAD).ipPacket();
        final byte[] v6 = PacketBuilder.raw().ipv6(V6_SRC, V6_DST).payload(PAYLOAD).ipPacket();

        assertTrue(decode(v4, LinkType.RAW));
        assertTrue(decode(v6, LinkType.RAW));
        assertTrue(decode(v4, LinkType.RAW_DLT_12));
        assertTrue(decode(v6, LinkType.RAW_DLT_14));
        assertTrue(decode(v4, LinkType.IPV4));
        assertTrue(decode(v6, LinkType.IPV6));
        assertFalse(decode(v6, LinkType.IPV4));
        assertEquals(DecodeCounter.BAD_IP_VERSION, decoder.outcome());

        assertTrue(decode(concat(new byte[] {2, 0, 0, 0}, v4), LinkType.NULL), "little-endian AF_INET");
        assertTrue(decode(concat(new byte[] {0, 0, 0, 2}, v4), LinkType.NULL), "big-endian AF_INET");
        assertTrue(decode(concat(new byte[] {30, 0, 0, 0}, v6), LinkType.NULL), "macOS AF_INET6");
        assertTrue(decode(concat(new byte[] {0, 0, 0, 24}, v6), LinkType.LOOP), "OpenBSD AF_INET6");
        assertFalse(decode(concat(new byte[] {7, 0, 0, 0}, v4), LinkType.NULL));
        assertEquals(DecodeCounter.NOT_IP, decoder.outcome());

        final byte[] sll = {0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00};
        assertTrue(decode(concat(sll, v4), LinkType.LINUX_SLL));
        final byte[] sll2 = {(byte)0x86, (byte)0xDD, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0};
        assertTrue(decode(concat(sll2, v6), LinkType.LINUX_SLL2));
        final byte[] sllLlc = {0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x00, 0x04};
        assertFalse(decode(concat(sllLlc, v4), LinkType.LINUX_SLL));
        assertEquals(DecodeCounter.NOT_IP, decoder.outcome());

        assertFalse(decode(v4, 147));
        assertEquals(DecodeCounter.UNSUPPORTED_LINK_TYPE, decoder.outcome());
    }

    @Test
    void shouldNameTheReasonForEveryFrameThatIsNotTcp()
    {
        final byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        assertFalse(decode(arp, LinkType.ETHERNET));
        assertEquals(DecodeCounter.NOT_IP, decoder.outcome());

        assertFalse(decode(PacketBuilder.ethernet().protocol(IpProtocol.UDP).build(), LinkType.ETHERNET));
        assertEquals(DecodeCounter.NOT_TCP, decoder.outcome());
        assertFalse(decode(PacketBuilder.ethernet().protocol(IpProtocol.GRE).build(), LinkType.ETHERNET));
        assertEquals(DecodeCounter.TUNNEL, decoder.outcome());

        final byte[] good = PacketBuilder.ethernet().build();
        assertFalse(decode(good, 10, 10, LinkType.ETHERNET));
        assertEquals(DecodeCounter.TRUNCATED_FRAME, decoder.outcome());
        assertFalse(decode(good, 30, good.length, LinkType.ETHERNET), "IP header cut by snap length");
        assertEquals(DecodeCounter.TRUNCATED_FRAME, decoder.outcome());
        assertFalse(decode(good, 40, good.length, LinkType.ETHERNET), "TCP header cut by snap length");
        assertEquals(DecodeCounter.TRUNCATED_FRAME, decoder.outcome());
        assertFalse(decode(good, good.length - 4, good.length - 4, LinkType.ETHERNET), "IP longer than frame");
        assertEquals(DecodeCounter.BAD_IP_LENGTH, decoder.outcome());

        final byte[] badIhl = good.clone();
        badIhl[14] = 0x44;
        assertFalse(decode(badIhl, LinkType.ETHERNET));
        assertEquals(DecodeCounter.BAD_IP_HEADER_LENGTH, decoder.outcome());

        final byte[] badOffset = good.clone();
        badOffset[14 + 20 + 12] = 0x40;
        assertFalse(decode(badOffset, LinkType.ETHERNET));
        assertEquals(DecodeCounter.BAD_TCP_DATA_OFFSET, decoder.outcome());
        badOffset[14 + 20 + 12] = (byte)0xF0;
        assertFalse(decode(badOffset, LinkType.ETHERNET));
        assertEquals(DecodeCounter.BAD_TCP_DATA_OFFSET, decoder.outcome());

        final DecodeCounters counters = decoder.counters();
        assertEquals(counters.get(DecodeCounter.FRAMES),
            counters.get(DecodeCounter.TCP_SEGMENT) + counters.dropped());
    }

    @Test
    void shouldUseTheFrameLengthWhenIpv4TotalLengthIsZero()
    {
        final byte[] bytes = PacketBuilder.ethernet().payload(PAYLOAD).build();
        bytes[14 + 2] = 0;
        bytes[14 + 3] = 0;
        assertTrue(decode(bytes, LinkType.ETHERNET));
        assertEquals(PAYLOAD.length, decoder.tcp().payloadLength());
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] result = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, result, a.length, b.length);
        return result;
    }
}
