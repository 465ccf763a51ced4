package io.flowtap.pipeline.journal.read;

import io.flowtap.pipeline.journal.ExcerptDecoder;
import io.flowtap.pipeline.journal.JournalDamage;
import io.flowtap.pipeline.journal.JournalDescriptor;
import io.flowtap.pipeline.journal.JournalException;
import io.flowtap.pipeline.journal.JournalFiles;
import io.flowtap.pipeline.journal.JournalVisitor;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import static io.flowtap.pipeline.journal.JournalDescriptor.MAGIC;
import static io.flowtap.pipeline.journal.JournalDescriptor.SCHEMA_VERSION;

/**
 * Reads one Chronicle queue of a journal back, event by event, into a {@link JournalVisitor}: payload is handed over
 * in place, a view of the mapped file, so reading copies nothing either.
 * {@link io.flowtap.pipeline.journal.JournalReader} reads a journal's queues (one per writer) through one of these
 * each, merged by time. Three parts do the work: a {@link QueueTailer} walks the queue through Chronicle, the
 * {@link ExcerptDecoder} (the one the Kafka topic reader uses too) checks each excerpt against the schema and delivers
 * its events, and a {@link DamageScanner} reads on where Chronicle cannot; this class decides which reads, and keeps
 * the damages.
 * <p>
 * Every excerpt is checked against the schema before the visitor sees it. A journal of a newer schema version, a
 * directory that is missing, empty or not a journal are {@link JournalException}s with a one-line message.
 * <p>
 * Damage does not end reading. A healthy journal is read through Chronicle's tailer; at the first excerpt that is not
 * what the schema says (or that Chronicle cannot follow, or that lies over bytes never written), the events before
 * it are delivered and the scanner takes over from there: it skips to the next good excerpt, reports the range
 * skipped and why ({@link #damages()}), and reads on, file after file. A journal whose metadata file or a cycle file's
 * header is damaged, or that has an empty cycle file, is read by the scanner from the start: Chronicle would throw,
 * or wait for a header that never comes. An excerpt a writer had not finished when it died is never delivered
 * (Chronicle keeps uncommitted excerpts from readers): {@link #readAll} ends at the last one committed and then
 * reports the unfinished one as an {@link JournalDamage.Kind#INCOMPLETE_TAIL}.
 * <p>
 * Not thread safe. A journal that is still being written can be read: {@link #poll} returns 0 at its current end and
 * sees later excerpts on a later call.
 */
public final class QueueReader implements AutoCloseable
{
    /** {@link #peekTime()}: nothing more to read now. */
    public static final long NO_EXCERPT = Long.MAX_VALUE;
    /** {@link #peekTime()}: the next excerpt's time cannot be told without reading it. */
    public static final long UNKNOWN_TIME = Long.MIN_VALUE;

    private final Path directory;
    private final QueueTailer tailer;
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private final ExcerptDecoder decoder = new ExcerptDecoder();
    private final List<JournalDamage> damages = new ArrayList<>();
    private final Salvage salvage = new Salvage();
    private long eventsRead;
    private int lastCycle = Integer.MIN_VALUE;
    private long lastEnd;
    private String lastFileName;
    private DamageScanner scanner;
    private JournalVisitor scanVisitor;

    /**
     * A reader that reads every cycle file itself, without Chronicle: for a journal whose metadata or a file's
     * header is damaged.
     */
    private QueueReader(final Path directory, final String firstFile)
    {
        this.directory = directory;
        this.tailer = null;
        scanner = new DamageScanner(directory, salvage);
        scanner.startAt(firstFile, 0);
    }

    private QueueReader(final Path directory, final QueueTailer tailer)
    {
        this.directory = directory;
        this.tailer = tailer;
    }

    /**
     * Open a journal for reading, from its first excerpt still kept.
     *
     * @param directory of the journal.
     * @return the reader.
     * @throws JournalException when the directory is missing, empty, or not a journal.
     */
    public static QueueReader open(final Path directory)
    {
        if (!Files.exists(directory))
        {
            throw new JournalException(JournalException.Kind.MISSING, "journal " + directory + ": no such directory");
        }
        if (!Files.isDirectory(directory))
        {
            throw new JournalException(JournalException.Kind.NOT_A_DIRECTORY, "journal " + directory +
                ": not a directory");
        }
        final boolean anything;
        try (Stream<Path> entries = Files.list(directory))
        {
            anything = entries.findAny().isPresent();
        }
        catch (final IOException ex)
        {
            throw new JournalException(
                JournalException.Kind.IO, "journal " + directory + ": cannot list it: " + ex, ex);
        }
        if (!anything)
        {
            throw new JournalException(JournalException.Kind.EMPTY, "journal " + directory +
                ": empty directory, nothing was journaled there");
        }
        final List<Path> cycles = JournalFiles.cycleFiles(directory);
        if (cycles.isEmpty() && !JournalFiles.hasMetadata(directory))
        {
            throw new JournalException(JournalException.Kind.FOREIGN, "journal " + directory +
                ": not a journal (no Chronicle Queue files: *" + JournalFiles.CYCLE_FILE_SUFFIX + ", " +
                JournalFiles.METADATA_FILE + ")");
        }
        if (cycles.isEmpty())
        {
            throw new JournalException(JournalException.Kind.EMPTY, "journal " + directory +
                ": no cycle files, nothing was journaled (or retention deleted it all)");
        }
        final String firstFile = cycles.get(0).getFileName().toString();
        final String metadataProblem = ChronicleFiles.metadataProblem(directory.resolve(JournalFiles.METADATA_FILE));
        boolean healthy = metadataProblem == null;
        for (final Path cycle : cycles)
        {
            healthy &= ChronicleFiles.startsWithStoreHeader(cycle);
        }
        if (!healthy)
        {
            // Chronicle would stall on such a journal, or throw: read it without Chronicle, resynchronising.
            final QueueReader reader = new QueueReader(directory, firstFile);
            if (metadataProblem != null)
            {
                reader.damages.add(0, new JournalDamage(JournalDamage.Kind.CORRUPT, directory,
                    JournalFiles.METADATA_FILE, -1, -1, -1, 0, 0, metadataProblem +
                    "; the cycle files were read without it"));
            }
            return reader;
        }
        final SingleChronicleQueue queue;
        try
        {
            queue = QueueTailer.openQueue(directory);
        }
        catch (final RuntimeException ex)
        {
            final QueueReader reader = new QueueReader(directory, firstFile);
            reader.damages.add(new JournalDamage(JournalDamage.Kind.CORRUPT, directory, JournalFiles.METADATA_FILE,
                -1, -1, -1, 0, 0, "Chronicle cannot open the queue (" + oneLine(ex) +
                "); the cycle files were read without it"));
            return reader;
        }
        try
        {
            return new QueueReader(directory, new QueueTailer(directory, queue));
        }
        catch (final RuntimeException ex)
        {
            queue.close();
            throw new JournalException(JournalException.Kind.FOREIGN, "journal " + directory +
                ": cannot find its first cycle: " + oneLine(ex), ex);
        }
    }

    /**
     * Read every event from the current position to the end, or to the first damaged excerpt. At the end, look past
     * the last excerpt for one left unfinished or unreadable, and report it as {@link #damage()}.
     *
     * @param visitor to call.
     * @return events read.
     * @throws JournalException for a newer schema version, or a queue that flowtap did not write.
     */
    public long readAll(final JournalVisitor visitor)
    {
        long total = 0;
        while (true)
        {
            int read;
            while ((read = poll(visitor, 4096)) > 0)
            {
                total += read;
            }
            if (scanner != null)
            {
                scanner.finish();
                break;
            }
            final JournalDamage tail = ChronicleFiles.tailDamage(directory, tailer.currentFile(),
                tailer.cycle() == lastCycle ? lastEnd : 0, eventsRead);
            if (tail == null || tail.kind() == JournalDamage.Kind.INCOMPLETE_TAIL)
            {
                if (tail != null)
                {
                    damages.add(tail);
                }
                break;
            }
            // Chronicle stops at a header it cannot follow: read on from there without it.
            salvageFrom(tail.file(), tail.position(), null);
        }
        return total;
    }

    /**
     * Read up to {@code limit} events.
     *
     * @param visitor to call.
     * @param limit   most events to read.
     * @return events read: 0 at the current end, or once damaged.
     * @throws JournalException for a newer schema version, or a queue that flowtap did not write.
     */
    public int poll(final JournalVisitor visitor, final int limit)
    {
        int read = 0;
        while (read < limit)
        {
            if (scanner != null)
            {
                final long before = eventsRead;
                scanVisitor = visitor;
                scanner.scan(1);
                final int events = (int)(eventsRead - before);
                read += events;
                if (events == 0)
                {
                    break;
                }
                continue;
            }
            try
            {
                if (!tailer.next())
                {
                    break;
                }
            }
            catch (final RuntimeException | InternalError ex)
            {
                // Chronicle followed something it could not (a damaged header): read on without it from the end of
                // the last good excerpt, where the scanner judges for itself what follows.
                salvageFrom(lastFileName, lastEnd, null);
                continue;
            }
            try
            {
                final long position = tailer.position();
                final String problem;
                try
                {
                    problem = checkExcerpt();
                }
                catch (final JournalException ex)
                {
                    throw ex;
                }
                catch (final RuntimeException | InternalError ex)
                {
                    salvageFrom(lastFileName, lastEnd, null);
                    continue;
                }
                final int before = (int)eventsRead;
                final String bodyProblem = problem != null ? problem :
                    decode(visitor, tailer.address(), (int)tailer.length());
                read += (int)eventsRead - before;
                if (bodyProblem != null)
                {
                    // The events before the bad one were delivered; reading goes on after it, without Chronicle.
                    salvageFrom(fileName(), position, bodyProblem);
                    continue;
                }
                if (tailer.cycle() != lastCycle)
                {
                    lastCycle = tailer.cycle();
                    lastFileName = fileName();
                }
                lastEnd = tailer.end();
            }
            finally
            {
                tailer.done();
            }
        }
        return read;
    }

    /**
     * The time of the next excerpt, without taking it: its first event's header time, which a merged reader orders
     * the queues' excerpts by.
     *
     * @return the time; {@link #NO_EXCERPT} at the current end; {@link #UNKNOWN_TIME} when it
     *         cannot be told without reading it (the queue is being read without Chronicle after damage, or the
     *         excerpt is not what the schema says): take it now, and {@link #poll} deals with it.
     */
    public long peekTime()
    {
        return scanner != null ? UNKNOWN_TIME : tailer.peekTime();
    }

    /**
     * @return the first damage met (a range skipped, an unfinished tail), or null while every excerpt read was good.
     */
    public JournalDamage damage()
    {
        return damages.isEmpty() ? null : damages.get(0);
    }

    /**
     * @return every damage met so far, in file order: each range skipped, with how many bytes and why, and an
     *         unfinished tail; reading went on after each range.
     */
    public List<JournalDamage> damages()
    {
        return Collections.unmodifiableList(damages);
    }

    /**
     * @return events delivered so far.
     */
    public long eventsRead()
    {
        return eventsRead;
    }

    /**
     * @return the journal's directory.
     */
    public Path directory()
    {
        return directory;
    }

    @Override
    public void close()
    {
        if (scanner != null)
        {
            scanner.close();
        }
        if (tailer != null)
        {
            tailer.close();
        }
    }

    /**
     * Check that the open excerpt lies within its file and starts with a journal header.
     *
     * @return what is wrong with it, or null.
     */
    private String checkExcerpt()
    {
        final String problem = tailer.checkInFile();
        if (problem != null)
        {
            return problem;
        }
        final long length = tailer.length();
        return checkHeader(length >= Short.BYTES ? tailer.address() : 0, length, tailer.index(), eventsRead == 0);
    }

    /**
     * Check that an excerpt starts with a journal header of a schema this code reads, and point the view at it.
     *
     * @param address        of the excerpt.
     * @param length         of the excerpt.
     * @param index          Chronicle's, for messages, or -1.
     * @param mayBeForeign   whether an excerpt without the magic means a queue flowtap did not write.
     * @return what is wrong with it, or null.
     */
    private String checkHeader(final long address, final long length, final long index, final boolean mayBeForeign)
    {
        if (length >= Short.BYTES)
        {
            view.wrap(address, (int)length);
        }
        if (mayBeForeign && (length < Short.BYTES || JournalDescriptor.magic(view) != MAGIC))
        {
            throw new JournalException(JournalException.Kind.FOREIGN, "journal " + directory +
                ": not a flowtap journal (its first excerpt, 0x" + Long.toHexString(index) +
                ", does not start with the journal's magic number)");
        }
        final String problem = ExcerptDecoder.headerProblem(view, 0, (int)length);
        if (problem == null && ExcerptDecoder.version(view, 0) > SCHEMA_VERSION)
        {
            throw ExcerptDecoder.newerSchema("journal " + directory, ExcerptDecoder.version(view, 0),
                index >= 0 ? " (excerpt 0x" + Long.toHexString(index) + ")" : "");
        }
        return problem;
    }

    /**
     * Deliver an excerpt's events through the decoder the file and topic readers share, counting them.
     *
     * @return what is wrong with it, or null.
     */
    private String decode(final JournalVisitor visitor, final long address, final int length)
    {
        final String problem = decoder.decode(visitor, address, length);
        eventsRead += decoder.eventsDelivered();
        return problem;
    }

    /**
     * Go on reading without Chronicle from a document header of a cycle file (a damaged excerpt, or one Chronicle
     * cannot read), after saying why when there is a reason.
     */
    private void salvageFrom(final String file, final long position, final String reason)
    {
        final String name = file != null ? file : lastFileName;
        if (name == null)
        {
            // Damage before anything was read: every file from the first.
            final List<Path> files = JournalFiles.cycleFiles(directory);
            scanner = new DamageScanner(directory, salvage);
            scanner.startAt(files.isEmpty() ? "" : files.get(0).getFileName().toString(), 0);
            return;
        }
        scanner = new DamageScanner(directory, salvage);
        scanner.startAt(name, Math.max(0, position));
        if (reason != null)
        {
            scanner.damagedHere(reason);
        }
    }

    private String fileName()
    {
        final File file = tailer.currentFile();
        return file == null ? lastFileName : file.getName();
    }

    private static String oneLine(final Throwable ex)
    {
        final String message = ex.getMessage();
        final String text = message == null ? ex.getClass().getSimpleName() : message;
        final int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    /**
     * The reader's side of a {@link DamageScanner}: the same header check and decoder as the Chronicle path.
     */
    private final class Salvage implements DamageScanner.Excerpts
    {
        @Override
        public String check(final long address, final int length)
        {
            final String problem = checkHeader(address, length, -1, false);
            return problem != null ? problem : decoder.check(address, length);
        }

        @Override
        public void deliver(final long address, final int length)
        {
            decode(scanVisitor, address, length);
        }

        @Override
        public void damaged(
            final JournalDamage.Kind kind,
            final String file,
            final long position,
            final long end,
            final boolean resumed,
            final String reason)
        {
            damages.add(new JournalDamage(kind, directory, file, -1, position, end, eventsRead,
                resumed ? end - position : Math.max(0, end - position), reason));
        }
    }
}
