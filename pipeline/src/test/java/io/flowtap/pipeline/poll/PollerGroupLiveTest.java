package io.flowtap.pipeline.poll;

import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.FanoutMode;
import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.ring.VethPair;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two pinned pollers in one fanout group on a veth pair of a namespace the test creates: with hash fanout every flow's
 * segments, both directions, land on one poller and the wrong-poller counter stays at zero; with round-robin fanout
 * (lb) flows are split and the counter sees it.
 */
class PollerGroupLiveTest
{
    private static final int FLOWS = 64;
    private static final int FRAMES_EACH_WAY = 10;
    private static final int TOTAL = FLOWS * FRAMES_EACH_WAY * 2;

    @BeforeAll
    static void requireLive()
    {
        LiveNetwork.require();
    }

    private static final class Seen
    {
        final Map<Long, Set<Integer>> pollersByFlow = new ConcurrentHashMap<>();
        final AtomicLong segments = new AtomicLong();
        final List<String> threads = new CopyOnWriteArrayList<>();
    }

    private static Seen run(final FanoutMode mode, final PollerGroup[] started) throws Exception
    {
        final Seen seen = new Seen();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (VethPair veth = VethPair.create())
        {
            final AfPacketContext template = new AfPacketContext()
                .interfaceName(veth.hostInterface())
                .blockSize(1 << 16)
                .blockCount(16)
                .retireTimeoutMs(5);
            final int[] cpus = {0, Runtime.getRuntime().availableProcessors() > 1 ? 1 : 0};
            try (PollerGroup group = PollerGroup.start(template, 2, cpus, mode, AfPacketContext.NO_FANOUT,
                new DecoderContext().checksumMode(ChecksumMode.OFF), (poller, frame, decoder, flowHash) ->
                {
                    if (decoder.ipv4().sourceAddress() >>> 24 == 10 && decoder.tcp().payloadLength() == 1)
                    {
                        seen.pollersByFlow.computeIfAbsent(flowHash, h -> ConcurrentHashMap.newKeySet()).add(poller);
                        seen.segments.incrementAndGet();
                    }
                }, errors::add))
            {
                started[0] = group;
                final List<String> command = veth.inNamespace(LiveNetwork.javaMain(FlowFrameSender.class,
                    veth.peerInterface(), Integer.toString(FLOWS), Integer.toString(FRAMES_EACH_WAY), "7"));
                final LiveNetwork.Result result = LiveNetwork.await(LiveNetwork.start(command), command, 60);
                assertEquals(0, result.exitCode(), result.stderr());
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (seen.segments.get() < TOTAL && System.nanoTime() < deadline)
                {
                    Thread.sleep(10);
                }
                // Let in-flight frames settle before the counters are read.
                Thread.sleep(100);
                for (final Poller poller : group.pollers())
                {
                    seen.threads.add(poller.roleName() + " cpu " + poller.cpu());
                }
            }
        }
        assertEquals(List.of(), new ArrayList<>(errors), "no poller failed (pinning included)");
        return seen;
    }

    @Test
    void hashFanoutKeepsEveryFlowBothDirectionsOnOnePoller() throws Exception
    {
        final PollerGroup[] group = new PollerGroup[1];
        final Seen seen = run(FanoutMode.HASH, group);

        assertEquals(TOTAL, seen.segments.get(), "every frame captured once");
        assertEquals(FLOWS, seen.pollersByFlow.size(), "both directions of a flow share its symmetric hash");
        int onFirst = 0;
        for (final Map.Entry<Long, Set<Integer>> entry : seen.pollersByFlow.entrySet())
        {
            assertEquals(1, entry.getValue().size(), "flow " + Long.toHexString(entry.getKey()) + " split");
            onFirst += entry.getValue().contains(0) ? 1 : 0;
        }
        assertTrue(onFirst > 0 && onFirst < FLOWS, "the kernel spread flows over both pollers: " + onFirst);
        assertEquals(0, group[0].total(PollerCounter.WRONG_POLLER));
        assertEquals(TOTAL, group[0].total(PollerCounter.SEGMENTS));
        System.out.printf("hash fanout: %d flows, %d on poller 0, %s%n", FLOWS, onFirst, seen.threads);
    }

    @Test
    void roundRobinFanoutSplitsFlowsAndTheWrongPollerCounterSeesIt() throws Exception
    {
        final PollerGroup[] group = new PollerGroup[1];
        final Seen seen = run(FanoutMode.LB, group);

        assertEquals(TOTAL, seen.segments.get());
        long split = 0;
        for (final Set<Integer> pollers : seen.pollersByFlow.values())
        {
            split += pollers.size() > 1 ? 1 : 0;
        }
        assertTrue(split > 0, "lb fanout alternates packets between sockets");
        assertTrue(group[0].total(PollerCounter.WRONG_POLLER) > 0, "the counter reports split flows");
    }
}
