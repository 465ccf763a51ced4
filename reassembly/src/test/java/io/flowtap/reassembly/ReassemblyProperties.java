package io.flowtap.reassembly;

import io.flowtap.reassembly.test.Conversation;
import io.flowtap.reassembly.test.Recorder;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine against the simplest possible reference: the stream's bytes themselves. A random stream is cut into
 * random segments, which are then reordered, duplicated, re-sent as overlapping retransmissions of the same bytes,
 * and partly lost; whatever happens, the bytes delivered must be the stream's, at their own offsets, and every byte
 * never sent must be reported as a gap, exactly.
 */
class ReassemblyProperties
{
    private static final class Segment
    {
        final int start;
        final int end;

        Segment(final int start, final int end)
        {
            this.start = start;
            this.end = end;
        }
    }

    @Property(tries = 300)
    void deliveredBytesAreTheStreamAndEveryLostByteIsAGap(
        @ForAll final long seed,
        @ForAll @IntRange(min = 1, max = 4000) final int length,
        @ForAll final boolean acked,
        @ForAll final boolean nearWrap)
    {
        final Random random = new Random(seed);
        final byte[] content = new byte[length];
        for (int i = 0; i < length; i++)
        {
            content[i] = (byte)('a' + random.nextInt(26));
        }
        final List<Segment> segments = segmentation(random, length);
        final BitSet sent = new BitSet(length);
        final List<Segment> wire = new ArrayList<>();
        for (final Segment segment : segments)
        {
            if (random.nextInt(100) < 10)
            {
                continue;
            }
            wire.add(segment);
            sent.set(segment.start, segment.end);
            if (random.nextInt(100) < 10)
            {
                wire.add(segment);
            }
        }
        final int retransmissions = random.nextInt(5);
        for (int i = 0; i < retransmissions && !wire.isEmpty(); i++)
        {
            // Overlapping retransmission of bytes already sent, straddling segment boundaries.
            final int from = random.nextInt(length);
            final int to = Math.min(length, from + 1 + random.nextInt(300));
            if (sent.nextClearBit(from) >= to)
            {
                wire.add(new Segment(from, to));
            }
        }
        shuffleLocally(random, wire);

        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(
            new EngineContext()
                .deliveryMode(acked ? DeliveryMode.ACKED : DeliveryMode.IMMEDIATE)
                .maxFlows(4)
                .pageSize(256)
                .engineMemcapBytes(256 * 1024)
                .flowMemcapBytes(64 * 1024),
            recorder);
        final long isn = nearWrap ? 0xFFFF_FFFFL - random.nextInt(length + 1) : random.nextInt(1 << 30);
        final Conversation conversation = new Conversation(engine, isn, random.nextInt()).handshake();
        for (final Segment segment : wire)
        {
            conversation.toServer(
                segment.start, new String(content, segment.start, segment.end - segment.start,
                StandardCharsets.ISO_8859_1));
        }
        conversation.serverAcks(length);
        engine.shutdown();

        final Recorder.FlowLog flow = recorder.list().get(0);
        assertEquals(List.of(), seekposProblems(flow), "seekpos continuous over data and gaps");
        final byte[] delivered = flow.bytes[Direction.TO_SERVER].toByteArray();
        final BitSet gapBits = new BitSet(length);
        int cursor = 0;
        int produced = 0;
        for (final long[] gap : flow.gaps)
        {
            final int gapStart = (int)gap[1];
            final int count = gapStart - cursor;
            for (int i = 0; i < count; i++)
            {
                assertEquals(content[cursor + i], delivered[produced + i], "byte at offset " + (cursor + i));
            }
            produced += count;
            gapBits.set(gapStart, gapStart + (int)gap[2]);
            cursor = gapStart + (int)gap[2];
        }
        for (int i = 0; cursor + i < length && produced + i < delivered.length; i++)
        {
            assertEquals(content[cursor + i], delivered[produced + i], "byte at offset " + (cursor + i));
        }
        assertEquals(length, delivered.length + gapBits.cardinality(), "delivered and gap bytes tile the stream");
        final BitSet missing = new BitSet(length);
        missing.set(0, length);
        missing.andNot(sent);
        assertEquals(missing, gapBits, "exactly the bytes never sent are gaps");
        assertTrue(flow.terminated);
        assertEquals(0, engine.bufferedBytes(), "every page back in the store");
    }

    @Property(tries = 200)
    void unconsumedBytesAreOfferedAgainUntilTaken(
        @ForAll final long seed,
        @ForAll @IntRange(min = 1, max = 3000) final int length,
        @ForAll @IntRange(min = 1, max = 700) final int consumeAtMost,
        @ForAll final boolean acked)
    {
        final Random random = new Random(seed);
        final byte[] content = new byte[length];
        random.nextBytes(content);
        final List<Segment> wire = segmentation(random, length);
        shuffleLocally(random, wire);

        final Recorder recorder = new Recorder(consumeAtMost);
        final ReassemblyEngine engine = new ReassemblyEngine(
            new EngineContext()
                .deliveryMode(acked ? DeliveryMode.ACKED : DeliveryMode.IMMEDIATE)
                .maxFlows(4)
                .pageSize(128)
                .engineMemcapBytes(256 * 1024)
                .flowMemcapBytes(64 * 1024),
            recorder);
        final Conversation conversation = new Conversation(engine, random.nextInt(), random.nextInt()).handshake();
        final BitSet received = new BitSet(length);
        for (final Segment segment : wire)
        {
            conversation.toServer(
                segment.start, new String(content, segment.start, segment.end - segment.start,
                StandardCharsets.ISO_8859_1));
            received.set(segment.start, segment.end);
            if (random.nextInt(4) == 0)
            {
                // A receiver acknowledges only what it has in order.
                conversation.serverAcks(received.nextClearBit(0));
            }
        }
        conversation.serverAcks(length);
        conversation.clientSends(Conversation.FIN | Conversation.ACK, length, "");
        conversation.serverAcks(length + 1);
        engine.shutdown();

        final Recorder.FlowLog flow = recorder.list().get(0);
        assertEquals(List.of(), flow.events, "no gaps, seekpos continuous");
        final byte[] expected = new String(content, StandardCharsets.ISO_8859_1).getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(new String(expected, StandardCharsets.ISO_8859_1), flow.text(Direction.TO_SERVER));
        assertEquals(TcpHandler.EOF_DIRECTION, flow.eofs[Direction.TO_SERVER], "the FIN ends the direction");
        assertEquals(0, engine.bufferedBytes(), "every page back in the store");
    }

    private static List<String> seekposProblems(final Recorder.FlowLog flow)
    {
        final List<String> problems = new ArrayList<>();
        for (final String event : flow.events)
        {
            if (event.startsWith("SEEKPOS"))
            {
                problems.add(event);
            }
        }
        return problems;
    }

    private static List<Segment> segmentation(final Random random, final int length)
    {
        final List<Segment> segments = new ArrayList<>();
        int at = 0;
        while (at < length)
        {
            final int size = Math.min(length - at, 1 + random.nextInt(random.nextBoolean() ? 40 : 600));
            segments.add(new Segment(at, at + size));
            at += size;
        }
        return segments;
    }

    /** Reorder within a small window, as networks do, and now and then move one segment far. */
    private static void shuffleLocally(final Random random, final List<Segment> segments)
    {
        for (int i = 0; i + 1 < segments.size(); i++)
        {
            if (random.nextInt(100) < 30)
            {
                final int j = Math.min(segments.size() - 1, i + 1 + random.nextInt(4));
                Collections.swap(segments, i, j);
            }
        }
        if (segments.size() > 2 && random.nextBoolean())
        {
            final Segment moved = segments.remove(random.nextInt(segments.size()));
            segments.add(random.nextInt(segments.size()), moved);
        }
    }
}
