package io.flowtap.capture;

/**
 * Where frames come from: a capture file or a live ring. A source hands frames to a handler in place, without
 * copying or allocating per frame.
 * <p>
 * Not thread safe: a source is polled by one thread.
 */
public interface FrameSource extends AutoCloseable
{
    /**
     * Deliver up to {@code frameLimit} frames to the handler. Never blocks.
     *
     * @param handler    to receive each frame.
     * @param frameLimit the most frames to deliver in this call.
     * @return the number of frames delivered; 0 when none was ready or the source is exhausted.
     * @throws CaptureFileException when the source is damaged; every frame before the damage has been delivered.
     */
    int poll(FrameHandler handler, int frameLimit);

    /**
     * @return true when the source will deliver no more frames (end of a file; a live source never ends).
     */
    boolean isEndOfStream();

    /**
     * @return a name for messages: the file's path or the interface's name.
     */
    String name();

    /**
     * Release what the source holds (mappings, sockets). Frames it delivered are no longer readable.
     */
    @Override
    void close();
}
