package io.flowtap.pipeline.poll;

import io.flowtap.capture.Frame;
import io.flowtap.capture.codec.PacketDecoder;

/**
 * What a poller hands each decoded TCP segment to. Called on the poller's thread; the frame and the decoder are
 * views into the ring, valid only during the call.
 */
@FunctionalInterface
public interface SegmentListener
{
    /**
     * @param poller   index of the poller in its group.
     * @param frame    the frame, in place in the ring.
     * @param decoder  that decoded it as a TCP segment.
     * @param flowHash the flow's symmetric hash (the same for both directions).
     */
    void onSegment(int poller, Frame frame, PacketDecoder decoder, long flowHash);
}
