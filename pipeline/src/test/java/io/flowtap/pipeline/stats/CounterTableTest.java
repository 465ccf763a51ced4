package io.flowtap.pipeline.stats;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.DecodeCounters;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.EngineCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CounterTableTest
{
    @TempDir
    Path dir;

    @Test
    void shouldShowEachPollersCopiesAddedUpAndEachWorkersOwnWithDerivedCountersSummed()
    {
        final Path path = dir.resolve("counters.dat");
        try (CountersFile file = CountersFile.create(path, 512))
        {
            final DecodeCounters poller0 = new DecodeCounters(CounterTable.POLLER_DECODE.allocator(file, 0));
            final DecodeCounters poller1 = new DecodeCounters(CounterTable.POLLER_DECODE.allocator(file, 1));
            final EngineCounters worker0 = new EngineCounters(CounterTable.WORKER_ENGINE.allocator(file, 0));
            file.counter("latency end-to-end: any", CountersFile.TYPE_HISTOGRAM_BUCKET, Long.MAX_VALUE).setRelease(5);
            poller0.add(DecodeCounter.TCP_SEGMENT, 10);
            poller0.increment(DecodeCounter.NOT_IP);
            poller1.add(DecodeCounter.TCP_SEGMENT, 5);
            worker0.add(EngineCounter.TRACKED, 7);
            worker0.increment(EngineCounter.NO_FLOW);

            try (CountersFileReader reader = CountersFileReader.open(path))
            {
                final Map<String, Long> values = reader.values();
                assertEquals(16L, values.get("decode: frames"));
                assertEquals(15L, values.get("decode: tcp segments"));
                assertEquals(1L, values.get("decode: not IP"));
                assertEquals(8L, values.get("worker 0: segments"));
                assertEquals(1L, values.get("worker 0: no flow"));
                assertEquals(5L, values.get("latency end-to-end: any"));
                assertFalse(values.containsKey("poller 0: decode: frames"), values.toString());

                final List<String> labels = new ArrayList<>(values.keySet());
                assertEquals("decode: frames", labels.get(0));
                assertTrue(labels.indexOf("decode: fragments: bad") < labels.indexOf("worker 0: segments"));
                assertEquals(DecodeCounter.count() + EngineCounter.count() + 1, labels.size());
            }
        }
    }

    @Test
    void shouldCountWhatItAllocates()
    {
        int perPoller = 0;
        int perWorker = 0;
        for (final CounterTable list : CounterTable.values())
        {
            if (list.scope() == CounterScope.POLLER)
            {
                perPoller += list.size();
            }
            else
            {
                perWorker += list.size();
            }
        }
        assertEquals(2 * perPoller + 3 * perWorker, CounterTable.countersFor(2, 3));
    }
}
