package io.flowtap.pipeline.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files of one journal queue ({@code pipeline/journal/JOURNAL.md}, "Files"), as {@link JournalDescriptor} is the
 * layout of an excerpt: Chronicle's {@value #METADATA_FILE} and one {@code *}{@value #CYCLE_FILE_SUFFIX} file per
 * cycle, named by the cycle's date in a fixed-width format so that names sort by time. The writers' retention and
 * every reader list a queue's cycle files here.
 */
public final class JournalFiles
{
    /** A queue's metadata file. */
    public static final String METADATA_FILE = "metadata.cq4t";
    /** How a cycle file's name ends. */
    public static final String CYCLE_FILE_SUFFIX = ".cq4";

    private JournalFiles()
    {
    }

    /**
     * @param directory of a queue.
     * @return its cycle files, oldest first; empty when there are none or the directory cannot be listed.
     */
    public static List<Path> cycleFiles(final Path directory)
    {
        final List<Path> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(directory))
        {
            entries.filter(p -> p.getFileName().toString().endsWith(CYCLE_FILE_SUFFIX)).sorted().forEach(files::add);
        }
        catch (final IOException ex)
        {
            return files;
        }
        return files;
    }

    /**
     * @param directory of a queue.
     * @return whether it holds Chronicle's metadata file.
     */
    public static boolean hasMetadata(final Path directory)
    {
        return Files.isRegularFile(directory.resolve(METADATA_FILE));
    }
}
