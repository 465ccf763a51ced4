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

    @Test
    void shouldReadAFlowEndOfSchemaVersionTwoWithoutTheExtensionBlock(@TempDir final Path temp)
    {
        final String history = "ShAF";
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(temp).build();
            ExcerptAppender appender = queue.createAppender();
            DocumentContext document = appender.writingDocument())
        {
            // A version 2 excerpt as a flowtap before schema 3 wrote it: a flow end whose history ends it, then an
            // event after it, which is read only if the flow end's length is taken as version 2 defines it.
            final Bytes<?> bytes = document.wire().bytes();
            final long start = bytes.writePosition();
            header(bytes, 2, EventType.FLOW_END, 1);
            bytes.writeByte((byte)1);
            bytes.writeByte((byte)JournalDescriptor.FLAG_CONNECTED);
            bytes.writeByte((byte)0b11);
            bytes.writeByte((byte)history.length());
            bytes.writeShort((short)18);
            bytes.writeShort((short)2);
            bytes.writeLong(1000);
            bytes.writeLong(2000);
            for (int i = 0; i < JournalDescriptor.COUNTER_COUNT * 2; i++)
            {
                bytes.writeLong(i);
            }
            bytes.writeByte((byte)4);
            bytes.writeByte((byte)0);
            bytes.writeShort((short)4096);
            bytes.writeShort((short)40000);
            bytes.writeShort((short)80);
            bytes.writeLong(0);
            bytes.writeLong(0x0A000001L);
            bytes.writeLong(0);
            bytes.writeLong(0x0A000002L);
            assertEquals(JournalDescriptor.END_HISTORY_OFFSET, bytes.writePosition() - start);
            for (int i = 0; i < history.length(); i++)
            {
                bytes.writeByte((byte)history.charAt(i));
            }
            header(bytes, 2, EventType.ESTABLISHED, 2);
        }
        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertNull(log.damage(), () -> log.damage().message());
        assertEquals(2, log.events().size());
        final JournalEvent.FlowEnd end = (JournalEvent.FlowEnd)log.events().get(0);
        assertEquals(history, end.history());
        assertEquals(40000, end.key().clientPort());
        assertEquals(19, end.counter(JournalDescriptor.COUNTER_GAP_BYTES, 1));
        assertNull(end.connState(), "no conn_state before schema 3");
        assertEquals(0, end.seqBytes()[0] + end.seqBytes()[1] + end.ackedMissing()[0] + end.ackedMissing()[1]);
        assertEquals(new JournalEvent.Established(0, 5, 2, 99), log.events().get(1));
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
        assertEquals("journal " + queueOf(temp) + ": incomplete excerpt in " + cycleFile(temp).getFileName() +
            " at byte " + (last - 4) + ", after " + (events - 1) + " good events: its header says it was never " +
            "committed (the writer stopped while writing it, or is still writing it)", damage.message());
    }

    @Test
    void shouldSkipADamagedExcerptInTheMiddleAndReadOnSayingWhatWasSkipped(@TempDir final Path root)
        throws IOException
    {
        final Path temp = root.resolve("journal");
        final int events = journalCapture(temp);
        final List<Long> excerpts = dataExcerpts(temp);
        final long bad = excerpts.get(4);
        writeHeader(temp, bad, 0x0BAD_F00D);

        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertEquals(events - 1, log.events().size(), "one excerpt (one event) skipped, every other one read");
        assertEquals(1, log.damages().size(), log.damages()::toString);
        final JournalDamage damage = log.damage();
        assertEquals(JournalDamage.Kind.CORRUPT, damage.kind());
        assertEquals(bad, damage.position());
        assertEquals(excerpts.get(5), damage.end());
        assertEquals(excerpts.get(5) - bad, damage.skipped());
        assertEquals(4, damage.eventsBefore());
        assertEquals("journal " + queueOf(temp) + ": damaged in " + cycleFile(temp).getFileName() + " at bytes " + bad +
            ".." + excerpts.get(5) + " (" + (excerpts.get(5) - bad) + " bytes skipped), after 4 good events: " +
            damage.reason(), damage.message());
    }

    @Test
    void shouldSkipEachOfSeveralDamagedRanges(@TempDir final Path root) throws IOException
    {
        final Path temp = root.resolve("journal");
        final int events = journalCapture(temp);
        final List<Long> excerpts = dataExcerpts(temp);
        try (FileChannel channel = FileChannel.open(cycleFile(temp), StandardOpenOption.WRITE))
        {
            // Garbage over two excerpts' bodies, and zeros over a third's header.
            channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}), excerpts.get(2) + 4);
            channel.write(ByteBuffer.wrap(new byte[] {9, 9, 9, 9}), excerpts.get(6) + 4);
            channel.write(ByteBuffer.wrap(new byte[4]), excerpts.get(9));
        }
        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertEquals(events - 3, log.events().size());
        assertEquals(List.of(excerpts.get(2), excerpts.get(6), excerpts.get(9)),
            log.damages().stream().map(JournalDamage::position).toList());
        assertEquals(List.of(excerpts.get(3), excerpts.get(7), excerpts.get(10)),
            log.damages().stream().map(JournalDamage::end).toList());
    }

    @Test
    void shouldReadACycleFileWhoseStartIsGarbage(@TempDir final Path root) throws IOException
    {
        final Path temp = root.resolve("journal");
        final int events = journalCapture(temp);
        final long first = dataExcerpts(temp).get(0);
        final byte[] garbage = new byte[4096];
        new java.util.Random(14).nextBytes(garbage);
        try (FileChannel channel = FileChannel.open(cycleFile(temp), StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.wrap(garbage), 0);
        }
        final long startNs = System.nanoTime();
        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertTrue(System.nanoTime() - startNs < 5_000_000_000L, "no stall");
        assertEquals(events, log.events().size(), "the header and indexes were garbage, every excerpt is read");
        assertEquals(1, log.damages().size(), log.damages()::toString);
        assertEquals(0, log.damage().position());
        assertEquals(first, log.damage().end());
    }

    @Test
    void shouldReadCycleFilesWithoutAMetadataFileCutShort(@TempDir final Path root) throws IOException
    {
        final Path temp = root.resolve("journal");
        final int events = journalCapture(temp);
        try (FileChannel channel = FileChannel.open(queueOf(temp).resolve("metadata.cq4t"), StandardOpenOption.WRITE))
        {
            channel.truncate(100);
        }
        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertEquals(events, log.events().size());
        assertEquals(1, log.damages().size());
        assertEquals("journal " + queueOf(temp) + ": damaged in metadata.cq4t, after 0 good events: metadata.cq4t is " +
            "damaged: cut short, its header claims 152 bytes and the file has 100; the cycle files were read " +
            "without it", log.damage().message());
    }

    @Test
    void shouldReadCycleFilesBesideAGarbageMetadataFileWithoutStalling(@TempDir final Path root) throws IOException
    {
        final Path temp = root.resolve("journal");
        final int events = journalCapture(temp);
        final byte[] garbage = new byte[128 * 1024];
        new java.util.Random(4).nextBytes(garbage);
        Files.write(queueOf(temp).resolve("metadata.cq4t"), garbage);
        final long startNs = System.nanoTime();
        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertTrue(System.nanoTime() - startNs < 5_000_000_000L, "no stall on Chronicle's lock");
        assertEquals(events, log.events().size());
        assertTrue(log.damage().message().endsWith("metadata.cq4t is damaged: it does not start with Chronicle's " +
            "header; the cycle files were read without it"), log.damage().message());
    }

    @Test
    void shouldSayAnEmptyCycleFileIsDamagedAndReadTheOthers(@TempDir final Path root) throws IOException
    {
        final Path temp = root.resolve("journal");
        final int events = journalCapture(temp);
        // An empty file of an earlier hour, as a crash between creating and sizing it leaves.
        final Path cycle = cycleFile(temp);
        final String name = cycle.getFileName().toString();
        final Path empty = queueOf(temp).resolve("00000000-00" + name.substring(name.length() - 5));
        Files.createFile(empty);
        final long startNs = System.nanoTime();
        final JournalEvent.Log log = JournalReader.readEvents(temp);
        assertTrue(System.nanoTime() - startNs < 5_000_000_000L, "no stall waiting for the empty file's header");
        assertEquals(events, log.events().size());
        assertEquals(1, log.damages().size(), log.damages()::toString);
        assertEquals(empty.getFileName().toString(), log.damage().file());
        assertTrue(log.damage().message().endsWith("an empty cycle file (0 bytes): Chronicle never finished " +
            "making it"), log.damage().message());
    }

    @Test
    void shouldSkipBytesNeverWrittenWithoutReadingTheHole(@TempDir final Path root) throws Exception
    {
        final Path temp = root.resolve("journal");
        final int events = 5000;
        try (ChronicleJournal journal = ChronicleJournal.open(context(temp)))
        {
            final JournalWriter writer = journal.newWriter(0);
            final io.flowtap.reassembly.Flow[] flow = new io.flowtap.reassembly.Flow[1];
            new io.flowtap.reassembly.test.Conversation(new io.flowtap.reassembly.ReassemblyEngine(
                new EngineContext(), new io.flowtap.reassembly.TcpHandler()
                {
                    @Override
                    public void onNewFlow(final io.flowtap.reassembly.Flow newFlow, final long timeNs)
                    {
                        flow[0] = newFlow;
                    }
                }), 1, 2).handshake();
            for (int i = 0; i < events; i++)
            {
                writer.onEstablished(flow[0], i);
            }
        }
        final List<Long> excerpts = dataExcerpts(temp);
        // A page-sized hole from the page after the first excerpt: what a writer that lost pages leaves. Reading a
        // hole of a full tmpfs faults, so the reader must not read it at all.
        final long hole = (excerpts.get(events / 2) + 4095) & ~4095L;
        final Process punch = new ProcessBuilder("fallocate", "--punch-hole", "--keep-size", "--offset",
            Long.toString(hole), "--length", "4096", cycleFile(temp).toString()).redirectErrorStream(true).start();
        final String output = new String(punch.getInputStream().readAllBytes());
        org.junit.jupiter.api.Assumptions.assumeTrue(punch.waitFor() == 0,
            "skipped: fallocate --punch-hole is not available here: " + output);

        final JournalEvent.Log log = JournalReader.readEvents(temp);
        // The excerpts in the hole, and the one running into it, are lost; every other one is read.
        final long lost = excerpts.stream().filter(at -> at + 4 + 24 > hole && at < hole + 4096).count();
        assertEquals(events - lost, log.events().size());
        assertEquals(1, log.damages().size(), log.damages()::toString);
        assertTrue(log.damage().reason().contains("never written (a hole in the file"), log.damage().message());
        assertTrue(log.damage().end() >= hole + 4096, log.damage().message());
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

    /**
     * @return the queue of a journal's one writer (where its damage is, and what messages name), or a journal of one
     *         queue itself.
     */
    private static Path queueOf(final Path directory)
    {
        final List<Path> queues = JournalReader.writerQueues(directory);
        return queues.isEmpty() ? directory : queues.get(0);
    }

    private static Path cycleFile(final Path directory)
    {
        final List<Path> files = CycleRetention.cycleFiles(queueOf(directory)).stream()
            .filter(file -> !file.getFileName().toString().startsWith("00000000")).toList();
        assertEquals(1, files.size(), files.toString());
        return files.get(0);
    }

    /**
     * @return file offsets of the Chronicle headers of the data excerpts, in order, walking Chronicle's framing.
     */
    private static List<Long> dataExcerpts(final Path directory) throws IOException
    {
        final ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(cycleFile(directory)))
            .order(ByteOrder.LITTLE_ENDIAN);
        final List<Long> positions = new java.util.ArrayList<>();
        int at = 0;
        while (at + 4 <= bytes.capacity())
        {
            final int header = bytes.getInt(at);
            if (header == 0)
            {
                break;
            }
            if ((header & 0x4000_0000) == 0)
            {
                positions.add((long)at);
            }
            at = (at + 4 + (header & 0x3FFF_FFFF) + 3) & ~3;
        }
        return positions;
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
