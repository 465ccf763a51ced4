package io.flowtap.capture.codec;

/**
 * The encapsulations {@link PacketDecoder} opens, as {@link PacketDecoder#tunnelType()} reports them, with the
 * counter each one's frames are counted under.
 * <p>
 * Some carry an identifier of the network they carry, the same both ways (a VXLAN or Geneve VNI, a GRE key, an
 * ERSPAN session, a PPPoE session): that is the tunnel id a flow key may include, so that flows of overlapping tenant
 * address spaces stay apart. Others carry none, or one that differs by direction (MPLS labels and GTP-U TEIDs are
 * chosen by each receiver), and their id is 0.
 */
public final class TunnelType
{
    /** No tunnel. */
    public static final int NONE = 0;
    /** VXLAN (RFC 7348), UDP port 4789 or a configured one; id: the VNI. */
    public static final int VXLAN = 1;
    /** Geneve (RFC 8926), UDP port 6081 or a configured one; id: the VNI. */
    public static final int GENEVE = 2;
    /** GRE (RFC 2784/2890, PPTP's enhanced GRE, GRE in UDP): id: the key when present (not PPTP's call id). */
    public static final int GRE = 3;
    /** ERSPAN types I, II and III over GRE; id: the session id (type I has none). */
    public static final int ERSPAN = 4;
    /** IPv4 or IPv6 in IPv4 or IPv6 (4in4, 6in4, 4in6, 6in6). */
    public static final int IP_IN_IP = 5;
    /** An MPLS label stack. */
    public static final int MPLS = 6;
    /** A PPPoE session (RFC 2516); id: the session id. */
    public static final int PPPOE = 7;
    /** GTP-U (3GPP TS 29.281) G-PDUs, UDP port 2152. */
    public static final int GTP_U = 8;
    /** Teredo (RFC 4380), UDP port 3544. */
    public static final int TEREDO = 9;
    /** AYIYA, UDP port 5072. */
    public static final int AYIYA = 10;

    private static final String[] NAMES = {
        "none", "vxlan", "geneve", "gre", "erspan", "ipip", "mpls", "pppoe", "gtp-u", "teredo", "ayiya"};
    private static final DecodeCounter[] COUNTERS = {
        null, DecodeCounter.VXLAN, DecodeCounter.GENEVE, DecodeCounter.GRE, DecodeCounter.ERSPAN,
        DecodeCounter.IP_IN_IP, DecodeCounter.MPLS, DecodeCounter.PPPOE, DecodeCounter.GTP_U, DecodeCounter.TEREDO,
        DecodeCounter.AYIYA};

    private TunnelType()
    {
    }

    /**
     * @param type one of the constants.
     * @return its short name, as flow records and filters write it ({@code vxlan}, {@code gre} ...).
     */
    public static String name(final int type)
    {
        return type >= 0 && type < NAMES.length ? NAMES[type] : "tunnel-" + type;
    }

    /**
     * @param name as {@link #name(int)} writes it.
     * @return the type, or -1 when the name is none of them.
     */
    public static int byName(final String name)
    {
        for (int i = 1; i < NAMES.length; i++)
        {
            if (NAMES[i].equals(name))
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * @param type one of the constants other than {@link #NONE}.
     * @return the counter its frames are counted under.
     */
    public static DecodeCounter counter(final int type)
    {
        return COUNTERS[type];
    }
}
