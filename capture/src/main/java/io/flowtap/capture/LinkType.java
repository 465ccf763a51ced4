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
    /** PPP (RFC 1661), with or without the HDLC-like address and control bytes, as pppd and tcpdump write it. */
    public static final int PPP = 9;
    /** PPP in HDLC-like framing (RFC 1662). */
    public static final int PPP_HDLC = 50;
    /** Cisco HDLC: address, control, then an EtherType. */
    public static final int C_HDLC = 104;
    /** IEEE 802.11 frames without a radio header. */
    public static final int IEEE802_11 = 105;
    /** IEEE 802.11 frames after a radiotap header. */
    public static final int IEEE802_11_RADIOTAP = 127;
    /** Per-Packet Information: a header naming the link type of the frame that follows (802.11 or Ethernet). */
    public static final int PPI = 192;
    /** Linux netfilter NFLOG: a header and TLVs, one of which holds the packet from its IP header on. */
    public static final int NFLOG = 239;

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
            case PPP:
            case PPP_HDLC:
            case C_HDLC:
            case IEEE802_11:
            case IEEE802_11_RADIOTAP:
            case PPI:
            case NFLOG:
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
            case PPP:
                return "PPP";
            case PPP_HDLC:
                return "PPP_HDLC";
            case C_HDLC:
                return "C_HDLC";
            case IEEE802_11:
                return "IEEE802_11";
            case IEEE802_11_RADIOTAP:
                return "IEEE802_11_RADIOTAP";
            case PPI:
                return "PPI";
            case NFLOG:
                return "NFLOG";
            default:
                return "LINKTYPE_" + linkType;
        }
    }
}
