package io.flowtap.perf.capture;

import io.flowtap.capture.codec.InternetChecksum;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * The RFC 1071 sum over one TCP segment's bytes: flowtap's four-lane {@link InternetChecksum#sum} beside the one
 * accumulator loop it replaced (kept here as the baseline). Segments lie back to back off-heap, 1,024 of them, so
 * that at 1,460 bytes they come from L2/L3 rather than L1, as a ring's do.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dagrona.disable.bounds.checks=true")
public class ChecksumBenchmark
{
    private static final int SEGMENTS = 1024;
    private static final int MASK = SEGMENTS - 1;

    /** Bytes summed: a TCP header alone, a small segment, the mix's median, a full Ethernet MSS. */
    @Param({"20", "84", "866", "1480"})
    public int length;

    private UnsafeBuffer block;
    private int stride;
    private int index;

    /**
     * Fill the segments with random bytes.
     */
    @Setup
    public void setup()
    {
        stride = (length + 63) & ~63;
        block = new UnsafeBuffer(BufferUtil.allocateDirectAligned(stride * SEGMENTS, 64));
        final byte[] bytes = new byte[stride * SEGMENTS];
        new SplittableRandom(7).nextBytes(bytes);
        block.putBytes(0, bytes);
    }

    /**
     * @return the folded sum of the next segment.
     */
    @Benchmark
    public int fourLanes()
    {
        final int offset = (index++ & MASK) * stride;
        return InternetChecksum.fold(InternetChecksum.sum(block, offset, length));
    }

    /**
     * @return the folded sum of the next segment, one accumulator.
     */
    @Benchmark
    public int oneAccumulator()
    {
        final int offset = (index++ & MASK) * stride;
        return InternetChecksum.fold(oneAccumulator(block, offset, length));
    }

    private static long oneAccumulator(final DirectBuffer buffer, final int offset, final int length)
    {
        long sum = 0;
        int i = 0;
        final int longs = length & ~7;
        for (; i < longs; i += 8)
        {
            final long word = buffer.getLong(offset + i, LITTLE_ENDIAN);
            sum += (word & 0xFFFF_FFFFL) + (word >>> 32);
        }
        if (length - i >= 4)
        {
            sum += buffer.getInt(offset + i, LITTLE_ENDIAN) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (length - i >= 2)
        {
            sum += buffer.getShort(offset + i, LITTLE_ENDIAN) & 0xFFFF;
            i += 2;
        }
        if (i < length)
        {
            sum += buffer.getByte(offset + i) & 0xFF;
        }
        return sum;
    }
}
