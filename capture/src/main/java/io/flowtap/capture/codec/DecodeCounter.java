package io.flowtap.capture.codec;

import io.flowtap.capture.counter.CounterDescriptor;
import io.flowtap.capture.counter.CounterUnit;

/**
 * Every counter the decoder keeps. Each frame lands in exactly one outcome: {@link #TCP_SEGMENT} or one of the
 * reasons a frame was not decodable as TCP ({@link #isDropReason()}). The remaining counters are facts about
 * decoded segments or frames (bad checksums, tags) and overlap the outcomes.
 * <p>
 * Invariant: {@code FRAMES == TCP_SEGMENT + sum of every drop reason}.
 */
public enum DecodeCounter implements CounterDescriptor
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
    /** IP inside a link-level encapsulation flowtap does not open (more than three VLAN tags, an unknown PPP
     * protocol). */
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
    /**
     * An IPv4 or IPv6 fragment: held for reassembly (the frame that completes a datagram is counted as what the
     * datagram decodes to; the fragment counters say what became of the others), or not reassembled at all when the
     * decoder has no reassembly.
     */
    IP_FRAGMENT("IP fragment", true),
    /** A tunnel not opened: nested deeper than the decoder's limit, or carrying something it does not open. */
    TUNNEL("tunnel not opened", true),
    /** A tunnel header that is malformed or cut short (a VXLAN header without its I flag, a GRE header longer than
     * its packet ...). */
    BAD_TUNNEL("bad tunnel header", true),
    /** A packet identical to one seen just before in its flow (a SPAN port's second copy), dropped by dedup. */
    DUPLICATE("duplicate", true),
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
    VLAN_TAGGED("vlan tagged", false),

    /** VXLAN layers opened. */
    VXLAN("tunnel: vxlan", false),
    /** Geneve layers opened. */
    GENEVE("tunnel: geneve", false),
    /** GRE layers opened (ERSPAN counted as such). */
    GRE("tunnel: gre", false),
    /** ERSPAN layers opened. */
    ERSPAN("tunnel: erspan", false),
    /** IP in IP layers opened. */
    IP_IN_IP("tunnel: ip in ip", false),
    /** MPLS label stacks opened. */
    MPLS("tunnel: mpls", false),
    /** PPPoE sessions opened. */
    PPPOE("tunnel: pppoe", false),
    /** GTP-U layers opened. */
    GTP_U("tunnel: gtp-u", false),
    /** Teredo layers opened. */
    TEREDO("tunnel: teredo", false),
    /** AYIYA layers opened. */
    AYIYA("tunnel: ayiya", false),
    /** Frames with a VN-Tag or an 802.1BR E-Tag stepped over. */
    VN_TAG("vn-tag or e-tag", false),
    /** Frames with a Cisco FabricPath header stepped over. */
    FABRICPATH("fabricpath", false),

    /** IP datagrams reassembled from their fragments. */
    DATAGRAMS_REASSEMBLED("fragments: datagrams reassembled", false),
    /** Fragments given up when their datagram did not complete within the timeout. */
    FRAGMENTS_TIMED_OUT("fragments: timed out", false),
    /** Fragments that overlapped bytes of their datagram already held. */
    FRAGMENT_OVERLAPS("fragments: overlaps", false),
    /** Overlaps whose bytes differed: the target's policy chose one version. */
    FRAGMENT_OVERLAP_CONFLICTS("fragments: overlap conflicts", false),
    /** Fragments given up because their datagram had more than the limit. */
    FRAGMENTS_TOO_MANY("fragments: too many in a datagram", false),
    /** Fragments given up when the reassembly memory (global or per datagram) or its datagram slots ran out. */
    FRAGMENTS_MEMCAP("fragments: dropped at memcap", false),
    /** Fragments that cannot be part of a datagram: beyond 65,535 bytes, not a multiple of 8 bytes before the last,
     * past a datagram's end, cut by the snap length, or with more headers before it than a datagram may keep. */
    FRAGMENTS_BAD("fragments: bad", false);

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
    @Override
    public String label()
    {
        return label;
    }

    /**
     * @return frames for outcomes and per-frame facts, segments for facts about segments, datagrams and fragments
     * for the defragmenter's.
     */
    @Override
    public CounterUnit unit()
    {
        return switch (this)
        {
            case TCP_SEGMENT, TCP_CHECKSUM_BAD, TCP_CHECKSUM_UNVERIFIED, TCP_PAYLOAD_TRUNCATED -> CounterUnit.SEGMENTS;
            case DATAGRAMS_REASSEMBLED -> CounterUnit.DATAGRAMS;
            case FRAGMENTS_TIMED_OUT, FRAGMENT_OVERLAPS, FRAGMENT_OVERLAP_CONFLICTS, FRAGMENTS_TOO_MANY,
                FRAGMENTS_MEMCAP, FRAGMENTS_BAD -> CounterUnit.FRAGMENTS;
            default -> CounterUnit.FRAMES;
        };
    }

    /**
     * @return true for {@link #FRAMES}: the sum of {@link #TCP_SEGMENT} and every drop reason.
     */
    @Override
    public boolean isDerived()
    {
        return this == FRAMES;
    }

    /**
     * @return true for every frame's outcome: {@link #TCP_SEGMENT} and the drop reasons.
     */
    @Override
    public boolean isPart()
    {
        return this == TCP_SEGMENT || dropReason;
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
