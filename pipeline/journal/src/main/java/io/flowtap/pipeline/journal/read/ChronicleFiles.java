package io.flowtap.pipeline.journal.read;

import io.flowtap.pipeline.journal.JournalDamage;
import io.flowtap.pipeline.journal.JournalFiles;
import net.openhft.chronicle.wire.Wires;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static io.flowtap.pipeline.journal.JournalDescriptor.BYTE_ORDER;

/**
 * Chronicle's framing of a queue's files, read without Chronicle, to tell what Chronicle would not: whether the
 * metadata file and each cycle file start as Chronicle makes them (if not, Chronicle would throw, or wait for a header
 * that never comes, and the queue is read by the {@link DamageScanner}), and what lies past the last excerpt
 * Chronicle delivered (an excerpt never committed, or a header it cannot follow).
 * <p>
 * The framing: every document is a 4-byte little-endian header (length in the low 30 bits, bit 30 metadata, bit 31
 * not complete) and its bytes, the next header aligned to 4 bytes; a file starts with a metadata document whose field
 * is {@code header} (the store). Cold path only: each look opens the file.
 */
final class ChronicleFiles
{
    /** How every Chronicle file (the metadata, a cycle) starts: a metadata document whose field is "header". */
    static final byte[] STORE_HEADER = {(byte)0xB9, 6, 'h', 'e', 'a', 'd', 'e', 'r'};
    private static final int MAX_STORE_HEADER_LENGTH = 1 << 20;

    private ChronicleFiles()
    {
    }

    /**
     * @param position in a file.
     * @return the position of the next document header at or after it: documents are 4-byte aligned.
     */
    static long align(final long position)
    {
        return (position + 3) & ~3L;
    }

    /**
     * @param metadata a queue's metadata file.
     * @return what is wrong with it, or null when it looks as Chronicle made it.
     */
    static String metadataProblem(final Path metadata)
    {
        if (!Files.isRegularFile(metadata))
        {
            return JournalFiles.METADATA_FILE + " is missing";
        }
        try (FileChannel channel = FileChannel.open(metadata, StandardOpenOption.READ))
        {
            final long size = channel.size();
            final ByteBuffer start = ByteBuffer.allocate(Integer.BYTES + STORE_HEADER.length).order(BYTE_ORDER);
            if (size < start.capacity() || channel.read(start, 0) < start.capacity())
            {
                return JournalFiles.METADATA_FILE + " is damaged: " + size + " bytes, too short to be Chronicle's";
            }
            final int header = start.getInt(0);
            final long length = Wires.lengthOf(header);
            if ((header & Wires.META_DATA) == 0 || (header & Wires.NOT_COMPLETE) != 0 ||
                !startsWith(start, Integer.BYTES, STORE_HEADER))
            {
                return JournalFiles.METADATA_FILE + " is damaged: it does not start with Chronicle's header";
            }
            if (length > size - Integer.BYTES)
            {
                return JournalFiles.METADATA_FILE + " is damaged: cut short, its header claims " + length +
                    " bytes and the file has " + size;
            }
            return null;
        }
        catch (final IOException ex)
        {
            return JournalFiles.METADATA_FILE + " cannot be read: " + ex.getMessage();
        }
    }

    /**
     * @param cycle a cycle file.
     * @return whether it starts as Chronicle makes one: a complete store header.
     */
    static boolean startsWithStoreHeader(final Path cycle)
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

    /**
     * Look past the last excerpt Chronicle delivered, in the file it stopped in: Chronicle does not deliver an excerpt
     * whose header says it is not complete, nor one whose length is impossible, and shows neither; this says which it
     * was.
     *
     * @param directory    of the queue, for the damage.
     * @param file         the cycle file Chronicle stopped in, or null.
     * @param from         where to look: the end of the last excerpt read in that file, or 0.
     * @param eventsBefore good events read before it.
     * @return the damage (an {@link JournalDamage.Kind#INCOMPLETE_TAIL}, or a header Chronicle cannot follow), or null
     *         when nothing is wrong there.
     */
    static JournalDamage tailDamage(final Path directory, final File file, final long from, final long eventsBefore)
    {
        if (file == null || !file.isFile())
        {
            return null;
        }
        long position = align(from);
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
                        position, -1, eventsBefore, 0, "its header says it was never committed (the writer stopped " +
                        "while writing it, or is still writing it)");
                }
                final long length = Wires.lengthOf(header);
                final long next = align(position + Integer.BYTES + length);
                if (next > size || (Wires.isData(header) && length > QueueTailer.MAX_EXCERPT_LENGTH))
                {
                    return new JournalDamage(JournalDamage.Kind.CORRUPT, directory, file.getName(), -1, position,
                        -1, eventsBefore, 0, "its header claims " + length + " bytes, more than " +
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
                eventsBefore, 0, "cannot read the file: " + ex);
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
}
