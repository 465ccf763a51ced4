package io.flowtap.capture.file;

/**
 * Told by a {@link CaptureFileSource} that its mapped window is about to move: once the call returns the window is
 * unmapped, and every frame delivered before it stops being readable. A pipeline that hands frames to other threads
 * in place copies out, here, whatever they still refer to.
 * <p>
 * Called on the thread polling the source, from inside {@link CaptureFileSource#poll}; the frames delivered so far
 * are readable during the call.
 */
@FunctionalInterface
public interface WindowListener
{
    /**
     * The window is about to be unmapped, to map the next part of the file.
     */
    void onWindowMoving();
}
