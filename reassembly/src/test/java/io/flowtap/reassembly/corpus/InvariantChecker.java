package io.flowtap.reassembly.corpus;

import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.EngineCounters;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.GapReason;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.DirectBuffer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A handler that checks what the engine tells it against the engine's contract as it goes, and writes down each
 * breach (with the capture and flow) rather than throwing, so that one sweep reports them all:
 * <ul>
 *     <li>every flow starts once and ends once, and nothing is said about it after it ended;</li>
 *     <li>each direction's payload offers start where the handler stopped consuming, gaps start at or after it, and
 *     no offer or gap follows the direction's end of file;</li>
 *     <li>the bytes offered for the first time and the gaps add up to the record's delivered bytes and its gap bytes
 *     (holes in the sender's own data, plus bytes only acknowledgements showed); the record counts a hole at most
 *     once however many gap events skipped it, and a hole only when it has bytes;</li>
 *     <li>at the end, {@link #checkEnd}: the engine tracks nothing and holds nothing, every segment the decoder
 *     produced is counted once (tracked or under one reason), and the engine's totals equal the flows' sums.</li>
 * </ul>
 */
final class InvariantChecker implements TcpHandler
{
    private static final class FlowCheck
    {
        final long[] next = new long[2];
        final long[] offeredHigh = new long[2];
        final long[] delivered = new long[2];
        final long[] gaps = new long[2];
        final long[] gapBytes = new long[2];
        final boolean[] eof = new boolean[2];
        boolean ended;
    }

    private final String capture;
    private final int consumeAtMost;
    private final List<String> problems;
    private final Map<Long, FlowCheck> flows = new HashMap<>();
    private long ended;
    private long packets;
    private long delivered;
    private long gaps;
    private long gapBytes;

    /**
     * @param capture       named in each problem.
     * @param consumeAtMost bytes consumed per payload call (all of them at end of file).
     * @param problems      to add breaches to.
     */
    InvariantChecker(final String capture, final int consumeAtMost, final List<String> problems)
    {
        this.capture = capture;
        this.consumeAtMost = consumeAtMost;
        this.problems = problems;
    }

    long flowsEnded()
    {
        return ended;
    }

    private void problem(final Flow flow, final String what)
    {
        problems.add(capture + " flow " + flow.id() + ": " + what);
    }

    private FlowCheck live(final Flow flow, final String event)
    {
        final FlowCheck check = flows.get(flow.id());
        if (check == null)
        {
            problem(flow, event + " for a flow that never started");
            return new FlowCheck();
        }
        if (check.ended)
        {
            problem(flow, event + " after the flow ended");
        }
        return check;
    }

    @Override
    public void onNewFlow(final Flow flow, final long timeNs)
    {
        if (flows.put(flow.id(), new FlowCheck()) != null)
        {
            problem(flow, "started twice");
        }
    }

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
        final FlowCheck check = live(flow, "payload");
        if (check.eof[direction])
        {
            problem(flow, "payload after end of file, " + Direction.name(direction));
        }
        if (length < 0)
        {
            problem(flow, "negative length " + length);
            return 0;
        }
        if (length > 0)
        {
            // Touch both ends: the tests run with bounds checks on.
            buffer.getByte(offset);
            buffer.getByte(offset + length - 1);
        }
        final boolean consumesAll = consumeAtMost == Integer.MAX_VALUE;
        if (consumesAll ? seekpos != check.next[direction] : seekpos < check.next[direction])
        {
            problem(flow, Direction.name(direction) + " offered at " + seekpos + ", consumed up to " +
                check.next[direction]);
        }
        final long end = seekpos + length;
        if (end > check.offeredHigh[direction])
        {
            check.delivered[direction] += end - Math.max(seekpos, check.offeredHigh[direction]);
            check.offeredHigh[direction] = end;
        }
        final int take = eof != EOF_NONE ? length : Math.min(length, consumeAtMost);
        check.next[direction] = seekpos + take;
        if (eof != EOF_NONE)
        {
            check.eof[direction] = true;
        }
        return take;
    }

    @Override
    public void onGap(
        final Flow flow, final int direction, final long seekpos, final long length, final GapReason reason,
        final long timeNs)
    {
        final FlowCheck check = live(flow, "gap");
        if (check.eof[direction])
        {
            problem(flow, "gap after end of file, " + Direction.name(direction));
        }
        if (length <= 0 || seekpos < check.next[direction] || seekpos < check.offeredHigh[direction])
        {
            problem(flow, Direction.name(direction) + " gap " + seekpos + "+" + length + " (" + reason.label() +
                "), consumed up to " + check.next[direction] + ", offered up to " + check.offeredHigh[direction]);
        }
        check.gaps[direction]++;
        check.gapBytes[direction] += length;
        check.next[direction] = seekpos + length;
        check.offeredHigh[direction] = Math.max(check.offeredHigh[direction], seekpos + length);
    }

    @Override
    public void onTerminate(final Flow flow, final FlowRecord record)
    {
        final FlowCheck check = live(flow, "terminate");
        check.ended = true;
        ended++;
        if (record.endReason() == null)
        {
            problem(flow, "ended without a reason");
        }
        if (record.firstNs() > record.lastNs())
        {
            problem(flow, "first packet after the last");
        }
        for (int d = 0; d < 2; d++)
        {
            packets += record.packets(d);
            delivered += record.deliveredBytes(d);
            gaps += check.gaps[d];
            gapBytes += record.gapBytes(d) + record.ackedMissingBytes(d);
            if (check.delivered[d] != record.deliveredBytes(d) || check.gaps[d] < record.gaps(d) ||
                check.gapBytes[d] != record.gapBytes(d) + record.ackedMissingBytes(d) ||
                (record.gaps(d) > 0) != (record.gapBytes(d) > 0) || record.ackedMissingBytes(d) < 0)
            {
                problem(flow, Direction.name(d) + " offered " + check.delivered[d] + " new bytes and " +
                    check.gaps[d] + " gaps of " + check.gapBytes[d] + " bytes; the record says " +
                    record.deliveredBytes(d) + " delivered, " + record.gaps(d) + " holes of " + record.gapBytes(d) +
                    " and " + record.ackedMissingBytes(d) + " bytes only acknowledged");
            }
        }
    }

    /**
     * The checks that need the whole capture: call after the engine shut down.
     *
     * @param engine      that was fed the capture.
     * @param tcpSegments the decoder's count of TCP segments, each of which the engine was given once.
     */
    void checkEnd(final ReassemblyEngine engine, final long tcpSegments)
    {
        final EngineCounters counters = engine.counters();
        final String where = capture + ": ";
        if (engine.activeFlows() != 0 || engine.bufferedBytes() != 0)
        {
            problems.add(where + engine.activeFlows() + " flows and " + engine.bufferedBytes() +
                " buffered bytes left after shutdown");
        }
        for (final Map.Entry<Long, FlowCheck> entry : flows.entrySet())
        {
            if (!entry.getValue().ended)
            {
                problems.add(where + "flow " + entry.getKey() + " never ended");
            }
        }
        expect(where + "segments given to the engine (tracked + ignored)", tcpSegments,
            counters.get(EngineCounter.SEGMENTS));
        expect(where + "flows created", flows.size(), counters.get(EngineCounter.FLOWS_CREATED));
        expect(where + "flows ended", ended, counters.get(EngineCounter.FLOWS_ENDED));
        expect(where + "packets over all records", counters.get(EngineCounter.TRACKED), packets);
        expect(where + "delivered bytes over all records", counters.get(EngineCounter.DELIVERED_BYTES), delivered);
        expect(where + "gaps over all records", counters.get(EngineCounter.GAPS), gaps);
        expect(where + "gap bytes over all records", counters.get(EngineCounter.GAP_BYTES), gapBytes);
    }

    private void expect(final String what, final long expected, final long actual)
    {
        if (expected != actual)
        {
            problems.add(what + ": expected " + expected + ", was " + actual);
        }
    }
}
