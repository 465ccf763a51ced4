package io.flowtap.capture.filter;

import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.IpProtocol;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TunnelType;

import static io.flowtap.capture.filter.BpfProgramWriter.M_IP_OFFSET;
import static io.flowtap.capture.filter.BpfProgramWriter.M_TCP_OFFSET;
import static io.flowtap.capture.filter.BpfProgramWriter.M_NEXT_HEADER;
import static io.flowtap.capture.filter.BpfProgramWriter.M_TUNNEL_TYPE;
import static io.flowtap.capture.filter.BpfProgramWriter.M_TUNNEL_ID;
import static io.flowtap.capture.filter.BpfProgramWriter.M_TEMP_1;
import static io.flowtap.capture.filter.BpfProgramWriter.M_TEMP_2;
import static io.flowtap.capture.filter.BpfProgramWriter.M_TEMP_3;
import static io.flowtap.capture.filter.BpfProgramWriter.ETHER_TYPE_OFFSET;
import static io.flowtap.capture.filter.BpfProgramWriter.ETHERNET_HEADER_LENGTH;
import static io.flowtap.capture.filter.BpfProgramWriter.VLAN_TAG_LENGTH;
import static io.flowtap.capture.filter.BpfProgramWriter.OTHER_ENCAPSULATIONS;

/**
 * The part of a {@link BpfCompiler} program that follows the tunnels the kernel can read: VXLAN and Geneve on the
 * decoder's ports, GRE version 0 and ERSPAN types I to III, one layer deep, to the packet inside, naming the tunnel
 * and its id in scratch memory as the decoder names them. Tunnels it does not look inside are accepted whole, for the
 * decoder and the filter in userspace.
 * <p>
 * Used once per compilation: not thread safe.
 */
final class BpfTunnelWalk
{
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
    private static final int[] TUNNELING_PROTOCOLS = {IpProtocol.UDP, IpProtocol.GRE, IpProtocol.IPIP,
        IpProtocol.IPV6};

    private final BpfProgramWriter w;
    private final BpfHeaderWalk headers;
    private final BpfAssembler asm;
    private final BpfAssembler.Label accept;
    private final BpfAssembler.Label drop;
    private final int[] vxlanPorts;
    private final int[] genevePorts;

    BpfTunnelWalk(
        final BpfProgramWriter writer, final BpfHeaderWalk headers, final int[] vxlanPorts, final int[] genevePorts)
    {
        this.w = writer;
        this.headers = headers;
        this.asm = writer.asm;
        this.accept = writer.accept;
        this.drop = writer.drop;
        this.vxlanPorts = vxlanPorts.clone();
        this.genevePorts = genevePorts.clone();
    }

    /**
     * The outer packet is not TCP: follow VXLAN, Geneve, GRE (carrying IP or Ethernet) and ERSPAN to the packet
     * inside, naming the tunnel in M[5] and its id in M[6] as the decoder names them, and end at {@code tcp} or drop;
     * pass on whole the frames of tunnels the kernel does not look inside (IP in IP, GTP-U, Teredo, AYIYA, GRE in
     * UDP, MPLS in UDP, PPTP's GRE), for the decoder and the filter in userspace.
     */
    void tunnels(final BpfAssembler.Label tcp)
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
        w.jumpIfAny(vxlanPorts, vxlan, null);
        w.jumpIfAny(genevePorts, geneve, null);
        w.jumpIfAny(OTHER_TUNNEL_DESTINATION_PORTS, accept, null);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, 0);
        w.jumpIfAny(OTHER_TUNNEL_SOURCE_PORTS, accept, drop);

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
        w.jumpIfVlanTpid(tagged, null);
        w.jumpIfAny(OTHER_ENCAPSULATIONS, accept, drop);
        asm.bind(tagged);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, ETHER_TYPE_OFFSET + VLAN_TAG_LENGTH);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.IPV4, ipv4After18, null);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.IPV6, ipv6After18, null);
        w.jumpIfVlanTpid(accept, null);
        w.jumpIfAny(OTHER_ENCAPSULATIONS, accept, drop);
        w.moveX(ipv4After14, ETHERNET_HEADER_LENGTH, innerIpv4);
        w.moveX(ipv6After14, ETHERNET_HEADER_LENGTH, innerIpv6);
        w.moveX(ipv4After18, ETHERNET_HEADER_LENGTH + VLAN_TAG_LENGTH, innerIpv4);
        w.moveX(ipv6After18, ETHERNET_HEADER_LENGTH + VLAN_TAG_LENGTH, innerIpv6);

        asm.bind(innerIpv4);
        asm.op(Bpf.STX, M_IP_OFFSET);
        headers.ipv4(tcp, innerNotTcp);
        asm.bind(innerIpv6);
        asm.op(Bpf.STX, M_IP_OFFSET);
        headers.ipv6(tcp, innerNotTcp);

        // A tunnel in the tunnel: the decoder opens it, so the kernel passes it on.
        asm.bind(innerNotTcp);
        asm.op(Bpf.LD | Bpf.MEM, M_NEXT_HEADER);
        w.jumpIfAny(TUNNELING_PROTOCOLS, accept, drop);
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
}
