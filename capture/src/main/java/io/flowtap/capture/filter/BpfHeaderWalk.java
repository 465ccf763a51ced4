package io.flowtap.capture.filter;

import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.IpProtocol;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TunnelType;

import static io.flowtap.capture.filter.BpfProgramWriter.NO_VLAN_IN_MEMORY;
import static io.flowtap.capture.filter.BpfProgramWriter.M_IP_OFFSET;
import static io.flowtap.capture.filter.BpfProgramWriter.M_TCP_OFFSET;
import static io.flowtap.capture.filter.BpfProgramWriter.M_VERSION;
import static io.flowtap.capture.filter.BpfProgramWriter.M_VLAN;
import static io.flowtap.capture.filter.BpfProgramWriter.M_NEXT_HEADER;
import static io.flowtap.capture.filter.BpfProgramWriter.M_TUNNEL_TYPE;
import static io.flowtap.capture.filter.BpfProgramWriter.M_TUNNEL_ID;
import static io.flowtap.capture.filter.BpfProgramWriter.ETHER_TYPE_OFFSET;
import static io.flowtap.capture.filter.BpfProgramWriter.ETHERNET_HEADER_LENGTH;
import static io.flowtap.capture.filter.BpfProgramWriter.VLAN_TAG_LENGTH;
import static io.flowtap.capture.filter.BpfProgramWriter.OTHER_ENCAPSULATIONS;

/**
 * The part of a {@link BpfCompiler} program that finds the TCP header the way {@link PacketDecoder} does: VLAN tags in
 * metadata or in the frame, IPv4 (fragments accepted whole, one AH stepped over) and IPv6 with its extension-header
 * walk unrolled to the decoder's limit, and the TCP header's fixed part. What is not TCP goes on to the
 * {@link BpfTunnelWalk}.
 * <p>
 * Used once per compilation: not thread safe.
 */
final class BpfHeaderWalk
{
    private static final int VLAN_ID_MASK = 0x0FFF;
    private static final int IPV4_VERSION_IHL_OFFSET = 0;
    private static final int IPV4_FRAGMENT_OFFSET = 6;
    private static final int IPV4_PROTOCOL_OFFSET = 9;
    /** More fragments and the fragment offset: any of them makes a fragment. */
    private static final int IPV4_FRAGMENT_BITS = 0x3FFF;
    private static final int IPV4_MIN_IHL = 5;
    private static final int IPV6_NEXT_HEADER_OFFSET = 6;
    private static final int IPV6_HEADER_LENGTH = 40;
    private static final int IPV6_FRAGMENT_HEADER_LENGTH = 8;
    /** Fragment offset and more fragments; an atomic fragment has neither. */
    private static final int IPV6_FRAGMENT_BITS = 0xFFF9;
    private static final int TCP_DATA_OFFSET_OFFSET = 12;
    private static final int TCP_MIN_DATA_OFFSET_BYTE = 0x50;
    private static final int TCP_LAST_HEADER_BYTE = 19;
    private static final int IPV6_SHIM6 = 140;
    private static final int[] IPV6_LENGTH_IN_8_OCTETS = {
        IpProtocol.HOP_BY_HOP, IpProtocol.ROUTING, IpProtocol.DESTINATION_OPTIONS, IpProtocol.MOBILITY,
        IpProtocol.HIP, IPV6_SHIM6};

    private final BpfProgramWriter w;
    private final BpfAssembler asm;
    private final BpfAssembler.Label accept;
    private final BpfAssembler.Label drop;

    BpfHeaderWalk(final BpfProgramWriter writer)
    {
        this.w = writer;
        this.asm = writer.asm;
        this.accept = writer.accept;
        this.drop = writer.drop;
    }

    /**
     * Ethernet and VLAN tags, then the IP header (its offset in M[0]): ends at {@code tcp} with the TCP header's
     * offset in M[1], at {@code notTcp} with the protocol in M[4], accepts or drops.
     */
    void link(final BpfAssembler.Label tcp, final BpfAssembler.Label notTcp)
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
        w.jumpIfVlanTpid(frameTag, untagged);
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
        w.jumpIfAny(OTHER_ENCAPSULATIONS, accept, drop);

        asm.bind(ipv4);
        ipv4(tcp, notTcp);
        asm.bind(ipv6);
        ipv6(tcp, notTcp);
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
                w.jumpIfVlanTpid(drop, ipAfterTags[k]);
            }
            else
            {
                final BpfAssembler.Label next = asm.label();
                w.jumpIfVlanTpid(next, ipAfterTags[k]);
                asm.bind(next);
            }
        }
    }

    /**
     * X holds the IP header's offset. Ends at {@code tcp} with the TCP header's offset in M[1]; at {@code notTcp}
     * with the protocol in M[4] and its header's offset in M[1]; accepts a fragment, which the decoder reassembles
     * before the filter is applied in userspace; or drops.
     */
    void ipv4(final BpfAssembler.Label tcp, final BpfAssembler.Label notTcp)
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
    void ipv6(final BpfAssembler.Label tcp, final BpfAssembler.Label notTcp)
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
    void tcpHeader()
    {
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_TCP_OFFSET);
        // A load past the packet ends the program with 0: this drops a segment shorter than its fixed header.
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, TCP_LAST_HEADER_BYTE);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, TCP_DATA_OFFSET_OFFSET);
        asm.jump(Bpf.JMP | Bpf.JGE | Bpf.K, TCP_MIN_DATA_OFFSET_BYTE, null, drop);
    }
}
