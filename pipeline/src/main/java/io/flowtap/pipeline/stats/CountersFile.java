package io.flowtap.pipeline.stats;

import org.agrona.IoUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.errors.DistinctErrorLog;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The appliance's counters in a memory-mapped file, so that {@code flowtap stats} can read a running sensor from
 * another process without stopping or asking it. The values and their labels are Agrona's counters layout (one
 * cache-line-padded value per counter, written in place by its one writer: plain stores for per-packet counts, ordered
 * ones for the rest, see {@code CounterValues}), followed by Agrona's
 * {@link DistinctErrorLog} of the exceptions the sensor's threads met; a small header in front says what the file is:
 * <pre>
 *   0  magic "FLOWTAPC" (8 bytes)        8  layout version (int)     12 metadata length (int)
 *  16  values length (int)               20 error log length (int)   24 pid of the writer (long)
 *  32  start time, epoch ms (long)       40..63 reserved
 *  64  metadata (labels)  then values  then the error log
 * </pre>
 * Created by the appliance at start; counters are allocated on the cold path, then updated without allocation.
 * Allocation is thread safe (a worker's handlers allocate on the worker's thread); a list that must be consecutive
 * is allocated holding this file's monitor.
 */
public final class CountersFile implements AutoCloseable
{
    /** The file's first eight bytes. */
    public static final long MAGIC = 0x4354_5041_5457_4F4CL;
    /** Layout version this code writes and reads. */
    public static final int VERSION = 2;
    /** Bytes of the header. */
    public static final int HEADER_LENGTH = 64;
    /** Bytes of the error log: room for a few dozen distinct errors with their stack traces. */
    public static final int ERROR_LOG_LENGTH_DEFAULT = 256 * 1024;
    /** Default number of counters the file has room for. */
    public static final int MAX_COUNTERS_DEFAULT = 1024;
    /** Type of a counter that only goes up (Agrona's default type id). */
    public static final int TYPE_COUNTER = 0;
    /** Type of a counter whose value is a level that goes up and down: a queue's depth, flows active, lag. */
    public static final int TYPE_GAUGE = 1;
    /**
     * Type of a latency histogram's cumulative bucket: values at or below the bound in the counter's key (a long, in
     * nanoseconds; {@link Long#MAX_VALUE} for the last bucket). Its label is {@code "latency STAGE: ..."}.
     */
    public static final int TYPE_HISTOGRAM_BUCKET = 2;
    /** Type of a latency histogram's count of values. */
    public static final int TYPE_HISTOGRAM_COUNT = 3;
    /** Type of a latency histogram's sum of values, in nanoseconds. */
    public static final int TYPE_HISTOGRAM_SUM_NS = 4;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int METADATA_LENGTH_OFFSET = 12;
    static final int VALUES_LENGTH_OFFSET = 16;
    static final int ERROR_LOG_LENGTH_OFFSET = 20;
    static final int PID_OFFSET = 24;
    static final int START_TIME_OFFSET = 32;

    private final ByteBuffer mapped;
    private final CountersManager manager;
    private final DistinctErrorLog errorLog;

    private CountersFile(final ByteBuffer mapped, final int metadataLength, final int valuesLength)
    {
        this.mapped = mapped;
        this.manager = new CountersManager(
            new UnsafeBuffer(mapped, HEADER_LENGTH, metadataLength),
            new UnsafeBuffer(mapped, HEADER_LENGTH + metadataLength, valuesLength));
        final int errorLogOffset = HEADER_LENGTH + metadataLength + valuesLength;
        this.errorLog = new DistinctErrorLog(
            new UnsafeBuffer(mapped, errorLogOffset, mapped.capacity() - errorLogOffset), SystemEpochClock.INSTANCE);
    }

    /**
     * Create (or replace) a counters file.
     *
     * @param path        of the file.
     * @param maxCounters room for this many counters.
     * @return the file, mapped.
     */
    public static CountersFile create(final Path path, final int maxCounters)
    {
        final int valuesLength = maxCounters * CountersReader.COUNTER_LENGTH;
        final int metadataLength = maxCounters * CountersReader.METADATA_LENGTH;
        final File file = path.toFile();
        IoUtil.deleteIfExists(file);
        final MappedByteBuffer mapped = IoUtil.mapNewFile(
            file, HEADER_LENGTH + metadataLength + valuesLength + ERROR_LOG_LENGTH_DEFAULT);
        final UnsafeBuffer whole = new UnsafeBuffer(mapped);
        whole.putLong(PID_OFFSET, ProcessHandle.current().pid());
        whole.putLong(START_TIME_OFFSET, System.currentTimeMillis());
        whole.putInt(METADATA_LENGTH_OFFSET, metadataLength);
        whole.putInt(VALUES_LENGTH_OFFSET, valuesLength);
        whole.putInt(ERROR_LOG_LENGTH_OFFSET, ERROR_LOG_LENGTH_DEFAULT);
        whole.putInt(VERSION_OFFSET, VERSION);
        final CountersFile countersFile = new CountersFile(mapped, metadataLength, valuesLength);
        // The magic goes last, with release semantics: a reader that sees it sees a complete header.
        whole.putLongRelease(MAGIC_OFFSET, MAGIC);
        return countersFile;
    }

    /**
     * Counters kept in this process's memory only, with no file: for a run that serves them (Prometheus) without
     * {@code --counters}, and for a shipper on its own.
     *
     * @param maxCounters room for this many counters.
     * @return the counters.
     */
    public static CountersFile inMemory(final int maxCounters)
    {
        final int valuesLength = maxCounters * CountersReader.COUNTER_LENGTH;
        final int metadataLength = maxCounters * CountersReader.METADATA_LENGTH;
        final ByteBuffer memory = ByteBuffer.allocateDirect(
            HEADER_LENGTH + metadataLength + valuesLength + ERROR_LOG_LENGTH_DEFAULT);
        return new CountersFile(memory, metadataLength, valuesLength);
    }

    /**
     * Allocate a gauge: a level, not a count (cold path).
     *
     * @param label shown by {@code flowtap stats}.
     * @return the counter, of type {@link #TYPE_GAUGE}.
     */
    public synchronized AtomicCounter gauge(final String label)
    {
        return manager.newCounter(label, TYPE_GAUGE);
    }

    /**
     * Allocate a counter of a type, with a long in its key (cold path).
     *
     * @param label  shown by {@code flowtap stats}.
     * @param typeId one of the {@code TYPE_} constants.
     * @param key    the long its key holds (a histogram bucket's bound).
     * @return the counter.
     */
    public synchronized AtomicCounter counter(final String label, final int typeId, final long key)
    {
        return manager.newCounter(label, typeId, buffer -> buffer.putLong(0, key));
    }

    /**
     * Allocate a counter of a type, with a key written by the caller (cold path).
     *
     * @param label  shown by {@code flowtap stats}.
     * @param typeId one of the {@code TYPE_} constants.
     * @param key    writes the counter's key.
     * @return the counter.
     */
    public synchronized AtomicCounter counter(
        final String label, final int typeId, final Consumer<MutableDirectBuffer> key)
    {
        return manager.newCounter(label, typeId, key);
    }

    /**
     * Allocate a counter (cold path: allocates its label).
     *
     * @param label shown by {@code flowtap stats}, e.g. {@code "worker 0: gap bytes"}.
     * @return the counter, updated by one thread with {@code increment}/{@code setOrdered}.
     */
    public synchronized AtomicCounter counter(final String label)
    {
        return manager.newCounter(label);
    }

    /**
     * @return the log of distinct errors the sensor's threads met, which {@code flowtap stats} prints; safe to record
     * into from any thread.
     */
    public DistinctErrorLog errorLog()
    {
        return errorLog;
    }

    /**
     * @return a reader over this file's counters, for the writing process itself.
     */
    public CountersReader reader()
    {
        return manager;
    }

    /**
     * The writer is done with the file. The mapping is left to the garbage collector rather than unmapped here: the
     * pipeline's counter holders write and read their values in it, and the run's summary reads them after the
     * sensor has closed; an unmapped counter would be a crash, not an error.
     */
    @Override
    public void close()
    {
        if (mapped instanceof MappedByteBuffer file)
        {
            file.force();
        }
    }

    /**
     * @param path of a file that may be a counters file.
     * @return whether it exists.
     */
    public static boolean exists(final Path path)
    {
        return Files.isRegularFile(path);
    }
}
