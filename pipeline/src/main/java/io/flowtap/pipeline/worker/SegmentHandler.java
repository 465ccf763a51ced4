package io.flowtap.pipeline.worker;

import io.flowtap.capture.codec.PacketDecoder;

/**
 * What a worker hands each segment to in a pipeline that does not reassemble (capture's printing, a benchmark that
 * only counts): every TCP segment its pollers decoded and the filter kept, in the order each poller read them. Made
 * for one worker and called on its thread only.
 */
@FunctionalInterface
public interface SegmentHandler
{
    /**
     * @param segment     decoded in place, its checksum verdict settled; valid during the call only.
     * @param frameNumber of the frame in its source (ring or file), from 1.
     * @param timeNs      the frame's capture time.
     */
    void onSegment(PacketDecoder segment, long frameNumber, long timeNs);
}
