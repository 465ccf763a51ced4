package io.flowtap.capture.counter;

import java.util.Locale;

/**
 * What a counter counts.
 */
public enum CounterUnit
{
    /** Link-layer frames, as captured. */
    FRAMES,
    /** TCP segments. */
    SEGMENTS,
    /** IP datagrams. */
    DATAGRAMS,
    /** IP fragments. */
    FRAGMENTS,
    /** Bytes. */
    BYTES,
    /** TCP connections, or one direction of one. */
    FLOWS,
    /** Blocks of a capture ring. */
    BLOCKS,
    /** Hosts. */
    HOSTS,
    /** Occurrences of something: an error, a stall, a window move, a message parsed. */
    EVENTS,
    /** Duty cycles of an agent. */
    CYCLES;

    /**
     * @return the unit's name, lower case and plural, as a reader shows it.
     */
    public String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
