package io.flowtap.capture.codec;

/**
 * EtherType values the decoders act on.
 */
public final class EtherType
{
    /** IPv4. */
    public static final int IPV4 = 0x0800;
    /** ARP: counted as not IP. */
    public static final int ARP = 0x0806;
    /** IEEE 802.1Q customer VLAN tag. */
    public static final int VLAN = 0x8100;
    /** IEEE 802.1ad service VLAN tag (the outer tag of QinQ). */
    public static final int QINQ = 0x88A8;
    /** Pre-standard QinQ outer tag that some switches still emit. */
    public static final int QINQ_LEGACY = 0x9100;
    /** IPv6. */
    public static final int IPV6 = 0x86DD;
    /** MPLS unicast. */
    public static final int MPLS_UNICAST = 0x8847;
    /** MPLS multicast. */
    public static final int MPLS_MULTICAST = 0x8848;
    /** PPPoE session stage. */
    public static final int PPPOE_SESSION = 0x8864;
    /** Transparent Ethernet bridging: an Ethernet frame, as GRE and Geneve carry it. */
    public static final int TRANSPARENT_ETHERNET = 0x6558;
    /** ERSPAN type I and II, as a GRE protocol type. */
    public static final int ERSPAN_II = 0x88BE;
    /** ERSPAN type III, as a GRE protocol type. */
    public static final int ERSPAN_III = 0x22EB;
    /** PPP, as enhanced GRE (PPTP) carries it. */
    public static final int PPP = 0x880B;
    /** WCCP redirection, as a GRE protocol type. */
    public static final int WCCP = 0x883E;
    /** Cisco VN-Tag (802.1Qbh). */
    public static final int VN_TAG = 0x8926;
    /** IEEE 802.1BR E-Tag. */
    public static final int E_TAG = 0x893F;
    /** Cisco FabricPath: an outer Ethernet header in front of the classical frame. */
    public static final int FABRICPATH = 0x8903;
    /** Values up to this one are 802.3 lengths, not EtherTypes. */
    public static final int MAX_802_3_LENGTH = 1500;

    private EtherType()
    {
    }

    /**
     * @param etherType to test.
     * @return whether it introduces a VLAN tag.
     */
    public static boolean isVlanTag(final int etherType)
    {
        return etherType == VLAN || etherType == QINQ || etherType == QINQ_LEGACY;
    }

    /**
     * @param etherType to test.
     * @return whether it introduces an MPLS label stack.
     */
    public static boolean isMpls(final int etherType)
    {
        return etherType == MPLS_UNICAST || etherType == MPLS_MULTICAST;
    }
}
