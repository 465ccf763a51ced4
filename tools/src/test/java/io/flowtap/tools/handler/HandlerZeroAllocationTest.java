package io.flowtap.tools.handler;

import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.file.ManyFlowsCapture;
import io.flowtap.capture.test.Allocations;
import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.PipelineContext;
import io.flowtap.pipeline.ThreadingMode;
import io.flowtap.pipeline.worker.Worker;
import io.flowtap.pipeline.worker.WorkerCounter;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.HandlerErrorPolicy;
import io.flowtap.reassembly.HandlerErrors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.flowtap.tools.handler.Commands.exampleSource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The zero-allocation rule holds with a user's handlers loaded as the command line loads them (compiled from their
 * source at start, or by class; fenced; one instance per worker): after warm-up, the data segments of 500 connections
 * through a poller and two workers, stepped by this thread, allocate nothing, with the non-allocating examples
 * (Trisul's byte counter and PATHspider's TCPChain) counting every byte and every packet.
 */
class HandlerZeroAllocationTest
{
    private static final int FLOWS = ManyFlowsCapture.FLOWS;
    private static final int DATA_SEGMENTS_PER_DIRECTION = ManyFlowsCapture.DATA_SEGMENTS_PER_DIRECTION;
    private static final int PAYLOAD = ManyFlowsCapture.PAYLOAD;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"source", "class"})
    void shouldAllocateNothingPerSegmentWithTheNonAllocatingExamplesLoaded(final String how) throws IOException
    {
        final Path file = dir.resolve("flows.pcap");
        final long segments = ManyFlowsCapture.write(file);
        final List<HandlerSpec> specs = how.equals("source") ?
            List.of(new HandlerSpec(HandlerSpec.Kind.SOURCE, exampleSource("TrisulByteCounter")),
                new HandlerSpec(HandlerSpec.Kind.SOURCE, exampleSource("PathspiderTcpChain"))) :
            List.of(new HandlerSpec(HandlerSpec.Kind.CLASS, "io.flowtap.examples.TrisulByteCounter"),
                new HandlerSpec(HandlerSpec.Kind.CLASS, "io.flowtap.examples.PathspiderTcpChain"));
        final StringWriter out = new StringWriter();
        final List<String> log = new ArrayList<>();
        final HandlerErrors errors = new HandlerErrors(HandlerErrorPolicy.CONTINUE, log::add);
        final UserHandlers user = new HandlerLoader(specs, List.of(), List.of("pool=512"),
            getClass().getClassLoader()).load(2, errors, new PrintWriter(out, true), log::add);

        final Pipeline pipeline = Pipeline.file(new PipelineContext()
            .workers(2)
            .threadingMode(ThreadingMode.INVOKER)
            .checksumMode(ChecksumMode.VERIFY)
            .queueCapacity(512)
            .engineContext(() -> new EngineContext().dataSlots(user.dataSlots()))
            .handlers(user::forWorker), file);
        final Worker[] workers = pipeline.workers().toArray(new Worker[0]);
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // Warm-up: every flow's handshake (the engines make their flow objects on first use) and some data; then
        // three windows of data (a method whose profile an earlier test's handler classes shaped may deoptimise in
        // one: see Allocations#inWindows).
        Allocations.inWindows(() -> segments(workers), pipeline::doWork, new long[] {segments * 3 / 10}, deadlineNs);
        final Allocations.Windows windows = Allocations.inWindows(() -> segments(workers), pipeline::doWork,
            new long[] {segments * 5 / 10, segments * 7 / 10, segments * 9 / 10}, deadlineNs);
        final long[] allocated = windows.bytes();
        final long measured = windows.progress();
        assertTrue(pipeline.awaitInputFinished(TimeUnit.SECONDS.toNanos(60)));
        pipeline.close();

        System.out.printf("zero allocation with the examples loaded by %s: %d segments measured in %d windows, " +
            "bytes allocated in each %s%n", how, measured, allocated.length, Arrays.toString(allocated));
        assertTrue(measured > 100_000, "segments measured: " + measured);
        assertEquals(0, Arrays.stream(allocated).min().orElseThrow(), "bytes allocated after warm-up, by window: " +
            Arrays.toString(allocated));

        // And they did their work: every flow counted by each, every byte, no error.
        final long payloadEachWay = (long)DATA_SEGMENTS_PER_DIRECTION * PAYLOAD;
        final List<String> lines = out.toString().lines().toList();
        assertEquals(FLOWS, lines.stream().filter(line -> line.startsWith("trisul ") &&
            line.endsWith(" out " + payloadEachWay + " in " + payloadEachWay + " attributes 0")).count());
        assertEquals(FLOWS, lines.stream().filter(line -> line.startsWith("{") &&
            line.contains("\"tcp_connected\":true") && line.endsWith("\"complete\":true}")).count());
        assertEquals(0, errors.count(), log::toString);
        assertEquals(segments, pipeline.total(WorkerCounter.SEGMENTS));
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
}
