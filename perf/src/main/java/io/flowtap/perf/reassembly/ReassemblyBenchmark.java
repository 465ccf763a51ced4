package io.flowtap.perf.reassembly;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.reassembly.DeliveryMode;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.HandlerErrorPolicy;
import io.flowtap.reassembly.HandlerErrors;
import io.flowtap.reassembly.IsolatedHandler;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.reassembly.test.SyntheticTraffic;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Cost of reassembling one TCP segment: decoded in place, then fed to the engine, which tracks its connection and
 * hands its bytes to a handler that consumes them all. One operation is one segment of a trace of whole connections
 * (handshake, request and response data with ACKs, FIN teardown) over {@code flows} concurrent connections, replayed
 * without end: each replay is shifted in time by the trace's length, so the engine sees connections end and new ones
 * start for ever. Beside it, in the same run: decoding alone ({@link #decodeOnly}, the floor), and a naive
 * {@code HashMap}/{@code TreeMap} reassembler that copies every payload ({@link #naive}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dagrona.disable.bounds.checks=true")
public class ReassemblyBenchmark
{
    /** Frames a replay of the trace has at least: enough that it does not sit in the caches. */
    static final int TRACE_FRAMES = 200_000;

    /** Payload bytes of each data segment. */
    @Param({"64", "900"})
    public int payload;

    /**
     * {@code IN_ORDER}; {@code OUT_OF_ORDER}: swapped, held back, retransmitted and overlapping segments;
     * {@code FIRST_LATE}: every other data segment of a direction waits behind a hole at its front.
     */
    @Param({"IN_ORDER", "OUT_OF_ORDER"})
    public SyntheticTraffic.Order order;

    /** Data segments of each request and each response. */
    @Param({"16"})
    public int dataSegments;

    /** When the engine delivers: as soon as in order, or once acknowledged. */
    @Param({"IMMEDIATE"})
    public DeliveryMode mode;

    /** Concurrent connections. */
    @Param({"1000"})
    public int flows;

    /**
     * {@code PLAIN}: the engine calls the handler; {@code ISOLATED}: through the {@link IsolatedHandler} fence the
     * command line puts around a user's handler (the cost of isolation: one flag test and one more call per event).
     */
    @Param({"PLAIN"})
    public String handler;

    private final PacketDecoder decoder = new PacketDecoder(ChecksumMode.OFF);
    private final Consumer consumer = new Consumer();
    private SyntheticTraffic trace;
    private UnsafeBuffer frames;
    private int[] offsets;
    private int[] lengths;
    private long[] timesNs;
    private int count;
    private int index;
    private long shiftNs;
    private ReassemblyEngine engine;
    private NaiveReassembler naive;

    /**
     * Build the trace and the reassemblers.
     */
    @Setup(Level.Trial)
    public void setup()
    {
        trace = new SyntheticTraffic(
            flows, connectionsPerFlow(flows, dataSegments, TRACE_FRAMES), dataSegments, payload, order, 42);
        frames = trace.buffer();
        count = trace.frameCount();
        offsets = new int[count];
        lengths = new int[count];
        timesNs = new long[count];
        for (int i = 0; i < count; i++)
        {
            offsets[i] = trace.offset(i);
            lengths[i] = trace.length(i);
            timesNs[i] = trace.timeNs(i);
        }
        final TcpHandler fenced = "ISOLATED".equals(handler) ? new IsolatedHandler(consumer, "consumer", 0,
            new HandlerErrors(HandlerErrorPolicy.CONTINUE, System.err::println)) : consumer;
        engine = new ReassemblyEngine(new EngineContext().deliveryMode(mode), fenced);
        naive = new NaiveReassembler(consumer);
    }

    /**
     * Check the engine did the work measured: every byte delivered, none skipped as a gap.
     */
    @TearDown(Level.Trial)
    public void check()
    {
        final long gaps = engine.counters().get(EngineCounter.GAPS);
        final long tracked = engine.counters().get(EngineCounter.TRACKED);
        final long segments = engine.counters().get(EngineCounter.SEGMENTS);
        System.out.printf("%n%d frames per replay, %d connections; engine: %d segments, %d tracked, %d gaps, " +
            "%d flows now; naive: %d streams open%n",
            count, trace.connections(), segments, tracked, gaps, engine.activeFlows(), naive.openStreams());
        if (gaps != 0 || tracked != segments)
        {
            throw new IllegalStateException("the engine skipped bytes or segments: the figures do not count");
        }
    }

    /**
     * flowtap: decode in place, feed the engine.
     *
     * @return the frame's index, so the work is not dead code.
     */
    @Benchmark
    public int flowtap()
    {
        final int i = next();
        if (decoder.decode(frames, offsets[i], lengths[i], false, LinkType.ETHERNET, Frame.CHECKSUM_UNKNOWN,
            Frame.NO_VLAN_TCI))
        {
            engine.onSegment(decoder, timesNs[i] + shiftNs, lengths[i]);
        }
        return i;
    }

    /**
     * The floor: decode the same frames and read the fields a reassembler needs, reassembling nothing.
     *
     * @return the fields read, so the work is not dead code.
     */
    @Benchmark
    public long decodeOnly()
    {
        final int i = next();
        if (decoder.decode(frames, offsets[i], lengths[i], false, LinkType.ETHERNET, Frame.CHECKSUM_UNKNOWN,
            Frame.NO_VLAN_TCI))
        {
            return decoder.tcp().seq() + decoder.tcp().srcPort() + decoder.tcp().payloadLength() + timesNs[i];
        }
        return -1;
    }

    /**
     * The peer: decode the same frames, reassemble them the naive way.
     *
     * @return the frame's index, so the work is not dead code.
     */
    @Benchmark
    public int naive()
    {
        final int i = next();
        if (decoder.decode(frames, offsets[i], lengths[i], false, LinkType.ETHERNET, Frame.CHECKSUM_UNKNOWN,
            Frame.NO_VLAN_TCI))
        {
            naive.onSegment(decoder);
        }
        return i;
    }

    /**
     * @return connections each flow lane runs so that the trace has at least {@code frames} frames.
     */
    static int connectionsPerFlow(final int flows, final int dataSegments, final int frames)
    {
        final int inOrderFramesPerConnection = 6 + 3 * dataSegments;
        return (frames + flows * inOrderFramesPerConnection - 1) / (flows * inOrderFramesPerConnection);
    }

    private int next()
    {
        final int i = index;
        if (++index == count)
        {
            index = 0;
            shiftNs += trace.spanNs();
        }
        return i;
    }
}
