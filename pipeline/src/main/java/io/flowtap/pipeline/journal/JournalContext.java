package io.flowtap.pipeline.journal;

import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;

import java.nio.file.Path;

/**
 * Settings of a journal: where it lives, how often it rolls to a new file, how many files it keeps, and how large its
 * excerpts may grow. Fluent setters, then {@link #conclude()} checks them; defaults come from system properties.
 */
public final class JournalContext
{
    /** System property: the roll cycle's name ({@link JournalRollCycle#parse}). */
    public static final String ROLL_CYCLE_PROP_NAME = "flowtap.journal.roll.cycle";
    /** Default roll cycle. */
    public static final JournalRollCycle ROLL_CYCLE_DEFAULT = JournalRollCycle.HOURLY;
    /** System property: cycles (files) to keep, 0 for all. */
    public static final String RETAIN_CYCLES_PROP_NAME = "flowtap.journal.retain.cycles";
    /** Default: keep every cycle. */
    public static final int RETAIN_CYCLES_DEFAULT = 0;
    /** System property: the most payload bytes in one excerpt; a longer delivery is split at this length. */
    public static final String MAX_PAYLOAD_CHUNK_PROP_NAME = "flowtap.journal.max.payload.chunk";
    /** Default largest payload chunk: 64 KiB. */
    public static final int MAX_PAYLOAD_CHUNK_DEFAULT = 64 * 1024;
    /** Largest payload chunk allowed: it must fit in the part of a Chronicle block that is mapped contiguously. */
    public static final int MAX_PAYLOAD_CHUNK_LIMIT = 1024 * 1024;
    /** System property: the most frame bytes a raw-frame excerpt keeps; longer frames are cut, as a snap length. */
    public static final String MAX_FRAME_PROP_NAME = "flowtap.journal.max.frame";
    /** Default largest frame: 256 KiB, tcpdump's snap length. */
    public static final int MAX_FRAME_DEFAULT = 256 * 1024;
    /** Most bytes of events batched into one excerpt. */
    public static final int MAX_BATCH_BYTES = 1024 * 1024;
    /** Bytes of events per excerpt that a pipeline's writers batch by default. */
    public static final int BATCH_BYTES_PIPELINE_DEFAULT = 256 * 1024;
    /** Smallest Chronicle block size accepted, so that an excerpt of the largest payload chunk always fits. */
    public static final long MIN_BLOCK_SIZE = 4L * MAX_PAYLOAD_CHUNK_LIMIT + 4L * MAX_FRAME_DEFAULT;

    private Path directory;
    private JournalRollCycle rollCycle;
    private int retainCycles = Integer.getInteger(RETAIN_CYCLES_PROP_NAME, RETAIN_CYCLES_DEFAULT);
    private int maxPayloadChunk = Integer.getInteger(MAX_PAYLOAD_CHUNK_PROP_NAME, MAX_PAYLOAD_CHUNK_DEFAULT);
    private int maxFrame = Integer.getInteger(MAX_FRAME_PROP_NAME, MAX_FRAME_DEFAULT);
    private int batchBytes;
    private long blockSize;
    private EpochClock epochClock = SystemEpochClock.INSTANCE;
    private JournalFullPolicy fullPolicy = JournalFullPolicy.STOP;
    private boolean concluded;

    /**
     * @param directory of the journal; created when missing.
     * @return this.
     */
    public JournalContext directory(final Path directory)
    {
        this.directory = directory;
        return this;
    }

    /**
     * @return the journal's directory.
     */
    public Path directory()
    {
        return directory;
    }

    /**
     * @param rollCycle how often to start a new file.
     * @return this.
     */
    public JournalContext rollCycle(final JournalRollCycle rollCycle)
    {
        this.rollCycle = rollCycle;
        return this;
    }

    /**
     * @return how often a new file is started.
     */
    public JournalRollCycle rollCycle()
    {
        return rollCycle;
    }

    /**
     * @param retainCycles the newest cycles (files) to keep; older ones are deleted when a new one starts. 0 keeps all.
     * @return this.
     */
    public JournalContext retainCycles(final int retainCycles)
    {
        this.retainCycles = retainCycles;
        return this;
    }

    /**
     * @return cycles kept, 0 for all.
     */
    public int retainCycles()
    {
        return retainCycles;
    }

    /**
     * @param maxPayloadChunk most payload bytes per excerpt.
     * @return this.
     */
    public JournalContext maxPayloadChunk(final int maxPayloadChunk)
    {
        this.maxPayloadChunk = maxPayloadChunk;
        return this;
    }

    /**
     * @return most payload bytes per excerpt.
     */
    public int maxPayloadChunk()
    {
        return maxPayloadChunk;
    }

    /**
     * @param maxFrame most frame bytes a raw-frame excerpt keeps.
     * @return this.
     */
    public JournalContext maxFrame(final int maxFrame)
    {
        this.maxFrame = maxFrame;
        return this;
    }

    /**
     * @return most frame bytes a raw-frame excerpt keeps.
     */
    public int maxFrame()
    {
        return maxFrame;
    }

    /**
     * Batch events into excerpts: events are appended to one open excerpt until it holds this many bytes or its
     * writer's thread ends a batch ({@link ExcerptWriter#onBatchEnd()}). A pipeline's workers batch; a writer
     * driven by hand does not unless asked, so each of its events is committed as it is written.
     *
     * @param batchBytes most bytes of events per excerpt, 0 for one event per excerpt, at most
     *                   {@link #MAX_BATCH_BYTES}.
     * @return this.
     */
    public JournalContext batchBytes(final int batchBytes)
    {
        this.batchBytes = batchBytes;
        return this;
    }

    /**
     * @return most bytes of events per excerpt, or 0 for one event per excerpt.
     */
    public int batchBytes()
    {
        return batchBytes;
    }

    /**
     * @param blockSize Chronicle's block size in bytes (the unit its files grow by), or 0 for Chronicle's default;
     *                  at least {@link #MIN_BLOCK_SIZE}.
     * @return this.
     */
    public JournalContext blockSize(final long blockSize)
    {
        this.blockSize = blockSize;
        return this;
    }

    /**
     * @return Chronicle's block size, or 0 for its default.
     */
    public long blockSize()
    {
        return blockSize;
    }

    /**
     * @param epochClock the wall clock that decides the current cycle (a test's clock, to roll without waiting).
     * @return this.
     */
    public JournalContext epochClock(final EpochClock epochClock)
    {
        this.epochClock = epochClock;
        return this;
    }

    /**
     * @return the wall clock that decides the current cycle.
     */
    public EpochClock epochClock()
    {
        return epochClock;
    }

    /**
     * @param fullPolicy what the writers do when the disk is full (default {@link JournalFullPolicy#STOP}).
     * @return this.
     */
    public JournalContext fullPolicy(final JournalFullPolicy fullPolicy)
    {
        this.fullPolicy = fullPolicy;
        return this;
    }

    /**
     * @return what the writers do when the disk is full.
     */
    public JournalFullPolicy fullPolicy()
    {
        return fullPolicy;
    }

    /**
     * Fill in defaults and check the settings; called by {@link ChronicleJournal#open}.
     *
     * @return this.
     * @throws IllegalArgumentException naming the first bad setting.
     */
    public JournalContext conclude()
    {
        if (concluded)
        {
            return this;
        }
        if (directory == null)
        {
            throw new IllegalArgumentException("journal directory not set");
        }
        if (rollCycle == null)
        {
            final String name = System.getProperty(ROLL_CYCLE_PROP_NAME);
            rollCycle = name == null ? ROLL_CYCLE_DEFAULT : JournalRollCycle.parse(name);
        }
        if (retainCycles < 0)
        {
            throw new IllegalArgumentException("journal retain cycles must be 0 (all) or more: " + retainCycles);
        }
        if (maxPayloadChunk < 1 || maxPayloadChunk > MAX_PAYLOAD_CHUNK_LIMIT)
        {
            throw new IllegalArgumentException(
                "journal max payload chunk must be 1.." + MAX_PAYLOAD_CHUNK_LIMIT + ": " + maxPayloadChunk);
        }
        if (maxFrame < 1 || maxFrame > MAX_FRAME_DEFAULT)
        {
            throw new IllegalArgumentException("journal max frame must be 1.." + MAX_FRAME_DEFAULT + ": " + maxFrame);
        }
        if (batchBytes < 0 || batchBytes > MAX_BATCH_BYTES)
        {
            throw new IllegalArgumentException("journal batch bytes must be 0.." + MAX_BATCH_BYTES + ": " + batchBytes);
        }
        if (blockSize != 0 && blockSize < MIN_BLOCK_SIZE)
        {
            throw new IllegalArgumentException(
                "journal block size must be 0 (Chronicle's default) or at least " + MIN_BLOCK_SIZE + ": " + blockSize);
        }
        if (epochClock == null || fullPolicy == null)
        {
            throw new IllegalArgumentException("journal epoch clock or full policy not set");
        }
        concluded = true;
        return this;
    }
}
