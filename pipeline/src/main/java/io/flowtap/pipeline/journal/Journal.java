package io.flowtap.pipeline.journal;

import java.nio.file.Path;

/**
 * A journal directory open for writing. Writers are created here, one per thread that writes: each owns its own
 * appender, which is not thread safe. The journal itself may be shared: creating writers and closing are thread safe.
 * <p>
 * Events (flows, payload, gaps ...) and raw frames can share one directory, but a sensor usually gives the raw-packet
 * journal a directory of its own, with its own retention, since it grows much faster.
 */
public interface Journal extends AutoCloseable
{
    /**
     * @return the directory written to.
     */
    Path directory();

    /**
     * @return this run's number, written into every excerpt: each opening of a journal for writing takes the next
     *         one, so readers tell apart flows of different runs that have the same ids.
     */
    int run();

    /**
     * @return the journal's disk: whether it filled up (or a write faulted), why, and the policy.
     */
    JournalSpace space();

    /**
     * @param source the writer's number in every excerpt's header (a worker's index), 0..65535: flow ids are unique
     *               per engine and run, so readers key flows by run, source and flow id.
     * @return a new writer, to be used from one thread at a time; create it on any thread.
     */
    JournalWriter newWriter(int source);

    /**
     * @param source the writer's number in every excerpt's header (a poller's index), 0..65535.
     * @return a new raw-frame writer, to be used from one thread at a time.
     */
    RawPacketJournal newRawPacketWriter(int source);

    /**
     * Apply retention now: delete the oldest cycles beyond the number kept. It also runs by itself each time a new
     * cycle starts, and at open.
     *
     * @return files deleted.
     */
    int sweep();

    /**
     * Close every writer still open and the journal; what was committed stays readable.
     */
    @Override
    void close();
}
