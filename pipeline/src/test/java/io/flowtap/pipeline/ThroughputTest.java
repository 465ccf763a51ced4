package io.flowtap.pipeline;

import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.pipeline.worker.WorkerCounter;
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
 * Not a benchmark (that is {@code perf}'s job): prints how fast a synthetic file of small segments goes through the
 * pipeline with one and two dedicated workers, so a regression of an order of magnitude shows in the test output.
 */
class ThroughputTest
{
    @Test
    void shouldReadASyntheticFileThroughDedicatedWorkers(@TempDir final Path directory) throws IOException
    {
        final Path file = directory.resolve("flows.pcap");
        final long segments = ZeroAllocationTest.writeCapture(file);
        for (int round = 0; round < 2; round++)
        {
            for (final int workers : new int[] {1, 2})
            {
                final long startNs = System.nanoTime();
                final Pipeline pipeline = Pipeline.file(
                    new PipelineContext().workers(workers).checksumMode(ChecksumMode.VERIFY).handlers(w -> List.of()),
                    file);
                assertTrue(pipeline.awaitInputFinished(TimeUnit.SECONDS.toNanos(60)));
                pipeline.close();
                final long tookNs = System.nanoTime() - startNs;
                assertNull(pipeline.accountingError(), pipeline::counterSummary);
                assertEquals(segments, pipeline.total(WorkerCounter.SEGMENTS));
                if (round == 1)
                {
                    System.out.printf("throughput: %d segments (100-byte payloads), %d worker(s): %.2f M segments/s " +
                        "(start and close included)%n", segments, workers, segments * 1e3 / tookNs);
                }
            }
        }
    }
}
