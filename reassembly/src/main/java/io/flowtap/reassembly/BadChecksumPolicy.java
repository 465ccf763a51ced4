package io.flowtap.reassembly;

/**
 * What the engine does with segments whose checksum the decoder found bad.
 */
public enum BadChecksumPolicy
{
    /** Ignore them (counted), as the receiver would discard them. */
    DROP,
    /** Use them: the capture is known to come from a host with checksum offload. */
    KEEP,
    /**
     * Tell checksum offload from evasion by what the receiver does, per sending host: a bad segment is held until its
     * receiver's acknowledgement covers it with no good copy seen, then used (the receiver had it: the checksum was
     * only left to the NIC); one never acknowledged is dropped, as the receiver dropped it. A host whose bad segments
     * its peers acknowledge, and that sent no good one in those flows, is found to offload, and its bad segments
     * are kept from then on without waiting.
     */
    AUTO;
}
