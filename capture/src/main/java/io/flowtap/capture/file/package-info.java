/**
 * Capture files as {@link io.flowtap.capture.FrameSource}s: pcap and pcapng read through memory-mapped windows and
 * handed over in place. {@link io.flowtap.capture.file.CaptureFiles#open(java.nio.file.Path)} picks the format.
 */
package io.flowtap.capture.file;
