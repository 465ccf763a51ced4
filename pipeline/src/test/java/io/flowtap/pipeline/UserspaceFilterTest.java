package io.flowtap.pipeline;

import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.filter.FlowFilter;
import io.flowtap.capture.test.Allocations;
import io.flowtap.pipeline.shard.DispatchCounter;
import io.flowtap.pipeline.worker.Worker;
import io.flowtap.pipeline.worker.WorkerCounter;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.TcpHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A filter too large for the kernel runs in the poller, where each frame is decoded once: a blocklist of half the
 * clients (a set lookup, not a chain of tests) keeps their segments from the workers, counts every one of them as
 * {@link DispatchCounter#FILTERED_OUT}, the accounting still adds up, and the poller allocates nothing per segment.
 */
class UserspaceFilterTest
{
    /** Segments per flow in {@link ZeroAllocationTest#writeCapture}: handshake, 250 each way, close. */
    private static final int SEGMENTS_PER_FLOW = 3 + 2 * 250 + 3;
    private static final int FLOWS = 500;

    /** Counts the flows that end. */
    private static final class EndCounter implements TcpHandler
    {
        long flowsEnded;

        @Override
        public void onTerminate(final Flow flow, final FlowRecord record)
        {
            flowsEnded++;
        }
    }

    @Test
    void shouldKeepABlocklistsSegmentsFromTheWorkersCountingThemWithoutAllocating(@TempDir final Path directory)
        throws IOException
    {
        final Path file = directory.resolve("flows.pcap");
        final long segments = ZeroAllocationTest.writeCapture(file);
        assertEquals((long)FLOWS * SEGMENTS_PER_FLOW, segments);
        // Every even flow's client (10.1.hi.lo, flow = hi * 256 + lo): 250 hosts.
        final StringBuilder blocklist = new StringBuilder("not (");
        for (int f = 0; f < FLOWS; f += 2)
        {
            blocklist.append(f == 0 ? "" : " or ").append("host 10.1.").append(f >>> 8).append('.').append(f & 0xFF);
        }
        final FlowFilter filter = FlowFilter.parse(blocklist.append(')').toString());
        final EndCounter[] handlers = new EndCounter[2];
        final Pipeline pipeline = Pipeline.file(new PipelineContext()
            .workers(2)
            .threadingMode(ThreadingMode.INVOKER)
            .checksumMode(ChecksumMode.VERIFY)
            .queueCapacity(512)
            .filter(filter)
            .handlers(w ->
            {
                handlers[w] = new EndCounter();
                return List.of(handlers[w]);
            }), file);
        final Worker[] workers = pipeline.workers().toArray(new Worker[0]);
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        final long kept = segments / 2;
        while (taken(workers) < kept * 2 / 5 && System.nanoTime() < deadlineNs)
        {
            pipeline.doWork();
        }
        final long before = Allocations.currentThreadBytes();
        while (taken(workers) < kept * 9 / 10 && System.nanoTime() < deadlineNs)
        {
            pipeline.doWork();
        }
        final long allocated = Allocations.currentThreadBytes() - before;
        assertTrue(pipeline.awaitInputFinished(TimeUnit.SECONDS.toNanos(60)));
        pipeline.close();

        assertNull(pipeline.accountingError(), pipeline::counterSummary);
        assertEquals(segments / 2, pipeline.total(DispatchCounter.FILTERED_OUT), pipeline::counterSummary);
        assertEquals(segments / 2, pipeline.total(DispatchCounter.SEGMENTS), pipeline::counterSummary);
        assertEquals(segments / 2, pipeline.total(WorkerCounter.SEGMENTS), pipeline::counterSummary);
        assertEquals(FLOWS / 2, handlers[0].flowsEnded + handlers[1].flowsEnded, "only the odd flows reached a worker");
        assertEquals(0, allocated, "bytes allocated after warm-up, filter included");
    }

    private static long taken(final Worker[] workers)
    {
        long sum = 0;
        for (int i = 0; i < workers.length; i++)
        {
            sum += workers[i].counter(WorkerCounter.SEGMENTS);
        }
        return sum;
    }
}
