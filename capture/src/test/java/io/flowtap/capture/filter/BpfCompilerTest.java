package io.flowtap.capture.filter;

import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.IpProtocol;
import io.flowtap.capture.codec.PacketBuilder;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compiled program, run by {@link BpfInterpreter}, on frames built to hit each path: VLAN tags in metadata and
 * in the frame, IPv4 options, fragments and AH, IPv6 extension chains up to and past the limit. Every program must
 * pass the kernel's checks.
 */
class BpfCompilerTest
{
    private static final int NO_TCI = BpfInterpreter.NO_TCI;
    private static final byte[] V6_SRC = {(byte)0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    private static final byte[] V6_DST = {(byte)0xfd, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5};

    private static boolean accepts(final String expression, final byte[] frame, final int tci)
    {
        final BpfProgram program = FlowFilter.parse(expression).toBpf();
        BpfInterpreter.verify(program);
        final int result = BpfInterpreter.run(program, frame, tci);
        assertTrue(result == 0 || result == Bpf.ACCEPT_WHOLE_PACKET, "returned " + result);
        return result != 0;
    }

    @Test
    void shouldAcceptTcpAndNothingElseWhenEmpty()
    {
        assertTrue(accepts("", PacketBuilder.ethernet().build(), NO_TCI));
        assertTrue(accepts("", PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST).build(), NO_TCI));
        assertFalse(accepts("", PacketBuilder.ethernet().protocol(IpProtocol.UDP).build(), NO_TCI));
        assertFalse(accepts("", PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST).protocol(IpProtocol.UDP).build(),
            NO_TCI));
        final byte[] arp = new byte[60];
        arp[12] = (byte)(EtherType.ARP >>> 8);
        arp[13] = (byte)EtherType.ARP;
        assertFalse(accepts("", arp, NO_TCI));
        assertFalse(accepts("not port 1", arp, NO_TCI));
        assertFalse(accepts("", new byte[10], NO_TCI));
        assertFalse(accepts("not tcp", PacketBuilder.ethernet().build(), NO_TCI));
    }

    @Test
    void shouldReadAddressesAndPortsPastIpv4Options()
    {
        final byte[] frame = PacketBuilder.ethernet().ipv4Options(new byte[] {1, 1, 1, 1, 1, 1, 1, 0})
            .ports(1234, 8080).build();
        assertTrue(accepts("src host 10.0.0.1 and dst host 10.0.0.2 and src port 1234 and dst port 8080", frame,
            NO_TCI));
        assertFalse(accepts("port 80", frame, NO_TCI));
        assertTrue(accepts("portrange 8000-9000 and net 10.0.0.0/24 and ip", frame, NO_TCI));
        assertFalse(accepts("ip6", frame, NO_TCI));
    }

    @Test
    void shouldPassEveryFragmentOnWholeForUserspaceToReassemble()
    {
        assertTrue(accepts("port 80", PacketBuilder.ethernet().fragmentField(0x4000).build(), NO_TCI));
        assertFalse(accepts("port 81", PacketBuilder.ethernet().fragmentField(0x4000).build(), NO_TCI));
        assertTrue(accepts("port 81", PacketBuilder.ethernet().fragmentField(0x2000).build(), NO_TCI));
        assertTrue(accepts("port 81", PacketBuilder.ethernet().fragmentField(0x0001).build(), NO_TCI));
        assertTrue(accepts("not tcp", PacketBuilder.ethernet().fragmentField(0x1FFF).build(), NO_TCI));
    }

    @Test
    void shouldStepOverOneAuthenticationHeaderInIpv4()
    {
        final byte[] ah = authentication(IpProtocol.TCP);
        assertTrue(accepts("dst port 80", PacketBuilder.ethernet().extensions(IpProtocol.AH, ah).build(), NO_TCI));
        final ByteArrayOutputStream twice = new ByteArrayOutputStream();
        twice.writeBytes(authentication(IpProtocol.AH));
        twice.writeBytes(ah);
        assertFalse(accepts("", PacketBuilder.ethernet().extensions(IpProtocol.AH, twice.toByteArray()).build(),
            NO_TCI));
    }

    @Test
    void shouldWalkIpv6ExtensionHeadersToTheDecodersLimit()
    {
        assertTrue(accepts("src net fd00::/8 and dst host fd00:0:0:1::5 and dst port 80",
            ipv6WithOptions(8, IpProtocol.TCP), NO_TCI));
        assertFalse(accepts("", ipv6WithOptions(9, IpProtocol.TCP), NO_TCI));
        assertFalse(accepts("", ipv6WithOptions(3, IpProtocol.UDP), NO_TCI));

        final byte[] atomic = {IpProtocol.TCP, 0, 0, 0, 1, 2, 3, 4};
        assertTrue(accepts("port 80", PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST)
            .extensions(IpProtocol.FRAGMENT, atomic).build(), NO_TCI));
        final byte[] first = {IpProtocol.TCP, 0, 0, 1, 1, 2, 3, 4};
        assertTrue(accepts("port 81", PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST)
            .extensions(IpProtocol.FRAGMENT, first).build(), NO_TCI), "a fragment, passed on whole");
        assertTrue(accepts("port 80", PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST)
            .extensions(IpProtocol.AH, authentication(IpProtocol.TCP)).build(), NO_TCI));
    }

    @Test
    void shouldTestTheOuterVlanWhereverItIs()
    {
        final byte[] untagged = PacketBuilder.ethernet().build();
        assertTrue(accepts("vlan 100", untagged, 0xE000 | 100));
        assertTrue(accepts("vlan", untagged, 0));
        assertFalse(accepts("vlan", untagged, NO_TCI));
        assertTrue(accepts("not vlan and port 80", untagged, NO_TCI));

        final byte[] oneTag = PacketBuilder.ethernet().vlan(EtherType.VLAN, 7).build();
        assertTrue(accepts("vlan 7 and host 10.0.0.1 and port 80", oneTag, NO_TCI));
        assertTrue(accepts("vlan 100 and host 10.0.0.1 and port 80", oneTag, 100));

        final byte[] twoTags = PacketBuilder.ethernet().vlan(EtherType.QINQ, 5).vlan(EtherType.VLAN, 6).build();
        assertTrue(accepts("vlan 5 and dst port 80", twoTags, NO_TCI));
        assertTrue(accepts("vlan 9", twoTags, 9), "QinQinQ, the outer tag in metadata");
        final byte[] threeTags = PacketBuilder.ethernet().vlan(EtherType.QINQ, 5).vlan(EtherType.VLAN, 6)
            .vlan(EtherType.QINQ_LEGACY, 7).build();
        assertTrue(accepts("vlan 5 and port 80", threeTags, NO_TCI));
        assertFalse(accepts("", threeTags, 9), "four tags in all");
        final byte[] fourTags = PacketBuilder.ethernet().vlan(EtherType.QINQ, 5).vlan(EtherType.VLAN, 6)
            .vlan(EtherType.VLAN, 7).vlan(EtherType.VLAN, 8).build();
        assertFalse(accepts("", fourTags, NO_TCI));
    }

    @Test
    void shouldReachFarTargetsThroughLongJumps()
    {
        final StringBuilder expression = new StringBuilder("dst port 1");
        for (int port = 2; port <= 300; port++)
        {
            expression.append(" or dst port ").append(port);
        }
        expression.append(" or host fd00::1");
        final FlowFilter filter = FlowFilter.parse(expression.toString());
        final BpfProgram program = filter.toBpf();
        BpfInterpreter.verify(program);
        assertTrue(program.toString().contains("ja "), "no long jump in\n" + program);
        assertTrue(accepts(expression.toString(), PacketBuilder.ethernet().ports(5, 300).build(), NO_TCI));
        assertFalse(accepts(expression.toString(), PacketBuilder.ethernet().ports(5, 301).build(), NO_TCI));
        assertTrue(accepts(expression.toString(), PacketBuilder.ethernet().ipv6(V6_SRC, V6_SRC).ports(5, 301)
            .build(), NO_TCI));
    }

    @Test
    void shouldRefuseAProgramLargerThanTheKernelTakes()
    {
        final StringBuilder expression = new StringBuilder("net fd00::/100");
        for (int i = 1; i < 400; i++)
        {
            expression.append(" or net fd00::/100");
        }
        final FilterSyntaxException ex = assertThrows(
            FilterSyntaxException.class, () -> FlowFilter.parse(expression.toString()).toBpf());
        assertTrue(ex.getMessage().startsWith("bad filter: it compiles to "), ex.getMessage());
        assertTrue(ex.getMessage().contains(" classic BPF instructions, more than the kernel's 4096 in \"net "),
            ex.getMessage());
        assertEquals(0, ex.column());
    }

    @Test
    void shouldListTheProgramAsTcpdumpWould()
    {
        final String listing = FlowFilter.parse("port 80").toBpf().toString();
        assertTrue(listing.startsWith("(000) ld       vlan_avail\n"), listing);
        assertTrue(listing.contains("ldh      [x + 2]"), listing);
        assertTrue(listing.contains("ret      #0xffffffff"), listing);
        assertTrue(listing.endsWith("ret      #0x0\n"), listing);
    }

    private static byte[] ipv6WithOptions(final int headers, final int last)
    {
        final ByteArrayOutputStream chain = new ByteArrayOutputStream();
        for (int i = 0; i < headers; i++)
        {
            chain.writeBytes(new byte[] {
                (byte)(i + 1 < headers ? IpProtocol.DESTINATION_OPTIONS : last), 0, 1, 4, 0, 0, 0, 0});
        }
        return PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST).protocol(last)
            .extensions(IpProtocol.HOP_BY_HOP, chain.toByteArray()).ports(40000, 80).build();
    }

    private static byte[] authentication(final int next)
    {
        final byte[] header = new byte[24];
        header[0] = (byte)next;
        header[1] = 4;
        return header;
    }
}
