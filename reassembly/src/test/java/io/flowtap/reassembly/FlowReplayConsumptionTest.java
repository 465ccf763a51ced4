package io.flowtap.reassembly;

import io.flowtap.reassembly.flow.FlowKey;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link FlowReplay} keeps what a handler leaves unconsumed and offers it again in front of the next bytes, as the
 * engine does, so that a handler parsing lines across segments gets the same lines from a journal as live; held bytes
 * are given up at a gap, and the {@code eof} call is the last.
 */
class FlowReplayConsumptionTest
{
    /** Net::Inspect's line consumer: takes whole lines, the rest at eof. */
    private static final class Lines implements TcpHandler
    {
        final List<String> lines = new ArrayList<>();
        final List<Long> offsets = new ArrayList<>();

        @Override
        public int onPayload(
            final Flow flow,
            final int direction,
            final long seekpos,
            final DirectBuffer buffer,
            final int offset,
            final int length,
            final long timeNs,
            final int eof)
        {
            int start = 0;
            for (int i = 0; i < length; i++)
            {
                if (buffer.getByte(offset + i) == '\n')
                {
                    lines.add(buffer.getStringWithoutLengthAscii(offset + start, i - start));
                    offsets.add(seekpos + start);
                    start = i + 1;
                }
            }
            if (eof != EOF_NONE && start < length)
            {
                lines.add(buffer.getStringWithoutLengthAscii(offset + start, length - start) + "<eof>");
                offsets.add(seekpos + start);
                start = length;
            }
            return start;
        }
    }

    private static UnsafeBuffer bytes(final String text)
    {
        return new UnsafeBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static long deliver(
        final FlowReplay replay, final Flow flow, final long seekpos, final String text, final int eof)
    {
        replay.payload(flow, Direction.TO_SERVER, seekpos, bytes(text), 0, text.length(), 0, eof);
        return seekpos + text.length();
    }

    @Test
    void shouldOfferUnconsumedBytesAgainWithTheNextOnes()
    {
        final Lines lines = new Lines();
        final Lines other = new Lines();
        final FlowReplay replay = new FlowReplay(4, lines, other);
        final Flow flow = replay.start(1, 4, 0, 0x0A000001L, 0, 0x0A000002L, 40000, 80, FlowKey.NO_VLAN, false, 0);
        long at = deliver(replay, flow, 0, "GET / HT", TcpHandler.EOF_NONE);
        at = deliver(replay, flow, at, "TP/1.1\r\nHost: a", TcpHandler.EOF_NONE);
        at = deliver(replay, flow, at, "\r\n\r\npartial", TcpHandler.EOF_NONE);
        deliver(replay, flow, at, "", TcpHandler.EOF_DIRECTION);

        assertEquals(List.of("GET / HTTP/1.1\r", "Host: a\r", "\r", "partial<eof>"), lines.lines);
        assertEquals(List.of(0L, 16L, 25L, 27L), lines.offsets);
        assertEquals(lines.lines, other.lines, "each handler has bytes of its own held");
    }

    @Test
    void shouldGiveUpHeldBytesAtAGap()
    {
        final Lines lines = new Lines();
        final FlowReplay replay = new FlowReplay(4, lines);
        final Flow flow = replay.start(1, 4, 0, 0x0A000001L, 0, 0x0A000002L, 40000, 80, FlowKey.NO_VLAN, false, 0);
        deliver(replay, flow, 0, "one\ntw", TcpHandler.EOF_NONE);
        replay.gap(flow, Direction.TO_SERVER, 6, 10, GapReason.MEMCAP, 0);
        deliver(replay, flow, 16, "three\n", TcpHandler.EOF_DIRECTION);
        assertEquals(List.of("one", "three"), lines.lines);
        assertEquals(List.of(0L, 16L), lines.offsets);
    }
}
