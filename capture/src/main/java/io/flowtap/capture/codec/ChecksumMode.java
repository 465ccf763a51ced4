package io.flowtap.capture.codec;

/**
 * How the decoder treats TCP checksums.
 */
public enum ChecksumMode
{
    /** Verify every segment in software. */
    VERIFY,
    /**
     * Trust what the source says (the kernel's TP_STATUS_CSUM_VALID or CSUMNOTREADY); verify in software only when
     * it says nothing, as for capture files.
     */
    AUTO,
    /** Never verify: every segment is unverified. */
    OFF
}
