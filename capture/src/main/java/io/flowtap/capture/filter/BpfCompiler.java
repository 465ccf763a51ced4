package io.flowtap.capture.filter;

import io.flowtap.capture.codec.PacketDecoder;

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
 * The program is written in parts, in this order: the {@link BpfHeaderWalk} finds the TCP header through the link
 * and IP layers, the {@link BpfTunnelWalk} follows what is not TCP into the tunnels the kernel can read, and the
 * {@link BpfFilterTests} run the filter's tests; a {@link BpfProgramWriter} holds what they share (the assembler, the
 * exits, the scratch memory layout).
 * <p>
 * Stateless: thread safe.
 */
final class BpfCompiler
{
    private BpfCompiler()
    {
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
        final BpfProgramWriter writer = new BpfProgramWriter();
        final BpfAssembler asm = writer.asm;
        final BpfHeaderWalk headers = new BpfHeaderWalk(writer);
        final BpfTunnelWalk tunnels = new BpfTunnelWalk(writer, headers, vxlanPorts, genevePorts);
        final BpfAssembler.Label tcp = asm.label();
        final BpfAssembler.Label notTcp = asm.label();
        headers.link(tcp, notTcp);
        asm.bind(notTcp);
        tunnels.tunnels(tcp);
        asm.bind(tcp);
        headers.tcpHeader();
        new BpfFilterTests(writer).tests(filter.chainProgram());
        asm.bind(writer.accept);
        asm.op(Bpf.RET | Bpf.K, Bpf.ACCEPT_WHOLE_PACKET);
        asm.bind(writer.drop);
        asm.op(Bpf.RET | Bpf.K, Bpf.DROP);
        final BpfProgram program = asm.assemble();
        if (program.length() > Bpf.MAX_INSTRUCTIONS)
        {
            throw new FilterSyntaxException(filter.expression(), 0, "it compiles to " + program.length() +
                " classic BPF instructions, more than the kernel's " + Bpf.MAX_INSTRUCTIONS);
        }
        return program;
    }
}
