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
        long bytes = 0;
        for (final JournalWriter writer : journalWriters)
        {
            bytes += writer.payloadBytesWritten();
        }
        return bytes;
    }

    long rawFrameBytes()
    {
        long bytes = 0;
        for (final RawPacketJournal writer : rawWriters)
        {
            bytes += writer.frameBytesWritten();
        }
        return bytes;
    }

    long eventsDropped()
    {
        long dropped = 0;
        for (final JournalWriter writer : journalWriters)
        {
            dropped += writer.eventsDropped();
        }
        for (final RawPacketJournal writer : rawWriters)
        {
            dropped += writer.eventsDropped();
        }
        return dropped;
    }

    long rawFramesCut()
    {
        long frames = 0;
        for (final RawPacketJournal writer : rawWriters)
        {
            frames += writer.framesCut();
        }
        return frames;
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
            long events = 0;
            long bytes = 0;
            for (final JournalWriter writer : journalWriters)
            {
                events += writer.eventsDropped();
                bytes += writer.payloadBytesDropped();
            }
            lost(err, journal, "events", events, "payload", bytes);
        }
        if (rawJournal != null)
        {
            err.printf(Locale.ROOT, "raw-packet journal %s (run %d): %d frame bytes, %d frames cut%n",
                rawJournal.directory(), rawJournal.run(), rawFrameBytes(), rawFramesCut());
            long frames = 0;
            long bytes = 0;
            for (final RawPacketJournal writer : rawWriters)
            {
                frames += writer.eventsDropped();
                bytes += writer.payloadBytesDropped();
            }
            lost(err, rawJournal, "frames", frames, "frame", bytes);
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

    private static JournalContext journalContext(final SensorOptions options)
    {
        return new JournalContext()
            .fullPolicy(options.journalFullPolicy())
            .rollCycle(options.rollCycle())
            .retainCycles(options.retainCycles)
            .batchBytes(JournalContext.BATCH_BYTES_PIPELINE_DEFAULT);
    }
}
