package io.flowtap.pipeline.journal;

import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.test.Conversation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rolling and retention, on a clock the test moves: one file per second of it, and only the newest N kept.
 */
class JournalRetentionTest
{
    private static final long START_MS = 1_750_000_000_000L;
    private static final int CYCLES = 10;
    private static final int RETAIN = 3;

    private volatile long nowMs = START_MS;

    @Test
    void shouldRollEachCycleAndKeepOnlyTheNewest(@TempDir final Path temp) throws InterruptedException
    {
        final Path directory = temp.resolve("journal");
        try (ChronicleJournal journal = ChronicleJournal.open(new JournalContext().directory(directory)
            .rollCycle(JournalRollCycle.SECONDLY).retainCycles(RETAIN).epochClock(() -> nowMs)))
        {
            final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext(), journal.newWriter(0));
            for (int cycle = 0; cycle < CYCLES; cycle++)
            {
                nowMs = START_MS + cycle * 1000L;
                final Conversation conversation = new Conversation(engine, 1000 + cycle, 2000, 40000 + cycle, 80);
                conversation.handshake().toServer(0, "cycle " + cycle).serverAcks(("cycle " + cycle).length());
                awaitAtMost(directory, RETAIN);
            }
            engine.shutdown();
            awaitAtMost(directory, RETAIN);
            assertEquals(RETAIN, CycleRetention.cycleFiles(firstQueue(directory)).size(), "cycle files kept");
            // The sweep counts a file after deleting it, on Chronicle's thread: the count may trail the listing.
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (journal.filesDeleted() < CYCLES - RETAIN && System.nanoTime() < deadlineNs)
            {
                Thread.sleep(5);
            }
            assertTrue(journal.filesDeleted() >= CYCLES - RETAIN, "deleted " + journal.filesDeleted());
        }

        final JournalEvent.Log log = JournalReader.readEvents(directory);
        assertNull(log.damage());
        final List<JournalEvent> events = log.events();
        // Flows are numbered from 1, one per cycle; every flow ended at shutdown, in the last cycle.
        final List<Long> started = events.stream().filter(e -> e instanceof JournalEvent.FlowStart)
            .map(JournalEvent::flowId).collect(Collectors.toList());
        assertEquals(List.of((long)CYCLES - 2, (long)CYCLES - 1, (long)CYCLES), started, "flows of the kept cycles");
        assertEquals(CYCLES, events.stream().filter(e -> e instanceof JournalEvent.FlowEnd).count());
        final long payloads = events.stream()
            .filter(e -> e instanceof JournalEvent.Payload && ((JournalEvent.Payload)e).data().length > 0).count();
        assertEquals(RETAIN, payloads, () -> "one payload per cycle kept: " + events);
    }

    @Test
    void shouldApplyRetentionWhenOpened(@TempDir final Path temp)
    {
        final Path directory = temp.resolve("journal");
        try (ChronicleJournal journal = ChronicleJournal.open(new JournalContext().directory(directory)
            .rollCycle(JournalRollCycle.SECONDLY).epochClock(() -> nowMs)))
        {
            final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext(), journal.newWriter(0));
            for (int cycle = 0; cycle < 5; cycle++)
            {
                nowMs = START_MS + cycle * 1000L;
                new Conversation(engine, 1000 + cycle, 2000, 40000 + cycle, 80).handshake();
            }
        }
        assertEquals(5, CycleRetention.cycleFiles(firstQueue(directory)).size());
        try (ChronicleJournal journal = ChronicleJournal.open(new JournalContext().directory(directory)
            .rollCycle(JournalRollCycle.SECONDLY).retainCycles(2).epochClock(() -> nowMs)))
        {
            assertEquals(2, CycleRetention.cycleFiles(firstQueue(directory)).size());
            assertEquals(3, journal.filesDeleted());
        }
        final JournalEvent.Log log = JournalReader.readEvents(directory);
        assertNull(log.damage());
        assertEquals(4, log.events().size(), "flow start and established, in each of the last two cycles");
    }

    @Test
    void shouldReadFromTheOldestFileLeftWhenOthersWereDeletedBehindItsBack(@TempDir final Path temp)
        throws IOException
    {
        final Path directory = temp.resolve("journal");
        try (ChronicleJournal journal = ChronicleJournal.open(new JournalContext().directory(directory)
            .rollCycle(JournalRollCycle.SECONDLY).epochClock(() -> nowMs)))
        {
            final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext(), journal.newWriter(0));
            for (int cycle = 0; cycle < 5; cycle++)
            {
                nowMs = START_MS + cycle * 1000L;
                new Conversation(engine, 1000 + cycle, 2000, 40000 + cycle, 80).handshake();
            }
        }
        final List<Path> files = CycleRetention.cycleFiles(firstQueue(directory));
        Files.delete(files.get(0));
        Files.delete(files.get(1));
        final JournalEvent.Log log = JournalReader.readEvents(directory);
        assertNull(log.damage());
        assertEquals(6, log.events().size(), "flow start and established, in each of the last three cycles");
        assertEquals(3, log.events().get(0).flowId());
    }

    private static void awaitAtMost(final Path directory, final int files) throws InterruptedException
    {
        // Chronicle tells the retention listener on its background thread.
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (CycleRetention.cycleFiles(firstQueue(directory)).size() > files && System.nanoTime() < deadlineNs)
        {
            Thread.sleep(5);
        }
        assertTrue(CycleRetention.cycleFiles(firstQueue(directory)).size() <= files,
            CycleRetention.cycleFiles(firstQueue(directory))::toString);
    }

    /**
     * Each writer has a queue of its own: the journal's cycle files are those of its first writer's.
     */
    private static Path firstQueue(final Path directory)
    {
        return directory.resolve(JournalReader.EVENTS_PREFIX + 0);
    }
}
