package io.flowtap.pipeline.poll;

import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.FanoutMode;
import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.ring.VethPair;
import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.PipelineContext;
import io.flowtap.pipeline.shard.DispatchCounter;
import io.flowtap.reassembly.flow.FlowKey;
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
 * Two pinned pollers of a pipeline in one fanout group on a veth pair of a namespace the test creates: with hash
 * fanout every flow's segments, both directions, land on one poller and the wrong-poller counter stays at zero; with
 * round-robin fanout (lb) flows are split and the counter sees it. Each poller's frame tap tells which poller read a
 * frame; the worker's segment handler counts what was handed on.
 */
class FanoutLiveTest
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
        long wrongPoller;
        long handedOn;
    }

    private static boolean isTestSegment(final PacketDecoder decoder)
    {
        return decoder.ipv4().sourceAddress() >>> 24 == 10 && decoder.tcp().payloadLength() == 1;
    }

    private static FrameHandler tap(final int poller, final Seen seen)
    {
        final PacketDecoder decoder = new PacketDecoder(new DecoderContext().checksumMode(ChecksumMode.OFF), false);
        final FlowKey key = new FlowKey();
        return frame ->
        {
            if (decoder.decode(frame) && isTestSegment(decoder))
            {
                final long hash = key.wrap(decoder, false).hash();
                seen.pollersByFlow.computeIfAbsent(hash, h -> ConcurrentHashMap.newKeySet()).add(poller);
            }
        };
    }

    private static Seen run(final FanoutMode mode) throws Exception
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
            final PipelineContext context = new PipelineContext()
                .checksumMode(ChecksumMode.OFF)
                .errorHandler(errors::add)
                .frameTaps(poller -> tap(poller, seen))
                .segmentHandlers(worker -> (segment, frameNumber, timeNs) ->
                {
                    if (isTestSegment(segment))
                    {
                        seen.segments.incrementAndGet();
                    }
                });
            final Pipeline pipeline = Pipeline.live(context, template, 2, cpus, mode);
            try
            {
                final List<String> command = veth.inNamespace(LiveNetwork.javaMain(FlowFrameSender.class,
                    veth.peerInterface(), Integer.toString(FLOWS), Integer.toString(FRAMES_EACH_WAY), "7"));
                final LiveNetwork.Result result = LiveNetwork.await(LiveNetwork.start(command), command, 60);
                assertEquals(0, result.exitCode(), result.stderr());
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (seen.segments.get() < TOTAL && System.nanoTime() < deadline)
                {
                    Thread.sleep(10);
                }
            }
            finally
            {
                pipeline.close();
            }
            for (final PipelinePoller poller : pipeline.pollers())
            {
                final LivePoller live = (LivePoller)poller;
                seen.threads.add(live.roleName() + " cpu " + live.cpu());
            }
            seen.wrongPoller = pipeline.total(DispatchCounter.WRONG_POLLER);
            seen.handedOn = pipeline.total(DispatchCounter.HANDED_OFF);
        }
        assertEquals(List.of(), new ArrayList<>(errors), "no poller failed (pinning included)");
        return seen;
    }

    @Test
    void hashFanoutKeepsEveryFlowBothDirectionsOnOnePoller() throws Exception
    {
        final Seen seen = run(FanoutMode.HASH);

        assertEquals(TOTAL, seen.segments.get(), "every frame captured once");
        assertEquals(FLOWS, seen.pollersByFlow.size(), "both directions of a flow share its symmetric hash");
        int onFirst = 0;
        for (final Map.Entry<Long, Set<Integer>> entry : seen.pollersByFlow.entrySet())
        {
            assertEquals(1, entry.getValue().size(), "flow " + Long.toHexString(entry.getKey()) + " split");
            onFirst += entry.getValue().contains(0) ? 1 : 0;
        }
        assertTrue(onFirst > 0 && onFirst < FLOWS, "the kernel spread flows over both pollers: " + onFirst);
        assertEquals(0, seen.wrongPoller);
        assertTrue(seen.handedOn >= TOTAL, "every test segment handed on: " + seen.handedOn);
        System.out.printf("hash fanout: %d flows, %d on poller 0, %s%n", FLOWS, onFirst, seen.threads);
    }

    @Test
    void roundRobinFanoutSplitsFlowsAndTheWrongPollerCounterSeesIt() throws Exception
    {
        final Seen seen = run(FanoutMode.LB);

        assertEquals(TOTAL, seen.segments.get());
        long split = 0;
        for (final Set<Integer> pollers : seen.pollersByFlow.values())
        {
            split += pollers.size() > 1 ? 1 : 0;
        }
        assertTrue(split > 0, "lb fanout alternates packets between sockets");
        assertTrue(seen.wrongPoller > 0, "the counter reports split flows");
    }
}
