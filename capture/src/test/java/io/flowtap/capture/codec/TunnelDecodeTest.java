package io.flowtap.capture.codec;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.test.Allocations;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static io.flowtap.capture.codec.TunnelFrames.concat;
import static io.flowtap.capture.codec.TunnelFrames.ethernet;
import static io.flowtap.capture.codec.TunnelFrames.ipv4;
import static io.flowtap.capture.codec.TunnelFrames.ipv6;
import static io.flowtap.capture.codec.TunnelFrames.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every encapsulation the decoder opens, built byte by byte around the same inner TCP segment: the inner segment
 * decodes with its own addresses, ports and a good checksum (over the inner pseudo-header), the tunnel is named with
 * its id and outer addresses, its counter moves, and malformed or too deeply nested tunnels are counted, never
 * thrown. Opening them, and dropping duplicates, allocates nothing once warm.
 */
class TunnelDecodeTest
{
    private static final byte[] INNER_SRC = {10, 9, 0, 1};
    private static final byte[] INNER_DST = {10, 9, 0, 2};
    private static final byte[] INNER_V6_SRC = {(byte)0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    private static final byte[] INNER_V6_DST = {(byte)0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    private static final byte[] PAYLOAD = "GET /inner HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final PacketDecoder decoder = new PacketDecoder(ChecksumMode.VERIFY);
    private final Frame frame = new Frame();

    private static byte[] innerIp()
    {
        return PacketBuilder.raw().ipv4(INNER_SRC, INNER_DST).ports(40001, 8080).payload(PAYLOAD).ipPacket();
    }

    private static byte[] innerIpv6()
    {
        return PacketBuilder.raw().ipv6(INNER_V6_SRC, INNER_V6_DST).ports(40001, 8080).payload(PAYLOAD).ipPacket();
    }

    private static byte[] innerEthernet()
    {
        return PacketBuilder.ethernet().ipv4(INNER_SRC, INNER_DST).ports(40001, 8080).payload(PAYLOAD).build();
    }

    private boolean decode(final byte[] bytes, final int linkType)
    {
        // Exactly the captured bytes: any read past them trips Agrona's bounds check.
        final UnsafeBuffer buffer = new UnsafeBuffer(Arrays.copyOf(bytes, bytes.length));
        return decoder.decode(frame.wrap(buffer, 0, bytes.length, bytes.length, 0, linkType));
    }

    private void assertInnerSegment(final int version)
    {
        assertEquals(DecodeCounter.TCP_SEGMENT, decoder.outcome());
        assertEquals(version, decoder.ipVersion());
        assertEquals(40001, decoder.tcp().srcPort());
        assertEquals(8080, decoder.tcp().dstPort());
        assertEquals(PAYLOAD.length, decoder.tcp().payloadLength());
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus(), "checksum over the inner pseudo-header");
        final byte[] source = new byte[decoder.addressLength()];
        decoder.buffer().getBytes(decoder.sourceAddressOffset(), source);
        assertArrayEquals(version == 4 ? INNER_SRC : INNER_V6_SRC, source);
        assertTrue(decoder.isEncapsulated());
    }

    private void assertTunnel(final int type, final int id, final DecodeCounter counter)
    {
        assertEquals(type, decoder.tunnelType(), TunnelType.name(decoder.tunnelType()));
        assertEquals(id, decoder.tunnelId());
        assertEquals(1, decoder.counters().get(counter));
    }

    private void assertOuterIpv4()
    {
        assertEquals(4, decoder.tunnelIpVersion());
        final byte[] outer = new byte[8];
        decoder.buffer().getBytes(decoder.tunnelSourceAddressOffset(), outer);
        assertArrayEquals(concat(TunnelFrames.OUTER_V4_SRC, TunnelFrames.OUTER_V4_DST), outer);
    }

    @Test
    void shouldOpenVxlanOnItsPortAndAConfiguredOne()
    {
        final byte[] bytes = ethernet(EtherType.IPV4,
            ipv4(IpProtocol.UDP, udp(51000, 4789, TunnelFrames.vxlan(0xABCDEF, innerEthernet()))));
        assertTrue(decode(bytes, LinkType.ETHERNET));
        assertInnerSegment(4);
        assertTunnel(TunnelType.VXLAN, 0xABCDEF, DecodeCounter.VXLAN);
        assertEquals(1, decoder.tunnelDepth());
        assertOuterIpv4();
        assertEquals(PacketDecoder.NO_VLAN, decoder.outerVlanId(), "the VLAN accessors are the outer frame's");

        final byte[] onOtherPort = ethernet(EtherType.IPV4,
            ipv4(IpProtocol.UDP, udp(51000, 8472, TunnelFrames.vxlan(7, innerEthernet()))));
        assertFalse(decode(onOtherPort, LinkType.ETHERNET));
        assertEquals(DecodeCounter.NOT_TCP, decoder.outcome());

        final PacketDecoder configured = new PacketDecoder(new DecoderContext().checksumMode(ChecksumMode.VERIFY)
            .vxlanPorts(4789, 8472).defragment(false), false);
        assertTrue(configured.decode(frame.wrap(new UnsafeBuffer(onOtherPort), 0, onOtherPort.length,
            onOtherPort.length, 0, LinkType.ETHERNET)));
        assertEquals(7, configured.tunnelId());
    }

    @Test
    void shouldIgnoreVxlanReservedBitsButNotAMissingVniFlag()
    {
        final byte[] reserved = ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP,
            udp(51000, 4789, TunnelFrames.vxlan(0x08 | 0x40, 42, 0x00FF_FFFF, innerEthernet()))));
        assertTrue(decode(reserved, LinkType.ETHERNET), "non-zero reserved bits, as suricata-verify's capture has");
        assertEquals(42, decoder.tunnelId());

        final byte[] noVni = ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP,
            udp(51000, 4789, TunnelFrames.vxlan(0x00, 42, 0, innerEthernet()))));
        assertFalse(decode(noVni, LinkType.ETHERNET));
        assertEquals(DecodeCounter.BAD_TUNNEL, decoder.outcome());

        final byte[] shortHeader = ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP,
            udp(51000, 4789, new byte[] {0x08, 0, 0, 0, 1})));
        assertFalse(decode(shortHeader, LinkType.ETHERNET));
        assertEquals(DecodeCounter.BAD_TUNNEL, decoder.outcome(), "a VXLAN header longer than its packet");
    }

    @Test
    void shouldOpenGeneveOverIpv6WithOptionsAndEitherPayload()
    {
        final byte[] options = {0x01, 0x02, (byte)0x80, 0x01, 1, 2, 3, 4};
        final byte[] ethernetPayload = ethernet(EtherType.IPV6, ipv6(IpProtocol.UDP,
            udp(52000, 6081, TunnelFrames.geneve(0x123456, EtherType.TRANSPARENT_ETHERNET, options, innerEthernet()))));
        assertTrue(decode(ethernetPayload, LinkType.ETHERNET));
        assertInnerSegment(4);
        assertTunnel(TunnelType.GENEVE, 0x123456, DecodeCounter.GENEVE);
        assertEquals(6, decoder.tunnelIpVersion());

        final byte[] ipPayload = ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP,
            udp(52000, 6081, TunnelFrames.geneve(9, EtherType.IPV6, new byte[0], innerIpv6()))));
        assertTrue(decode(ipPayload, LinkType.ETHERNET));
        assertInnerSegment(6);
        assertEquals(9, decoder.tunnelId());
    }

    @Test
    void shouldOpenGreWithEachOptionalFieldAndCarryingEachPayload()
    {
        assertTrue(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE,
            TunnelFrames.gre(true, 0x0102_0304, 77, EtherType.IPV4, innerIp()))), LinkType.ETHERNET));
        assertInnerSegment(4);
        assertTunnel(TunnelType.GRE, 0x0102_0304, DecodeCounter.GRE);
        assertOuterIpv4();

        assertTrue(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE,
            TunnelFrames.gre(false, null, null, EtherType.TRANSPARENT_ETHERNET, innerEthernet()))), LinkType.ETHERNET));
        assertInnerSegment(4);
        assertEquals(TunnelType.GRE, decoder.tunnelType());
        assertEquals(0, decoder.tunnelId(), "no key, no id");

        assertTrue(decode(ethernet(EtherType.IPV6, ipv6(IpProtocol.GRE,
            TunnelFrames.gre(false, 5, null, EtherType.IPV6, innerIpv6()))), LinkType.ETHERNET));
        assertInnerSegment(6);

        assertTrue(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(50000, PacketDecoder.GRE_UDP_PORT,
            TunnelFrames.gre(false, 3, null, EtherType.IPV4, innerIp())))), LinkType.ETHERNET), "GRE in UDP");
        assertInnerSegment(4);
        assertEquals(3, decoder.tunnelId());

        final byte[] routing = TunnelFrames.gre(false, null, null, EtherType.IPV4, innerIp());
        routing[0] |= 0x40;
        assertFalse(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE, routing)), LinkType.ETHERNET));
        assertEquals(DecodeCounter.TUNNEL, decoder.outcome(), "RFC 1701 routing is not walked");

        final byte[] version2 = TunnelFrames.gre(false, null, null, EtherType.IPV4, innerIp());
        version2[1] = 2;
        assertFalse(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE, version2)), LinkType.ETHERNET));
        assertEquals(DecodeCounter.BAD_TUNNEL, decoder.outcome());
    }

    @Test
    void shouldOpenPptpEnhancedGreCarryingPpp()
    {
        final ByteBuffer gre = ByteBuffer.allocate(16);
        gre.putShort((short)(0x2000 | 0x1000 | 0x0080 | 1)).putShort((short)EtherType.PPP)
            .putShort((short)0).putShort((short)0x4711).putInt(5).putInt(4);
        final byte[] ppp = concat(new byte[] {(byte)0xFF, 0x03, 0x00, 0x21}, innerIp());
        assertTrue(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE, concat(gre.array(), ppp))),
            LinkType.ETHERNET));
        assertInnerSegment(4);
        assertEquals(TunnelType.GRE, decoder.tunnelType());
        assertEquals(0, decoder.tunnelId(), "PPTP's call id differs by direction");
    }

    @Test
    void shouldOpenErspanTypesOneTwoAndThree()
    {
        final byte[] typeOne = ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE,
            TunnelFrames.gre(false, null, null, EtherType.ERSPAN_II, innerEthernet())));
        assertTrue(decode(typeOne, LinkType.ETHERNET));
        assertInnerSegment(4);
        assertEquals(TunnelType.ERSPAN, decoder.tunnelType());
        assertEquals(0, decoder.counters().get(DecodeCounter.GRE), "GRE only carries the ERSPAN layer");

        assertTrue(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE, TunnelFrames.gre(false, null, 1,
            EtherType.ERSPAN_II, TunnelFrames.erspan2(0x3FF, innerEthernet())))), LinkType.ETHERNET));
        assertInnerSegment(4);
        assertEquals(0x3FF, decoder.tunnelId());

        for (final boolean platform : new boolean[] {false, true})
        {
            assertTrue(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE, TunnelFrames.gre(false, null, 1,
                EtherType.ERSPAN_III, TunnelFrames.erspan3(77, platform, innerEthernet())))), LinkType.ETHERNET));
            assertInnerSegment(4);
            assertEquals(77, decoder.tunnelId());
        }

        final byte[] wrongVersion = TunnelFrames.erspan2(5, innerEthernet());
        wrongVersion[0] = 0x20;
        assertFalse(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE,
            TunnelFrames.gre(false, null, 1, EtherType.ERSPAN_II, wrongVersion))), LinkType.ETHERNET));
        assertEquals(DecodeCounter.BAD_TUNNEL, decoder.outcome());
    }

    @Test
    void shouldOpenEachCombinationOfIpInIp()
    {
        assertTrue(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.IPIP, innerIp())), LinkType.ETHERNET), "4in4");
        assertInnerSegment(4);
        assertTunnel(TunnelType.IP_IN_IP, 0, DecodeCounter.IP_IN_IP);
        assertOuterIpv4();
        assertTrue(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.IPV6, innerIpv6())), LinkType.ETHERNET), "6in4");
        assertInnerSegment(6);
        assertTrue(decode(ethernet(EtherType.IPV6, ipv6(IpProtocol.IPIP, innerIp())), LinkType.ETHERNET), "4in6");
        assertInnerSegment(4);
        assertEquals(6, decoder.tunnelIpVersion());
        assertTrue(decode(ethernet(EtherType.IPV6, ipv6(IpProtocol.IPV6, innerIpv6())), LinkType.ETHERNET), "6in6");
        assertInnerSegment(6);

        assertFalse(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.IPIP, innerIpv6())), LinkType.ETHERNET));
        assertEquals(DecodeCounter.BAD_IP_VERSION, decoder.outcome(), "protocol 4 carrying IPv6");
    }

    @Test
    void shouldKeepAnInnerPacketWithinTheOuterOne()
    {
        final byte[] inner = innerIp();
        final byte[] outer = ipv4(IpProtocol.IPIP, inner);
        // Claim ten bytes fewer for the outer packet: the inner one runs past it.
        final int shortened = outer.length - 10;
        outer[2] = (byte)(shortened >>> 8);
        outer[3] = (byte)shortened;
        outer[10] = 0;
        outer[11] = 0;
        final int checksum = PacketBuilder.referenceChecksum(new byte[0], Arrays.copyOf(outer, 20));
        outer[10] = (byte)(checksum >>> 8);
        outer[11] = (byte)checksum;
        assertFalse(decode(ethernet(EtherType.IPV4, outer), LinkType.ETHERNET));
        assertEquals(DecodeCounter.BAD_IP_LENGTH, decoder.outcome());
    }

    @Test
    void shouldOpenMplsStacksCarryingIpOrEthernet()
    {
        assertTrue(decode(ethernet(EtherType.MPLS_UNICAST, TunnelFrames.mpls(new int[] {16, 17, 18}, innerIp())),
            LinkType.ETHERNET));
        assertInnerSegment(4);
        assertTunnel(TunnelType.MPLS, 0, DecodeCounter.MPLS);
        assertEquals(0, decoder.tunnelIpVersion(), "MPLS on the link: no outer IP");

        final byte[] controlWord = {0, 0, 0, 0};
        assertTrue(decode(ethernet(EtherType.MPLS_UNICAST,
            TunnelFrames.mpls(new int[] {100, 200}, concat(controlWord, innerEthernet()))), LinkType.ETHERNET));
        assertInnerSegment(4);

        final byte[] vlanTagged = ethernet(EtherType.VLAN, concat(new byte[] {0, 10, (byte)0x88, 0x47},
            TunnelFrames.mpls(new int[] {3}, innerIpv6())));
        assertTrue(decode(vlanTagged, LinkType.ETHERNET));
        assertInnerSegment(6);
        assertEquals(10, decoder.outerVlanId());

        assertTrue(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(50000, PacketDecoder.MPLS_UDP_PORT,
            TunnelFrames.mpls(new int[] {5}, innerIp())))), LinkType.ETHERNET), "MPLS in UDP");
        assertInnerSegment(4);

        final int[] tooMany = new int[PacketDecoder.MAX_MPLS_LABELS + 1];
        assertFalse(decode(ethernet(EtherType.MPLS_UNICAST, TunnelFrames.mpls(tooMany, innerIp())),
            LinkType.ETHERNET));
        assertEquals(DecodeCounter.BAD_TUNNEL, decoder.outcome());
    }

    @Test
    void shouldNameAPppoeSession()
    {
        assertTrue(decode(ethernet(EtherType.PPPOE_SESSION, TunnelFrames.pppoe(0x1234, 0x0021, innerIp())),
            LinkType.ETHERNET));
        assertInnerSegment(4);
        assertTunnel(TunnelType.PPPOE, 0x1234, DecodeCounter.PPPOE);
    }

    @Test
    void shouldStepOverVnTagETagAndFabricPath()
    {
        final byte[] vnTag = ethernet(EtherType.VN_TAG, concat(new byte[] {(byte)0x80, 1, 0, 2, 0x08, 0x00},
            innerIp()));
        assertTrue(decode(vnTag, LinkType.ETHERNET));
        assertInnerSegment(4);
        assertEquals(0, decoder.tunnelDepth());
        assertEquals(1, decoder.counters().get(DecodeCounter.VN_TAG));

        final byte[] eTag = ethernet(EtherType.E_TAG, concat(new byte[] {0, 1, 2, 3, 4, 5, (byte)0x86, (byte)0xDD},
            innerIpv6()));
        assertTrue(decode(eTag, LinkType.ETHERNET));
        assertInnerSegment(6);

        final byte[] fabricPath = concat(new byte[] {2, 0, 0, 0, 0, 9, 2, 0, 0, 0, 0, 8, (byte)0x89, 0x03, 0, 63},
            innerEthernet());
        assertTrue(decode(fabricPath, LinkType.ETHERNET));
        assertInnerSegment(4);
        assertEquals(1, decoder.counters().get(DecodeCounter.FABRICPATH));
    }

    @Test
    void shouldOpenGtpUTeredoAndAyiya()
    {
        assertTrue(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(2152, 2152,
            TunnelFrames.gtp(0xCAFE, innerIp())))), LinkType.ETHERNET));
        assertInnerSegment(4);
        assertTunnel(TunnelType.GTP_U, 0, DecodeCounter.GTP_U);

        final byte[] echo = TunnelFrames.gtp(1, innerIp());
        echo[1] = 1;
        assertFalse(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(2152, 2152, echo))), LinkType.ETHERNET));
        assertEquals(DecodeCounter.NOT_TCP, decoder.outcome(), "a GTP echo request carries no user packet");

        assertTrue(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(3544, 61000,
            TunnelFrames.teredo(innerIpv6())))), LinkType.ETHERNET), "Teredo, server to client");
        assertInnerSegment(6);
        assertEquals(TunnelType.TEREDO, decoder.tunnelType());

        final byte[] notTeredo = ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(61000, 3544,
            "not an IPv6 packet at all, though long enough".getBytes(StandardCharsets.US_ASCII))));
        assertFalse(decode(notTeredo, LinkType.ETHERNET));
        assertEquals(DecodeCounter.NOT_TCP, decoder.outcome());

        assertTrue(decode(ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(5072, 40000,
            TunnelFrames.ayiya(IpProtocol.IPV6, innerIpv6())))), LinkType.ETHERNET));
        assertInnerSegment(6);
        assertEquals(TunnelType.AYIYA, decoder.tunnelType());
    }

    @Test
    void shouldNestTunnelsToTheLimitAndNameTheInnermostIdentifiedOne()
    {
        // ERSPAN mirroring VXLAN traffic of an IP-in-IP tunnel: three layers.
        final byte[] vxlanFrame = ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP,
            udp(1, 4789, TunnelFrames.vxlan(500, ethernet(EtherType.IPV4, ipv4(IpProtocol.IPIP, innerIp()))))));
        final byte[] mirrored = ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE,
            TunnelFrames.gre(false, null, 1, EtherType.ERSPAN_II, TunnelFrames.erspan2(33, vxlanFrame))));
        assertTrue(decode(mirrored, LinkType.ETHERNET));
        assertInnerSegment(4);
        assertEquals(3, decoder.tunnelDepth());
        assertEquals(TunnelType.VXLAN, decoder.tunnelType(), "the innermost layer with an id: IP in IP has none");
        assertEquals(500, decoder.tunnelId());

        final PacketDecoder shallow = new PacketDecoder(new DecoderContext().tunnelDepth(2).defragment(false), false);
        assertFalse(shallow.decode(frame.wrap(new UnsafeBuffer(mirrored), 0, mirrored.length, mirrored.length, 0,
            LinkType.ETHERNET)));
        assertEquals(DecodeCounter.TUNNEL, shallow.outcome());

        final PacketDecoder none = new PacketDecoder(new DecoderContext().tunnelDepth(0).defragment(false), false);
        assertFalse(none.decode(frame.wrap(new UnsafeBuffer(mirrored), 0, mirrored.length, mirrored.length, 0,
            LinkType.ETHERNET)));
        assertEquals(DecodeCounter.TUNNEL, none.outcome());
    }

    @Test
    void shouldCountEveryCutOfAnEncapsulatedFrameWithoutReadingPastIt()
    {
        final byte[] whole = ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE, TunnelFrames.gre(true, 9, 1,
            EtherType.ERSPAN_III, TunnelFrames.erspan3(4, true, ethernet(EtherType.VLAN, concat(
            new byte[] {0, 5, (byte)0x88, 0x47}, TunnelFrames.mpls(new int[] {1}, innerIp())))))));
        assertTrue(decode(whole, LinkType.ETHERNET));
        final int tcpHeaderEnd = whole.length - PAYLOAD.length;
        for (int length = 0; length < whole.length; length++)
        {
            final byte[] cut = Arrays.copyOf(whole, length);
            final UnsafeBuffer buffer = new UnsafeBuffer(cut);
            final boolean decoded = decoder.decode(frame.wrap(buffer, 0, length, whole.length, 0, LinkType.ETHERNET));
            assertEquals(length >= tcpHeaderEnd, decoded, "cut at " + length + ": " + decoder.outcome());
            if (!decoded)
            {
                assertEquals(DecodeCounter.TRUNCATED_FRAME, decoder.outcome(), "cut at " + length);
            }
        }
    }

    @Test
    void shouldDecodePppAndCiscoHdlcLinks()
    {
        assertTrue(decode(concat(new byte[] {(byte)0xFF, 0x03, 0x00, 0x21}, innerIp()), LinkType.PPP));
        assertEquals(0, decoder.tunnelDepth());
        assertTrue(decode(concat(new byte[] {0x21}, innerIp()), LinkType.PPP), "compressed protocol field");
        assertTrue(decode(concat(new byte[] {(byte)0xFF, 0x03, 0x02, (byte)0x81},
            TunnelFrames.mpls(new int[] {7}, innerIp())), LinkType.PPP), "MPLS over PPP");
        assertEquals(TunnelType.MPLS, decoder.tunnelType());
        assertTrue(decode(concat(new byte[] {0x0F, 0x00, (byte)0x86, (byte)0xDD}, innerIpv6()), LinkType.C_HDLC));
        assertFalse(decode(new byte[] {(byte)0xFF, 0x03, (byte)0xC0, 0x21, 1, 2, 3, 4}, LinkType.PPP));
        assertEquals(DecodeCounter.NOT_IP, decoder.outcome(), "LCP");
    }

    @Test
    void shouldDecode80211DataFramesWithOrWithoutRadiotapOrPpi()
    {
        final byte[] llc = {(byte)0xAA, (byte)0xAA, 0x03, 0, 0, 0, 0x08, 0x00};
        final byte[] qosData = new byte[26];
        qosData[0] = (byte)0x88;
        qosData[1] = 0x01;
        final byte[] wlan = concat(qosData, llc, innerIp());
        assertTrue(decode(wlan, LinkType.IEEE802_11));

        final byte[] radiotap = {0, 0, 12, 0, 0x04, 0, 0, 0, 0x02, 0, 0, 0};
        assertTrue(decode(concat(radiotap, wlan), LinkType.IEEE802_11_RADIOTAP));
        assertEquals(PAYLOAD.length, decoder.tcp().payloadLength());

        final byte[] fourAddresses = new byte[30];
        fourAddresses[0] = 0x08;
        fourAddresses[1] = 0x03;
        assertTrue(decode(concat(fourAddresses, llc, innerIp()), LinkType.IEEE802_11), "a WDS frame");

        final byte[] ppi = {0, 0, 8, 0, 105, 0, 0, 0};
        assertTrue(decode(concat(ppi, wlan), LinkType.PPI));

        final byte[] beacon = new byte[40];
        beacon[0] = (byte)0x80;
        assertFalse(decode(beacon, LinkType.IEEE802_11));
        assertEquals(DecodeCounter.NOT_IP, decoder.outcome());
        final byte[] protectedData = wlan.clone();
        protectedData[1] |= 0x40;
        assertFalse(decode(protectedData, LinkType.IEEE802_11));
        assertEquals(DecodeCounter.NOT_IP, decoder.outcome(), "encrypted");
    }

    @Test
    void shouldDecodeNflogInEitherByteOrder()
    {
        for (final ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN})
        {
            final byte[] packet = innerIp();
            final int padded = (4 + packet.length + 3) & ~3;
            final ByteBuffer nflog = ByteBuffer.allocate(4 + 8 + padded).order(order);
            nflog.put((byte)2).put((byte)0).order(ByteOrder.BIG_ENDIAN).putShort((short)7).order(order);
            nflog.putShort((short)8).putShort((short)1).putInt(0x0800_0300);
            nflog.putShort((short)(4 + packet.length)).putShort((short)9).put(packet);
            assertTrue(decode(nflog.array(), LinkType.NFLOG), order.toString());
            assertEquals(PAYLOAD.length, decoder.tcp().payloadLength());
        }
        assertFalse(decode(new byte[] {2, 0, 0, 7, 8, 0, 1, 0, 0, 0, 0, 0}, LinkType.NFLOG));
        assertEquals(DecodeCounter.NOT_IP, decoder.outcome(), "no payload attribute");
    }

    @Test
    void shouldAllocateNothingOpeningTunnelsAndDroppingDuplicatesAfterWarmUp()
    {
        // Every round, each tunnel's frame comes twice at the same instant (a SPAN port's copy); rounds are further
        // apart than the window, so each round's first frame is new.
        final long windowNs = TimeUnit.MILLISECONDS.toNanos(1);
        final PacketDecoder sensor = new PacketDecoder(new DecoderContext().checksumMode(ChecksumMode.VERIFY)
            .dedupWindowNs(windowNs), false);
        final byte[][] frames = {
            ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(51000, 4789, TunnelFrames.vxlan(77, innerEthernet())))),
            ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(52000, 6081,
                TunnelFrames.geneve(9, EtherType.TRANSPARENT_ETHERNET, new byte[8], innerEthernet())))),
            ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE, TunnelFrames.gre(true, 7, 1, EtherType.IPV4, innerIp()))),
            ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE, TunnelFrames.gre(false, null, 1, EtherType.ERSPAN_II,
                TunnelFrames.erspan2(5, innerEthernet())))),
            ethernet(EtherType.MPLS_UNICAST, TunnelFrames.mpls(new int[] {16, 17}, innerIp())),
            ethernet(EtherType.IPV6, ipv6(IpProtocol.IPIP, innerIp())),
            ethernet(EtherType.IPV4, ipv4(IpProtocol.IPV6, innerIpv6()))
        };
        final UnsafeBuffer[] buffers = new UnsafeBuffer[frames.length];
        for (int i = 0; i < frames.length; i++)
        {
            buffers[i] = new UnsafeBuffer(frames[i]);
        }
        // A long warm-up: with 2,000 rounds the compiler was still at work, and a deoptimisation allocated 1.5 KB.
        for (int round = 0; round < 20_000; round++)
        {
            decodeRound(sensor, buffers, round * 2 * windowNs);
        }
        final long segmentsBefore = sensor.counters().get(DecodeCounter.TCP_SEGMENT);
        final long duplicatesBefore = sensor.counters().get(DecodeCounter.DUPLICATE);
        final long before = Allocations.currentThreadBytes();
        for (int round = 20_000; round < 30_000; round++)
        {
            decodeRound(sensor, buffers, round * 2 * windowNs);
        }
        final long allocated = Allocations.currentThreadBytes() - before;
        final long segments = sensor.counters().get(DecodeCounter.TCP_SEGMENT) - segmentsBefore;
        final long duplicates = sensor.counters().get(DecodeCounter.DUPLICATE) - duplicatesBefore;
        assertEquals(10_000L * frames.length * 2, segments + duplicates, "every frame a segment or a duplicate");
        assertTrue(duplicates >= 10_000L * frames.length, "each second copy a duplicate: " + duplicates);
        assertEquals(0, allocated, "bytes allocated decoding " + segments + " tunnelled segments");
    }

    private static void decodeRound(final PacketDecoder sensor, final UnsafeBuffer[] buffers, final long timeNs)
    {
        for (final UnsafeBuffer buffer : buffers)
        {
            for (int copy = 0; copy < 2; copy++)
            {
                sensor.decode(buffer, 0, buffer.capacity(), false, LinkType.ETHERNET, Frame.CHECKSUM_UNKNOWN,
                    Frame.NO_VLAN_TCI, timeNs);
            }
        }
    }
}
