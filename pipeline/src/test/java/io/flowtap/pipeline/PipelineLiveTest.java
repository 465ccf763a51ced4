package io.flowtap.pipeline;

import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.FanoutMode;
import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.ring.RingCounter;
import io.flowtap.capture.ring.TcpTransfer;
import io.flowtap.capture.ring.VethPair;
import io.flowtap.pipeline.poll.PipelinePoller;
import io.flowtap.pipeline.shard.DispatchCounter;
import io.flowtap.pipeline.shard.QueueFullPolicy;
import io.flowtap.pipeline.worker.WorkerCounter;
import io.flowtap.reassembly.Direction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real TCP connections across a veth pair, captured on its host end by pollers in a fanout group and reassembled by
 * workers on their own threads: every connection's bytes come out of its worker's engine exactly as sent, and every
 * packet is accounted for. A second test holds the workers back so that the ring fills, and shows the pollers copy
 * the frames still queued out of the oldest blocks and give the blocks back, in order, without losing anything.
 */
@Tag("live")
class PipelineLiveTest
{
    private static final long SEED = 0xF10_7A9L;
    private static final long TIMEOUT_SECONDS = 120;

    @BeforeEach
    void requireLive()
    {
        LiveNetwork.require();
    }

    @Test
    void shouldDeliverEveryConnectionByteExactThroughPollersQueuesAndWorkers()
    {
        final int connections = 8;
        final int length = 1 << 20;
        final FlowEvents[] recorders = new FlowEvents[2];
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final List<TcpTransfer.Received> received = new ArrayList<>();
        final List<TcpTransfer> transfers = new ArrayList<>();
        final Pipeline pipeline;
        final long startNs = System.nanoTime();
        try (VethPair veth = VethPair.create())
        {
            pipeline = Pipeline.live(
                new PipelineContext()
                    .workers(2)
                    .checksumMode(ChecksumMode.AUTO)
                    .errorHandler(errors::add)
                    .handlers(w ->
                    {
                        recorders[w] = new FlowEvents(true);
                        return List.of(recorders[w]);
                    }),
                // Blocks of 256 KiB: locally sent segments reach the socket before segmentation, up to 64 KiB.
                new AfPacketContext().interfaceName(veth.hostInterface()).blockSize(1 << 18).blockCount(64)
                    .retireTimeoutMs(10),
                2,
                new int[0],
                FanoutMode.HASH);
            try
            {
                for (int i = 0; i < connections; i++)
                {
                    transfers.add(TcpTransfer.start(veth, length, SEED + i));
                }
                for (final TcpTransfer transfer : transfers)
                {
                    received.add(transfer.await(TIMEOUT_SECONDS));
                }
            }
            finally
            {
                pipeline.close();
                transfers.forEach(TcpTransfer::close);
            }
        }
        final long tookNs = System.nanoTime() - startNs;

        assertEquals(List.of(), errors);
        final Map<String, FlowEvents.Log> flows = FlowEvents.merge(Arrays.asList(recorders));
        for (int i = 0; i < connections; i++)
        {
            final TcpTransfer transfer = transfers.get(i);
            assertArrayEquals(transfer.payload(), received.get(i).bytes(), "the server got the payload");
            final FlowEvents.Log flow = flow(flows, received.get(i).clientPort(), transfer.serverPort());
            assertArrayEquals(transfer.payload(), flow.bytes[Direction.TO_SERVER].toByteArray(),
                "connection " + i + " reassembled byte-exact");
            assertEquals(0, flow.bytes[Direction.TO_CLIENT].size());
            assertEquals("fin", flow.endReason);
        }
        System.out.printf("live pipeline: %d connections of %d KiB in %.0f ms, 2 pollers, 2 workers%n%s", connections,
            length >> 10, tookNs / 1e6, pipeline.counterSummary());
        assertNull(pipeline.accountingError(), pipeline::counterSummary);
        assertEquals(0, pipeline.total(RingCounter.KERNEL_DROPS));
        assertEquals(0, pipeline.total(DispatchCounter.DROPPED_QUEUE_FULL));
        assertEquals(0, pipeline.total(DispatchCounter.WRONG_POLLER), "hash fanout keeps a flow on one poller");
        assertEquals(0, pipeline.total(DispatchCounter.RING_UNREAD_AT_CLOSE));
        assertEquals(pipeline.total(RingCounter.BLOCKS), pipeline.total(DispatchCounter.BLOCKS_RELEASED),
            "every block taken was given back");
        assertTrue(pipeline.total(WorkerCounter.IN_PLACE) > 0, "segments read in place in the ring");
        assertTrue(pipeline.workers().get(0).counter(WorkerCounter.SEGMENTS) > 0 &&
            pipeline.workers().get(1).counter(WorkerCounter.SEGMENTS) > 0, "both workers had flows");
    }

    @Test
    void shouldCopyOutFramesOfAWorkerThatFallsBehindAndReleaseBlocksInOrderLosingNothing() throws Exception
    {
        final int length = 4 << 20;
        final FlowEvents[] recorders = new FlowEvents[1];
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final long holdTimeoutNs = TimeUnit.MILLISECONDS.toNanos(1);
        final TcpTransfer.Received received;
        final TcpTransfer transfer;
        final Pipeline pipeline;
        try (VethPair veth = VethPair.create())
        {
            // One worker that the test never steps while the transfer runs: its queue holds every segment, and so
            // the ring's blocks, until the pollers copy the queued frames out of the oldest blocks.
            pipeline = Pipeline.live(
                new PipelineContext()
                    .threadingMode(ThreadingMode.INVOKER)
                    .queueCapacity(1 << 14)
                    .queueFullPolicy(QueueFullPolicy.WAIT)
                    .holdTimeoutNs(holdTimeoutNs)
                    // Copy out as soon as two blocks are user-owned: the ring (16 MiB, four times the transfer)
                    // never comes near filling even if this thread is descheduled, so nothing is lost to the kernel.
                    .copyOutRingFraction(1.0 / 32)
                    .errorHandler(errors::add)
                    .handlers(w ->
                    {
                        recorders[w] = new FlowEvents(true);
                        return List.of(recorders[w]);
                    }),
                new AfPacketContext().interfaceName(veth.hostInterface()).blockSize(1 << 18).blockCount(64)
                    .retireTimeoutMs(2),
                1,
                new int[0],
                FanoutMode.HASH);
            final PipelinePoller poller = pipeline.pollers().get(0);
            transfer = TcpTransfer.start(veth, length, SEED);
            try
            {
                long lastWorkNs = System.nanoTime();
                while (transfer.isClientAlive() || System.nanoTime() - lastWorkNs < TimeUnit.MILLISECONDS.toNanos(300))
                {
                    if (poller.doWork() > 0)
                    {
                        lastWorkNs = System.nanoTime();
                    }
                }
                received = transfer.await(TIMEOUT_SECONDS);
                assertEquals(0, pipeline.total(WorkerCounter.SEGMENTS), "the worker has not run yet");
                assertTrue(pipeline.total(DispatchCounter.BLOCKS_COPIED_OUT) > 0, "stale blocks were copied out");
                assertTrue(pipeline.total(DispatchCounter.BLOCKS_RELEASED) > 0,
                    "blocks went back to the kernel while the worker held none of them");
            }
            finally
            {
                // Now the worker runs: close steps every agent until the queue is drained.
                pipeline.close();
                transfer.close();
            }
        }

        assertEquals(List.of(), errors, "no error, and so no block released out of order");
        System.out.printf("slow worker: %s", pipeline.counterSummary());
        final FlowEvents.Log flow = flow(FlowEvents.merge(Arrays.asList(recorders)), received.clientPort(),
            transfer.serverPort());
        assertArrayEquals(transfer.payload(), flow.bytes[Direction.TO_SERVER].toByteArray(), "nothing lost");
        assertNull(pipeline.accountingError(), pipeline::counterSummary);
        assertEquals(0, pipeline.total(RingCounter.KERNEL_DROPS), "the ring never filled");
        assertEquals(0, pipeline.total(RingCounter.KERNEL_FREEZES));
        assertTrue(pipeline.total(DispatchCounter.COPIED_OUT) > 0);
        assertEquals(pipeline.total(DispatchCounter.COPIED_OUT), pipeline.total(WorkerCounter.FROM_COPY),
            "the worker read every copied frame from its copy");
        assertEquals(pipeline.total(RingCounter.BLOCKS), pipeline.total(DispatchCounter.BLOCKS_RELEASED));
    }

    private static FlowEvents.Log flow(final Map<String, FlowEvents.Log> flows, final int clientPort,
        final int serverPort)
    {
        FlowEvents.Log found = null;
        for (final FlowEvents.Log log : flows.values())
        {
            if (log.clientPort == clientPort && log.serverPort == serverPort)
            {
                assertNull(found, "one flow for port " + clientPort);
                found = log;
            }
        }
        assertNotNull(found, "a flow from port " + clientPort + " in " + flows.keySet());
        return found;
    }
}
