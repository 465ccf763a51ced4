package io.flowtap.pipeline.journal.read;

import io.flowtap.linux.Posix;
import io.flowtap.pipeline.journal.JournalDamage;
import io.flowtap.pipeline.journal.JournalDescriptor;
import io.flowtap.pipeline.journal.JournalException;
import io.flowtap.pipeline.journal.JournalFiles;
import net.openhft.chronicle.wire.Wires;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads cycle files on its own, Chronicle's framing and all, where Chronicle cannot: from a damaged excerpt on, or
 * from the start when a file's header or the queue's metadata is damaged. It resynchronises as a pcap tool does after
 * a bad record: from the damage it looks, 4 bytes at a time, for the next complete excerpt whose header and events
 * are all what the schema says, reports the range it skipped (and why), and goes on reading from there. A cycle file
 * that ends in damage is reported to the end of its data, and the next file is read.
 * <p>
 * Chronicle's framing: every document is a 4-byte little-endian header (length in the low 30 bits, bit 30 metadata,
 * bit 31 not complete) and its bytes, the next header aligned to 4 bytes; a file starts with a metadata document (the
 * store), Chronicle's index arrays are metadata documents too, a zero header is the end of what was written, and
 * {@code END_OF_DATA} ends a file that rolled. The scanner reads through read-only mappings of at most
 * {@link #WINDOW_BYTES} at a time, and never reads a hole of a sparse file (a tmpfs that is full raises SIGBUS even
 * for reading one): {@code lseek(SEEK_HOLE/SEEK_DATA)} says where the data is.
 * <p>
 * Not thread safe: owned by its reader.
 */
final class DamageScanner implements AutoCloseable
{
    /** Largest mapping at a time. */
    static final long WINDOW_BYTES = 256L << 20;
    /** A cycle file this recent that is still empty may be one a writer is making: not damage yet. */
    private static final long NEW_FILE_GRACE_MS = TimeUnit.SECONDS.toMillis(2);

    /**
     * The reader's side: checking an excerpt against the schema, delivering its events, and hearing of damage.
     */
    interface Excerpts
    {
        /**
         * @param address of the excerpt's first byte (after Chronicle's header).
         * @param length  of the excerpt.
         * @return null when it is a whole, good excerpt; else what is wrong. Delivers nothing.
         */
        String check(long address, int length);

        /**
         * Deliver a checked excerpt's events.
         *
         * @param address of the excerpt's first byte.
         * @param length  of the excerpt.
         */
        void deliver(long address, int length);

        /**
         * A range of a file was skipped.
         *
         * @param kind     corrupt, or an unfinished tail.
         * @param file     the cycle file's name.
         * @param position of the first byte skipped.
         * @param end      of the range, exclusive: where reading went on, or the end of the file's data.
         * @param resumed  whether a good excerpt followed in the same file.
         * @param reason   why.
         */
        void damaged(JournalDamage.Kind kind, String file, long position, long end, boolean resumed, String reason);
    }

    /** Binary wire's code for a field name of up to 31 bytes, as every Chronicle metadata document starts. */
    private static final int WIRE_FIELD_NAME = 0xB9;

    private static final int STEP_DELIVERED = 0;
    private static final int STEP_SKIPPED = 1;
    private static final int STEP_END_OF_FILE = 2;
    private static final int STEP_WAIT = 3;

    private final Path directory;
    private final Excerpts excerpts;
    private final UnsafeBuffer window = new UnsafeBuffer(0, 0);
    private String fileName;
    private Path filePath;
    private int fileIndex;
    private long position;
    private FileChannel channel;
    private int fd = -1;
    private long size;
    private MappedByteBuffer mapped;
    private long windowStart;
    private long windowEnd;
    private long dataStart;
    private long dataEnd = -1;
    private boolean tailReported;

    /**
     * @param directory of the journal.
     * @param excerpts  the reader's side.
     */
    DamageScanner(final Path directory, final Excerpts excerpts)
    {
        this.directory = directory;
        this.excerpts = excerpts;
    }

    /**
     * Start (or go on) in a cycle file at a byte position: the header of the first document to read.
     *
     * @param file     name of the cycle file.
     * @param position of a document header in it, 4-byte aligned; 0 for the file's start.
     */
    void startAt(final String file, final long position)
    {
        final List<Path> files = JournalFiles.cycleFiles(directory);
        int index = 0;
        while (index < files.size() && files.get(index).getFileName().toString().compareTo(file) < 0)
        {
            index++;
        }
        fileIndex = index;
        openFile(index < files.size() && files.get(index).getFileName().toString().equals(file) ?
            files.get(index) : null, ChronicleFiles.align(position));
    }

    /**
     * The document at the start position is damaged (the reader found so): say why, and resynchronise after it.
     *
     * @param reason what is wrong with it.
     */
    void damagedHere(final String reason)
    {
        if (channel == null)
        {
            return;
        }
        if (damagedAt(position, reason) == STEP_END_OF_FILE)
        {
            closeFile();
            fileIndex++;
        }
    }

    /**
     * Read up to {@code limit} excerpts onwards.
     *
     * @param limit most excerpts to deliver.
     * @return excerpts delivered: 0 at the end of what is written so far.
     */
    int scan(final int limit)
    {
        int delivered = 0;
        while (delivered < limit)
        {
            if (channel == null && !nextFile())
            {
                break;
            }
            final int step = step();
            if (step == STEP_DELIVERED)
            {
                delivered++;
            }
            else if (step == STEP_END_OF_FILE)
            {
                closeFile();
                fileIndex++;
            }
            else if (step == STEP_WAIT)
            {
                break;
            }
        }
        return delivered;
    }

    /**
     * At the end of reading: an empty or unfinished last file that a writer is not making any more is damage.
     */
    void finish()
    {
        if (channel == null || tailReported)
        {
            return;
        }
        refreshSize();
        if (size == 0 && !isRecent())
        {
            tailReported = true;
            excerpts.damaged(JournalDamage.Kind.CORRUPT, fileName, 0, 0, false,
                "an empty cycle file (0 bytes): Chronicle never finished making it");
        }
    }

    @Override
    public void close()
    {
        closeFile();
    }

    private boolean nextFile()
    {
        final List<Path> files = JournalFiles.cycleFiles(directory);
        if (fileIndex >= files.size())
        {
            return false;
        }
        openFile(files.get(fileIndex), 0);
        return channel != null;
    }

    private void openFile(final Path path, final long start)
    {
        closeFile();
        position = start;
        tailReported = false;
        if (path == null)
        {
            return;
        }
        filePath = path;
        fileName = path.getFileName().toString();
        try
        {
            channel = FileChannel.open(path, StandardOpenOption.READ);
            final int opened = Posix.open(path.toString(), Posix.O_RDONLY);
            fd = opened >= 0 ? opened : -1;
            size = channel.size();
            dataEnd = -1;
            if (size == 0 && fileIndex < JournalFiles.cycleFiles(directory).size() - 1)
            {
                tailReported = true;
                excerpts.damaged(JournalDamage.Kind.CORRUPT, fileName, 0, 0, false,
                    "an empty cycle file (0 bytes): Chronicle never finished making it");
            }
        }
        catch (final IOException ex)
        {
            excerpts.damaged(JournalDamage.Kind.CORRUPT, fileName, start, start, false, "cannot read it: " + ex);
            closeFile();
            fileIndex++;
        }
    }

    private boolean isLastFile()
    {
        return fileIndex >= JournalFiles.cycleFiles(directory).size() - 1;
    }

    private int step()
    {
        if (position + Integer.BYTES > size)
        {
            refreshSize();
            if (position + Integer.BYTES > size)
            {
                return endOfData(position);
            }
        }
        if (!isData(position, Integer.BYTES))
        {
            return fromHole(position);
        }
        final int header = word(position);
        if (header == Wires.NOT_INITIALIZED)
        {
            return endOrDamage(position, "zeros where a document header should be");
        }
        if (header == Wires.END_OF_DATA)
        {
            return STEP_END_OF_FILE;
        }
        final long length = Wires.lengthOf(header);
        final long next = ChronicleFiles.align(position + Integer.BYTES + length);
        if ((header & Wires.NOT_COMPLETE) != 0)
        {
            final long resume = resync(position + Integer.BYTES);
            if (resume < 0)
            {
                if (isLastFile())
                {
                    // The writer may be writing it now, or died writing it: report it once, at the end.
                    if (!tailReported && !isRecent())
                    {
                        tailReported = true;
                        excerpts.damaged(JournalDamage.Kind.INCOMPLETE_TAIL, fileName, position, size, false,
                            "its header says it was never committed (the writer stopped while writing it, or is " +
                            "still writing it)");
                    }
                    return STEP_WAIT;
                }
                return skipToEnd(position, "an excerpt that was never committed, and nothing good after it");
            }
            return skipTo(position, resume, "an excerpt that was never committed");
        }
        if (next > size)
        {
            return damagedAt(position, "its header claims " + length + " bytes, more than the file holds");
        }
        if ((header & Wires.META_DATA) != 0)
        {
            // Chronicle's own: the store header, index arrays, padding. Each is a wire document that starts with a
            // field name (0xB9 and its length), or zeros for padding; the store's field is "header". An index array
            // is mostly zeros Chronicle never touches: where blocks were not preallocated those are holes, which is
            // no damage, so only its first byte must be data.
            final int first = length == 0 || !isData(position, Integer.BYTES + 1) ? 0 :
                window.getByte((int)(address(position + Integer.BYTES, 1) - window.addressOffset())) & 0xFF;
            if ((first != WIRE_FIELD_NAME && first != 0) || (position == 0 && !isStoreHeader(length)))
            {
                return damagedAt(position, "not a Chronicle document where one should start");
            }
            position = next;
            return STEP_SKIPPED;
        }
        if (length > QueueTailer.MAX_EXCERPT_LENGTH || length < JournalDescriptor.HEADER_LENGTH)
        {
            return damagedAt(position, "its header claims " + length + " bytes, which no journal excerpt has");
        }
        if (!isData(position, Integer.BYTES + (int)length))
        {
            return damagedAt(position, "its header claims " + length + " bytes, more than the file holds");
        }
        final long address = address(position + Integer.BYTES, (int)length);
        final String problem = excerpts.check(address, (int)length);
        if (problem != null)
        {
            return damagedAt(position, problem);
        }
        excerpts.deliver(address, (int)length);
        position = next;
        return STEP_DELIVERED;
    }

    private int damagedAt(final long at, final String reason)
    {
        final long resume = resync(at + Integer.BYTES);
        return resume < 0 ? skipToEnd(at, reason) : skipTo(at, resume, reason);
    }

    private int skipTo(final long from, final long resume, final String reason)
    {
        excerpts.damaged(JournalDamage.Kind.CORRUPT, fileName, from, resume, true, reason);
        position = resume;
        return STEP_SKIPPED;
    }

    private int skipToEnd(final long from, final String reason)
    {
        final long end = endOfWritten(from);
        excerpts.damaged(JournalDamage.Kind.CORRUPT, fileName, from, end, false, reason);
        return STEP_END_OF_FILE;
    }

    /**
     * At a zero header: the end of what was written, unless a good excerpt follows (zeros written over data).
     */
    private int endOrDamage(final long at, final String reason)
    {
        final long resume = resync(at + Integer.BYTES);
        if (resume >= 0)
        {
            return skipTo(at, resume, reason);
        }
        return endOfData(at);
    }

    private int endOfData(final long at)
    {
        position = at;
        if (isLastFile())
        {
            return STEP_WAIT;
        }
        // A file that never got its end-of-data mark (its writer died), followed by a newer file: read on there.
        return STEP_END_OF_FILE;
    }

    private int fromHole(final long at)
    {
        final long data = fd < 0 ? -1 : Posix.seek(fd, at, Posix.SEEK_DATA);
        if (data < 0 || data >= size)
        {
            return endOfData(at);
        }
        final long resume = resync(data);
        if (resume < 0)
        {
            return endOfData(at);
        }
        return skipTo(at, resume, "bytes never written (a hole in the file)");
    }

    /**
     * @return the position of the first good, complete excerpt's header at or after {@code from}, or -1.
     */
    private long resync(final long from)
    {
        long at = ChronicleFiles.align(from);
        while (at + Integer.BYTES + JournalDescriptor.HEADER_LENGTH <= size)
        {
            if (!isData(at, Integer.BYTES))
            {
                final long data = fd < 0 ? -1 : Posix.seek(fd, at, Posix.SEEK_DATA);
                if (data < 0 || data >= size)
                {
                    return -1;
                }
                at = ChronicleFiles.align(data);
                continue;
            }
            final int header = word(at);
            final long length = header & Wires.LENGTH_MASK;
            if ((header & (Wires.NOT_COMPLETE | Wires.META_DATA)) == 0 && length >= JournalDescriptor.HEADER_LENGTH &&
                length <= QueueTailer.MAX_EXCERPT_LENGTH && at + Integer.BYTES + length <= size &&
                isData(at, Integer.BYTES + (int)length))
            {
                final long address = address(at + Integer.BYTES, (int)length);
                final int magic = window.getShort((int)(at + Integer.BYTES - windowStart)) & 0xFFFF;
                if (magic == JournalDescriptor.MAGIC && excerpts.check(address, (int)length) == null)
                {
                    return at;
                }
            }
            at += Integer.BYTES;
        }
        return -1;
    }

    /**
     * @return where the data written in the file ends at or after {@code from}: its size, or the start of the
     *         sparse tail a Chronicle file has past what was written.
     */
    private long endOfWritten(final long from)
    {
        if (fd < 0)
        {
            return size;
        }
        final long hole = Posix.seek(fd, from, Posix.SEEK_HOLE);
        return hole < 0 ? size : Math.min(hole, size);
    }

    private boolean isData(final long at, final int length)
    {
        if (fd < 0)
        {
            return true;
        }
        if (dataEnd < 0 || at < dataStart || at + length > dataEnd)
        {
            final long hole = Posix.seek(fd, at, Posix.SEEK_HOLE);
            if (hole < 0)
            {
                // No hole information (or past the end): read it as data.
                return true;
            }
            final long data = Posix.seek(fd, at, Posix.SEEK_DATA);
            if (data != at)
            {
                return false;
            }
            dataStart = at;
            dataEnd = hole;
        }
        return at + length <= dataEnd;
    }

    private boolean isStoreHeader(final long length)
    {
        if (length < ChronicleFiles.STORE_HEADER.length)
        {
            return false;
        }
        final long address = address(Integer.BYTES, ChronicleFiles.STORE_HEADER.length);
        for (int i = 0; i < ChronicleFiles.STORE_HEADER.length; i++)
        {
            if (window.getByte((int)(address - window.addressOffset()) + i) != ChronicleFiles.STORE_HEADER[i])
            {
                return false;
            }
        }
        return true;
    }

    private int word(final long at)
    {
        return window.getIntVolatile((int)(address(at, Integer.BYTES) - window.addressOffset()));
    }

    /**
     * Map the range when it is not in the current window.
     *
     * @return its address.
     */
    private long address(final long at, final int length)
    {
        if (at < windowStart || at + length > windowEnd)
        {
            final long start = at & ~4095L;
            final long mapLength = Math.min(Math.max(WINDOW_BYTES, at + length - start), size - start);
            if (mapped != null)
            {
                window.wrap(0, 0);
                IoUtil.unmap(mapped);
                mapped = null;
            }
            try
            {
                mapped = channel.map(FileChannel.MapMode.READ_ONLY, start, mapLength);
            }
            catch (final IOException ex)
            {
                throw new JournalException(JournalException.Kind.IO, "journal " + directory + ": cannot map " +
                    fileName + " at byte " + start + ": " + ex, ex);
            }
            window.wrap(mapped);
            windowStart = start;
            windowEnd = start + mapLength;
        }
        return window.addressOffset() + (at - windowStart);
    }

    private void refreshSize()
    {
        try
        {
            final long now = channel.size();
            if (now != size)
            {
                size = now;
                dataEnd = -1;
            }
        }
        catch (final IOException ex)
        {
            // The size stays as it was.
        }
    }

    private boolean isRecent()
    {
        try
        {
            final FileTime modified = Files.getLastModifiedTime(filePath);
            return System.currentTimeMillis() - modified.toMillis() < NEW_FILE_GRACE_MS;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private void closeFile()
    {
        if (mapped != null)
        {
            window.wrap(0, 0);
            IoUtil.unmap(mapped);
            mapped = null;
        }
        windowStart = 0;
        windowEnd = 0;
        if (fd >= 0)
        {
            Posix.close(fd);
            fd = -1;
        }
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ex)
            {
                // Read only: nothing to lose.
            }
            channel = null;
        }
    }
}
