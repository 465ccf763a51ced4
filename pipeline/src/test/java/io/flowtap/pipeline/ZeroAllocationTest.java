package io.flowtap.pipeline;

import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.file.ManyFlowsCapture;
import io.flowtap.capture.test.Allocations;
import io.flowtap.pipeline.journal.ChronicleJournal;
import io.flowtap.pipeline.journal.JournalContext;
import io.flowtap.pipeline.stats.Stage;
import io.flowtap.pipeline.stats.StageHistograms;
import io.flowtap.pipeline.worker.HandlerFactory;
import io.flowtap.pipeline.worker.Worker;
import io.flowtap.pipeline.worker.WorkerCounter;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * After warm-up, segments through a poller, its queues and the workers (engines and a handler included) allocate
 * nothing: the thread that steps every agent (invoker mode) allocates zero bytes over a quarter of a million segments.
 */
class ZeroAllocationTest
{
    private static final int FLOWS = ManyFlowsCapture.FLOWS;
    /**
     * Chronicle allocates a little each time it maps the next chunk of a growing queue file (0 to 18 KB over the raw
     * journal's 40 MB here, by run); one byte per segment would be 126 KB.
     */
    private static final long JOURNAL_ALLOWANCE_BYTES = 32 * 1024;
    private static final int DATA_SEGMENTS_PER_DIRECTION = ManyFlowsCapture.DATA_SEGMENTS_PER_DIRECTION;

    /** Counts what it is given, and allocates nothing. */
    private static final class CountingHandler implements TcpHandler
    {
        long bytes;
        long flowsEnded;

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
            bytes += length;
            return length;
        }

        @Override
        public void onTerminate(final Flow flow, final FlowRecord record)
        {
            flowsEnded++;
        }
    }

    @Test
    void shouldAllocateNothingPerSegmentAfterWarmUp(@TempDir final Path directory) throws IOException
    {
        final long[] allocated = run(directory, new PipelineContext(), "");
        assertEquals(0, Arrays.stream(allocated).min().orElseThrow(), "bytes allocated after warm-up, by window: " +
            Arrays.toString(allocated));
    }

    @Test
    void shouldAllocateNothingPerSegmentWithTheJournalsAndLatencyOn(@TempDir final Path directory) throws IOException
    {
        try (ChronicleJournal journal = ChronicleJournal.open(new JournalContext().directory(directory.resolve("j"))
                .batchBytes(JournalContext.BATCH_BYTES_PIPELINE_DEFAULT));
            ChronicleJournal raw = ChronicleJournal.open(new JournalContext().directory(directory.resolve("raw"))
                .batchBytes(JournalContext.BATCH_BYTES_PIPELINE_DEFAULT)))
        {
            final StageHistograms histograms = new StageHistograms();
            final long allocated = Arrays.stream(run(directory, new PipelineContext()
                .histograms(histograms)
                .frameTaps(raw::newRawPacketWriter)
                .handlers(w -> List.of(journal.newWriter(w))), " with the journals and latency on")).sum();
            assertTrue(allocated <= JOURNAL_ALLOWANCE_BYTES, "bytes allocated after warm-up: " + allocated);
            assertTrue(histograms.interval(Stage.END_TO_END).getTotalCount() > 100_000);
        }
    }

    /**
     * Run the capture through 1 poller and 2 workers stepped by this thread, with the context's extras plus a
     * counting handler per worker, and check that everything arrived.
     *
     * @return bytes this thread allocated in each of the measured windows.
     */
    private static long[] run(final Path directory, final PipelineContext context, final String what)
        throws IOException
    {
        final Path file = directory.resolve("flows.pcap");
        final long segments = writeCapture(file);
        final CountingHandler[] handlers = new CountingHandler[2];
        final HandlerFactory extra = context.handlers();
        final Pipeline pipeline = Pipeline.file(
            context
                .workers(2)
                .threadingMode(ThreadingMode.INVOKER)
                .checksumMode(ChecksumMode.VERIFY)
                .queueCapacity(512)
                .handlers(w ->
                {
                    handlers[w] = new CountingHandler();
                    final List<TcpHandler> list = new ArrayList<>(extra.newHandlers(w));
                    list.add(0, handlers[w]);
                    return list;
                }),
            file);
        final Worker[] workers = pipeline.workers().toArray(new Worker[0]);
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // Warm-up: every flow's handshake (the engines make their flow objects on first use) and some data; then
        // three windows of data (seen allocating in one window about once in six runs on a loaded 2-vCPU machine:
        // a deoptimisation, see Allocations#inWindows).
        Allocations.inWindows(() -> segments(workers), pipeline::doWork, new long[] {segments * 3 / 10}, deadlineNs);
        final Allocations.Windows windows = Allocations.inWindows(() -> segments(workers), pipeline::doWork,
            new long[] {segments * 5 / 10, segments * 7 / 10, segments * 9 / 10}, deadlineNs);
        final long[] allocated = windows.bytes();
        final long measured = windows.progress();
        assertTrue(pipeline.awaitInputFinished(TimeUnit.SECONDS.toNanos(60)));
        pipeline.close();

        System.out.printf("zero allocation: %d segments measured through 1 poller and 2 workers%s in %d windows, " +
            "bytes allocated in each %s%n", measured, what, allocated.length, Arrays.toString(allocated));
        assertNull(pipeline.accountingError(), pipeline::counterSummary);
        assertEquals(segments, pipeline.total(WorkerCounter.SEGMENTS));
        assertEquals(FLOWS, handlers[0].flowsEnded + handlers[1].flowsEnded, "every flow ended");
        assertEquals(2L * FLOWS * DATA_SEGMENTS_PER_DIRECTION * 100, handlers[0].bytes + handlers[1].bytes);
        assertTrue(measured > 100_000, "segments measured: " + measured);
        return allocated;
    }

    private static long segments(final Worker[] workers)
    {
        long sum = 0;
        for (int i = 0; i < workers.length; i++)
        {
            sum += workers[i].counter(WorkerCounter.SEGMENTS);
        }
        return sum;
    }

    /**
     * @param file to write: {@link ManyFlowsCapture}'s capture.
     * @return frames written.
     * @throws IOException writing it.
     */
    static long writeCapture(final Path file) throws IOException
    {
        return ManyFlowsCapture.write(file);
    }
}
