package io.flowtap.capture;

/**
 * Receives frames from a {@link FrameSource}, in place.
 */
@FunctionalInterface
public interface FrameHandler
{
    /**
     * Called once per frame. The frame and the bytes it views are valid only until this method returns.
     *
     * @param frame the frame, reused by the source for the next one.
     */
    void onFrame(Frame frame);
}
