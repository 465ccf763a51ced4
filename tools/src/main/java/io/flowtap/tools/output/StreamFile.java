package io.flowtap.tools.output;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * One direction's stream file: created on the first byte that direction delivers, and open only while it is among
 * the most recently written (the {@link StreamFileWriter} bounds how many are open at once).
 */
public final class StreamFile
{
    final String name;
    final Path path;
    FileChannel channel;
    /** Bytes written but not yet handed to the file, while it is open; null when closed. */
    ByteBuffer pending;
    /** File position of the first pending byte. */
    long pendingPosition;
    /** Bytes written (gap fill excluded). */
    long written;

    StreamFile(final String name, final Path path)
    {
        this.name = name;
        this.path = path;
    }

    /**
     * @return the file's name in the output directory.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return the file's path.
     */
    public Path path()
    {
        return path;
    }

    /**
     * @return stream bytes written to it (gap fill excluded).
     */
    public long written()
    {
        return written;
    }

    @Override
    public String toString()
    {
        return name;
    }
}
