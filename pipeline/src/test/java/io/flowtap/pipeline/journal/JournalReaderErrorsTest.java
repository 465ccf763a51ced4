package io.flowtap.pipeline.journal;

import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.test.Recorder;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a reader says about directories that are not good journals, and how far it reads a damaged one.
 */
class JournalReaderErrorsTest
{
    private static final long BLOCK_SIZE = 8L << 20;

    @Test
    void shouldSayTheDirectoryIsMissing(@TempDir final Path temp)
    {
        final JournalException ex = open(temp.resolve("nowhere"));
        assertEquals(JournalException.Kind.MISSING, ex.kind());
        assertEquals("journal " + temp.resolve("nowhere") + ": no such directory", ex.getMessage());
    }

    @Test
    void shouldSayAFileIsNotADirectory(@TempDir final Path temp) throws IOException
    {
        final Path file = Files.writeString(temp.resolve("file"), "x");
        assertEquals(JournalException.Kind.NOT_A_DIRECTORY, open(file).kind());
    }

    @Test
    void shouldSayTheDirectoryIsEmpty(@TempDir final Path temp)
    {
        final JournalException ex = open(temp);
        assertEquals(JournalException.Kind.EMPTY, ex.kind());
        assertEquals("journal " + temp + ": empty directory, nothing was journaled there", ex.getMessage());
    }

    @Test
    void shouldSayAJournalWithNothingWrittenIsEmpty(@TempDir final Path temp)
    {
        ChronicleJournal.open(context(temp)).close();
        assertEquals(JournalException.Kind.EMPTY, open(temp).kind());
    }

    @Test
    void shouldSayOtherFilesAreNotAJournal(@TempDir final Path temp) throws IOException
    {
        Files.writeString(temp.resolve("notes.txt"), "not a journal");
        final JournalException ex = open(temp);
        assertEquals(JournalException.Kind.FOREIGN, ex.kind());
        assertTrue(ex.getMessage().startsWith("journal " + temp + ": not a journal (no Chronicle Queue files"),
            ex.getMessage());
    }

    @Test
    void shouldSayAnotherChronicleQueueIsNotAFlowtapJournal(@TempDir final Path temp)
    {
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(temp).build();
            ExcerptAppender appender = queue.createAppender())
        {
            appender.writeText("an order book, perhaps");
        }
        final JournalException ex = read(temp);
        assertEquals(JournalException.Kind.FOREIGN, ex.kind());
        assertTrue(ex.getMessage().contains("not a flowtap journal"), ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"));
    }

    @Test
    void shouldStillReadExcerptsOfSchemaVersionOne(@TempDir final Path temp)
    {
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(temp).build();
            ExcerptAppender appender = queue.createAppender())
        {
            for (int flow = 1; flow <= 2; flow++)
            {
                try (DocumentContext document = appender.writingDocument())
                {
                    header(document.wire().bytes(), 1, EventType.ESTABLISHED, flow);
                }
            }
        }
        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertNull(log.damage());
        assertEquals(List.of(new JournalEvent.Established(0, 5, 1, 99), new JournalEvent.Established(0, 5, 2, 99)),
            log.events());
    }

    @Test
    void shouldReadEveryEventOfABatchedExcerptUpToOneWhoseLengthRunsPastIt(@TempDir final Path temp)
    {
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(temp).build();
            ExcerptAppender appender = queue.createAppender();
            DocumentContext document = appender.writingDocument())
        {
            final Bytes<?> bytes = document.wire().bytes();
            header(bytes, JournalDescriptor.SCHEMA_VERSION, EventType.ESTABLISHED, 1);
            header(bytes, JournalDescriptor.SCHEMA_VERSION, EventType.ESTABLISHED, 2);
            header(bytes, JournalDescriptor.SCHEMA_VERSION, EventType.PAYLOAD, 3);
            bytes.writeInt(0);
            bytes.writeInt(1000);
            bytes.writeLong(0);
        }
        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertEquals(List.of(new JournalEvent.Established(0, 5, 1, 99), new JournalEvent.Established(0, 5, 2, 99)),
            log.events());
        assertNotNull(log.damage());
        assertTrue(log.damage().message().contains("an event of type 3 at byte 48 claims 1040 bytes, and the " +
            "excerpt has 40 left"), log.damage().message());
    }

    private static void header(final Bytes<?> bytes, final int version, final int type, final long flowId)
    {
        bytes.writeShort((short)JournalDescriptor.MAGIC);
        bytes.writeByte((byte)version);
        bytes.writeByte((byte)type);
        bytes.writeShort((short)5);
        bytes.writeShort((short)0);
        bytes.writeLong(flowId);
        bytes.writeLong(99);
    }

    @Test
    void shouldRefuseANewerSchemaVersionNamingBoth(@TempDir final Path temp)
    {
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(temp).build();
            ExcerptAppender appender = queue.createAppender();
            DocumentContext document = appender.writingDocument())
        {
            final Bytes<?> bytes = document.wire().bytes();
            bytes.writeShort((short)JournalDescriptor.MAGIC);
            bytes.writeByte((byte)(JournalDescriptor.SCHEMA_VERSION + 1));
            bytes.writeByte((byte)EventType.ESTABLISHED);
            bytes.writeSkip(JournalDescriptor.HEADER_LENGTH - 4);
        }
        final JournalException ex = read(temp);
        assertEquals(JournalException.Kind.NEWER_SCHEMA, ex.kind());
        assertTrue(ex.getMessage().startsWith("journal " + temp + " was written with schema version " +
            (JournalDescriptor.SCHEMA_VERSION + 1) + ", newer than version " + JournalDescriptor.SCHEMA_VERSION +
            ", the newest this flowtap reads"), ex.getMessage());
    }

    @Test
    void shouldReadUpToAnExcerptWhoseBodyIsDamaged(@TempDir final Path root) throws IOException
    {
        final Path temp = root.resolve("journal");
        final int events = journalCapture(temp);
        final long last = lastExcerpt(temp);
        try (FileChannel channel = FileChannel.open(cycleFile(temp), StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.wrap(new byte[] {99}), last + JournalDescriptor.TYPE_OFFSET);
        }
        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertEquals(events - 1, log.events().size());
        final JournalDamage damage = log.damage();
        assertNotNull(damage);
        assertEquals(JournalDamage.Kind.CORRUPT, damage.kind());
        assertEquals(events - 1, damage.eventsBefore());
        assertEquals(cycleFile(temp).getFileName().toString(), damage.file());
        assertTrue(damage.message().contains("unknown event type 99"), damage.message());
    }

    @Test
    void shouldReadUpToATruncatedTail(@TempDir final Path root) throws IOException
    {
        final Path temp = root.resolve("journal");
        final int events = journalCapture(temp);
        final long last = lastExcerpt(temp);
        try (FileChannel channel = FileChannel.open(cycleFile(temp), StandardOpenOption.WRITE))
        {
            channel.truncate(last + JournalDescriptor.HEADER_LENGTH + 8);
        }
        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertEquals(events - 1, log.events().size());
        assertNotNull(log.damage());
        assertEquals(JournalDamage.Kind.CORRUPT, log.damage().kind());
        assertTrue(log.damage().message().contains("run past the end of the file"), log.damage().message());
    }

    @Test
    void shouldReadUpToAHeaderThatClaimsTooMuch(@TempDir final Path root) throws IOException
    {
        final Path temp = root.resolve("journal");
        final int events = journalCapture(temp);
        final long last = lastExcerpt(temp);
        writeHeader(temp, last - 4, 0x3FFF_FFF0);
        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertEquals(events - 1, log.events().size());
        final JournalDamage damage = log.damage();
        assertNotNull(damage);
        assertEquals(JournalDamage.Kind.CORRUPT, damage.kind());
        assertEquals(last - 4, damage.position());
        assertTrue(damage.message().contains("claims"), damage.message());
    }

    @Test
    void shouldReportAnUncommittedLastExcerptAsAnIncompleteTail(@TempDir final Path root) throws IOException
    {
        final Path temp = root.resolve("journal");
        final int events = journalCapture(temp);
        final long last = lastExcerpt(temp);
        final int header = readHeader(temp, last - 4);
        writeHeader(temp, last - 4, header | 0x8000_0000);
        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertEquals(events - 1, log.events().size());
        final JournalDamage damage = log.damage();
        assertNotNull(damage);
        assertEquals(JournalDamage.Kind.INCOMPLETE_TAIL, damage.kind());
        assertEquals(last - 4, damage.position());
        assertEquals("journal " + temp + ": incomplete excerpt in " + cycleFile(temp).getFileName() + " at byte " +
            (last - 4) + ", after " + (events - 1) + " good events: its header says it was never committed (the " +
            "writer stopped while writing it, or is still writing it)", damage.message());
    }

    @Test
    void shouldReadAGoodJournalToItsEndWithoutDamage(@TempDir final Path root)
    {
        final Path temp = root.resolve("journal");
        final int events = journalCapture(temp);
        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertEquals(events, log.events().size());
        assertNull(log.damage());
    }

    private static JournalContext context(final Path directory)
    {
        return new JournalContext().directory(directory).blockSize(BLOCK_SIZE);
    }

    private static int journalCapture(final Path directory)
    {
        try (ChronicleJournal journal = ChronicleJournal.open(context(directory)))
        {
            final JournalWriter writer = journal.newWriter(0);
            final Path capture = JournalFlows.bundled("pcapplusplus__three_http_streams.pcap",
                directory.getParent());
            assertTrue(capture.startsWith(directory.getParent()));
            Recorder.replay(capture, new EngineContext(), writer);
            return (int)writer.eventsWritten();
        }
    }

    private static Path cycleFile(final Path directory)
    {
        final List<Path> files = CycleRetention.cycleFiles(directory);
        assertEquals(1, files.size(), files.toString());
        return files.get(0);
    }

    /**
     * @return file offset of the last excerpt's first byte (Chronicle's 4-byte header is just before it).
     */
    private static long lastExcerpt(final Path directory) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(cycleFile(directory));
        for (int i = bytes.length - 3; i >= 4; i--)
        {
            if (bytes[i] == 'F' && bytes[i + 1] == 'J' && bytes[i + 2] == JournalDescriptor.SCHEMA_VERSION)
            {
                return i;
            }
        }
        throw new AssertionError("no excerpt found");
    }

    private static int readHeader(final Path directory, final long position) throws IOException
    {
        try (FileChannel channel = FileChannel.open(cycleFile(directory), StandardOpenOption.READ))
        {
            final ByteBuffer word = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(word, position);
            return word.getInt(0);
        }
    }

    private static void writeHeader(final Path directory, final long position, final int header) throws IOException
    {
        try (FileChannel channel = FileChannel.open(cycleFile(directory), StandardOpenOption.WRITE))
        {
            final ByteBuffer word = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, header);
            channel.write(word, position);
        }
    }

    private static JournalException open(final Path directory)
    {
        return assertThrows(JournalException.class, () -> JournalReader.open(directory).close());
    }

    private static JournalException read(final Path directory)
    {
        return assertThrows(JournalException.class, () -> JournalReader.readEvents(directory));
    }
}
