package io.flowtap.perf.capture;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.capture.file.PcapTestWriter;
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
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Cost per packet of the whole capture-file path: a memory-mapped pcap (in the page cache) read by the file source
 * and every frame decoded in place. One operation is one packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dagrona.disable.bounds.checks=true")
public class FileSourceBenchmark
{
    private static final int PACKETS = 100_000;

    /** Median frame size of the generated capture. */
    @Param({"64", "900"})
    public int frameSize;

    /** Whether TCP checksums are verified in software. */
    @Param({"OFF", "VERIFY"})
    public ChecksumMode checksum;

    private Path file;
    private PacketDecoder decoder;
    private final Counting counting = new Counting();

    /**
     * Write the capture once per trial.
     *
     * @throws IOException if the temporary file cannot be written.
     */
    @Setup(Level.Trial)
    public void writeCapture() throws IOException
    {
        decoder = new PacketDecoder(checksum);
        final SplittableRandom random = new SplittableRandom(11);
        final byte[][] frames = new byte[256][];
        for (int i = 0; i < frames.length; i++)
        {
            final int payloadLength = Math.max(0, frameSize - 54 + random.nextInt(-10, 11));
            final byte[] payload = new byte[payloadLength];
            random.nextBytes(payload);
            frames[i] = PacketBuilder.ethernet().ports(1024 + i, 80).seqAck(random.nextLong() >>> 32, i)
                .payload(payload).build();
        }
        final PcapTestWriter writer = new PcapTestWriter(
            ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_NANOSECONDS, 65535, LinkType.ETHERNET);
        for (int i = 0; i < PACKETS; i++)
        {
            final byte[] frame = frames[i & 255];
            writer.record(1_700_000_000L, i, frame, frame.length);
        }
        file = writer.writeTo(Files.createTempFile("flowtap-bench", ".pcap"));
    }

    /**
     * Remove the capture.
     *
     * @throws IOException if it cannot be deleted.
     */
    @TearDown(Level.Trial)
    public void deleteCapture() throws IOException
    {
        Files.deleteIfExists(file);
    }

    /**
     * Map, read and decode the whole file.
     *
     * @return segments decoded, so the work is not dead code.
     */
    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long readAndDecode()
    {
        counting.segments = 0;
        try (CaptureFileSource source = CaptureFiles.open(file))
        {
            while (!source.isEndOfStream())
            {
                source.poll(counting, 1024);
            }
        }
        return counting.segments;
    }

    private final class Counting implements FrameHandler
    {
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
