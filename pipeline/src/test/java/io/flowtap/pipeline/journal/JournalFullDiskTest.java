package io.flowtap.pipeline.journal;

import io.flowtap.capture.ring.SmallDisk;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.reassembly.test.Conversation;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A journal on a disk that fills up, on a real tmpfs the test mounts: the writers find out before the kernel does
 * (no SIGBUS, no {@link InternalError}), stop or drop as the policy says, count what they did not write, and leave a
 * journal that reads back, undamaged, to its last commit.
 */
class JournalFullDiskTest
{
    private static final long NOW_MS = 1_750_000_000_000L;
    private static final int PAYLOAD = 4096;
    private static final int MOST_EVENTS = 20_000;

    @TempDir
    Path temp;

    private Flow flow;

    @Test
    void shouldRefuseToStartAJournalOnADiskWithoutRoomForOne()
    {
        try (SmallDisk disk = SmallDisk.mount(temp, 1 << 20))
        {
            final JournalException ex = assertThrows(JournalException.class, () -> ChronicleJournal.open(
                new JournalContext().directory(disk.path().resolve("j")).rollCycle(JournalRollCycle.DAILY)));
            assertEquals(JournalException.Kind.FULL, ex.kind());
            assertTrue(ex.getMessage().startsWith("journal " + disk.path().resolve("j") + ": no room on its file " +
                "system ("), ex.getMessage());
        }
    }

    @Test
    void shouldStopWhenTheDiskFillsAndReadBackEverythingCommitted()
    {
        try (SmallDisk disk = SmallDisk.mount(temp, 8 << 20))
        {
            final Path directory = disk.path().resolve("j");
            final long written;
            final long dropped;
            try (ChronicleJournal journal = ChronicleJournal.open(context(directory, JournalFullPolicy.STOP)))
            {
                final JournalWriter writer = journal.newWriter(0);
                final UnsafeBuffer data = new UnsafeBuffer(new byte[PAYLOAD]);
                int i = 0;
                while (writer.eventsDropped() == 0 && i < MOST_EVENTS)
                {
                    payload(writer, data, i++);
                }
                assertTrue(writer.eventsDropped() > 0, "the disk never filled: " + i + " events");
                assertTrue(journal.space().hasStopped());
                assertTrue(journal.space().fullReason().startsWith("no space left on the device for journal file "),
                    journal.space().fullReason());
                // Stopped for good: later events are counted, not written, even small ones.
                writer.onEstablished(flow, NOW_MS * 1_000_000L);
                written = writer.eventsWritten();
                dropped = writer.eventsDropped();
                assertEquals(i + 1, written + dropped);
            }
            final JournalEvent.Log log = JournalReader.readEvents(directory);
            assertNull(log.damage(), () -> log.damage().message());
            assertEquals(written, log.events().size());
            checkPayloads(log.events());
        }
    }

    @Test
    void shouldStopByCheckingFreeSpaceWhereBlocksAreNotPreallocated()
    {
        // As on a disk file system: the free space is checked (fstatvfs) with a margin, nothing is fallocated.
        System.setProperty(JournalSpace.PREALLOCATE_PROP_NAME, "false");
        try (SmallDisk disk = SmallDisk.mount(temp, 32 << 20))
        {
            final Path directory = disk.path().resolve("j");
            final long written;
            try (ChronicleJournal journal = ChronicleJournal.open(context(directory, JournalFullPolicy.STOP)))
            {
                assertFalse(journal.space().preallocates());
                final JournalWriter writer = journal.newWriter(0);
                final UnsafeBuffer data = new UnsafeBuffer(new byte[PAYLOAD]);
                int i = 0;
                while (writer.eventsDropped() == 0 && i < MOST_EVENTS)
                {
                    payload(writer, data, i++);
                }
                assertTrue(writer.eventsDropped() > 0, "the disk never filled: " + i + " events");
                assertTrue(journal.space().hasStopped());
                final String reason = journal.space().fullReason();
                assertTrue(reason.matches("no space left on the device for journal file \\S+ at byte \\d+ " +
                    "\\(\\d+ bytes free\\)"), reason);
                // Stopped with the margin still free: the check, not the kernel, found the disk full.
                final long free = Long.parseLong(reason.replaceAll(".*\\((\\d+) bytes free\\)", "$1"));
                assertTrue(free > JournalSpace.MARGIN_BYTES - SpaceGuard.CHUNK_BYTES, reason);
                assertTrue(free < JournalSpace.MARGIN_BYTES + 2 * SpaceGuard.CHUNK_BYTES, reason);
                written = writer.eventsWritten();
                assertTrue(written * PAYLOAD > 8 << 20, "wrote only " + written + " events");
            }
            finally
            {
                System.clearProperty(JournalSpace.PREALLOCATE_PROP_NAME);
            }
            final JournalEvent.Log log = JournalReader.readEvents(directory);
            assertNull(log.damage(), () -> log.damage().message());
            assertEquals(written, log.events().size());
            checkPayloads(log.events());
        }
    }

    @Test
    void shouldDropWhileTheDiskIsFullAndResumeWithALossEventWhenThereIsRoom() throws InterruptedException
    {
        try (SmallDisk disk = SmallDisk.mount(temp, 12 << 20))
        {
            final Path directory = disk.path().resolve("j");
            disk.fill(3 << 20);
            final long droppedWhileFull;
            try (ChronicleJournal journal = ChronicleJournal.open(context(directory, JournalFullPolicy.DROP)))
            {
                final JournalWriter writer = journal.newWriter(0);
                final UnsafeBuffer data = new UnsafeBuffer(new byte[PAYLOAD]);
                int i = 0;
                while (writer.eventsDropped() < 100 && i < MOST_EVENTS)
                {
                    payload(writer, data, i++);
                }
                assertTrue(writer.eventsDropped() >= 100, "the disk never filled: " + i + " events");
                assertFalse(journal.space().hasStopped(), "drop never stops for good");
                droppedWhileFull = writer.eventsDropped();

                disk.free();
                Thread.sleep(2 * ExcerptWriter.RETRY_INTERVAL_NS / 1_000_000);
                for (int j = 0; j < 10; j++)
                {
                    payload(writer, data, i++);
                }
                assertEquals(droppedWhileFull, writer.eventsDropped(), "journaling resumed once there was room");
            }
            final JournalEvent.Log log = JournalReader.readEvents(directory);
            assertNull(log.damage(), () -> log.damage().message());
            final List<JournalEvent.Loss> losses = log.events().stream()
                .filter(JournalEvent.Loss.class::isInstance).map(JournalEvent.Loss.class::cast).toList();
            assertEquals(1, losses.size(), losses::toString);
            assertEquals(droppedWhileFull, losses.get(0).events());
            assertEquals(droppedWhileFull * PAYLOAD, losses.get(0).payloadBytes());
            // The ten payloads written after the loss are there, after it.
            final int lossAt = log.events().indexOf(losses.get(0));
            assertEquals(10, log.events().size() - lossAt - 1);
            checkPayloads(log.events());
        }
    }

    private JournalContext context(final Path directory, final JournalFullPolicy policy)
    {
        flow = null;
        return new JournalContext().directory(directory).rollCycle(JournalRollCycle.DAILY).epochClock(() -> NOW_MS)
            .batchBytes(64 * 1024).fullPolicy(policy);
    }

    private void payload(final JournalWriter writer, final UnsafeBuffer data, final int i)
    {
        if (flow == null)
        {
            final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext().maxFlows(4), new TcpHandler()
            {
                @Override
                public void onNewFlow(final Flow newFlow, final long timeNs)
                {
                    flow = newFlow;
                }
            });
            new Conversation(engine, 1, 2).handshake();
        }
        data.setMemory(0, PAYLOAD, (byte)i);
        data.putInt(0, i);
        writer.onPayload(flow, Direction.TO_SERVER, (long)i * PAYLOAD, data, 0, PAYLOAD, NOW_MS * 1_000_000L + i,
            TcpHandler.EOF_NONE);
        if ((i & 7) == 7)
        {
            writer.onBatchEnd();
        }
    }

    /**
     * Every payload read back is whole and is the one written with its stream offset.
     */
    private static void checkPayloads(final List<JournalEvent> events)
    {
        for (final JournalEvent event : events)
        {
            if (event instanceof JournalEvent.Payload payload)
            {
                final int i = (int)(payload.streamOffset() / PAYLOAD);
                final byte[] expected = new byte[PAYLOAD];
                java.util.Arrays.fill(expected, (byte)i);
                new UnsafeBuffer(expected).putInt(0, i);
                assertArrayEquals(expected, payload.data(), "payload " + i);
            }
        }
    }
}
