package io.flowtap.tools.sensor;

import io.flowtap.capture.FrameHandler;
import io.flowtap.pipeline.journal.ChronicleJournal;
import io.flowtap.pipeline.journal.Journal;
import io.flowtap.pipeline.journal.JournalContext;
import io.flowtap.pipeline.journal.JournalWriter;
import io.flowtap.pipeline.journal.RawPacketJournal;
import org.agrona.CloseHelper;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToLongFunction;

/**
 * A sensor run's journals: the event journal with one writer per worker, the raw-packet journal with one writer per
 * poller, each optional; what they wrote, what they could not (a full disk), and whether journaling stopped for good.
 * <p>
 * Writers are made on the agents' threads as they start and their counters read from any thread; opened and closed
 * by the reporting thread.
 */
final class SensorJournals implements AutoCloseable
{
    private final Journal journal;
    private final Journal rawJournal;
    private final List<JournalWriter> journalWriters = new CopyOnWriteArrayList<>();
    private final List<RawPacketJournal> rawWriters = new CopyOnWriteArrayList<>();

    private SensorJournals(final Journal journal, final Journal rawJournal)
    {
        this.journal = journal;
        this.rawJournal = rawJournal;
    }

    /**
     * @param options validated.
     * @return the journals the options ask for, open.
     * @throws io.flowtap.pipeline.journal.JournalException when a journal directory cannot be used.
     */
    static SensorJournals open(final SensorOptions options)
    {
        Journal journal = null;
        try
        {
            if (options.journal != null)
            {
                journal = ChronicleJournal.open(journalContext(options).directory(options.journal));
            }
            final Journal rawJournal = options.rawJournal == null ? null :
                ChronicleJournal.open(journalContext(options).directory(options.rawJournal));
            return new SensorJournals(journal, rawJournal);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(journal);
            throw ex;
        }
    }

    /**
     * @return whether there is an event journal.
     */
    boolean hasEvents()
    {
        return journal != null;
    }

    /**
     * @return whether there is a raw-packet journal.
     */
    boolean hasRawPackets()
    {
        return rawJournal != null;
    }

    /**
     * @param worker index, on its thread.
     * @return the worker's event writer, a handler to register last.
     */
    JournalWriter newWriter(final int worker)
    {
        final JournalWriter writer = journal.newWriter(worker);
        journalWriters.add(writer);
        return writer;
    }

    /**
     * @param poller index.
     * @return the poller's raw-packet writer, its frame tap.
     */
    FrameHandler newRawWriter(final int poller)
    {
        final RawPacketJournal writer = rawJournal.newRawPacketWriter(poller);
        rawWriters.add(writer);
        return (FrameHandler)writer;
    }

    long payloadBytes()
    {
        return sum(journalWriters, JournalWriter::payloadBytesWritten);
    }

    long rawFrameBytes()
    {
        return sum(rawWriters, RawPacketJournal::frameBytesWritten);
    }

    long eventsDropped()
    {
        return sum(journalWriters, JournalWriter::eventsDropped) + sum(rawWriters, RawPacketJournal::eventsDropped);
    }

    long rawFramesCut()
    {
        return sum(rawWriters, RawPacketJournal::framesCut);
    }

    /**
     * @return why journaling stopped for good, one line naming the journal; null while it goes on.
     */
    String stopped()
    {
        for (final Journal each : new Journal[] {journal, rawJournal})
        {
            if (each != null && each.space().hasStopped())
            {
                return "journal " + each.directory() + ": " + each.space().fullReason();
            }
        }
        return null;
    }

    /**
     * @return whether any event or frame was not journaled.
     */
    boolean lostAnything()
    {
        return eventsDropped() > 0 || journal != null && journal.space().wasFull() ||
            rawJournal != null && rawJournal.space().wasFull();
    }

    /**
     * Print what each journal wrote, and what it could not.
     *
     * @param err to print to.
     */
    void printSummary(final PrintWriter err)
    {
        if (journal != null)
        {
            err.printf(Locale.ROOT, "journal %s (run %d): %d payload bytes%n", journal.directory(), journal.run(),
                payloadBytes());
            lost(err, journal, "events", sum(journalWriters, JournalWriter::eventsDropped), "payload",
                sum(journalWriters, JournalWriter::payloadBytesDropped));
        }
        if (rawJournal != null)
        {
            err.printf(Locale.ROOT, "raw-packet journal %s (run %d): %d frame bytes, %d frames cut%n",
                rawJournal.directory(), rawJournal.run(), rawFrameBytes(), rawFramesCut());
            lost(err, rawJournal, "frames", sum(rawWriters, RawPacketJournal::eventsDropped), "frame",
                sum(rawWriters, RawPacketJournal::payloadBytesDropped));
        }
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(journal, rawJournal);
    }

    private static void lost(
        final PrintWriter err, final Journal journal, final String what, final long count, final String kind,
        final long bytes)
    {
        if (count > 0 || journal.space().wasFull())
        {
            err.printf(Locale.ROOT, "journal %s: %d %s (%d %s bytes) not journaled (--journal-full %s): %s%n",
                journal.directory(), count, what, bytes, kind, journal.space().policy().label(),
                journal.space().fullReason());
        }
    }

    /**
     * One count added up over writers, as each is now: they are read while their threads write (cold path).
     */
    private static <W> long sum(final List<W> writers, final ToLongFunction<W> count)
    {
        long sum = 0;
        for (final W writer : writers)
        {
            sum += count.applyAsLong(writer);
        }
        return sum;
    }

    private static JournalContext journalContext(final SensorOptions options)
    {
        return new JournalContext()
            .fullPolicy(options.journalFullPolicy())
            .rollCycle(options.rollCycle())
            .retainCycles(options.retainCycles)
            .batchBytes(JournalContext.BATCH_BYTES_PIPELINE_DEFAULT);
    }
}
