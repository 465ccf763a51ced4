package io.flowtap.capture.filter;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.Fragments;
import io.flowtap.capture.codec.IpProtocol;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TunnelFrames;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.flowtap.capture.codec.TunnelFrames.ethernet;
import static io.flowtap.capture.codec.TunnelFrames.ipv4;
import static io.flowtap.capture.codec.TunnelFrames.ipv6;
import static io.flowtap.capture.codec.TunnelFrames.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tunnel primitives, in userspace and in the kernel's program: VXLAN, Geneve (options skipped), GRE (key,
 * checksum, sequence; IP or Ethernet) and ERSPAN I to III are followed by the program to the TCP segment inside and
 * tested as the decoder names them, with the inner addresses and ports; tunnels it does not look inside, and
 * fragments, are passed on whole. On every frame and filter here the program agrees with userspace, or passes the
 * frame whole.
 */
class BpfTunnelTest
{
    private static final byte[] INNER_SRC = {10, 9, 0, 1};
    private static final byte[] INNER_DST = {10, 9, 0, 2};
    private static final List<String> FILTERS = List.of("", "vxlan", "vxlan 42", "vxlan 43", "geneve 9", "geneve",
        "gre", "gre 258", "gre 259", "erspan", "erspan 77", "port 8080", "port 80", "host 10.9.0.1",
        "host 192.168.7.1", "vxlan and host 10.9.0.2 and dst port 8080", "not vxlan", "ip6 and geneve",
        "vlan 10 and gre", "not tcp");

    private final PacketDecoder decoder = new PacketDecoder(
        new DecoderContext().checksumMode(ChecksumMode.OFF).defragment(false), false);

    private static byte[] innerIp()
    {
        return PacketBuilder.raw().ipv4(INNER_SRC, INNER_DST).ports(40001, 8080).ipPacket();
    }

    private static byte[] innerEthernet()
    {
        return PacketBuilder.ethernet().ipv4(INNER_SRC, INNER_DST).ports(40001, 8080).build();
    }

    private static Map<String, byte[]> frames()
    {
        final Map<String, byte[]> frames = new LinkedHashMap<>();
        frames.put("vxlan 42", ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(5000, 4789,
            TunnelFrames.vxlan(42, innerEthernet())))));
        frames.put("vxlan with a tagged inner frame", ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(5000, 4789,
            TunnelFrames.vxlan(42, ethernet(EtherType.VLAN, TunnelFrames.concat(new byte[] {0, 5, 8, 0},
            innerIp())))))));
        frames.put("vxlan without its I flag", ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(5000, 4789,
            TunnelFrames.vxlan(0, 42, 0, innerEthernet())))));
        frames.put("geneve 9 over ipv6 with options", ethernet(EtherType.IPV6, ipv6(IpProtocol.UDP, udp(5000, 6081,
            TunnelFrames.geneve(9, EtherType.TRANSPARENT_ETHERNET, new byte[] {1, 2, 3, 1, 0, 0, 0, 0},
            innerEthernet())))));
        frames.put("geneve 9 carrying ipv4", ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(5000, 6081,
            TunnelFrames.geneve(9, EtherType.IPV4, new byte[0], innerIp())))));
        frames.put("gre key 258 with checksum and sequence", ethernet(EtherType.VLAN, TunnelFrames.concat(
            new byte[] {0, 10, 8, 0}, ipv4(IpProtocol.GRE, TunnelFrames.gre(true, 258, 7, EtherType.IPV4,
            innerIp())))));
        frames.put("gre bridging ethernet", ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE,
            TunnelFrames.gre(false, null, null, EtherType.TRANSPARENT_ETHERNET, innerEthernet()))));
        frames.put("erspan type I", ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE,
            TunnelFrames.gre(false, null, null, EtherType.ERSPAN_II, innerEthernet()))));
        frames.put("erspan type II session 77", ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE,
            TunnelFrames.gre(false, 258, 1, EtherType.ERSPAN_II, TunnelFrames.erspan2(77, innerEthernet())))));
        frames.put("erspan type III session 77 with its platform subheader", ethernet(EtherType.IPV4,
            ipv4(IpProtocol.GRE, TunnelFrames.gre(false, null, 1, EtherType.ERSPAN_III,
            TunnelFrames.erspan3(77, true, innerEthernet())))));
        frames.put("ip in ip", ethernet(EtherType.IPV4, ipv4(IpProtocol.IPIP, innerIp())));
        frames.put("vxlan inside erspan", ethernet(EtherType.IPV4, ipv4(IpProtocol.GRE, TunnelFrames.gre(false,
            null, 1, EtherType.ERSPAN_II, TunnelFrames.erspan2(77, ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP,
            udp(1, 4789, TunnelFrames.vxlan(42, innerEthernet())))))))));
        frames.put("mpls", ethernet(EtherType.MPLS_UNICAST, TunnelFrames.mpls(new int[] {16}, innerIp())));
        frames.put("gtp-u", ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(2152, 2152,
            TunnelFrames.gtp(1, innerIp())))));
        frames.put("a fragment inside vxlan", ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(5000, 4789,
            TunnelFrames.vxlan(42, ethernet(EtherType.IPV4, Fragments.ipv4(innerIp(), 0, 16, true, null)))))));
        frames.put("plain udp", ethernet(EtherType.IPV4, ipv4(IpProtocol.UDP, udp(5000, 53, new byte[20]))));
        return frames;
    }

    private boolean userspace(final FlowFilter filter, final byte[] frame)
    {
        return decoder.decode(new UnsafeBuffer(frame), 0, frame.length, false, LinkType.ETHERNET,
            Frame.CHECKSUM_UNKNOWN, Frame.NO_VLAN_TCI) && filter.matches(decoder);
    }

    private static boolean kernel(final FlowFilter filter, final byte[] frame)
    {
        final BpfProgram program = filter.toBpf();
        BpfInterpreter.verify(program);
        return BpfInterpreter.run(program, frame, BpfInterpreter.NO_TCI) != 0;
    }

    @Test
    void shouldAgreeWithUserspaceOrPassTheFrameWhole()
    {
        int agreedOnTunneledSegments = 0;
        for (final Map.Entry<String, byte[]> frame : frames().entrySet())
        {
            final boolean whole = kernel(FlowFilter.parse("not tcp"), frame.getValue());
            for (final String expression : FILTERS)
            {
                final FlowFilter filter = FlowFilter.parse(expression);
                final boolean user = userspace(filter, frame.getValue());
                final boolean kernel = kernel(filter, frame.getValue());
                if (whole)
                {
                    assertTrue(kernel, frame.getKey() + ": passed whole, whatever the filter");
                }
                else
                {
                    assertEquals(user, kernel, frame.getKey() + ", filter \"" + expression + "\"");
                    agreedOnTunneledSegments += user && decoder.tunnelDepth() > 0 ? 1 : 0;
                }
            }
        }
        assertTrue(agreedOnTunneledSegments > 40, "tunneled segments matched alike: " + agreedOnTunneledSegments);
    }

    @Test
    void shouldTestTheTunnelAndTheInnerSegment()
    {
        final Map<String, byte[]> frames = frames();
        final byte[] vxlan = frames.get("vxlan 42");
        for (final boolean inKernel : new boolean[] {false, true})
        {
            assertTrue(matches("vxlan 42 and dst port 8080 and src host 10.9.0.1", vxlan, inKernel));
            assertFalse(matches("vxlan 43", vxlan, inKernel));
            assertFalse(matches("host 192.168.7.1", vxlan, inKernel), "addresses are the inner packet's");
            assertTrue(matches("gre 258 and vlan 10", frames.get("gre key 258 with checksum and sequence"),
                inKernel));
            assertTrue(matches("gre and erspan 77", frames.get("erspan type II session 77"), inKernel),
                "ERSPAN rides on GRE");
            assertTrue(matches("erspan 77", frames.get("erspan type III session 77 with its platform subheader"),
                inKernel));
            assertTrue(matches("geneve 9 and port 8080", frames.get("geneve 9 over ipv6 with options"), inKernel));
            assertFalse(matches("", frames.get("vxlan without its I flag"), inKernel));
        }
        assertTrue(kernel(FlowFilter.parse("port 1"), frames.get("ip in ip")), "IP in IP is passed on whole");
        assertFalse(kernel(FlowFilter.parse(""), frames.get("plain udp")));
    }

    @Test
    void shouldRefuseATunnelIdOutOfRange()
    {
        for (final String expression : new String[] {"vxlan 16777216", "erspan 1024", "gre 4294967296"})
        {
            try
            {
                FlowFilter.parse(expression);
            }
            catch (final FilterSyntaxException ex)
            {
                assertTrue(ex.getMessage().contains("from 0 to"), ex.getMessage());
                continue;
            }
            throw new AssertionError(expression + " parsed");
        }
        assertEquals("(vxlan 7 and port 80)", FlowFilter.parse("vxlan 7 and port 80").toString());
    }

    private boolean matches(final String expression, final byte[] frame, final boolean inKernel)
    {
        final FlowFilter filter = FlowFilter.parse(expression);
        return inKernel ? kernel(filter, frame) : userspace(filter, frame);
    }
}
