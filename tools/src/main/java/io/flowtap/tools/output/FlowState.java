package io.flowtap.tools.output;

import io.flowtap.capture.codec.PacketDecoder;

/**
 * What a command keeps per flow beside the engine's {@link io.flowtap.reassembly.FlowRecord}: the VLAN its first
 * segment carried, its events (gaps and conflicting overlaps) already rendered as JSON, and the stream file of each
 * direction when files are written. Held in the flow's data slot from its start to its end.
 */
public final class FlowState
{
    /** Events kept per flow; more are counted, not kept, so that a pathological flow cannot use up the heap. */
    public static final int MAX_EVENTS = 1000;

    final StringBuilder events = new StringBuilder();
    /** Attributes as {@code name=value} pairs for the text line, each after a space. */
    final StringBuilder attributes = new StringBuilder();
    final StreamFile[] files = new StreamFile[2];
    /** Gap bytes left out of each stream file so far ({@link GapFill#NONE}): file position = offset - skipped. */
    final long[] skipped = new long[2];
    int eventCount;
    long eventsDropped;
    int vlan = PacketDecoder.NO_VLAN;
    boolean vlanKnown;

    /**
     * @return the outer VLAN id of the flow's first segment, or {@link PacketDecoder#NO_VLAN}.
     */
    public int vlan()
    {
        return vlan;
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @return that direction's stream file, or null when none was written.
     */
    public StreamFile file(final int direction)
    {
        return files[direction];
    }

    /**
     * @param direction a {@link io.flowtap.reassembly.Direction}.
     * @param file      that direction's stream file.
     */
    public void file(final int direction, final StreamFile file)
    {
        files[direction] = file;
    }

    /**
     * @return events kept.
     */
    public int eventCount()
    {
        return eventCount;
    }

    /**
     * @return events counted but not kept, past {@link #MAX_EVENTS}.
     */
    public long eventsDropped()
    {
        return eventsDropped;
    }

    /**
     * Start a new event: returns the builder to append one JSON object to, or null when the flow has too many.
     */
    StringBuilder newEvent()
    {
        if (eventCount >= MAX_EVENTS)
        {
            eventsDropped++;
            return null;
        }
        if (eventCount > 0)
        {
            events.append(',');
        }
        eventCount++;
        return events;
    }
}
