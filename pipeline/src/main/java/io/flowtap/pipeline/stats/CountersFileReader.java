package io.flowtap.pipeline.stats;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.errors.ErrorConsumer;
import org.agrona.concurrent.errors.ErrorLogReader;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a {@link CountersFile} that another process (a running appliance) writes: checks what the file is, then
 * gives the current value of every counter by label, as {@link CountersView} shows them (each poller's and worker's
 * copies added up where the {@link CounterTable} says so), and the distinct errors logged.
 */
public final class CountersFileReader implements AutoCloseable
{
    private final MappedByteBuffer mapped;
    private final CountersReader reader;
    private final UnsafeBuffer errorLog;
    private final long pid;
    private final long startTimeMs;

    private CountersFileReader(
        final MappedByteBuffer mapped,
        final CountersReader reader,
        final UnsafeBuffer errorLog,
        final long pid,
        final long startTimeMs)
    {
        this.mapped = mapped;
        this.reader = reader;
        this.errorLog = errorLog;
        this.pid = pid;
        this.startTimeMs = startTimeMs;
    }

    /**
     * @param path of the counters file.
     * @return a reader.
     * @throws IllegalArgumentException with one line saying what is wrong: missing, too short, not a counters file, or
     * a newer layout.
     */
    public static CountersFileReader open(final Path path)
    {
        final long size;
        try
        {
            size = Files.size(path);
        }
        catch (final NoSuchFileException ex)
        {
            throw new IllegalArgumentException(path + ": no counters file (is the appliance running?)", ex);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(path + ": " + ex.getMessage(), ex);
        }
        if (size < CountersFile.HEADER_LENGTH)
        {
            throw new IllegalArgumentException(path + ": too short to be a flowtap counters file (" + size + " bytes)");
        }
        final MappedByteBuffer mapped;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(path + ": " + ex.getMessage(), ex);
        }
        final UnsafeBuffer whole = new UnsafeBuffer(mapped);
        if (whole.getLongVolatile(CountersFile.MAGIC_OFFSET) != CountersFile.MAGIC)
        {
            IoUtil.unmap(mapped);
            throw new IllegalArgumentException(path + ": not a flowtap counters file");
        }
        final int version = whole.getInt(CountersFile.VERSION_OFFSET);
        if (version != CountersFile.VERSION)
        {
            IoUtil.unmap(mapped);
            throw new IllegalArgumentException(path + ": counters layout version " + version + ", this flowtap reads " +
                CountersFile.VERSION);
        }
        final int metadataLength = whole.getInt(CountersFile.METADATA_LENGTH_OFFSET);
        final int valuesLength = whole.getInt(CountersFile.VALUES_LENGTH_OFFSET);
        final int errorLogLength = whole.getInt(CountersFile.ERROR_LOG_LENGTH_OFFSET);
        if ((long)CountersFile.HEADER_LENGTH + metadataLength + valuesLength + errorLogLength > size)
        {
            IoUtil.unmap(mapped);
            throw new IllegalArgumentException(path + ": counters file is shorter than its header says");
        }
        final CountersReader reader = new CountersReader(
            new UnsafeBuffer(mapped, CountersFile.HEADER_LENGTH, metadataLength),
            new UnsafeBuffer(mapped, CountersFile.HEADER_LENGTH + metadataLength, valuesLength));
        final UnsafeBuffer errorLog = new UnsafeBuffer(
            mapped, CountersFile.HEADER_LENGTH + metadataLength + valuesLength, errorLogLength);
        return new CountersFileReader(mapped, reader, errorLog,
            whole.getLong(CountersFile.PID_OFFSET), whole.getLong(CountersFile.START_TIME_OFFSET));
    }

    /**
     * @return the writing process's pid.
     */
    public long pid()
    {
        return pid;
    }

    /**
     * @return when the writer started, epoch milliseconds.
     */
    public long startTimeMs()
    {
        return startTimeMs;
    }

    /**
     * @return every counter's label and current value as a reader shows them, in allocation order.
     */
    public Map<String, Long> values()
    {
        final Map<String, Long> values = new LinkedHashMap<>();
        forEach((label, typeId, key, value) -> values.put(label, value));
        return values;
    }

    /**
     * @return the file's counters, for a reader of each counter's type and key ({@code /metrics}).
     */
    public CountersReader counters()
    {
        return reader;
    }

    /** Receives each counter with its type. */
    @FunctionalInterface
    public interface CounterConsumer
    {
        /**
         * @param label  the counter's label.
         * @param typeId its {@code CountersFile.TYPE_} type.
         * @param key    the long at the start of its key (a histogram bucket's bound), 0 for most.
         * @param value  its value now.
         */
        void accept(String label, int typeId, long key, long value);
    }

    /**
     * @param consumer given every counter as a reader shows them, in allocation order, with its type and key.
     */
    public void forEach(final CounterConsumer consumer)
    {
        forEach(reader, consumer);
    }

    /**
     * @param counters of a file (this process's own, or another's).
     * @param consumer given every counter as a reader shows them ({@link CountersView}), in allocation order, with
     *                 its type and key.
     */
    public static void forEach(final CountersReader counters, final CounterConsumer consumer)
    {
        CountersView.forEach(counters, consumer);
    }

    /**
     * @param consumer given each distinct error logged: how often it was seen, first and last time (epoch ms), and
     *                 its stack trace.
     * @return how many distinct errors there are.
     */
    public int errors(final ErrorConsumer consumer)
    {
        return ErrorLogReader.read(errorLog, consumer);
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
