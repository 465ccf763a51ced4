package io.flowtap.pipeline.journal;

import net.openhft.chronicle.queue.impl.StoreFileListener;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Keeps the newest N cycle files of a journal and deletes the older ones. Chronicle tells a {@link StoreFileListener}
 * (on its background releaser thread) when a cycle file is acquired and released; a new cycle is when older files
 * become deletable. Files are named by the roll cycle's date format, fixed width, so their names sort by time.
 * <p>
 * Thread safe: sweeps are serialised, and a writer's own files are always the newest.
 */
final class CycleRetention implements StoreFileListener
{

    private final Path directory;
    private final int retainCycles;
    private volatile Runnable afterDelete;
    private volatile long deleted;

    CycleRetention(final Path directory, final int retainCycles)
    {
        this.directory = directory;
        this.retainCycles = retainCycles;
    }

    /**
     * @param afterDelete run after a sweep deleted files: the queue refreshes its listing of cycles, which readers
     *                    start from.
     */
    void afterDelete(final Runnable afterDelete)
    {
        this.afterDelete = afterDelete;
    }

    @Override
    public boolean isActive()
    {
        return retainCycles > 0;
    }

    @Override
    public void onAcquired(final int cycle, final File file)
    {
        sweep();
    }

    @Override
    public void onReleased(final int cycle, final File file)
    {
        sweep();
    }

    /**
     * @return files deleted by this call.
     */
    synchronized int sweep()
    {
        if (retainCycles <= 0)
        {
            return 0;
        }
        final List<Path> files = cycleFiles(directory);
        int count = 0;
        for (int i = 0; i < files.size() - retainCycles; i++)
        {
            try
            {
                if (Files.deleteIfExists(files.get(i)))
                {
                    count++;
                    deleted++;
                }
            }
            catch (final IOException ex)
            {
                // A file that cannot be deleted now is tried again at the next sweep.
            }
        }
        final Runnable refresh = afterDelete;
        if (count > 0 && refresh != null)
        {
            refresh.run();
        }
        return count;
    }

    /**
     * @return files deleted since the journal opened.
     */
    long deleted()
    {
        return deleted;
    }

    /**
     * @param directory of a journal.
     * @return its cycle files, oldest first.
     */
    static List<Path> cycleFiles(final Path directory)
    {
        return JournalFiles.cycleFiles(directory);
    }
}
