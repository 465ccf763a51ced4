package io.flowtap.capture.file;

import io.flowtap.capture.FrameSource;

/**
 * A {@link FrameSource} that reads a capture file, and can say how far through the file it is.
 */
public interface CaptureFileSource extends FrameSource
{
    /**
     * @return byte offset in the file of the next record to read; equals {@link #size()} after a clean end.
     */
    long position();

    /**
     * @return bytes in the file.
     */
    long size();

    /**
     * Be told before the mapped window moves, which makes every frame delivered so far unreadable. Frames stay
     * readable after {@link io.flowtap.capture.FrameHandler#onFrame} returns only until then: a reader that hands
     * them to other threads in place copies out what is still in use when told.
     *
     * @param listener to tell, on the polling thread, or null for nobody.
     */
    void windowListener(WindowListener listener);
}
