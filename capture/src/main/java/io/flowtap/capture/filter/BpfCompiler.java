package io.flowtap.capture.filter;

import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.IpProtocol;
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
 *     <li><b>IPv4.</b> Version 4, header length at least 20 bytes, read from IHL. Every fragment is dropped, not
 *     only those past the first (tcpdump's {@code jset #0x1fff}): the decoder makes no segment of any fragment, so
 *     a first fragment would only take ring space to be counted and dropped. With fanout's DEFRAG flag the kernel
 *     reassembles before the filter runs, so whole packets are what it sees there. One AH header before TCP is
 *     stepped over, as the decoder does.</li>
 *     <li><b>IPv6.</b> cBPF cannot loop, so the extension-header walk is unrolled to the decoder's own limit,
 *     {@value PacketDecoder#MAX_IPV6_EXTENSION_HEADERS} headers (hop-by-hop, routing, destination options,
 *     mobility, HIP, shim6, AH, fragment), each read for its next header and length. A fragment header with an
 *     offset or more-fragments set drops the packet; an atomic fragment is stepped over.</li>
 *     <li><b>TCP</b> only: anything else is dropped, so every program is {@code tcp and (EXPR)}. The TCP data
 *     offset must be at least 5 and the 20-byte header present.</li>
 * </ul>
 * The kernel therefore accepts every frame the decoder turns into a TCP segment that the filter matches, and for
 * well-formed frames nothing else. It checks fewer lengths than the decoder (IP total length, IPv4 options,
 * extension headers against the payload length), so a malformed frame may pass and then be counted as malformed:
 * the kernel never drops what userspace would accept.
 * <p>
 * Scratch memory: M[0] the IP header's offset, M[1] the TCP header's, M[2] the IP version, M[3] the outer VLAN id
 * or {@link #NO_VLAN_IN_MEMORY}, M[4] the next header during the IPv6 walk. Every path stores before it loads, as
 * the kernel's checker requires.
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

    private static final int[] VLAN_TPIDS = {EtherType.VLAN, EtherType.QINQ, EtherType.QINQ_LEGACY};
    private static final int[] IPV6_LENGTH_IN_8_OCTETS = {
        IpProtocol.HOP_BY_HOP, IpProtocol.ROUTING, IpProtocol.DESTINATION_OPTIONS, IpProtocol.MOBILITY,
        IpProtocol.HIP, IPV6_SHIM6};

    private final BpfAssembler asm = new BpfAssembler();
    private final BpfAssembler.Label accept = asm.label();
    private final BpfAssembler.Label drop = asm.label();

    private BpfCompiler()
    {
    }

    /**
     * @param filter to compile.
     * @return the program for Ethernet frames.
     * @throws FilterSyntaxException when it exceeds {@link Bpf#MAX_INSTRUCTIONS}.
     */
    static BpfProgram compile(final FlowFilter filter)
    {
        final BpfCompiler compiler = new BpfCompiler();
        final BpfAssembler.Label tcp = compiler.asm.label();
        compiler.link(tcp);
        compiler.asm.bind(tcp);
        compiler.tcpHeader();
        compiler.tests(filter.program());
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
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.IPV4, ipv4, null);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, EtherType.IPV6, ipv6, drop);

        asm.bind(ipv4);
        ipv4(tcp);
        asm.bind(ipv6);
        ipv6(tcp);
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
        for (int i = 0; i < VLAN_TPIDS.length; i++)
        {
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, VLAN_TPIDS[i], tagged, i == VLAN_TPIDS.length - 1 ? other : null);
        }
    }

    /**
     * X holds the IP header's offset. Ends at {@code tcp} with the TCP header's offset in M[1], or drops.
     */
    private void ipv4(final BpfAssembler.Label tcp)
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
        asm.jump(Bpf.JMP | Bpf.JSET | Bpf.K, IPV4_FRAGMENT_BITS, drop, null);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, IPV4_VERSION_IHL_OFFSET);
        asm.op(Bpf.ALU | Bpf.AND | Bpf.K, 0x0F);
        asm.op(Bpf.ALU | Bpf.LSH | Bpf.K, 2);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.X, 0);
        asm.op(Bpf.ST, M_TCP_OFFSET);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, IPV4_PROTOCOL_OFFSET);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.TCP, tcp, null);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.AH, authentication, drop);

        // One AH (RFC 4302), which protects without hiding, then TCP: its length is in 4-octet units, minus 2.
        asm.bind(authentication);
        asm.op(Bpf.LD | Bpf.MEM, M_TCP_OFFSET);
        asm.op(Bpf.MISC | Bpf.TAX, 0);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, 0);
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.TCP, null, drop);
        asm.op(Bpf.LD | Bpf.B | Bpf.IND, 1);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.K, 2);
        asm.op(Bpf.ALU | Bpf.LSH | Bpf.K, 2);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.X, 0);
        asm.op(Bpf.ST, M_TCP_OFFSET);
        asm.always(tcp);
    }

    /**
     * X holds the IP header's offset. Ends at {@code tcp} with the TCP header's offset in M[1], or drops.
     */
    private void ipv6(final BpfAssembler.Label tcp)
    {
        final BpfAssembler.Label found = asm.label();
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
                    i == IPV6_LENGTH_IN_8_OCTETS.length - 1 ? drop : null);
            }

            asm.bind(options);
            extensionHeader(3, 1);
            asm.always(nextStep);
            asm.bind(authentication);
            extensionHeader(2, 2);
            asm.always(nextStep);
            asm.bind(fragment);
            asm.op(Bpf.LD | Bpf.H | Bpf.IND, 2);
            asm.jump(Bpf.JMP | Bpf.JSET | Bpf.K, IPV6_FRAGMENT_BITS, drop, null);
            asm.op(Bpf.LD | Bpf.B | Bpf.IND, 0);
            asm.op(Bpf.ST, M_NEXT_HEADER);
            asm.op(Bpf.MISC | Bpf.TXA, 0);
            asm.op(Bpf.ALU | Bpf.ADD | Bpf.K, IPV6_FRAGMENT_HEADER_LENGTH);
            asm.op(Bpf.MISC | Bpf.TAX, 0);
            asm.op(Bpf.LD | Bpf.MEM, M_NEXT_HEADER);
            asm.bind(nextStep);
        }
        // Past the decoder's limit only TCP itself will do.
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, IpProtocol.TCP, found, drop);

        asm.bind(found);
        asm.op(Bpf.STX, M_TCP_OFFSET);
        asm.always(tcp);
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
