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
     * Drop them until a sample shows that bad checksums are common (as Suricata's {@code checksum-validation: auto}
     * does): when more than {@link #AUTO_BAD_SHARE_PERCENT}% of the first {@link #AUTO_SAMPLE} segments are bad, the
     * capture was taken on a host that offloads checksums, and from then on bad ones are kept (and counted).
     */
    AUTO;

    /** Segments sampled before {@link #AUTO} decides. */
    public static final int AUTO_SAMPLE = 1000;
    /** Share of bad checksums in the sample, in percent, above which {@link #AUTO} keeps them. */
    public static final int AUTO_BAD_SHARE_PERCENT = 10;
}
