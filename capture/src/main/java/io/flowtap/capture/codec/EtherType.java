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
     * @return whether it is an encapsulation that can carry IP but that flowtap does not open yet.
     */
    public static boolean isUnsupportedEncapsulation(final int etherType)
    {
        return etherType == MPLS_UNICAST || etherType == MPLS_MULTICAST;
    }
}
