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
}
