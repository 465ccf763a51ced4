package io.flowtap.pipeline.stats;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsTest
{
    @TempDir
    Path dir;

    @Test
    void histogramLogIsReadBackByHdrHistogramsOwnReaderWithTheRightPercentiles() throws Exception
    {
        final StageHistograms histograms = new StageHistograms();
        final Path log = dir.resolve("latency.hlog");
        try (HistogramLog writer = new HistogramLog(log, histograms))
        {
            for (int i = 1; i <= 1000; i++)
            {
                histograms.record(Stage.END_TO_END, i * 1000L);
            }
            writer.writeInterval();
            histograms.record(Stage.POLLER_TO_WORKER, 500);
        }

        final Map<String, Histogram> byTag = new HashMap<>();
        try (HistogramLogReader reader = new HistogramLogReader(log.toFile()))
        {
            EncodableHistogram next;
            while ((next = reader.nextIntervalHistogram()) != null)
            {
                final Histogram histogram = (Histogram)next;
                byTag.merge(histogram.getTag(), histogram, (a, b) ->
                {
                    a.add(b);
                    return a;
                });
            }
        }
        final Histogram endToEnd = byTag.get("end-to-end");
        assertEquals(1000, endToEnd.getTotalCount());
        assertEquals(500_000, endToEnd.getValueAtPercentile(50), 500_000 * 0.001);
        assertEquals(990_000, endToEnd.getValueAtPercentile(99), 990_000 * 0.001);
        assertEquals(1, byTag.get("poller-to-worker").getTotalCount());

        final ByteArrayOutputStream summary = new ByteArrayOutputStream();
        histograms.printSummary(new PrintStream(summary, true, StandardCharsets.UTF_8));
        final String text = summary.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("end-to-end         count 1000  p50 500.2 us"), text);
    }

    @Test
    void countersWrittenHereAreReadFromTheFileByAnotherReader()
    {
        final Path path = dir.resolve("counters.dat");
        try (CountersFile file = CountersFile.create(path, 64))
        {
            final AtomicCounter segments = file.counter("worker 0: segments");
            final AtomicCounter gaps = file.counter("worker 0: gap bytes");
            segments.increment();
            segments.increment();
            gaps.setOrdered(4096);
            try (CountersFileReader reader = CountersFileReader.open(path))
            {
                assertEquals(Map.of("worker 0: segments", 2L, "worker 0: gap bytes", 4096L), reader.values());
                assertEquals(ProcessHandle.current().pid(), reader.pid());
            }
        }
    }

    @Test
    void aFileThatIsNotACountersFileIsOneClearLine() throws Exception
    {
        final Path foreign = dir.resolve("foreign");
        Files.write(foreign, new byte[128]);
        final IllegalArgumentException error =
            assertThrows(IllegalArgumentException.class, () -> CountersFileReader.open(foreign));
        assertEquals(foreign + ": not a flowtap counters file", error.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CountersFileReader.open(dir.resolve("none")))
            .getMessage().endsWith("no counters file (is the appliance running?)"));
    }
}
