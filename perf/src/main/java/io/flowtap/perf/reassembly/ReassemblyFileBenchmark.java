package io.flowtap.perf.reassembly;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.FrameFeeder;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.test.SyntheticTraffic;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Cost per packet of reassembling a whole capture file as the command line does: {@code CaptureFiles.open}, a
 * {@link FrameFeeder} decoding every frame in place and feeding a new engine, which is shut down at the end so every
 * flow ends. The file is a 1,000,000-packet pcap (in the page cache) of the same synthetic connections as
 * {@link ReassemblyBenchmark}'s. Beside it, in the same run: the same file read and decoded without reassembly. One
 * operation is one packet; the engine is built before each pass, outside the time measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = "-Dagrona.disable.bounds.checks=true")
public class ReassemblyFileBenchmark
{
    private static final int PACKETS = 1_000_000;
    private static final int DATA_SEGMENTS = 16;

    /** Payload bytes of each data segment. */
    @Param({"64", "900"})
    public int payload;

    /** {@code IN_ORDER}, or {@code OUT_OF_ORDER}: swapped, held back, retransmitted and overlapping segments. */
    @Param({"IN_ORDER", "OUT_OF_ORDER"})
    public SyntheticTraffic.Order order;

    /** Whether TCP checksums are verified in software. */
    @Param({"OFF"})
    public ChecksumMode checksum;

    /** Concurrent connections. */
    @Param({"1000"})
    public int flows;

    private final Consumer consumer = new Consumer();
    private final Decoding decoding = new Decoding();
    private Path file;

    /**
     * Write the capture once per trial.
     *
     * @throws IOException if the temporary file cannot be written.
     */
    @Setup(Level.Trial)
    public void writeCapture() throws IOException
    {
        final SyntheticTraffic trace = new SyntheticTraffic(flows,
            ReassemblyBenchmark.connectionsPerFlow(flows, DATA_SEGMENTS, PACKETS), DATA_SEGMENTS, payload, order, 7);
        file = trace.writePcap(Files.createTempFile("flowtap-reassembly", ".pcap"), PACKETS);
        decoding.decoder = new PacketDecoder(checksum);
    }

    /**
     * Remove the capture, and fail the trial if the engine skipped bytes.
     *
     * @throws IOException if it cannot be deleted.
     */
    @TearDown(Level.Trial)
    public void deleteCapture() throws IOException
    {
        Files.deleteIfExists(file);
    }

    /**
     * Map, read, decode and reassemble the whole file, then end every flow.
     *
     * @return frames read, so the work is not dead code.
     */
    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long reassemble(final Pass pass)
    {
        try (CaptureFileSource source = CaptureFiles.open(file))
        {
            return pass.feeder.feedAll(source);
        }
    }

    /**
     * The floor: map, read and decode the same file without reassembling it.
     *
     * @return segments decoded, so the work is not dead code.
     */
    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long readAndDecode()
    {
        decoding.segments = 0;
        try (CaptureFileSource source = CaptureFiles.open(file))
        {
            while (!source.isEndOfStream())
            {
                source.poll(decoding, 256);
            }
        }
        return decoding.segments;
    }

    /**
     * A new engine for each pass over the file, as for each file the command line reads.
     */
    @State(Scope.Thread)
    public static class Pass
    {
        private FrameFeeder feeder;
        private ReassemblyEngine engine;

        /**
         * Build the engine, outside the time measured.
         *
         * @param benchmark whose parameters apply.
         */
        @Setup(Level.Invocation)
        public void newEngine(final ReassemblyFileBenchmark benchmark)
        {
            engine = new ReassemblyEngine(new EngineContext(), benchmark.consumer);
            feeder = new FrameFeeder(new PacketDecoder(benchmark.checksum), engine);
        }

        /**
         * Check the pass did the work measured: every segment tracked, no byte lost to a memcap. (Connections cut
         * short by the end of the file may end with holes, reported as gaps.)
         */
        @TearDown(Level.Invocation)
        public void check()
        {
            final long tracked = engine.counters().get(EngineCounter.TRACKED);
            final long memcapHits = engine.counters().get(EngineCounter.MEMCAP_ENGINE) +
                engine.counters().get(EngineCounter.MEMCAP_FLOW);
            if (memcapHits != 0 || tracked != PACKETS)
            {
                throw new IllegalStateException(
                    tracked + " segments tracked, " + memcapHits + " memcap hits: the figures do not count");
            }
        }
    }

    private static final class Decoding implements FrameHandler
    {
        PacketDecoder decoder;
        long segments;

        @Override
        public void onFrame(final Frame frame)
        {
            if (decoder.decode(frame))
            {
                segments += decoder.tcp().payloadLength() >= 0 ? 1 : 0;
            }
        }
    }
}
