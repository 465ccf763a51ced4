package io.flowtap.capture.codec;

/**
 * Every counter the decoder keeps. Each frame lands in exactly one outcome: {@link #TCP_SEGMENT} or one of the
 * reasons a frame was not decodable as TCP ({@link #isDropReason()}). The remaining counters are facts about
 * decoded segments or frames (bad checksums, tags) and overlap the outcomes.
 * <p>
 * Invariant: {@code FRAMES == TCP_SEGMENT + sum of every drop reason}.
 */
public enum DecodeCounter
{
    /** Frames offered to the decoder. */
    FRAMES("frames", false),
    /** Frames decoded to a TCP segment. */
    TCP_SEGMENT("tcp segments", false),

    /** The link type is not one flowtap decodes. */
    UNSUPPORTED_LINK_TYPE("unsupported link type", true),
    /** Captured bytes end inside a link, tag, IP or TCP header. */
    TRUNCATED_FRAME("truncated frame", true),
    /** The frame carries something other than IP (ARP, LLDP, 802.3 LLC ...). */
    NOT_IP("not IP", true),
    /** IP inside an encapsulation that is not opened yet (MPLS, PPPoE, more than two VLAN tags). */
    UNSUPPORTED_ENCAPSULATION("unsupported encapsulation", true),
    /** The IP version nibble does not match what the link layer announced. */
    BAD_IP_VERSION("bad IP version", true),
    /** IPv4 header length below 20 bytes or beyond the packet. */
    BAD_IP_HEADER_LENGTH("bad IP header length", true),
    /** IPv4 options with an impossible length: one running past the header, or a known option of the wrong size. */
    BAD_IP_OPTIONS("bad IP options", true),
    /** IP total or payload length shorter than the headers, or longer than the frame that carried it. */
    BAD_IP_LENGTH("bad IP length", true),
    /** An IPv6 extension header runs past the packet, or the chain is longer than flowtap follows. */
    BAD_IPV6_EXTENSION_HEADER("bad IPv6 extension header", true),
    /** An IPv4 or IPv6 fragment: reassembling fragments is not done yet. */
    IP_FRAGMENT("IP fragment", true),
    /** IP in IP or GRE: the inner packet is not opened yet. */
    TUNNEL("tunnel", true),
    /** An IP packet whose payload is not TCP (UDP, ICMP, ESP ...). */
    NOT_TCP("not TCP", true),
    /** TCP data offset below 5 words or beyond the segment. */
    BAD_TCP_DATA_OFFSET("bad TCP data offset", true),

    /** Decoded segments whose checksum is wrong (kept: often only checksum offload on the capturing host). */
    TCP_CHECKSUM_BAD("tcp checksum bad", false),
    /** Decoded segments whose checksum was not verified (payload cut by the snap length, or checking off). */
    TCP_CHECKSUM_UNVERIFIED("tcp checksum unverified", false),
    /** Decoded segments whose payload was cut short by the capture's snap length. */
    TCP_PAYLOAD_TRUNCATED("tcp payload truncated", false),
    /** Frames that carried at least one VLAN tag. */
    VLAN_TAGGED("vlan tagged", false);

    private static final DecodeCounter[] VALUES = values();

    private final String label;
    private final boolean dropReason;

    DecodeCounter(final String label, final boolean dropReason)
    {
        this.label = label;
        this.dropReason = dropReason;
    }

    /**
     * @return a short human-readable label, as printed in counter summaries.
     */
    public String label()
    {
        return label;
    }

    /**
     * @return whether this counter is a reason a frame was not decoded as TCP.
     */
    public boolean isDropReason()
    {
        return dropReason;
    }

    /**
     * @param ordinal of a counter.
     * @return the counter.
     */
    public static DecodeCounter get(final int ordinal)
    {
        return VALUES[ordinal];
    }

    /**
     * @return how many counters there are.
     */
    public static int count()
    {
        return VALUES.length;
    }
}
