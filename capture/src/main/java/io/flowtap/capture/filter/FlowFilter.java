package io.flowtap.capture.filter;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.capture.codec.TunnelType;
import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * A flow filter: a tcpdump-like expression parsed once, then evaluated on TCP segments or flows without allocating,
 * or compiled for the kernel with {@link #toBpf()}.
 * <p>
 * <b>Language.</b> Primitives: {@code host A}, {@code net A/LEN} (or {@code net A mask M} for IPv4, or a bare
 * address for a host), {@code port N}, {@code portrange N-M}, each optionally after {@code src}, {@code dst},
 * {@code src or dst} (the default) or {@code src and dst}; {@code ip} (IPv4), {@code ip6}, {@code tcp},
 * {@code vlan [ID]}, and the tunnels {@code vxlan [VNI]}, {@code geneve [VNI]}, {@code gre [KEY]} (ERSPAN, which GRE
 * carries, included) and {@code erspan [SESSION]}. Addresses are IPv4 or IPv6 literals, never names; ports are
 * numbers, never service names.
 * {@code tcp}, {@code ip} and {@code ip6} may qualify the primitive that follows ({@code tcp dst port 80},
 * {@code ip6 net fd00::/8}). A bare value repeats the previous primitive's qualifiers ({@code port 80 or 443}).
 * Combinators: {@code not}/{@code !}, {@code and}/{@code &&}, {@code or}/{@code ||} and parentheses.
 * <p>
 * <b>Precedence differs from tcpdump</b>, which gives {@code and} and {@code or} equal precedence: here {@code not}
 * binds tightest, then {@code and}, then {@code or}, all left-associative, as in most languages. So
 * {@code port 22 or port 80 and host 10.0.0.1} means {@code port 22 or (port 80 and host 10.0.0.1)}; write the
 * parentheses where a tcpdump habit would read it the other way.
 * <p>
 * <b>What a filter sees.</b> flowtap captures TCP only, so every filter is implicitly {@code tcp and (EXPR)}:
 * {@code not port 22} matches TCP segments not on port 22, never ARP or UDP, and {@code tcp} alone matches every
 * segment. An empty or blank expression matches every segment too. Addresses are the IP header's source and
 * destination, as tcpdump and the kernel read them, even when a source route (IPv4 LSRR/SSRR, an IPv6 routing
 * header) names another final destination. {@code vlan} tests the outer tag: the one the capture stripped into
 * metadata, else the first in the frame. Unlike tcpdump's, {@code vlan} does not shift where later primitives look:
 * addresses and ports are found through any tags. Likewise a tunnel primitive tests the tunnel the segment came
 * through (the innermost that carries an id, as the decoder names it), and addresses and ports are always the
 * innermost packet's: {@code vxlan 42 and port 80} is TCP port 80 inside VNI 42, and {@code port 80} alone matches
 * it too.
 * <p>
 * Immutable and thread safe: {@link #matches} may run on any number of threads at once, and allocates nothing.
 */
public final class FlowFilter
{
    /** No VLAN tag, for {@link #matches(int, long, long, int, long, long, int, int)}. */
    public static final int NO_VLAN = -1;
    /** A tunnel primitive without an id: any id of that tunnel matches. */
    public static final long ANY_TUNNEL_ID = -1;
    /** Longest {@link #abbreviate(String)}. */
    static final int MAX_SUMMARY = 160;

    private static final FlowFilter MATCH_ALL = new FlowFilter("", new FilterNode.Constant(true, ""));
    private static final long IPV4_MASK = 0xFFFF_FFFFL;

    private final String expression;
    private final FilterNode root;
    private final FilterProgram program;
    private volatile FilterProgram chainProgram;

    private FlowFilter(final String expression, final FilterNode root)
    {
        this.expression = expression;
        this.root = root;
        this.program = FilterProgram.compile(root, true);
    }

    /**
     * Parse an expression.
     *
     * @param expression such as {@code tcp dst port 80 and net 10.0.0.0/8}; null, empty or blank matches every TCP
     *                   segment.
     * @return the filter.
     * @throws FilterSyntaxException whose one-line message names the column and what was expected there.
     */
    public static FlowFilter parse(final String expression)
    {
        final String text = expression == null ? "" : expression;
        return text.isBlank() ? MATCH_ALL : new FlowFilter(text, FilterParser.parse(text));
    }

    /**
     * @return the filter that matches every TCP segment.
     */
    public static FlowFilter matchAll()
    {
        return MATCH_ALL;
    }

    /**
     * @return the expression as given.
     */
    public String expression()
    {
        return expression;
    }

    /**
     * @return whether the filter matches every TCP segment, so that callers can skip evaluating it.
     */
    public boolean matchesEverything()
    {
        return program.entry == FilterProgram.ACCEPT;
    }

    /**
     * Evaluate on the segment a decoder has just decoded. Addresses are the IP header's (not the final destination
     * of a source route); the VLAN is the outer one. Allocates nothing.
     *
     * @param decoder whose last {@code decode} returned true.
     * @return whether the filter matches; false when the last frame was not a TCP segment.
     */
    public boolean matches(final PacketDecoder decoder)
    {
        if (decoder.outcome() != DecodeCounter.TCP_SEGMENT)
        {
            return false;
        }
        final DirectBuffer buffer = decoder.buffer();
        final int version = decoder.ipVersion();
        final int src = decoder.sourceAddressOffset();
        final int dst = decoder.headerDestinationAddressOffset();
        final long srcHigh;
        final long srcLow;
        final long dstHigh;
        final long dstLow;
        if (version == 4)
        {
            srcHigh = 0;
            srcLow = buffer.getInt(src, BIG_ENDIAN) & IPV4_MASK;
            dstHigh = 0;
            dstLow = buffer.getInt(dst, BIG_ENDIAN) & IPV4_MASK;
        }
        else
        {
            srcHigh = buffer.getLong(src, BIG_ENDIAN);
            srcLow = buffer.getLong(src + Long.BYTES, BIG_ENDIAN);
            dstHigh = buffer.getLong(dst, BIG_ENDIAN);
            dstLow = buffer.getLong(dst + Long.BYTES, BIG_ENDIAN);
        }
        final TcpFlyweight tcp = decoder.tcp();
        return program.evaluate(version, srcHigh, srcLow, tcp.srcPort(), dstHigh, dstLow, tcp.dstPort(),
            decoder.outerVlanId(), decoder.tunnelType(), decoder.tunnelId());
    }

    /**
     * Evaluate on a flow's fields, in whichever orientation the caller holds them (the reassembly engine passes
     * client to server). Allocates nothing.
     *
     * @param version IP version, 4 or 6.
     * @param srcHigh high 64 bits of an IPv6 source address; 0 for IPv4.
     * @param srcLow  low 64 bits of an IPv6 source address, or an IPv4 source address in the low 32 bits.
     * @param srcPort source port, 0 to 65535.
     * @param dstHigh high 64 bits of an IPv6 destination address; 0 for IPv4.
     * @param dstLow  low 64 bits of an IPv6 destination address, or an IPv4 destination address in the low 32 bits.
     * @param dstPort destination port, 0 to 65535.
     * @param vlan    outer VLAN id, 0 to 4095; any other value ({@link #NO_VLAN}, or 4096 as a flow key marks it)
     *                means the flow has no tag.
     * @return whether the filter matches.
     */
    public boolean matches(
        final int version,
        final long srcHigh,
        final long srcLow,
        final int srcPort,
        final long dstHigh,
        final long dstLow,
        final int dstPort,
        final int vlan)
    {
        return program.evaluate(version, srcHigh, srcLow, srcPort, dstHigh, dstLow, dstPort, vlan,
            TunnelType.NONE, 0);
    }

    /**
     * Evaluate on a flow's fields with its tunnel. Allocates nothing.
     *
     * @param version    IP version, 4 or 6.
     * @param srcHigh    high 64 bits of an IPv6 source address; 0 for IPv4.
     * @param srcLow     low 64 bits of an IPv6 source address, or an IPv4 source address in the low 32 bits.
     * @param srcPort    source port, 0 to 65535.
     * @param dstHigh    high 64 bits of an IPv6 destination address; 0 for IPv4.
     * @param dstLow     low 64 bits of an IPv6 destination address, or an IPv4 destination address.
     * @param dstPort    destination port, 0 to 65535.
     * @param vlan       outer VLAN id, or any other value for none.
     * @param tunnelType one of {@code TunnelType}'s constants.
     * @param tunnelId   the tunnel's id.
     * @return whether the filter matches.
     */
    public boolean matches(
        final int version,
        final long srcHigh,
        final long srcLow,
        final int srcPort,
        final long dstHigh,
        final long dstLow,
        final int dstPort,
        final int vlan,
        final int tunnelType,
        final int tunnelId)
    {
        return program.evaluate(version, srcHigh, srcLow, srcPort, dstHigh, dstLow, dstPort, vlan, tunnelType,
            tunnelId);
    }

    /**
     * Compile for the kernel: a classic BPF program for Ethernet frames as an AF_PACKET socket sees them, which
     * accepts every frame that decodes to a TCP segment this filter matches. See {@link BpfCompiler} for how it
     * reads the frame and where it may accept more than that.
     *
     * @return the program.
     * @throws FilterSyntaxException when the program would exceed {@link Bpf#MAX_INSTRUCTIONS}.
     */
    public BpfProgram toBpf()
    {
        return toBpf(new int[] {DecoderContext.VXLAN_PORT_DEFAULT}, new int[] {DecoderContext.GENEVE_PORT_DEFAULT});
    }

    /**
     * Compile for the kernel, following VXLAN and Geneve on the ports the decoder opens them on.
     *
     * @param vxlanPorts  UDP destination ports of VXLAN.
     * @param genevePorts UDP destination ports of Geneve.
     * @return the program.
     * @throws FilterSyntaxException when the program would exceed {@link Bpf#MAX_INSTRUCTIONS}.
     */
    public BpfProgram toBpf(final int[] vxlanPorts, final int[] genevePorts)
    {
        return BpfCompiler.compile(this, vxlanPorts, genevePorts);
    }

    /**
     * Compile for the kernel, unless the program would be larger than it takes: then null, and the caller filters in
     * userspace ({@link #matches(PacketDecoder)}) behind a kernel program that keeps every TCP segment
     * ({@code matchAll().toBpf()}), saying so. A blocklist of thousands of hosts is such a filter: classic BPF has no
     * loops nor sets, only a chain of compares, and at most {@link Bpf#MAX_INSTRUCTIONS} of them.
     *
     * @return the program, or null when it would exceed {@link Bpf#MAX_INSTRUCTIONS}.
     */
    public BpfProgram toBpfIfItFits()
    {
        return toBpfIfItFits(
            new int[] {DecoderContext.VXLAN_PORT_DEFAULT}, new int[] {DecoderContext.GENEVE_PORT_DEFAULT});
    }

    /**
     * {@link #toBpfIfItFits()}, following VXLAN and Geneve on the ports the decoder opens them on.
     *
     * @param vxlanPorts  UDP destination ports of VXLAN.
     * @param genevePorts UDP destination ports of Geneve.
     * @return the program, or null when it would exceed {@link Bpf#MAX_INSTRUCTIONS}.
     */
    public BpfProgram toBpfIfItFits(final int[] vxlanPorts, final int[] genevePorts)
    {
        try
        {
            return BpfCompiler.compile(this, vxlanPorts, genevePorts);
        }
        catch (final FilterSyntaxException ex)
        {
            return null;
        }
    }

    /**
     * @return the tests of the flattened filter, for userspace: disjunctions of many alternatives are set lookups.
     */
    FilterProgram program()
    {
        return program;
    }

    /**
     * @return the same tests, every alternative a test of its own: what the kernel's program is compiled from.
     */
    FilterProgram chainProgram()
    {
        FilterProgram chain = chainProgram;
        if (chain == null)
        {
            chain = FilterProgram.compile(root, false);
            chainProgram = chain;
        }
        return chain;
    }

    /**
     * @return the expression fully parenthesised, with defaults spelled out: how it was understood.
     */
    @Override
    public String toString()
    {
        return root.toString();
    }

    /**
     * Shorten a filter's text for a summary line: a long one (a blocklist of thousands of hosts) becomes its start and
     * how long it is, so that the line stays short.
     *
     * @param text an expression, as given or as {@link #toString()} prints it.
     * @return the text, or its first characters and its length.
     */
    public static String abbreviate(final String text)
    {
        return text.length() <= MAX_SUMMARY ? text : text.substring(0, MAX_SUMMARY - 40) + "... (" + text.length() +
            " characters)";
    }
}
