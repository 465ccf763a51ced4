package io.flowtap.capture.codec;

/**
 * IP protocol numbers (IPv4 protocol, IPv6 next header) the decoders act on.
 */
public final class IpProtocol
{
    /** IPv6 hop-by-hop options. */
    public static final int HOP_BY_HOP = 0;
    /** ICMP. */
    public static final int ICMP = 1;
    /** IPv4 encapsulated in IP. */
    public static final int IPIP = 4;
    /** TCP. */
    public static final int TCP = 6;
    /** UDP. */
    public static final int UDP = 17;
    /** IPv6 encapsulated in IP. */
    public static final int IPV6 = 41;
    /** IPv6 routing header. */
    public static final int ROUTING = 43;
    /** IPv6 fragment header. */
    public static final int FRAGMENT = 44;
    /** GRE. */
    public static final int GRE = 47;
    /** IPsec ESP: what follows is encrypted. */
    public static final int ESP = 50;
    /** IPsec authentication header. */
    public static final int AH = 51;
    /** ICMPv6. */
    public static final int ICMPV6 = 58;
    /** IPv6 no next header. */
    public static final int NO_NEXT_HEADER = 59;
    /** IPv6 destination options. */
    public static final int DESTINATION_OPTIONS = 60;
    /** IPv6 mobility header. */
    public static final int MOBILITY = 135;
    /** Host Identity Protocol. */
    public static final int HIP = 139;
    /** Shim6. */
    public static final int SHIM6 = 140;

    private IpProtocol()
    {
    }

    /**
     * @param protocol an IP protocol number.
     * @return whether it tunnels another packet (IP in IP or GRE).
     */
    public static boolean isTunnel(final int protocol)
    {
        return protocol == IPIP || protocol == IPV6 || protocol == GRE;
    }
}
