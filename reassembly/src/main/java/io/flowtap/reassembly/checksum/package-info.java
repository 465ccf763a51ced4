/**
 * The engine's checksum policy: what it does with a segment whose TCP checksum is bad ({@link BadChecksums}, by
 * {@link io.flowtap.reassembly.BadChecksumPolicy}): drop, keep, or hold it ({@link BadChecksumHold}) until its
 * receiver's acknowledgement shows it was received, which tells checksum offload on the capturing host
 * ({@link ChecksumOffloadHosts}) from an evasion. Sized once; nothing here allocates per segment.
 */
package io.flowtap.reassembly.checksum;
