package io.flowtap.tools;

/**
 * The help text for {@code --filter}, shared by the commands that take one: picocli footers need constants, and
 * each line stays under 80 columns so that picocli does not wrap it.
 */
public final class FilterHelp
{
    /** The footer heading. */
    public static final String HEADING = "%nFilter expressions (--filter):";
    /** The primitives. */
    public static final String PRIMITIVES = "  host A, net A/LEN, net A mask M, port N, portrange N-M, each optionally";
    /** Their qualifiers. */
    public static final String QUALIFIERS =
        "  after src, dst, src or dst (default) or src and dst; ip, ip6, tcp, vlan [N];%n"
            + "  vxlan [VNI], geneve [VNI], gre [KEY] (ERSPAN too), erspan [SESSION].";
    /** Values. */
    public static final String VALUES = "  Addresses are IPv4 or IPv6 literals and ports are numbers, never names.";
    /** Combinators. */
    public static final String COMBINATORS = "  not (!) binds tighter than and (&&), which binds tighter than or (||):";
    /** Precedence, where it differs from tcpdump. */
    public static final String PRECEDENCE =
        "  unlike tcpdump, where and and or are equal, so add parentheses to be sure.";
    /** Repeated qualifiers. */
    public static final String REPEAT = "  A bare value repeats the qualifiers before it: port 80 or 443.";
    /** What a filter sees. */
    public static final String SCOPE = "  Only TCP is ever kept. Addresses and ports are the innermost packet's,%n"
        + "  inside any tunnel; vlan is the outer tag.";

    private FilterHelp()
    {
    }
}
