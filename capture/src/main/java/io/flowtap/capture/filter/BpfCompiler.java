package io.flowtap.capture.filter;

import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.IpProtocol;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TunnelType;

/**
 * Compiles a {@link FlowFilter} to classic BPF for Ethernet frames as an AF_PACKET socket hands them to its filter:
 * from the destination MAC on, with the outer VLAN tag usually stripped into metadata.
 * <p>
 * The program first finds the TCP header the way {@link PacketDecoder} does, then runs the filter's tests, then
 * returns {@link Bpf#ACCEPT_WHOLE_PACKET} or {@link Bpf#DROP}:
 * <ul>
 *     <li><b>VLAN.</b> A tag in metadata is read through the ancillary loads {@code SKF_AD_VLAN_TAG_PRESENT} and
 *     {@code SKF_AD_VLAN_TAG}; tags left in the frame (802.1Q, 802.1ad, 0x9100) are stepped over. As in the
 *     decoder, three tags in all are followed, a fourth drops the frame, and the outer one is what
 *     {@code vlan} tests.</li>
 *     <li><b>IPv4.</b> Version 4, header length at least 20 bytes, read from IHL. Every fragment is accepted, not
 *     only the first (tcpdump would test a first fragment's ports and drop the rest): the decoder reassembles
 *     fragments, and the filter is applied to the datagram in userspace. With fanout's DEFRAG flag the kernel
 *     reassembles IPv4 before the filter runs, so whole packets are what it sees there. One AH header before TCP is
 *     stepped over, as the decoder does.</li>
 *     <li><b>IPv6.</b> cBPF cannot loop, so the extension-header walk is unrolled to the decoder's own limit,
 *     {@value PacketDecoder#MAX_IPV6_EXTENSION_HEADERS} headers (hop-by-hop, routing, destination options,
 *     mobility, HIP, shim6, AH, fragment), each read for its next header and length. A fragment header with an
 *     offset or more-fragments set accepts the packet, for userspace to reassemble; an atomic fragment is stepped
 *     over.</li>
 *     <li><b>Tunnels.</b> VXLAN and Geneve (on the decoder's ports; Geneve's options skipped by their length), GRE
 *     version 0 (its checksum, key and sequence fields by their flags; IPv4, IPv6 or Ethernet inside) and ERSPAN
 *     types I to III are followed to the packet inside, one layer deep, through one VLAN tag of the inner frame:
 *     the tests then see the inner addresses and ports, and the tunnel's type and id (M[5], M[6]) as the decoder
 *     names them. What the program does not look inside (IP in IP, GTP-U, Teredo, AYIYA, GRE or MPLS in UDP,
 *     PPTP's GRE, MPLS, PPPoE, VN-Tag, FabricPath, a tunnel inside a tunnel) is accepted whole: the decoder opens
 *     it and the filter is applied to what comes out, in userspace.</li>
 *     <li><b>TCP</b> only: anything else is dropped, so every program is {@code tcp and (EXPR)}. The TCP data
 *     offset must be at least 5 and the 20-byte header present.</li>
 * </ul>
 * The kernel therefore accepts every frame the decoder turns into a TCP segment that the filter matches, and for
 * well-formed frames it reads through nothing else. It checks fewer lengths than the decoder (IP total length, IPv4
 * options, extension headers against the payload length), so a malformed frame may pass and then be counted as
 * malformed: the kernel never drops what userspace would accept, and userspace applies the filter again to what the
 * program passed on whole.
 * <p>
 * Scratch memory: M[0] the (innermost) IP header's offset, M[1] the TCP header's (or the header of the protocol
 * that is not TCP), M[2] the IP version, M[3] the outer VLAN id or {@link #NO_VLAN_IN_MEMORY}, M[4] the next header,
 * M[5] and M[6] the tunnel's type and id, M[7] to M[9] scratch while a tunnel header is read. Every path stores
 * before it loads, as the kernel's checker requires.
 * <p>
 * Stateless: thread safe.
 */
final class BpfCompiler
{
    /** M[3] when the frame has no VLAN tag: above any 12-bit VLAN id. */
    static final int NO_VLAN_IN_MEMORY = 0x1_0000;

    private static final int M_IP_OFFSET = 0;
    private static final int M_TCP_OFFSET = 1;
    private static final int M_VERSION = 2;
    private static final int M_VLAN = 3;
    private static final int M_NEXT_HEADER = 4;
    private static final int M_TUNNEL_TYPE = 5;
    private static final int M_TUNNEL_ID = 6;
    private static final int M_TEMP_1 = 7;
    private static final int M_TEMP_2 = 8;
    private static final int M_TEMP_3 = 9;

    private static final int ETHER_TYPE_OFFSET = 12;
    private static final int ETHERNET_HEADER_LENGTH = 14;
    private static final int VLAN_TAG_LENGTH = 4;
    private static final int VLAN_ID_MASK = 0x0FFF;

    private static final int IPV4_VERSION_IHL_OFFSET = 0;
    private static final int IPV4_FRAGMENT_OFFSET = 6;
    private static final int IPV4_PROTOCOL_OFFSET = 9;
    private static final int IPV4_SOURCE_OFFSET = 12;
    private static final int IPV4_DESTINATION_OFFSET = 16;
    /** More fragments and the fragment offset: any of them makes a fragment. */
    private static final int IPV4_FRAGMENT_BITS = 0x3FFF;
    private static final int IPV4_MIN_IHL = 5;

    private static final int IPV6_NEXT_HEADER_OFFSET = 6;
    private static final int IPV6_SOURCE_OFFSET = 8;
    private static final int IPV6_DESTINATION_OFFSET = 24;
    private static final int IPV6_HEADER_LENGTH = 40;
    private static final int IPV6_FRAGMENT_HEADER_LENGTH = 8;
    /** Fragment offset and more fragments; an atomic fragment has neither. */
    private static final int IPV6_FRAGMENT_BITS = 0xFFF9;
    private static final int IPV6_SHIM6 = 140;

    private static final int TCP_SOURCE_PORT_OFFSET = 0;
    private static final int TCP_DESTINATION_PORT_OFFSET = 2;
    private static final int TCP_DATA_OFFSET_OFFSET = 12;
    private static final int TCP_MIN_DATA_OFFSET_BYTE = 0x50;
    private static final int TCP_LAST_HEADER_BYTE = 19;
    private static final int MAX_PORT = 0xFFFF;
    private static final int ALL_ONES = 0xFFFF_FFFF;

    private static final int UDP_DESTINATION_PORT_OFFSET = 2;
    private static final int UDP_HEADER_LENGTH = 8;
    private static final int VXLAN_FLAG_VNI = 0x08;
    private static final int GRE_ROUTING_OR_VERSION = 0x4007;
    private static final int ERSPAN_SESSION_MASK = 0x3FF;
    /** Tunnels the kernel does not look inside (the decoder does): their frames are passed on whole. */
    private static final int[] OTHER_TUNNEL_DESTINATION_PORTS = {PacketDecoder.GTP_U_PORT, PacketDecoder.TEREDO_PORT,
        PacketDecoder.AYIYA_PORT, PacketDecoder.GRE_UDP_PORT, PacketDecoder.MPLS_UDP_PORT};
    private static final int[] OTHER_TUNNEL_SOURCE_PORTS = {PacketDecoder.GTP_U_PORT, PacketDecoder.TEREDO_PORT,
        PacketDecoder.AYIYA_PORT};
    /** Link encapsulations the kernel does not open (the decoder does): their frames are passed on whole. */
    private static final int[] OTHER_ENCAPSULATIONS = {EtherType.MPLS_UNICAST, EtherType.MPLS_MULTICAST,
        EtherType.PPPOE_SESSION, EtherType.VN_TAG, EtherType.E_TAG, EtherType.FABRICPATH};
    private static final int[] TUNNELING_PROTOCOLS = {IpProtocol.UDP, IpProtocol.GRE, IpProtocol.IPIP,
        IpProtocol.IPV6};

    private static final int[] VLAN_TPIDS = {EtherType.VLAN, EtherType.QINQ, EtherType.QINQ_LEGACY};
    private static final int[] IPV6_LENGTH_IN_8_OCTETS = {
        IpProtocol.HOP_BY_HOP, IpProtocol.ROUTING, IpProtocol.DESTINATION_OPTIONS, IpProtocol.MOBILITY,
        IpProtocol.HIP, IPV6_SHIM6};

    private final BpfAssembler asm = new BpfAssembler();
    private final BpfAssembler.Label accept = asm.label();
    private final BpfAssembler.Label drop = asm.label();
    private final int[] vxlanPorts;
    private final int[] genevePorts;

    private BpfCompiler(final int[] vxlanPorts, final int[] genevePorts)
    {
        this.vxlanPorts = vxlanPorts.clone();
        this.genevePorts = genevePorts.clone();
    }

    /**
     * @param filter      to compile.
     * @param vxlanPorts  UDP destination ports the decoder opens as VXLAN.
     * @param genevePorts UDP destination ports the decoder opens as Geneve.
     * @return the program for Ethernet frames.
     * @throws FilterSyntaxException when it exceeds {@link Bpf#MAX_INSTRUCTIONS}.
     */
    static BpfProgram compile(final FlowFilter filter, final int[] vxlanPorts, final int[] genevePorts)
    {
        final int tests = filter.chainProgram().length();
        if (tests > Bpf.MAX_INSTRUCTIONS)
        {
            // Each test is at least one instruction: too large before assembling (which is slow at that size).
            throw new FilterSyntaxException(filter.expression(), 0, "it compiles to more than " + tests +
                " classic BPF instructions, more than the kernel's " + Bpf.MAX_INSTRUCTIONS);
        }
        final BpfCompiler compiler = new BpfCompiler(vxlanPorts, genevePorts);
        final BpfAssembler.Label tcp = compiler.asm.label();
        compiler.link(tcp);
        compiler.asm.bind(tcp);
        compiler.tcpHeader();
        compiler.tests(filter.chainProgram());
        compiler.asm.bind(compiler.accept);
        compiler.asm.op(Bpf.RET | Bpf.K, Bpf.ACCEPT_WHOLE_PACKET);
        compiler.asm.bind(compiler.drop);
        compiler.asm.op(Bpf.RET | Bpf.K, Bpf.DROP);
        final BpfProgram program = compiler.asm.assemble();
        if (program.length() > Bpf.MAX_INSTRUCTIONS)
        {
            throw new FilterSyntaxException(filter.expression(), 0, "it compiles to " + program.length() +
                " classic BPF instructions, more than the kernel's " + Bpf.MAX_INSTRUCTIONS);
        }
        return program;
    }

    /**
     * Ethernet and VLAN tags: ends at the IP header with its offset in M[0], or drops.
     */
    private void link(final BpfAssembler.Label tcp)
    {
        final BpfAssembler.Label noMetadata = asm.label();
        final BpfAssembler.Label frameTag = asm.label();
        final BpfAssembler.Label untagged = asm.label();
        final BpfAssembler.Label etherType = asm.label();
        final BpfAssembler.Label ipv4 = asm.label();
        final BpfAssembler.Label ipv6 = asm.label();
        // ipAfterTags[k]: A holds the EtherType after k tags in the frame.
        final BpfAssembler.Label[] ipAfterTags = new BpfAssembler.Label[PacketDecoder.MAX_VLAN_TAGS + 1];
        for (int k = 0; k < ipAfterTags.length; k++)
        {
            ipAfterTags[k] = asm.label();
        }

        asm.op(Bpf.LD | Bpf.W | Bpf.ABS, Bpf.SKF_AD_OFF + Bpf.SKF_AD_VLAN_TAG_PRESENT);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, 0, noMetadata, null);

        // The kernel stripped the outer tag: up to two more may be in the frame.
        asm.op(Bpf.LD | Bpf.W | Bpf.ABS, Bpf.SKF_AD_OFF + Bpf.SKF_AD_VLAN_TAG);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, VLAN_ID_MASK);
        asm.op(Bpf.ST, M_VLAN);
        followTags(0, PacketDecoder.MAX_VLAN_TAGS - 1, ipAfterTags);

        asm.bind(noMetadata);
        asm.op(Bpf.LD | Bpf.H | Bpf.ABS, ETHER_TYPE_OFFSET);
        jumpIfVlanTpid(frameTag, untagged);
        asm.bind(untagged);
        // A holds the EtherType: record "no VLAN" through X.
        asm.op(Bpf.LDX | Bpf.W | Bpf.IMM, NO_VLAN_IN_MEMORY);
        asm.op(Bpf.STX, M_VLAN);
        asm.always(ipAfterTags[0]);
        asm.bind(frameTag);
        asm.op(Bpf.LD | Bpf.H | Bpf.ABS, ETHERNET_HEADER_LENGTH);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, VLAN_ID_MASK);
        asm.op(Bpf.ST, M_VLAN);
        followTags(1, PacketDecoder.MAX_VLAN_TAGS, ipAfterTags);

        // A holds the EtherType; X becomes the IP header's offset.
        for (int k = 0; k < ipAfterTags.length; k++)
        {
            asm.bind(ipAfterTags[k]);
            asm.op(Bpf.LDX | Bpf.W | Bpf.IMM, ETHERNET_HEADER_LENGTH + k * VLAN_TAG_LENGTH);
            asm.always(etherType);
        }
        asm.bind(etherType);
        asm.op(Bpf.STX, M_IP_OFFSET);
        // No tunnel yet, through X: A holds the EtherType.
        asm.op(Bpf.LDX | Bpf.W | Bpf.IMM, TunnelType.NONE);
        asm.op(Bpf.STX, M_TUNNEL_TYPE);
        asm.op(Bpf.STX, M_TUNNEL_ID);
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_IP_OFFSET);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.IPV4, ipv4, null);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.IPV6, ipv6, null);
        jumpIfAny(OTHER_ENCAPSULATIONS, accept, drop);

        final BpfAssembler.Label notTcp = asm.label();
        asm.bind(ipv4);
        ipv4(tcp, notTcp);
        asm.bind(ipv6);
        ipv6(tcp, notTcp);
        asm.bind(notTcp);
        tunnels(tcp);
    }

    /**
     * The outer packet is not TCP: follow VXLAN, Geneve, GRE (carrying IP or Ethernet) and ERSPAN to the packet
     * inside, naming the tunnel in M[5] and its id in M[6] as the decoder names them, and end at {@code tcp} or drop;
     * pass on whole the frames of tunnels the kernel does not look inside (IP in IP, GTP-U, Teredo, AYIYA, GRE in
     * UDP, MPLS in UDP, PPTP's GRE), for the decoder and the filter in userspace.
     */
    private void tunnels(final BpfAssembler.Label tcp)
    {
        final BpfAssembler.Label udp = asm.label();
        final BpfAssembler.Label gre = asm.label();
        final BpfAssembler.Label vxlan = asm.label();
        final BpfAssembler.Label geneve = asm.label();
        final BpfAssembler.Label innerEthernet = asm.label();
        final BpfAssembler.Label innerIpv4 = asm.label();
        final BpfAssembler.Label innerIpv6 = asm.label();
        final BpfAssembler.Label innerNotTcp = asm.label();

        asm.op(Bpf.LD | Bpf.MEM, M_NEXT_HEADER);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.UDP, udp, null);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.GRE, gre, null);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.IPIP, accept, null);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.IPV6, accept, drop);

        asm.bind(udp);
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_TCP_OFFSET);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, UDP_DESTINATION_PORT_OFFSET);
        jumpIfAny(vxlanPorts, vxlan, null);
        jumpIfAny(genevePorts, geneve, null);
        jumpIfAny(OTHER_TUNNEL_DESTINATION_PORTS, accept, null);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, 0);
        jumpIfAny(OTHER_TUNNEL_SOURCE_PORTS, accept, drop);

        // VXLAN: the I flag, the VNI, then an Ethernet frame.
        asm.bind(vxlan);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, UDP_HEADER_LENGTH);
        asm.jump(Bpf.JMP | Bpf.JSET | Bpf.K, VXLAN_FLAG_VNI, null, drop);
        tunnelType(TunnelType.VXLAN);
        asm.op(Bpf.LD | Bpf.W | Bpf.IND, UDP_HEADER_LENGTH + 4);
        asm.op(Bpf.ALU | Bpf.RSH | Bpf.K, 8);
        asm.op(Bpf.ST, M_TUNNEL_ID);
        asm.op(Bpf.MISC | Bpf.TXA, 0);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.K, UDP_HEADER_LENGTH + 8);
        asm.op(Bpf.MISC | Bpf.TAX, 0);
        asm.always(innerEthernet);

        // Geneve: version 0, options skipped by their length, then Ethernet, IPv4 or IPv6 by its protocol type.
        asm.bind(geneve);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, UDP_HEADER_LENGTH);
        asm.jump(Bpf.JMP | Bpf.JSET | Bpf.K, 0xC0, drop, null);
        tunnelType(TunnelType.GENEVE);
        asm.op(Bpf.LD | Bpf.W | Bpf.IND, UDP_HEADER_LENGTH + 4);
        asm.op(Bpf.ALU | Bpf.RSH | Bpf.K, 8);
        asm.op(Bpf.ST, M_TUNNEL_ID);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, UDP_HEADER_LENGTH);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, 0x3F);
        asm.op(Bpf.ALU | Bpf.LSH | Bpf.K, 2);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.K, UDP_HEADER_LENGTH + 8);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.X, 0);
        asm.op(Bpf.ST, M_TEMP_1);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, UDP_HEADER_LENGTH + 2);
        payloadByProtocol(M_TEMP_1, innerEthernet, innerIpv4, innerIpv6);

        gre(gre, innerEthernet, innerIpv4, innerIpv6);

        // An Ethernet frame inside a tunnel at X: at most one tag is followed here; the decoder takes the rest.
        asm.bind(innerEthernet);
        final BpfAssembler.Label tagged = asm.label();
        final BpfAssembler.Label ipv4After14 = asm.label();
        final BpfAssembler.Label ipv6After14 = asm.label();
        final BpfAssembler.Label ipv4After18 = asm.label();
        final BpfAssembler.Label ipv6After18 = asm.label();
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, ETHER_TYPE_OFFSET);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.IPV4, ipv4After14, null);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.IPV6, ipv6After14, null);
        jumpIfVlanTpid(tagged, null);
        jumpIfAny(OTHER_ENCAPSULATIONS, accept, drop);
        asm.bind(tagged);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, ETHER_TYPE_OFFSET + VLAN_TAG_LENGTH);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.IPV4, ipv4After18, null);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.IPV6, ipv6After18, null);
        jumpIfVlanTpid(accept, null);
        jumpIfAny(OTHER_ENCAPSULATIONS, accept, drop);
        moveX(ipv4After14, ETHERNET_HEADER_LENGTH, innerIpv4);
        moveX(ipv6After14, ETHERNET_HEADER_LENGTH, innerIpv6);
        moveX(ipv4After18, ETHERNET_HEADER_LENGTH + VLAN_TAG_LENGTH, innerIpv4);
        moveX(ipv6After18, ETHERNET_HEADER_LENGTH + VLAN_TAG_LENGTH, innerIpv6);

        asm.bind(innerIpv4);
        asm.op(Bpf.STX, M_IP_OFFSET);
        ipv4(tcp, innerNotTcp);
        asm.bind(innerIpv6);
        asm.op(Bpf.STX, M_IP_OFFSET);
        ipv6(tcp, innerNotTcp);

        // A tunnel in the tunnel: the decoder opens it, so the kernel passes it on.
        asm.bind(innerNotTcp);
        asm.op(Bpf.LD | Bpf.MEM, M_NEXT_HEADER);
        jumpIfAny(TUNNELING_PROTOCOLS, accept, drop);
    }

    /**
     * GRE at M[1]: version 0 without routing (anything else is passed on whole); its length from the checksum, key
     * and sequence flags; the key as the tunnel's id; then IPv4, IPv6, Ethernet, or ERSPAN type I, II or III.
     */
    private void gre(
        final BpfAssembler.Label gre,
        final BpfAssembler.Label innerEthernet,
        final BpfAssembler.Label innerIpv4,
        final BpfAssembler.Label innerIpv6)
    {
        final BpfAssembler.Label keyed = asm.label();
        final BpfAssembler.Label keyDone = asm.label();
        final BpfAssembler.Label erspanII = asm.label();
        final BpfAssembler.Label erspanIII = asm.label();
        final BpfAssembler.Label erspanTypeII = asm.label();
        final BpfAssembler.Label other = asm.label();

        asm.bind(gre);
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_TCP_OFFSET);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, 0);
        asm.jump(Bpf.JMP | Bpf.JSET | Bpf.K, GRE_ROUTING_OR_VERSION, accept, null);
        // Each optional field is 4 bytes: its flag bit shifted down to 4.
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, 0x8000);
        asm.op(Bpf.ALU | Bpf.RSH | Bpf.K, 13);
        asm.op(Bpf.ST, M_TEMP_1);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, 0);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, 0x2000);
        asm.op(Bpf.ALU | Bpf.RSH | Bpf.K, 11);
        asm.op(Bpf.ST, M_TEMP_2);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, 0);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, 0x1000);
        asm.op(Bpf.ALU | Bpf.RSH | Bpf.K, 10);
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_TEMP_1);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.X, 0);
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_TEMP_2);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.X, 0);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.K, 4);
        asm.op(Bpf.ST, M_TEMP_3);
        tunnelType(TunnelType.GRE);
        asm.op(Bpf.LD | Bpf.MEM, M_TEMP_2);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, 0, keyDone, keyed);
        asm.bind(keyed);
        // The key follows the checksum field, when there is one.
        asm.op(Bpf.LD | Bpf.MEM, M_TEMP_1);
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_TCP_OFFSET);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.X, 0);
        asm.op(Bpf.MISC | Bpf.TAX, 0);
        asm.op(Bpf.LD | Bpf.W | Bpf.IND, 4);
        asm.op(Bpf.ST, M_TUNNEL_ID);
        asm.bind(keyDone);
        // M[7] becomes the payload's offset; A the protocol.
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_TCP_OFFSET);
        asm.op(Bpf.LD | Bpf.MEM, M_TEMP_3);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.X, 0);
        asm.op(Bpf.ST, M_TEMP_1);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, 2);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.ERSPAN_II, erspanII, null);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.ERSPAN_III, erspanIII, other);
        asm.bind(other);
        payloadByProtocol(M_TEMP_1, innerEthernet, innerIpv4, innerIpv6);

        // ERSPAN type I (no sequence number in GRE) is bare Ethernet; type II an 8-byte header, version 1.
        asm.bind(erspanII);
        tunnelType(TunnelType.ERSPAN);
        asm.op(Bpf.LD | Bpf.IMM, 0);
        asm.op(Bpf.ST, M_TUNNEL_ID);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, 0);
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_TEMP_1);
        asm.jump(Bpf.JMP | Bpf.JSET | Bpf.K, 0x1000, erspanTypeII, innerEthernet);
        asm.bind(erspanTypeII);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, 0);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, 0xF0);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, 0x10, null, drop);
        erspanSession();
        asm.op(Bpf.MISC | Bpf.TXA, 0);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.K, 8);
        asm.op(Bpf.MISC | Bpf.TAX, 0);
        asm.always(innerEthernet);

        // Type III: a 12-byte header, version 2, and an 8-byte platform subheader when its last bit says so.
        asm.bind(erspanIII);
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_TEMP_1);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, 0);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, 0xF0);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, 0x20, null, drop);
        tunnelType(TunnelType.ERSPAN);
        erspanSession();
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, 11);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, 1);
        asm.op(Bpf.ALU | Bpf.LSH | Bpf.K, 3);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.K, 12);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.X, 0);
        asm.op(Bpf.MISC | Bpf.TAX, 0);
        asm.always(innerEthernet);
    }

    private void erspanSession()
    {
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, 2);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, ERSPAN_SESSION_MASK);
        asm.op(Bpf.ST, M_TUNNEL_ID);
    }

    /**
     * A holds a protocol type (an EtherType) and M[{@code offsetWord}] where its payload starts: go on with it.
     */
    private void payloadByProtocol(
        final int offsetWord,
        final BpfAssembler.Label ethernet,
        final BpfAssembler.Label ipv4,
        final BpfAssembler.Label ipv6)
    {
        final BpfAssembler.Label toEthernet = asm.label();
        final BpfAssembler.Label toIpv4 = asm.label();
        final BpfAssembler.Label toIpv6 = asm.label();
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.TRANSPARENT_ETHERNET, toEthernet, null);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.IPV4, toIpv4, null);
        // MPLS, WCCP and the like: the decoder opens them.
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.IPV6, toIpv6, accept);
        asm.bind(toEthernet);
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, offsetWord);
        asm.always(ethernet);
        asm.bind(toIpv4);
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, offsetWord);
        asm.always(ipv4);
        asm.bind(toIpv6);
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, offsetWord);
        asm.always(ipv6);
    }

    private void tunnelType(final int type)
    {
        asm.op(Bpf.LD | Bpf.IMM, type);
        asm.op(Bpf.ST, M_TUNNEL_TYPE);
    }

    /**
     * At {@code from}: X moves on by {@code length}, then to {@code to}.
     */
    private void moveX(final BpfAssembler.Label from, final int length, final BpfAssembler.Label to)
    {
        asm.bind(from);
        asm.op(Bpf.MISC | Bpf.TXA, 0);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.K, length);
        asm.op(Bpf.MISC | Bpf.TAX, 0);
        asm.always(to);
    }

    /**
     * A holds a value: to {@code match} when it is one of {@code values}, else to {@code other} (or on, when null).
     */
    private void jumpIfAny(final int[] values, final BpfAssembler.Label match, final BpfAssembler.Label other)
    {
        for (int i = 0; i < values.length; i++)
        {
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, values[i], match, i == values.length - 1 ? other : null);
        }
        if (values.length == 0 && other != null)
        {
            asm.always(other);
        }
    }

    /**
     * Tags {@code first} to {@code last} in the frame may follow the ones already seen: read each EtherType after
     * them, and leave for {@code ipAfterTags[k]} at the first that is not a tag; one more tag than {@code last}
     * drops the frame, as the decoder counts it unsupported.
     */
    private void followTags(final int first, final int last, final BpfAssembler.Label[] ipAfterTags)
    {
        for (int k = first; k <= last; k++)
        {
            asm.op(Bpf.LD | Bpf.H | Bpf.ABS, ETHER_TYPE_OFFSET + k * VLAN_TAG_LENGTH);
            if (k == last)
            {
                jumpIfVlanTpid(drop, ipAfterTags[k]);
            }
            else
            {
                final BpfAssembler.Label next = asm.label();
                jumpIfVlanTpid(next, ipAfterTags[k]);
                asm.bind(next);
            }
        }
    }

    private void jumpIfVlanTpid(final BpfAssembler.Label tagged, final BpfAssembler.Label other)
    {
        jumpIfAny(VLAN_TPIDS, tagged, other);
    }

    /**
     * X holds the IP header's offset. Ends at {@code tcp} with the TCP header's offset in M[1]; at {@code notTcp}
     * with the protocol in M[4] and its header's offset in M[1]; accepts a fragment, which the decoder reassembles
     * before the filter is applied in userspace; or drops.
     */
    private void ipv4(final BpfAssembler.Label tcp, final BpfAssembler.Label notTcp)
    {
        final BpfAssembler.Label authentication = asm.label();
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, IPV4_VERSION_IHL_OFFSET);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, 0xF0);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, 0x40, null, drop);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, IPV4_VERSION_IHL_OFFSET);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, 0x0F);
        asm.jump(Bpf.JMP | Bpf.JGE | Bpf.K, IPV4_MIN_IHL, null, drop);
        asm.op(Bpf.LD | Bpf.IMM, 4);
        asm.op(Bpf.ST, M_VERSION);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, IPV4_FRAGMENT_OFFSET);
        asm.jump(Bpf.JMP | Bpf.JSET | Bpf.K, IPV4_FRAGMENT_BITS, accept, null);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, IPV4_VERSION_IHL_OFFSET);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, 0x0F);
        asm.op(Bpf.ALU | Bpf.LSH | Bpf.K, 2);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.X, 0);
        asm.op(Bpf.ST, M_TCP_OFFSET);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, IPV4_PROTOCOL_OFFSET);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.TCP, tcp, null);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.AH, authentication, null);
        asm.op(Bpf.ST, M_NEXT_HEADER);
        asm.always(notTcp);

        // One AH (RFC 4302), which protects without hiding, then TCP: its length is in 4-octet units, minus 2. What
        // else it protects (IP in IP, a tunnel) goes where any other protocol goes.
        asm.bind(authentication);
        asm.op(Bpf.LD | Bpf.MEM, M_TCP_OFFSET);
        asm.op(Bpf.MISC | Bpf.TAX, 0);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, 1);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.K, 2);
        asm.op(Bpf.ALU | Bpf.LSH | Bpf.K, 2);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.X, 0);
        asm.op(Bpf.ST, M_TCP_OFFSET);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, 0);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.TCP, tcp, null);
        asm.op(Bpf.ST, M_NEXT_HEADER);
        asm.always(notTcp);
    }

    /**
     * X holds the IP header's offset. Ends at {@code tcp} with the TCP header's offset in M[1]; at {@code notTcp}
     * with the next header in M[4] and its offset in M[1]; accepts a fragment; or drops.
     */
    private void ipv6(final BpfAssembler.Label tcp, final BpfAssembler.Label notTcp)
    {
        final BpfAssembler.Label found = asm.label();
        final BpfAssembler.Label other = asm.label();
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, 0);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, 0xF0);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, 0x60, null, drop);
        asm.op(Bpf.LD | Bpf.IMM, 6);
        asm.op(Bpf.ST, M_VERSION);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, IPV6_NEXT_HEADER_OFFSET);
        asm.op(Bpf.ST, M_NEXT_HEADER);
        asm.op(Bpf.MISC | Bpf.TXA, 0);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.K, IPV6_HEADER_LENGTH);
        asm.op(Bpf.MISC | Bpf.TAX, 0);
        asm.op(Bpf.LD | Bpf.MEM, M_NEXT_HEADER);

        // Unrolled: at each step A holds the next header and X where it starts.
        for (int step = 0; step < PacketDecoder.MAX_IPV6_EXTENSION_HEADERS; step++)
        {
            final BpfAssembler.Label nextStep = asm.label();
            final BpfAssembler.Label fragment = asm.label();
            final BpfAssembler.Label authentication = asm.label();
            final BpfAssembler.Label options = asm.label();
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.TCP, found, null);
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.FRAGMENT, fragment, null);
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.AH, authentication, null);
            for (int i = 0; i < IPV6_LENGTH_IN_8_OCTETS.length; i++)
            {
                asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IPV6_LENGTH_IN_8_OCTETS[i], options,
                    i == IPV6_LENGTH_IN_8_OCTETS.length - 1 ? other : null);
            }

            asm.bind(options);
            extensionHeader(3, 1);
            asm.always(nextStep);
            asm.bind(authentication);
            extensionHeader(2, 2);
            asm.always(nextStep);
            asm.bind(fragment);
            asm.op(Bpf.LD | Bpf.H | Bpf.IND, 2);
            asm.jump(Bpf.JMP | Bpf.JSET | Bpf.K, IPV6_FRAGMENT_BITS, accept, null);
            asm.op(Bpf.LD | Bpf.B | Bpf.IND, 0);
            asm.op(Bpf.ST, M_NEXT_HEADER);
            asm.op(Bpf.MISC | Bpf.TXA, 0);
            asm.op(Bpf.ALU | Bpf.ADD | Bpf.K, IPV6_FRAGMENT_HEADER_LENGTH);
            asm.op(Bpf.MISC | Bpf.TAX, 0);
            asm.op(Bpf.LD | Bpf.MEM, M_NEXT_HEADER);
            asm.bind(nextStep);
        }
        // Past the decoder's limit only an upper-layer protocol will do.
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.TCP, found, other);

        asm.bind(found);
        asm.op(Bpf.STX, M_TCP_OFFSET);
        asm.always(tcp);
        asm.bind(other);
        asm.op(Bpf.ST, M_NEXT_HEADER);
        asm.op(Bpf.STX, M_TCP_OFFSET);
        asm.always(notTcp);
    }

    /**
     * Step X over the extension header it points at, whose length byte counts units of {@code 1 << unitShift}
     * octets, less {@code lengthBias}; A becomes that header's next header.
     */
    private void extensionHeader(final int unitShift, final int lengthBias)
    {
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, 0);
        asm.op(Bpf.ST, M_NEXT_HEADER);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, 1);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.K, lengthBias);
        asm.op(Bpf.ALU | Bpf.LSH | Bpf.K, unitShift);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.X, 0);
        asm.op(Bpf.MISC | Bpf.TAX, 0);
        asm.op(Bpf.LD | Bpf.MEM, M_NEXT_HEADER);
    }

    /**
     * The TCP header's offset is in M[1]: check it is whole enough to be one.
     */
    private void tcpHeader()
    {
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_TCP_OFFSET);
        // A load past the packet ends the program with 0: this drops a segment shorter than its fixed header.
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, TCP_LAST_HEADER_BYTE);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, TCP_DATA_OFFSET_OFFSET);
        asm.jump(Bpf.JMP | Bpf.JGE | Bpf.K, TCP_MIN_DATA_OFFSET_BYTE, null, drop);
    }

    private void tests(final FilterProgram program)
    {
        if (program.entry < 0)
        {
            asm.always(program.entry == FilterProgram.ACCEPT ? accept : drop);
            return;
        }
        final BpfAssembler.Label[] labels = new BpfAssembler.Label[program.length()];
        for (int i = 0; i < labels.length; i++)
        {
            labels[i] = asm.label();
        }
        for (int i = 0; i < labels.length; i++)
        {
            asm.bind(labels[i]);
            final BpfAssembler.Label onMatch = target(labels, program.onMatch[i]);
            final BpfAssembler.Label onMismatch = target(labels, program.onMismatch[i]);
            test(program, i, onMatch, onMismatch);
        }
    }

    private BpfAssembler.Label target(final BpfAssembler.Label[] labels, final int target)
    {
        return target == FilterProgram.ACCEPT ? accept : target == FilterProgram.REJECT ? drop : labels[target];
    }

    private void test(
        final FilterProgram program, final int i, final BpfAssembler.Label onMatch, final BpfAssembler.Label onMismatch)
    {
        final long a = program.a[i];
        final long b = program.b[i];
        switch (program.test[i])
        {
            case FilterProgram.VERSION:
                asm.op(Bpf.LD | Bpf.MEM, M_VERSION);
                asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, (int)a, onMatch, onMismatch);
                break;
            case FilterProgram.SRC_IPV4:
            case FilterProgram.DST_IPV4:
            {
                final int offset = program.test[i] == FilterProgram.SRC_IPV4 ?
                    IPV4_SOURCE_OFFSET : IPV4_DESTINATION_OFFSET;
                addressWords(4, offset, new int[] {(int)a}, new int[] {(int)b}, onMatch, onMismatch);
                break;
            }
            case FilterProgram.SRC_IPV6:
            case FilterProgram.DST_IPV6:
            {
                final long c = program.c[i];
                final long d = program.d[i];
                final int offset = program.test[i] == FilterProgram.SRC_IPV6 ?
                    IPV6_SOURCE_OFFSET : IPV6_DESTINATION_OFFSET;
                addressWords(6, offset,
                    new int[] {(int)(a >>> 32), (int)a, (int)(b >>> 32), (int)b},
                    new int[] {(int)(c >>> 32), (int)c, (int)(d >>> 32), (int)d},
                    onMatch, onMismatch);
                break;
            }
            case FilterProgram.SRC_PORT:
            case FilterProgram.DST_PORT:
                ports(program.test[i] == FilterProgram.SRC_PORT ? TCP_SOURCE_PORT_OFFSET : TCP_DESTINATION_PORT_OFFSET,
                    (int)a, (int)b, onMatch, onMismatch);
                break;
            case FilterProgram.TUNNEL:
                tunnelTest(a, b, onMatch, onMismatch);
                break;
            default:
                asm.op(Bpf.LD | Bpf.MEM, M_VLAN);
                if (a == FlowFilter.NO_VLAN)
                {
                    asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, NO_VLAN_IN_MEMORY, onMismatch, onMatch);
                }
                else
                {
                    asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, (int)a, onMatch, onMismatch);
                }
                break;
        }
    }

    /**
     * The tunnel in M[5] (GRE also naming ERSPAN, which GRE carries), then, unless any will do, its id in M[6].
     */
    private void tunnelTest(
        final long type, final long id, final BpfAssembler.Label onMatch, final BpfAssembler.Label onMismatch)
    {
        final BpfAssembler.Label typeMatches = id == FlowFilter.ANY_TUNNEL_ID ? onMatch : asm.label();
        asm.op(Bpf.LD | Bpf.MEM, M_TUNNEL_TYPE);
        if (type == TunnelType.GRE)
        {
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, TunnelType.GRE, typeMatches, null);
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, TunnelType.ERSPAN, typeMatches, onMismatch);
        }
        else
        {
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, (int)type, typeMatches, onMismatch);
        }
        if (id != FlowFilter.ANY_TUNNEL_ID)
        {
            asm.bind(typeMatches);
            asm.op(Bpf.LD | Bpf.MEM, M_TUNNEL_ID);
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, (int)id, onMatch, onMismatch);
        }
    }

    /**
     * The IP version, then each 32-bit word of the address under its mask; words whose mask is 0 are skipped.
     */
    private void addressWords(
        final int version,
        final int offset,
        final int[] values,
        final int[] masks,
        final BpfAssembler.Label onMatch,
        final BpfAssembler.Label onMismatch)
    {
        int lastWord = -1;
        for (int word = 0; word < masks.length; word++)
        {
            if (masks[word] != 0)
            {
                lastWord = word;
            }
        }
        asm.op(Bpf.LD | Bpf.MEM, M_VERSION);
        if (lastWord < 0)
        {
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, version, onMatch, onMismatch);
            return;
        }
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, version, null, onMismatch);
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_IP_OFFSET);
        for (int word = 0; word <= lastWord; word++)
        {
            if (masks[word] == 0)
            {
                continue;
            }
            asm.op(Bpf.LD | Bpf.W | Bpf.IND, offset + word * Integer.BYTES);
            if (masks[word] != ALL_ONES)
            {
                asm.op(Bpf.ALU | Bpf.AND | Bpf.K, masks[word]);
            }
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, values[word], word == lastWord ? onMatch : null, onMismatch);
        }
    }

    private void ports(
        final int offset, final int low, final int high, final BpfAssembler.Label onMatch,
        final BpfAssembler.Label onMismatch)
    {
        if (low == 0 && high == MAX_PORT)
        {
            asm.always(onMatch);
            return;
        }
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_TCP_OFFSET);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, offset);
        if (low == high)
        {
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, low, onMatch, onMismatch);
        }
        else if (low == 0)
        {
            asm.jump(Bpf.JMP | Bpf.JGT | Bpf.K, high, onMismatch, onMatch);
        }
        else if (high == MAX_PORT)
        {
            asm.jump(Bpf.JMP | Bpf.JGE | Bpf.K, low, onMatch, onMismatch);
        }
        else
        {
            asm.jump(Bpf.JMP | Bpf.JGE | Bpf.K, low, null, onMismatch);
            asm.jump(Bpf.JMP | Bpf.JGT | Bpf.K, high, onMismatch, onMatch);
        }
    }
}
