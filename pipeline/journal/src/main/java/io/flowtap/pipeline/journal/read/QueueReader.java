package io.flowtap.pipeline.journal;

import io.flowtap.linux.Posix;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.RollingResourcesCache;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import net.openhft.chronicle.wire.Wires;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import static io.flowtap.pipeline.journal.JournalDescriptor.BYTE_ORDER;
import static io.flowtap.pipeline.journal.JournalDescriptor.HEADER_LENGTH;
import static io.flowtap.pipeline.journal.JournalDescriptor.MAGIC;
import static io.flowtap.pipeline.journal.JournalDescriptor.SCHEMA_VERSION;

/**
 * Reads one Chronicle queue of a journal back, event by event, into a {@link JournalVisitor}: payload is handed over
 * in place, a view of the mapped file, so reading copies nothing either. {@link JournalReader} reads a journal's
 * queues (one per writer) through one of these each, merged by time.
 * <p>
 * Every excerpt is checked against the schema before the visitor sees it. A journal of a newer schema version, a
 * directory that is missing, empty or not a journal are {@link JournalException}s with a one-line message.
 * <p>
 * Damage does not end reading. A healthy journal is read through Chronicle's tailer; at the first excerpt that is not
 * what the schema says (or that Chronicle cannot follow, or that lies over bytes never written), the events before
 * it are delivered and a {@link DamageScanner} takes over from there: it skips to the next good excerpt, reports the
 * range skipped and why ({@link #damages()}), and reads on, file after file. A journal whose metadata file or a cycle
 * file's header is damaged, or that has an empty cycle file, is read by the scanner from the start: Chronicle would
 * throw, or wait for a header that never comes. An excerpt a writer had not finished when it died is never delivered
 * (Chronicle keeps uncommitted excerpts from readers): {@link #readAll} ends at the last one committed and then
 * reports the unfinished one as an {@link JournalDamage.Kind#INCOMPLETE_TAIL}.
 * <p>
 * Not thread safe. A journal that is still being written can be read: {@link #poll} returns 0 at its current end and
 * sees later excerpts on a later call.
 */
final class QueueReader implements AutoCloseable
{
    /** {@link #peekTime()}: nothing more to read now. */
    static final long NO_EXCERPT = Long.MAX_VALUE;
    /** {@link #peekTime()}: the next excerpt's time cannot be told without reading it. */
    static final long UNKNOWN_TIME = Long.MIN_VALUE;
    static final String METADATA_FILE = "metadata.cq4t";
    /** Longer than any excerpt a writer makes (the largest payload chunk or attribute, with its header). */
    static final long MAX_EXCERPT_LENGTH = 2L * JournalContext.MAX_PAYLOAD_CHUNK_LIMIT;
    /** How every Chronicle file (the metadata, a cycle) starts: a metadata document whose field is "header". */
    private static final byte[] STORE_HEADER = {(byte)0xB9, 6, 'h', 'e', 'a', 'd', 'e', 'r'};
    private static final int MAX_STORE_HEADER_LENGTH = 1 << 20;

    private final Path directory;
    private final SingleChronicleQueue queue;
    private final ExcerptTailer tailer;
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private final ExcerptDecoder decoder = new ExcerptDecoder();
    private long eventsRead;
    private int lastCycle = Integer.MIN_VALUE;
    private long lastEnd;
    private int sizeCycle = Integer.MIN_VALUE;
    private long fileSize;
    private int dataFd = -1;
    private long dataEnd;
    private final List<JournalDamage> damages = new ArrayList<>();
    private final Salvage salvage = new Salvage();
    private DamageScanner scanner;
    private JournalVisitor scanVisitor;
    private String lastFileName;

    /**
     * A reader that reads every cycle file itself, without Chronicle: for a journal whose metadata or a file's
     * header is damaged.
     */
    private QueueReader(final Path directory, final String firstFile)
    {
        this.directory = directory;
        this.queue = null;
        this.tailer = null;
        scanner = new DamageScanner(directory, salvage);
        scanner.startAt(firstFile, 0);
    }

    private QueueReader(final Path directory, final SingleChronicleQueue queue)
    {
        this.directory = directory;
        this.queue = queue;
        this.tailer = queue.createTailer();
        moveToFirstCycle(tailer, queue, directory);
    }

    /**
     * Start a tailer at the oldest cycle file there is: the queue's own record of its first cycle is stale when files
     * were deleted behind its back (a clean-up job, or retention while no writer had the queue open).
     *
     * @param tailer    to move.
     * @param queue     it reads.
     * @param directory of the queue.
     * @return the cycle it was moved to, or -1 when the queue has no cycle file.
     */
    static int moveToFirstCycle(final ExcerptTailer tailer, final SingleChronicleQueue queue, final Path directory)
    {
        final List<Path> files = CycleRetention.cycleFiles(directory);
        if (files.isEmpty())
        {
            return -1;
        }
        final String suffix = CycleRetention.CYCLE_FILE_SUFFIX;
        final RollingResourcesCache names = new RollingResourcesCache(queue.rollCycle(), queue.epoch(),
            name -> new File(directory.toFile(), name + suffix),
            file -> file.getName().substring(0, file.getName().length() - suffix.length()));
        final String first = files.get(0).getFileName().toString();
        final int cycle = names.parseCount(first.substring(0, first.length() - suffix.length()));
        tailer.moveToCycle(cycle);
        return cycle;
    }

    /**
     * Open a journal for reading, from its first excerpt still kept.
     *
     * @param directory of the journal.
     * @return the reader.
     * @throws JournalException when the directory is missing, empty, or not a journal.
     */
    static QueueReader open(final Path directory)
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
        final List<Path> cycles = CycleRetention.cycleFiles(directory);
        final boolean metadata = Files.isRegularFile(directory.resolve(METADATA_FILE));
        if (cycles.isEmpty() && !metadata)
        {
            throw new JournalException(JournalException.Kind.FOREIGN, "journal " + directory +
                ": not a journal (no Chronicle Queue files: *" + CycleRetention.CYCLE_FILE_SUFFIX + ", " +
                METADATA_FILE + ")");
        }
        if (cycles.isEmpty())
        {
            throw new JournalException(JournalException.Kind.EMPTY, "journal " + directory +
                ": no cycle files, nothing was journaled (or retention deleted it all)");
        }
        final String firstFile = cycles.get(0).getFileName().toString();
        final String metadataProblem = metadataProblem(directory.resolve(METADATA_FILE));
        boolean healthy = metadataProblem == null;
        for (final Path cycle : cycles)
        {
            healthy &= startsWithStoreHeader(cycle);
        }
        if (!healthy)
        {
            // Chronicle would stall on such a journal, or throw: read it without Chronicle, resynchronising.
            final QueueReader reader = new QueueReader(directory, firstFile);
            if (metadataProblem != null)
            {
                reader.damages.add(0, new JournalDamage(JournalDamage.Kind.CORRUPT, directory, METADATA_FILE, -1, -1,
                    -1, 0, 0, metadataProblem + "; the cycle files were read without it"));
            }
            return reader;
        }
        final SingleChronicleQueue queue;
        try
        {
            queue = SingleChronicleQueueBuilder.binary(directory).readOnly(true).build();
            // The listing of cycles kept with the queue may predate files deleted by retention.
            queue.refreshDirectoryListing();
        }
        catch (final RuntimeException ex)
        {
            final QueueReader reader = new QueueReader(directory, firstFile);
            reader.damages.add(new JournalDamage(JournalDamage.Kind.CORRUPT, directory, METADATA_FILE, -1, -1, -1, 0,
                0, "Chronicle cannot open the queue (" + oneLine(ex) + "); the cycle files were read without it"));
            return reader;
        }
        try
        {
            return new QueueReader(directory, queue);
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
            final JournalDamage tail = checkTail();
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
            final DocumentContext document;
            try
            {
                document = tailer.readingDocument();
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
                if (!document.isPresent())
                {
                    break;
                }
                final long index = document.index();
                final Bytes<?> bytes = document.wire().bytes();
                final long position = bytes.readPosition() - Integer.BYTES;
                final String problem;
                try
                {
                    problem = open(bytes, index);
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
                    decode(visitor, bytes.addressForRead(bytes.readPosition()), (int)bytes.readRemaining());
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
                lastEnd = bytes.readLimit();
            }
            finally
            {
                document.close();
            }
        }
        return read;
    }

    /**
     * The time of the next excerpt, without taking it: its first event's header time, which a merged reader orders
     * the queues' excerpts by.
     *
     * @return the time; {@link #NO_EXCERPT} at the current end; {@link #UNKNOWN_TIME} when it cannot be told without
     *         reading it (the queue is being read without Chronicle after damage, or the excerpt is not what the
     *         schema says): take it now, and {@link #poll} deals with it.
     */
    long peekTime()
    {
        if (scanner != null)
        {
            return UNKNOWN_TIME;
        }
        try (DocumentContext document = tailer.readingDocument())
        {
            if (!document.isPresent())
            {
                return NO_EXCERPT;
            }
            document.rollbackOnClose();
            final Bytes<?> bytes = document.wire().bytes();
            if (bytes.readRemaining() < JournalDescriptor.HEADER_LENGTH)
            {
                return UNKNOWN_TIME;
            }
            return bytes.readLong(bytes.readPosition() + JournalDescriptor.TIME_OFFSET);
        }
        catch (final RuntimeException | InternalError ex)
        {
            return UNKNOWN_TIME;
        }
    }

    /**
     * Check that an excerpt lies within its file and starts with a journal header, and point the view at it.
     *
     * @return what is wrong with it, or null.
     */
    private String open(final Bytes<?> bytes, final long index)
    {
        final long length = bytes.readRemaining();
        final long end = bytes.readLimit();
        final int cycle = tailer.cycle();
        if (cycle != sizeCycle || end > fileSize)
        {
            // Files only grow while written, so the size is looked up again only when an excerpt passes it.
            final File file = currentFile();
            fileSize = file == null ? Long.MAX_VALUE : file.length();
            if (cycle != sizeCycle)
            {
                closeDataFd();
                dataFd = file == null ? -1 : Math.max(-1, Posix.open(file.getPath(), Posix.O_RDONLY));
                dataEnd = 0;
            }
            sizeCycle = cycle;
        }
        if (length > MAX_EXCERPT_LENGTH)
        {
            return "its header claims " + length + " bytes, more than any journal excerpt has";
        }
        if (end > fileSize)
        {
            return "the excerpt's " + length + " bytes run past the end of the file, at byte " + fileSize +
                " (truncated)";
        }
        if (end > dataEnd && dataFd >= 0)
        {
            // A committed excerpt over a hole is what a writer that lost pages leaves (a full tmpfs); reading the
            // hole there would fault, so it is damage. Looked up once per extent, not per excerpt.
            final long start = end - length - Integer.BYTES;
            final long hole = Posix.seek(dataFd, start, Posix.SEEK_HOLE);
            if (hole >= 0 && hole < end)
            {
                return "bytes " + hole + ".." + end + " of the excerpt were never written (a hole in the file: its " +
                    "writer lost them)";
            }
            dataEnd = hole < 0 ? Long.MAX_VALUE : hole;
        }
        return checkHeader(length >= Short.BYTES ? bytes.addressForRead(bytes.readPosition()) : 0, length, index,
            eventsRead == 0);
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
        if (length < Short.BYTES || JournalDescriptor.magic(view) != MAGIC)
        {
            if (mayBeForeign)
            {
                throw new JournalException(JournalException.Kind.FOREIGN, "journal " + directory +
                    ": not a flowtap journal (its first excerpt, 0x" + Long.toHexString(index) +
                    ", does not start with the journal's magic number)");
            }
            return length < Short.BYTES ? "excerpt of " + length + " bytes" :
                "bad magic number 0x" + Integer.toHexString(JournalDescriptor.magic(view));
        }
        if (length < HEADER_LENGTH)
        {
            return "excerpt of " + length + " bytes is shorter than the " + HEADER_LENGTH + "-byte header";
        }
        final int version = JournalDescriptor.version(view);
        if (version > SCHEMA_VERSION)
        {
            throw new JournalException(JournalException.Kind.NEWER_SCHEMA, "journal " + directory +
                " was written with schema version " + version + ", newer than version " + SCHEMA_VERSION +
                ", the newest this flowtap reads" + (index >= 0 ? " (excerpt 0x" + Long.toHexString(index) + ")" : "") +
                ": upgrade flowtap");
        }
        if (version < 1)
        {
            return "schema version 0";
        }
        return null;
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

    @Override
    public void close()
    {
        if (scanner != null)
        {
            scanner.close();
        }
        closeDataFd();
        if (tailer != null)
        {
            tailer.close();
            queue.close();
        }
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
            final List<Path> files = CycleRetention.cycleFiles(directory);
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

    private void closeDataFd()
    {
        if (dataFd >= 0)
        {
            Posix.close(dataFd);
            dataFd = -1;
        }
    }

    private String fileName()
    {
        final File file = currentFile();
        return file == null ? lastFileName : file.getName();
    }

    /**
     * @return what is wrong with a journal's metadata file, or null when it looks as Chronicle made it.
     */
    private static String metadataProblem(final Path metadata)
    {
        if (!Files.isRegularFile(metadata))
        {
            return METADATA_FILE + " is missing";
        }
        try (FileChannel channel = FileChannel.open(metadata, StandardOpenOption.READ))
        {
            final long size = channel.size();
            final ByteBuffer start = ByteBuffer.allocate(Integer.BYTES + STORE_HEADER.length).order(BYTE_ORDER);
            if (size < start.capacity() || channel.read(start, 0) < start.capacity())
            {
                return METADATA_FILE + " is damaged: " + size + " bytes, too short to be Chronicle's";
            }
            final int header = start.getInt(0);
            final long length = Wires.lengthOf(header);
            if ((header & Wires.META_DATA) == 0 || (header & Wires.NOT_COMPLETE) != 0 ||
                !startsWith(start, Integer.BYTES, STORE_HEADER))
            {
                return METADATA_FILE + " is damaged: it does not start with Chronicle's header";
            }
            if (length > size - Integer.BYTES)
            {
                return METADATA_FILE + " is damaged: cut short, its header claims " + length + " bytes and the file " +
                    "has " + size;
            }
            return null;
        }
        catch (final IOException ex)
        {
            return METADATA_FILE + " cannot be read: " + ex.getMessage();
        }
    }

    /**
     * @return whether a cycle file starts as Chronicle makes one: a complete store header.
     */
    private static boolean startsWithStoreHeader(final Path cycle)
    {
        try (FileChannel channel = FileChannel.open(cycle, StandardOpenOption.READ))
        {
            final ByteBuffer start = ByteBuffer.allocate(Integer.BYTES + STORE_HEADER.length).order(BYTE_ORDER);
            if (channel.size() < start.capacity() || channel.read(start, 0) < start.capacity())
            {
                return false;
            }
            final int header = start.getInt(0);
            return (header & Wires.META_DATA) != 0 && (header & Wires.NOT_COMPLETE) == 0 &&
                Wires.lengthOf(header) <= MAX_STORE_HEADER_LENGTH && startsWith(start, Integer.BYTES, STORE_HEADER);
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static boolean startsWith(final ByteBuffer buffer, final int offset, final byte[] prefix)
    {
        for (int i = 0; i < prefix.length; i++)
        {
            if (buffer.get(offset + i) != prefix[i])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * The reader's side of a {@link DamageScanner}.
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

    private File currentFile()
    {
        try
        {
            return tailer.currentFile();
        }
        catch (final RuntimeException ex)
        {
            // Where exactly is a nicety; the index says it too.
            return null;
        }
    }

    /**
     * Look past the last excerpt read, in the file Chronicle stopped in: Chronicle does not deliver an excerpt whose
     * header says it is not complete, nor one whose length is impossible, and shows neither; this says which it was.
     */
    private JournalDamage checkTail()
    {
        final File file = currentFile();
        if (file == null || !file.isFile())
        {
            return null;
        }
        long position = tailer.cycle() == lastCycle ? align(lastEnd) : 0;
        try (FileChannel channel = FileChannel.open(file.toPath(), StandardOpenOption.READ))
        {
            final ByteBuffer word = ByteBuffer.allocate(Integer.BYTES).order(BYTE_ORDER);
            final long size = channel.size();
            while (position + Integer.BYTES <= size)
            {
                word.clear();
                if (channel.read(word, position) < Integer.BYTES)
                {
                    return null;
                }
                final int header = word.getInt(0);
                if (header == Wires.NOT_INITIALIZED || header == Wires.END_OF_DATA)
                {
                    return null;
                }
                if ((header & Wires.NOT_COMPLETE) != 0)
                {
                    return new JournalDamage(JournalDamage.Kind.INCOMPLETE_TAIL, directory, file.getName(), -1,
                        position, -1, eventsRead, 0, "its header says it was never committed (the writer stopped " +
                        "while writing it, or is still writing it)");
                }
                final long length = Wires.lengthOf(header);
                final long next = align(position + Integer.BYTES + length);
                if (next > size || (Wires.isData(header) && length > MAX_EXCERPT_LENGTH))
                {
                    return new JournalDamage(JournalDamage.Kind.CORRUPT, directory, file.getName(), -1, position,
                        -1, eventsRead, 0, "its header claims " + length + " bytes, more than " +
                        (next > size ? "the file holds" : "any journal excerpt has"));
                }
                if (Wires.isData(header))
                {
                    // A complete excerpt that arrived after the last poll: not damage, the next poll reads it.
                    return null;
                }
                position = next;
            }
            return null;
        }
        catch (final IOException ex)
        {
            return new JournalDamage(JournalDamage.Kind.CORRUPT, directory, file.getName(), -1, position, -1,
                eventsRead, 0, "cannot read the file: " + ex);
        }
    }

    private static long align(final long position)
    {
        return (position + 3) & ~3L;
    }

    private static String oneLine(final Throwable ex)
    {
        final String message = ex.getMessage();
        final String text = message == null ? ex.getClass().getSimpleName() : message;
        final int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
