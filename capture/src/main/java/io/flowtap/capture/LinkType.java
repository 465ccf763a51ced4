package io.flowtap.capture;

/**
 * The link types flowtap decodes, with the values of the tcpdump.org LINKTYPE_ registry (which pcap and pcapng
 * files carry) and the DLT_ aliases that some systems wrote instead.
 */
public final class LinkType
{
    /** BSD loopback: a 4-byte address family in the byte order of the host that wrote the capture. */
    public static final int NULL = 0;
    /** Ethernet II, possibly with 802.1Q/802.1ad tags. */
    public static final int ETHERNET = 1;
    /** DLT_RAW as OpenBSD and others numbered it. */
    public static final int RAW_DLT_12 = 12;
    /** DLT_RAW as BSD/OS numbered it. */
    public static final int RAW_DLT_14 = 14;
    /** Raw IPv4 or IPv6, told apart by the version nibble. */
    public static final int RAW = 101;
    /** OpenBSD loopback: a 4-byte address family in network byte order. */
    public static final int LOOP = 108;
    /** Linux "cooked" capture, version 1 (16-byte header). */
    public static final int LINUX_SLL = 113;
    /** Raw IPv4 only. */
    public static final int IPV4 = 228;
    /** Raw IPv6 only. */
    public static final int IPV6 = 229;
    /** Linux "cooked" capture, version 2 (20-byte header). */
    public static final int LINUX_SLL2 = 276;

    private LinkType()
    {
    }

    /**
     * @param linkType a LINKTYPE_ value.
     * @return whether flowtap can decode frames of that link type.
     */
    public static boolean isSupported(final int linkType)
    {
        switch (linkType)
        {
            case NULL:
            case ETHERNET:
            case RAW_DLT_12:
            case RAW_DLT_14:
            case RAW:
            case LOOP:
            case LINUX_SLL:
            case IPV4:
            case IPV6:
            case LINUX_SLL2:
                return true;
            default:
                return false;
        }
    }

    /**
     * @param linkType a LINKTYPE_ value.
     * @return a short name for messages, such as {@code EN10MB}.
     */
    public static String name(final int linkType)
    {
        switch (linkType)
        {
            case NULL:
                return "NULL";
            case ETHERNET:
                return "EN10MB";
            case RAW_DLT_12:
            case RAW_DLT_14:
            case RAW:
                return "RAW";
            case LOOP:
                return "LOOP";
            case LINUX_SLL:
                return "LINUX_SLL";
            case IPV4:
                return "IPV4";
            case IPV6:
                return "IPV6";
            case LINUX_SLL2:
                return "LINUX_SLL2";
            default:
                return "LINKTYPE_" + linkType;
        }
    }
}
