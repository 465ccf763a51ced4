package io.flowtap.pipeline;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.capture.test.Corpus;
import io.flowtap.pipeline.shard.DispatchCounter;
import io.flowtap.pipeline.worker.WorkerCounter;
import io.flowtap.reassembly.BadChecksumPolicy;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.FrameFeeder;
import io.flowtap.reassembly.ReassemblyEngine;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A capture file read through the pipeline, with 1, 2 and 4 workers, gives every flow exactly the events the
 * single-threaded engine gives it ({@link FrameFeeder}), in the same order: payload chunks, gaps, conflicts, the
 * packets it saw and its final record, end reason included. The workers' engines are fed the pollers' time watermark,
 * so idle timeouts fire where they do in one engine, among each flow's events (their clock time may be later: see
 * {@link FlowEvents}). Every frame is accounted for.
 */
class FileEquivalenceTest
{
    private static final Path[] BUNDLED_DIRECTORIES = {
        Paths.get("..", "capture", "src", "test", "resources", "pcap"),
        Paths.get("..", "reassembly", "src", "test", "resources", "pcap"),
    };
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);

    static List<Path> bundled()
    {
        final List<Path> files = new ArrayList<>();
        for (final Path directory : BUNDLED_DIRECTORIES)
        {
            try (Stream<Path> list = Files.list(directory))
            {
                files.addAll(list.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng"))
                    .sorted().collect(Collectors.toList()));
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        assertTrue(files.size() > 30, "bundled captures found: " + files);
        return files;
    }

    static Stream<Arguments> bundledTimesWorkers()
    {
        return bundled().stream().flatMap(file -> Stream.of(1, 2, 4).map(workers -> Arguments.of(file, workers)));
    }

    @ParameterizedTest(name = "{0} with {1} workers")
    @MethodSource("bundledTimesWorkers")
    void shouldGiveEveryFlowTheSameEventsAsOneEngine(final Path file, final int workers)
    {
        final Map<String, FlowEvents.Log> expected = single(file, FileEquivalenceTest::fixedChecksumPolicy);
        final Run run = pipeline(
            file, workers, ThreadingMode.DEDICATED, 1 << 30, 1024, FileEquivalenceTest::fixedChecksumPolicy);
        assertSameFlows(file + " with " + workers + " workers", expected, run.flows);
    }

    @Test
    void shouldGiveTheSameEventsWhenWindowsMoveAndQueuesAreTiny()
    {
        long windowMoves = 0;
        long copiedOut = 0;
        long stalls = 0;
        for (final Path file : bundled())
        {
            final Map<String, FlowEvents.Log> expected = single(file, FileEquivalenceTest::fixedChecksumPolicy);
            // Windows of one page: the mapped window moves every few frames, with segments still queued in it.
            final Run run = pipeline(file, 2, ThreadingMode.INVOKER, 4096, 4, FileEquivalenceTest::fixedChecksumPolicy);
            assertSameFlows(file + " with tiny windows and queues", expected, run.flows);
            windowMoves += run.windowMoves;
            copiedOut += run.copiedOut;
            stalls += run.stalls;
        }
        System.out.printf("tiny windows and queues: %d window moves, %d segments copied out, %d stalls%n",
            windowMoves, copiedOut, stalls);
        assertTrue(windowMoves > 0 && copiedOut > 0, "window moves copied queued segments out");
    }

    @Test
    @Tag("corpus")
    void shouldGiveTheSameEventsOnTheCorpus()
    {
        final Path corpus = Corpus.dir();
        // Engines small enough to start thousands of times; files where one engine hits a limit are compared only
        // for their accounting, since limits shared by one engine and split over several legitimately differ.
        final Supplier<EngineContext> engine = () -> fixedChecksumPolicy()
            .maxFlows(8192).engineMemcapBytes(16L << 20).maxSegments(16384);
        int compared = 0;
        int limited = 0;
        int notCaptures = 0;
        long segments = 0;
        final long startNs = System.nanoTime();
        for (final Corpus.Entry entry : Corpus.entries())
        {
            final Path file = corpus.resolve(entry.path());
            final Map<String, FlowEvents.Log> expected;
            final long[] limits = new long[1];
            try
            {
                expected = single(file, engine, limits);
            }
            catch (final CaptureFileException ex)
            {
                if (ex.getMessage().contains("not a pcap or pcapng") || ex.getMessage().contains("too short"))
                {
                    notCaptures++;
                    continue;
                }
                throw ex;
            }
            final int workers = 1 << (compared % 3);
            final ThreadingMode mode = workers == 4 ? ThreadingMode.DEDICATED : ThreadingMode.INVOKER;
            final int window = compared % 2 == 0 ? 1 << 30 : 1 << 16;
            final Run run = pipeline(file, workers, mode, window, 256, engine);
            segments += run.segments;
            if (limits[0] == 0)
            {
                assertSameFlows(file + " with " + workers + " workers", expected, run.flows);
            }
            else
            {
                limited++;
            }
            compared++;
        }
        System.out.printf("corpus: %d captures through the pipeline (%d hit an engine limit, %d not captures), %d " +
            "segments, %.1f s%n", compared, limited, notCaptures, segments, (System.nanoTime() - startNs) / 1e9);
        assertTrue(compared > 1000, "captures compared: " + compared);
    }

    /**
     * Checksum policy AUTO decides per engine from the segments that engine sees, so an engine that sees a share of
     * the flows may decide otherwise than one that sees them all: the comparison fixes the policy.
     */
    private static EngineContext fixedChecksumPolicy()
    {
        return new EngineContext().badChecksumPolicy(BadChecksumPolicy.DROP);
    }

    private static Map<String, FlowEvents.Log> single(final Path file, final Supplier<EngineContext> context)
    {
        return single(file, context, new long[1]);
    }

    private static Map<String, FlowEvents.Log> single(
        final Path file, final Supplier<EngineContext> context, final long[] limits)
    {
        final FlowEvents events = new FlowEvents(false);
        final ReassemblyEngine engine = new ReassemblyEngine(context.get(), events);
        try (CaptureFileSource source = CaptureFiles.open(file))
        {
            // The decoder stages the pollers run: tunnels opened, fragments reassembled.
            new FrameFeeder(new PacketDecoder(new DecoderContext().checksumMode(ChecksumMode.AUTO), false), engine)
                .feedAll(source);
        }
        catch (final CaptureFileException ex)
        {
            if (ex.getMessage().contains("not a pcap or pcapng") || ex.getMessage().contains("too short") ||
                ex.getMessage().contains("empty file"))
            {
                throw ex;
            }
            // A damaged file: the pipeline also reassembles every frame before the damage.
            engine.shutdown();
        }
        limits[0] = engine.counters().get(EngineCounter.FLOW_TABLE_FULL) +
            engine.counters().get(EngineCounter.FLOWS_EVICTED) + engine.counters().get(EngineCounter.MEMCAP_ENGINE);
        return events.flows();
    }

    /** What a pipeline run gave. */
    private static final class Run
    {
        Map<String, FlowEvents.Log> flows;
        long windowMoves;
        long copiedOut;
        long stalls;
        long segments;
    }

    private static Run pipeline(
        final Path file,
        final int workers,
        final ThreadingMode mode,
        final int windowLength,
        final int queueCapacity,
        final Supplier<EngineContext> engine)
    {
        final FlowEvents[] recorders = new FlowEvents[workers];
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final PipelineContext context = new PipelineContext()
            .workers(workers)
            .threadingMode(mode)
            .queueCapacity(queueCapacity)
            .checksumMode(ChecksumMode.AUTO)
            .engineContext(engine)
            .errorHandler(errors::add)
            .handlers(w ->
            {
                recorders[w] = new FlowEvents(false);
                return List.of(recorders[w]);
            });
        final Run run = new Run();
        final Pipeline pipeline = Pipeline.file(context, CaptureFiles.open(file, windowLength));
        try
        {
            assertTrue(pipeline.awaitInputFinished(TIMEOUT_NS), "end of " + file);
        }
        finally
        {
            pipeline.close();
        }
        assertEquals(List.of(), errors, "errors on the pipeline's threads");
        assertNull(pipeline.accountingError(), () -> file + ": " + pipeline.accountingError() + "\n" +
            pipeline.counterSummary());
        assertEquals(0, pipeline.total(DispatchCounter.DROPPED_QUEUE_FULL), "nothing dropped when waiting");
        run.flows = FlowEvents.merge(Arrays.asList(recorders));
        run.windowMoves = pipeline.total(DispatchCounter.WINDOW_MOVES);
        run.copiedOut = pipeline.total(DispatchCounter.COPIED_OUT);
        run.stalls = pipeline.total(DispatchCounter.QUEUE_FULL_STALLS);
        run.segments = pipeline.total(WorkerCounter.SEGMENTS);
        return run;
    }

    static void assertSameFlows(
        final String what, final Map<String, FlowEvents.Log> expected, final Map<String, FlowEvents.Log> actual)
    {
        if (!expected.keySet().equals(actual.keySet()))
        {
            final List<String> missing = new ArrayList<>(expected.keySet());
            missing.removeAll(actual.keySet());
            final List<String> extra = new ArrayList<>(actual.keySet());
            extra.removeAll(expected.keySet());
            fail(what + ": flows differ; missing " + limit(missing) + ", extra " + limit(extra));
        }
        for (final Map.Entry<String, FlowEvents.Log> entry : expected.entrySet())
        {
            final FlowEvents.Log want = entry.getValue();
            final FlowEvents.Log got = actual.get(entry.getKey());
            if (want.eventCount != got.eventCount || want.digest.getValue() != got.digest.getValue())
            {
                final int n = Math.min(want.events.size(), got.events.size());
                int first = 0;
                while (first < n && want.events.get(first).equals(got.events.get(first)))
                {
                    first++;
                }
                fail(what + ": flow " + entry.getKey() + " differs at event " + first + ": one engine " +
                    want.summary() + ", pipeline " + got.summary() + "\n  one engine: " +
                    (first < want.events.size() ? want.events.get(first) : "(none)") + "\n  pipeline:   " +
                    (first < got.events.size() ? got.events.get(first) : "(none)"));
            }
        }
    }

    private static List<String> limit(final List<String> keys)
    {
        return keys.size() > 5 ? keys.subList(0, 5) : keys;
    }
}
