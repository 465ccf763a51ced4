package io.flowtap.capture.codec;

import java.util.Locale;

/**
 * Which bytes a receiver keeps when IP fragments of one datagram overlap with different contents: the target-based
 * policies of Novak and Sturges' fragment reassembly study, as Snort's frag3 and Suricata's defrag name them, so
 * that the sensor sees the datagram the target host builds (an attacker's overlapping fragment cannot show the
 * sensor one datagram and the host another).
 * <p>
 * Each policy answers one question for a fragment that arrives after one it overlaps: does the new one win?
 */
public enum FragmentPolicy
{
    /** The fragment that arrived first always wins (Windows NT 3.x, some stacks' defaults). */
    FIRST,
    /** The fragment that arrived last always wins (Cisco IOS and other routers that forward). */
    LAST,
    /** A later fragment wins where it starts before the earlier one; the earlier wins otherwise (BSD, AIX, HP-UX,
     * Suricata's default). */
    BSD,
    /** As BSD, but a later fragment that starts at the same offset also wins (Linux). */
    LINUX,
    /** The earlier fragment wins unless the later one starts before it and ends after it (Windows). */
    WINDOWS,
    /** The earlier fragment wins unless the later one starts before it and ends at or after its end (Solaris). */
    SOLARIS;

    /**
     * @param newStart   offset of the first byte of the fragment arriving now.
     * @param newEnd     offset after its last byte.
     * @param heldStart  offset of the first byte of the earlier fragment it overlaps.
     * @param heldEnd    offset after the earlier fragment's last byte.
     * @return whether the new fragment's bytes replace the held ones where they overlap.
     */
    public boolean newWins(final int newStart, final int newEnd, final int heldStart, final int heldEnd)
    {
        switch (this)
        {
            case FIRST:
                return false;
            case LAST:
                return true;
            case BSD:
                return newStart < heldStart;
            case LINUX:
                return newStart <= heldStart;
            case WINDOWS:
                return newStart < heldStart && newEnd > heldEnd;
            case SOLARIS:
            default:
                return newStart < heldStart && newEnd >= heldEnd;
        }
    }

    /**
     * @param name a policy's name in any case, or a name the stream engine's overlap policies take that maps to one
     *             ({@code old-linux} to linux; {@code vista}, {@code windows2k3} to windows; {@code macos},
     *             {@code hpux10}, {@code irix} to bsd; {@code hpux11} to first).
     * @return the policy.
     * @throws IllegalArgumentException naming the policies when it is none of them.
     */
    public static FragmentPolicy fromName(final String name)
    {
        final String key = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        switch (key)
        {
            case "first":
            case "hpux11":
                return FIRST;
            case "last":
                return LAST;
            case "bsd":
            case "bsd-right":
            case "macos":
            case "hpux10":
            case "irix":
                return BSD;
            case "linux":
            case "old-linux":
                return LINUX;
            case "windows":
            case "vista":
            case "windows2k3":
                return WINDOWS;
            case "solaris":
                return SOLARIS;
            default:
                throw new IllegalArgumentException("unknown fragment policy '" + name +
                    "': expected first, last, bsd, linux, windows or solaris");
        }
    }

    /**
     * The policy of the host a datagram is for: the sensor's configuration of which networks run which systems.
     */
    @FunctionalInterface
    public interface Resolver
    {
        /**
         * @param version IP version, 4 or 6.
         * @param high    high 64 bits of the destination address (0 for IPv4).
         * @param low     low 64 bits of the destination address (an IPv4 address in the low 32 bits).
         * @return the policy of that host.
         */
        FragmentPolicy policyFor(int version, long high, long low);
    }
}
