package io.flowtap.capture;

/**
 * A capture file cannot be read on: it is not a capture file, or it is damaged at a known place. The message is one
 * line that names the file and the byte offset.
 */
public final class CaptureFileException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long byteOffset;

    /**
     * @param file       path of the capture.
     * @param byteOffset where the damage is.
     * @param problem    what is wrong there.
     */
    public CaptureFileException(final String file, final long byteOffset, final String problem)
    {
        super(file + ": " + problem + " at byte offset " + byteOffset);
        this.file = file;
        this.byteOffset = byteOffset;
    }

    /**
     * @return the path of the capture.
     */
    public String file()
    {
        return file;
    }

    /**
     * @return the byte offset of the damage.
     */
    public long byteOffset()
    {
        return byteOffset;
    }
}
