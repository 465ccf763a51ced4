package io.flowtap.tools.output;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Files a command writes into an output directory, opened without following a symbolic link planted where the file
 * goes: in a shared or world-writable directory, a link named {@code flows.jsonl} would otherwise send the records
 * (and truncate) wherever it points. Stream files are created new for the same reason ({@link TcpflowNames}).
 */
public final class OutputFiles
{
    private OutputFiles()
    {
    }

    /**
     * @param file to write, replacing a regular file of that name.
     * @return a UTF-8 writer.
     * @throws IOException when it cannot be opened; a symbolic link there is refused, and said so.
     */
    public static BufferedWriter newRecordsWriter(final Path file) throws IOException
    {
        try
        {
            return new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            if (Files.isSymbolicLink(file))
            {
                throw new IOException(file + " is a symbolic link, not followed: remove it, or choose another "
                    + "directory", ex);
            }
            throw ex;
        }
    }
}
