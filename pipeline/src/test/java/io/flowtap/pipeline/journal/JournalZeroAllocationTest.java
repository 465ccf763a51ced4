package io.flowtap.pipeline.journal;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.test.Allocations;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.GapReason;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.reassembly.test.Conversation;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * After warm-up, journaling allocates nothing per event: every event type, payload from native memory (a ring, a
 * mapped file) and from a heap array, and raw frames, measured with the thread's allocated-bytes counter.
 * <p>
 * What remains is not per event: Chronicle maps the next 64 MB chunk of its file (about 700 bytes, two or three times
 * here), and the JIT now and then deoptimises a method and re-materialises objects its escape analysis had removed.
 * The allowance covers those (one run on a loaded machine saw 17 KB); one small object per event would be over 5 MB.
 */
class JournalZeroAllocationTest
{
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 100_000;
    /** A fixed clock: the journal must not roll to a new file during the measurement. */
    private static final long NOW_MS = 1_750_000_000_000L;
    private static final long ALLOCATION_ALLOWANCE_BYTES = 32 * 1024;

    private Flow flow;

    @Test
    void shouldJournalEveryEventTypeWithoutAllocating(@TempDir final Path temp)
    {
        final Path directory = temp.resolve("journal");
        final UnsafeBuffer offHeap = new UnsafeBuffer(BufferUtil.allocateDirectAligned(1024, 64));
        final UnsafeBuffer onHeap = new UnsafeBuffer(new byte[1024]);
        for (int i = 0; i < 1024; i++)
        {
            offHeap.putByte(i, (byte)i);
            onHeap.putByte(i, (byte)(i * 7));
        }
        final Frame frame = new Frame();
        final String text = "http/1.1";
        long events = 0;
        try (ChronicleJournal journal = ChronicleJournal.open(
            new JournalContext().directory(directory).rollCycle(JournalRollCycle.DAILY).epochClock(() -> NOW_MS)))
        {
            final JournalWriter writer = journal.newWriter(0);
            final RawPacketJournal frames = journal.newRawPacketWriter(1);
            final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext().maxFlows(4), new TcpHandler()
            {
                @Override
                public void onNewFlow(final Flow newFlow, final long timeNs)
                {
                    flow = newFlow;
                }
            });
            new Conversation(engine, 1, 2).handshake();

            long before = 0;
            long offset = 0;
            for (int i = 0; i < WARM_UP + MEASURED; i++)
            {
                if (i == WARM_UP)
                {
                    events = writer.eventsWritten() + frames.eventsWritten();
                    before = Allocations.currentThreadBytes();
                }
                final long timeNs = NOW_MS * 1_000_000L + i;
                final int length = (i & 1) == 0 ? 64 : 900;
                writer.onPayload(flow, Direction.TO_SERVER, offset, offHeap, 3, length, timeNs, TcpHandler.EOF_NONE);
                writer.onPayload(flow, Direction.TO_CLIENT, offset, onHeap, 5, length, timeNs, TcpHandler.EOF_NONE);
                offset += length;
                if ((i & 15) == 0)
                {
                    writer.onNewFlow(flow, timeNs);
                    writer.onEstablished(flow, timeNs);
                    writer.onGap(flow, Direction.TO_SERVER, offset, 10, GapReason.ACKED, timeNs);
                    writer.onOverlapConflict(flow, Direction.TO_CLIENT, offset, 4, offset + 2, 4, true, timeNs);
                    writer.attribute(flow, -1, "app", text, timeNs);
                    writer.attribute(flow, Direction.TO_SERVER, "requests", i, timeNs);
                    writer.attribute(flow, Direction.TO_CLIENT, "hash", offHeap, 0, 32, timeNs);
                    writer.onTerminate(flow, flow.record());
                }
                frames.onFrame(frame.wrap(offHeap, 0, length, length, timeNs, LinkType.ETHERNET).frameNumber(i));
            }
            final long allocated = Allocations.currentThreadBytes() - before;
            events = writer.eventsWritten() + frames.eventsWritten() - events;
            System.out.println("journal: " + events + " events after warm-up, " + allocated + " bytes allocated");
            assertTrue(allocated < ALLOCATION_ALLOWANCE_BYTES,
                allocated + " bytes allocated over " + events + " events");
        }
        final long[] read = new long[1];
        try (JournalReader reader = JournalReader.open(directory))
        {
            reader.readAll(new JournalVisitor()
            {
                @Override
                public void onPayload(
                    final int run,
                    final int source,
                    final long flowId,
                    final long timeNs,
                    final int direction,
                    final long streamOffset,
                    final org.agrona.DirectBuffer buffer,
                    final int offset,
                    final int length,
                    final int eof)
                {
                    read[0]++;
                }
            });
            assertNull(reader.damage());
            assertTrue(reader.eventsRead() > events);
        }
        assertEquals(2L * (WARM_UP + MEASURED), read[0]);
    }
}
