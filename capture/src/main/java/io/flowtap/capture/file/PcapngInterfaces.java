package io.flowtap.capture.file;

import java.util.Arrays;

/**
 * The interfaces a pcapng section has described so far, indexed by interface id in the order their Interface
 * Description Blocks appeared. Packets look their interface up per packet, so the table is plain parallel arrays;
 * it grows only when an IDB arrives, which is rare and off the per-packet path.
 * <p>
 * Not thread safe.
 */
final class PcapngInterfaces
{
    private static final int INITIAL_CAPACITY = 8;

    private int count;
    private int[] linkTypes = new int[INITIAL_CAPACITY];
    private int[] snapLengths = new int[INITIAL_CAPACITY];
    private int[] tsresols = new int[INITIAL_CAPACITY];
    private long[] offsetsNs = new long[INITIAL_CAPACITY];

    /**
     * Forget every interface: a new section numbers its interfaces from 0 again.
     */
    void clear()
    {
        count = 0;
    }

    /**
     * @param linkType   of the interface.
     * @param snapLength of the interface, 0 for none.
     * @param tsresol    the if_tsresol byte, or {@link PcapngTimestamps#DEFAULT_TSRESOL}.
     * @param offsetNs   if_tsoffset in nanoseconds, or 0.
     */
    void add(final int linkType, final int snapLength, final int tsresol, final long offsetNs)
    {
        if (count == linkTypes.length)
        {
            final int capacity = count * 2;
            linkTypes = Arrays.copyOf(linkTypes, capacity);
            snapLengths = Arrays.copyOf(snapLengths, capacity);
            tsresols = Arrays.copyOf(tsresols, capacity);
            offsetsNs = Arrays.copyOf(offsetsNs, capacity);
        }
        linkTypes[count] = linkType;
        snapLengths[count] = snapLength;
        tsresols[count] = tsresol;
        offsetsNs[count] = offsetNs;
        count++;
    }

    /**
     * @return interfaces described in this section.
     */
    int count()
    {
        return count;
    }

    /**
     * @param interfaceId below {@link #count()}.
     * @return its link type.
     */
    int linkType(final int interfaceId)
    {
        return linkTypes[interfaceId];
    }

    /**
     * @param interfaceId below {@link #count()}.
     * @return its snap length, 0 for none.
     */
    int snapLength(final int interfaceId)
    {
        return snapLengths[interfaceId];
    }

    /**
     * @param interfaceId below {@link #count()}.
     * @param units       timestamp in that interface's units.
     * @return nanoseconds since the epoch.
     */
    long timestampNs(final int interfaceId, final long units)
    {
        return PcapngTimestamps.addSaturated(
            PcapngTimestamps.toNanos(units, tsresols[interfaceId]), offsetsNs[interfaceId]);
    }
}
