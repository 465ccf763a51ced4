package io.flowtap.capture.filter;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.IpProtocol;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.test.Allocations;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Evaluation in userspace: on a flow's fields, as the reassembly engine holds them, and on a decoded segment.
 */
class FlowFilterTest
{
    private static final long A = 0x0A00_0001L;
    private static final long B = 0x0A01_0203L;
    private static final long V6_HIGH = 0xFD00_0000_0000_0001L;
    private static final long V6_LOW = 0x0000_0000_0000_0005L;
    private static final int NO_VLAN = FlowFilter.NO_VLAN;
    private static final long ALLOCATION_ALLOWANCE_BYTES = 4096;

    private final PacketDecoder decoder = RandomPackets.decoder();

    private static boolean v4(final String expression, final long src, final int srcPort, final long dst,
        final int dstPort, final int vlan)
    {
        return FlowFilter.parse(expression).matches(4, 0, src, srcPort, 0, dst, dstPort, vlan);
    }

    @Test
    void shouldAbbreviateABlocklistForASummaryLine()
    {
        assertEquals("dst port 80 and ip", FlowFilter.abbreviate("dst port 80 and ip"));
        final StringBuilder blocklist = new StringBuilder("host 10.9.0.1");
        for (int i = 1; i < 6000; i++)
        {
            blocklist.append(" or host 10.9.").append(i / 250).append('.').append(i % 250 + 1);
        }
        final String text = FlowFilter.parse(blocklist.toString()).toString();
        final String abbreviated = FlowFilter.abbreviate(text);
        assertTrue(abbreviated.length() <= 160, abbreviated);
        assertEquals(text.substring(0, 120) + "... (" + text.length() + " characters)", abbreviated);
    }

    @Test
    void shouldMatchHostsInTheirDirection()
    {
        assertTrue(v4("host 10.0.0.1", A, 1, B, 2, NO_VLAN));
        assertTrue(v4("host 10.0.0.1", B, 1, A, 2, NO_VLAN));
        assertTrue(v4("src host 10.0.0.1", A, 1, B, 2, NO_VLAN));
        assertFalse(v4("src host 10.0.0.1", B, 1, A, 2, NO_VLAN));
        assertTrue(v4("dst host 10.0.0.1", B, 1, A, 2, NO_VLAN));
        assertFalse(v4("dst host 10.0.0.1", A, 1, B, 2, NO_VLAN));
        assertFalse(v4("src and dst host 10.0.0.1", A, 1, B, 2, NO_VLAN));
        assertTrue(v4("src and dst host 10.0.0.1", A, 1, A, 2, NO_VLAN));
        assertFalse(v4("host 10.0.0.2", A, 1, B, 2, NO_VLAN));
        // Whatever the caller leaves in the high 32 bits of an IPv4 address is not part of it.
        assertTrue(FlowFilter.parse("host 10.0.0.1").matches(4, 0, 0xFFFF_FFFF_0000_0000L | A, 1, 0, B, 2, NO_VLAN));
    }

    @Test
    void shouldMatchNetworksByPrefixOrMask()
    {
        assertTrue(v4("net 10.0.0.0/8", B, 1, 0x0B00_0001L, 2, NO_VLAN));
        assertTrue(v4("net 10.1.0.0/16", B, 1, A, 2, NO_VLAN));
        assertFalse(v4("src net 10.1.0.0/16", A, 1, B, 2, NO_VLAN));
        assertTrue(v4("net 10.1.0.0 mask 255.255.0.0", 0x0A01_FFFFL, 1, A, 2, NO_VLAN));
        assertTrue(v4("net 10.0.0.3 mask 255.0.0.255", 0x0A12_3403L, 1, 0, 2, NO_VLAN));
        assertTrue(v4("net 0.0.0.0/0", 0, 1, 0, 2, NO_VLAN));
        assertFalse(FlowFilter.parse("net 0.0.0.0/0").matches(6, 0, 0, 1, 0, 0, 2, NO_VLAN));
    }

    @Test
    void shouldMatchIpv6AddressesAcrossBothHalves()
    {
        final FlowFilter host = FlowFilter.parse("host fd00:0:0:1::5");
        assertTrue(host.matches(6, V6_HIGH, V6_LOW, 1, 0, 0, 2, NO_VLAN));
        assertFalse(host.matches(6, V6_HIGH, V6_LOW + 1, 1, 0, 0, 2, NO_VLAN));
        assertFalse(host.matches(4, 0, V6_LOW, 1, 0, V6_LOW, 2, NO_VLAN));
        assertTrue(FlowFilter.parse("dst net fd00::/8").matches(6, 0, 0, 1, V6_HIGH, 0, 2, NO_VLAN));
        assertTrue(FlowFilter.parse("net fd00:0:0:1::/64").matches(6, V6_HIGH, -1L, 1, 0, 0, 2, NO_VLAN));
        // A prefix that ends inside the low half.
        final FlowFilter slash100 = FlowFilter.parse("net fd00:0:0:1::/100");
        assertTrue(slash100.matches(6, V6_HIGH, 0x0000_0000_0FFF_FFFFL, 1, 0, 0, 2, NO_VLAN));
        assertFalse(slash100.matches(6, V6_HIGH, 0x0000_0000_1000_0000L, 1, 0, 0, 2, NO_VLAN));
        assertTrue(FlowFilter.parse("ip6").matches(6, 0, 0, 1, 0, 0, 2, NO_VLAN));
        assertFalse(FlowFilter.parse("ip").matches(6, 0, 0, 1, 0, 0, 2, NO_VLAN));
    }

    @Test
    void shouldMatchPortsAndInclusiveRanges()
    {
        assertTrue(v4("port 80", A, 80, B, 5000, NO_VLAN));
        assertTrue(v4("port 80", A, 5000, B, 80, NO_VLAN));
        assertFalse(v4("src port 80", A, 5000, B, 80, NO_VLAN));
        assertTrue(v4("dst port 80", A, 5000, B, 80, NO_VLAN));
        assertTrue(v4("portrange 1000-2000", A, 1000, B, 1, NO_VLAN));
        assertTrue(v4("portrange 1000-2000", A, 1, B, 2000, NO_VLAN));
        assertFalse(v4("portrange 1000-2000", A, 999, B, 2001, NO_VLAN));
        assertTrue(v4("src portrange 0-1023", A, 0, B, 2001, NO_VLAN));
        assertTrue(v4("dst portrange 1024-65535", A, 0, B, 65535, NO_VLAN));
        assertTrue(v4("port 80 or 443", A, 1, B, 443, NO_VLAN));
    }

    @Test
    void shouldTestTheOuterVlan()
    {
        assertTrue(v4("vlan", A, 1, B, 2, 0));
        assertFalse(v4("vlan", A, 1, B, 2, NO_VLAN));
        assertTrue(v4("vlan 100", A, 1, B, 2, 100));
        assertFalse(v4("vlan 100", A, 1, B, 2, 101));
        assertTrue(v4("not vlan", A, 1, B, 2, NO_VLAN));
        // Whatever is not a 12-bit id means no tag, such as the reassembly flow key's 4096.
        assertTrue(v4("not vlan", A, 1, B, 2, 4096));
        assertFalse(v4("vlan 0", A, 1, B, 2, 4096));
    }

    @Test
    void shouldCombineWithShortCircuitAndPrecedence()
    {
        assertTrue(v4("port 1 or port 2 and port 3", A, 1, B, 9, NO_VLAN));
        assertFalse(v4("(port 1 or port 2) and port 3", A, 1, B, 9, NO_VLAN));
        assertTrue(v4("not port 9 or port 1", A, 1, B, 9, NO_VLAN));
        assertFalse(v4("not (port 9 or port 1)", A, 1, B, 9, NO_VLAN));
        assertTrue(v4("tcp", A, 1, B, 9, NO_VLAN));
        assertFalse(v4("not tcp", A, 1, B, 9, NO_VLAN));
        assertTrue(v4("", A, 1, B, 9, NO_VLAN));
        assertTrue(v4("host 10.0.0.1 and (port 1 or port 2) and not vlan", A, 2, B, 9, NO_VLAN));
    }

    @Test
    void shouldReadTheDecodedSegmentWithTheHeaderDestinationAndOuterVlan()
    {
        // A loose source route still under way: the header's destination is the next hop, 10.0.0.2; the route's
        // last address, 10.9.9.9, is the final one. Filters, as tcpdump and BPF, see the header's.
        final byte[] lsrr = {(byte)131, 7, 4, 10, 9, 9, 9, 0};
        final byte[] frame = PacketBuilder.ethernet().vlan(EtherType.VLAN, 12).ipv4Options(lsrr)
            .finalDestination(new byte[] {10, 9, 9, 9}).ports(40000, 443).build();
        assertTrue(decode(frame, 0x2000 | 100));
        assertEquals(100, decoder.outerVlanId());
        assertTrue(FlowFilter.parse("src host 10.0.0.1 and dst host 10.0.0.2").matches(decoder));
        assertFalse(FlowFilter.parse("dst host 10.9.9.9").matches(decoder));
        assertTrue(FlowFilter.parse("src port 40000 and dst port 443 and vlan 100 and ip").matches(decoder));
        assertFalse(FlowFilter.parse("vlan 12").matches(decoder));

        final byte[] v6 = PacketBuilder.ethernet().ipv6(address("fd00::1"), address("fd00:0:0:1::5"))
            .extensions(IpProtocol.DESTINATION_OPTIONS, new byte[] {IpProtocol.TCP, 0, 1, 4, 0, 0, 0, 0})
            .ports(22, 50000).build();
        assertTrue(decode(v6, Frame.NO_VLAN_TCI));
        assertTrue(FlowFilter.parse("ip6 and src host fd00::1 and dst net fd00:0:0:1::/64 and src port 22 and " +
            "not vlan").matches(decoder));
    }

    @Test
    void shouldNotMatchWhatIsNotATcpSegment()
    {
        final byte[] udp = PacketBuilder.ethernet().protocol(IpProtocol.UDP).build();
        assertFalse(decode(udp, Frame.NO_VLAN_TCI));
        assertFalse(FlowFilter.matchAll().matches(decoder));
        assertFalse(FlowFilter.parse("not port 1").matches(decoder));
    }

    @Test
    void shouldAllocateNothingPerEvaluation()
    {
        final FlowFilter[] filters = {
            FlowFilter.parse("host 10.0.0.1 and (port 80 or portrange 1000-2000) and not vlan 7"),
            FlowFilter.parse("ip6 and src net fd00::/8 or dst host fd00:0:0:1::5 and vlan"),
            FlowFilter.parse("src and dst net 10.0.0.0/8 or not tcp dst port 443")};
        final byte[] frame = PacketBuilder.ethernet().ports(1500, 80).build();
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        long matched = 0;
        for (int round = 0; round < 2; round++)
        {
            Allocations.currentThreadBytes();
            final long before = Allocations.currentThreadBytes();
            for (int i = 0; i < 200_000; i++)
            {
                final FlowFilter filter = filters[i % filters.length];
                if (filter.matches(4, 0, A + (i & 7), 1000 + (i & 1023), 0, B, 80, (i & 1) == 0 ? NO_VLAN : 7))
                {
                    matched++;
                }
                if (filter.matches(6, V6_HIGH, V6_LOW + (i & 3), 1, V6_HIGH, V6_LOW, 443, i & 0xFFF))
                {
                    matched++;
                }
                decoder.decode(buffer, 0, frame.length, false, LinkType.ETHERNET, Frame.CHECKSUM_UNKNOWN,
                    Frame.NO_VLAN_TCI);
                if (filter.matches(decoder))
                {
                    matched++;
                }
            }
            final long allocated = Allocations.currentThreadBytes() - before;
            if (round == 1)
            {
                // One allocation per evaluation would be megabytes; the allowance is for the JIT and the probe.
                assertTrue(allocated < ALLOCATION_ALLOWANCE_BYTES, allocated + " bytes over 600,000 evaluations");
            }
        }
        assertTrue(matched > 0);
    }

    private boolean decode(final byte[] frame, final int metadataTci)
    {
        return decoder.decode(new UnsafeBuffer(frame), 0, frame.length, false, LinkType.ETHERNET,
            Frame.CHECKSUM_UNKNOWN, metadataTci);
    }

    private static byte[] address(final String text)
    {
        final long[] halves = new long[2];
        assertTrue(Addresses.parseIpv6(text, halves));
        return ByteBuffer.allocate(16).putLong(halves[0]).putLong(halves[1]).array();
    }
}
