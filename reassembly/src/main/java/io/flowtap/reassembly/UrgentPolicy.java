package io.flowtap.reassembly;

/**
 * What to do with TCP urgent data (a segment with URG set and a non-zero urgent pointer), as Suricata's
 * {@code stream.reassembly.urgent.policy} offers.
 */
public enum UrgentPolicy
{
    /** Ignore the urgent pointer: the urgent byte stays in the stream. */
    INLINE,
    /**
     * The last urgent byte (the one before the urgent pointer, as BSD and Linux read it) is out of band: it is taken
     * out of the stream, as a receiving application without {@code SO_OOBINLINE} would see it, and stream offsets
     * after it move down by one.
     */
    OOB,
    /** The whole segment is dropped from reassembly (counted); its bytes become a gap unless they come again. */
    DROP
}
