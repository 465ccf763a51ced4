package io.flowtap.reassembly;

import java.util.Locale;

/**
 * Target-based overlap resolution (Novak and Sturges, "Target-Based TCP Stream Reassembly", 2007): when a segment
 * brings bytes for a range the engine already holds, which version the receiving host would keep. The rules follow the
 * ones Suricata applies per segment already held ({@code old}) against the newly arrived one ({@code new}); a policy
 * decides only for bytes whose content differs, since equal bytes need no choice.
 */
public enum OverlapPolicy
{
    /** Always keep the bytes seen first. */
    FIRST("first"),
    /** Always take the bytes seen last. */
    LAST("last"),
    /** New bytes win when the new segment starts before the old one (also MacOS, HP-UX 10, IRIX). */
    BSD("bsd"),
    /** As {@link #BSD}, and new bytes also win when both start together and the new one ends later. */
    LINUX("linux"),
    /** As {@link #BSD}, and new bytes also win when both start together and the new one does not end earlier. */
    OLD_LINUX("old-linux"),
    /** Windows (and Windows 2003, Vista) resolve as {@link #BSD} does. */
    WINDOWS("windows"),
    /**
     * New bytes win when the new segment ends after the old one, or ends with it and does not start after it
     * (also HP-UX 11).
     */
    SOLARIS("solaris");

    private final String label;

    OverlapPolicy(final String label)
    {
        this.label = label;
    }

    /**
     * @return the name used in configuration and output.
     */
    public String label()
    {
        return label;
    }

    /**
     * Decide an overlap. All four are stream offsets; ends are exclusive.
     *
     * @param newStart start of the segment that just arrived.
     * @param newEnd   its end.
     * @param oldStart start of the segment already held.
     * @param oldEnd   its end.
     * @return whether the receiving host would keep the new bytes where the two overlap.
     */
    public boolean newWins(final long newStart, final long newEnd, final long oldStart, final long oldEnd)
    {
        switch (this)
        {
            case FIRST:
                return false;
            case LAST:
                return true;
            case BSD:
            case WINDOWS:
                return newStart < oldStart;
            case LINUX:
                return newStart < oldStart || (newStart == oldStart && newEnd > oldEnd);
            case OLD_LINUX:
                return newStart < oldStart || (newStart == oldStart && newEnd >= oldEnd);
            case SOLARIS:
                return newEnd > oldEnd || (newEnd == oldEnd && newStart <= oldStart);
            default:
                throw new IllegalStateException(name());
        }
    }

    /**
     * @param name a policy's name, or one of the operating systems Suricata's {@code host-os-policy} names.
     * @return the policy.
     * @throws IllegalArgumentException naming the accepted names.
     */
    public static OverlapPolicy fromName(final String name)
    {
        switch (name.trim().toLowerCase(Locale.ROOT).replace('_', '-'))
        {
            case "first":
                return FIRST;
            case "last":
                return LAST;
            case "bsd":
            case "macos":
            case "hpux10":
            case "irix":
                return BSD;
            case "linux":
                return LINUX;
            case "old-linux":
                return OLD_LINUX;
            case "windows":
            case "windows2k3":
            case "vista":
                return WINDOWS;
            case "solaris":
            case "hpux11":
                return SOLARIS;
            default:
                throw new IllegalArgumentException("unknown overlap policy '" + name +
                    "': expected first, last, bsd, linux, old-linux, windows or solaris");
        }
    }
}
