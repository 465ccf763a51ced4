package io.flowtap.perf.attribute;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.reassembly.attribute.FlowBoundaryAttributes;
import io.flowtap.reassembly.attribute.HttpAttributeExtractor;
import io.flowtap.reassembly.attribute.TlsAttributeExtractor;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
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

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cost per connection of finding its HTTP or TLS attributes. One operation replays one whole real connection (a
 * suricata-verify capture bundled with the reassembly tests: {@code http} is bug-130, a GET and a 401 with a 1.4 KB
 * body in 14 frames; {@code tls} is bug-2646-01, a TLS 1.2 handshake with a three-certificate chain and some
 * application data in 29 frames) through decode and the engine, each replay a new connection (shifted past the
 * timeouts). {@code extractors} none is reassembly alone with a consuming handler; {@code attributes} adds the flow
 * boundary, HTTP and TLS extractors, both of which look at every stream (so each also rejects the other protocol):
 * the difference is what extraction costs per connection.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dagrona.disable.bounds.checks=true")
public class AttributeBenchmark
{
    private static final long REPLAY_SHIFT_NS = TimeUnit.SECONDS.toNanos(3600);

    /** Which connection: {@code http} or {@code tls}. */
    @Param({"http", "tls"})
    public String capture;

    /** {@code none} or {@code attributes}. */
    @Param({"none", "attributes"})
    public String extractors;

    private final PacketDecoder decoder = new PacketDecoder(ChecksumMode.OFF);
    private final Counter counter = new Counter();
    private UnsafeBuffer bytes;
    private long[] timesNs;
    private int[] offsets;
    private int[] lengths;
    private int[] linkTypes;
    private ReassemblyEngine engine;
    private long shiftNs;

    /**
     * Load the capture's frames off-heap and make the engine.
     */
    @Setup(Level.Trial)
    public void setup()
    {
        final String name = "http".equals(capture) ?
            "suricata-verify__bug-130__input.pcap" : "suricata-verify__bug-2646-01__input.pcap";
        load(copyOut(name));
        final EngineContext context = new EngineContext().maxFlows(1024);
        engine = "attributes".equals(extractors) ?
            new ReassemblyEngine(context, new FlowBoundaryAttributes(), new HttpAttributeExtractor(),
                new TlsAttributeExtractor(), counter) :
            new ReassemblyEngine(context, counter);
    }

    /**
     * Say what was found, so a run shows the work was done.
     */
    @TearDown(Level.Trial)
    public void report()
    {
        System.out.printf("%n%s/%s: %d connections, %d attributes, %d bytes delivered%n", capture, extractors,
            engine.counters().get(EngineCounter.FLOWS_CREATED), counter.attributes, counter.bytes);
    }

    /**
     * Replay the connection once.
     *
     * @return attributes found so far, so the work is not dead code.
     */
    @Benchmark
    public long connection()
    {
        shiftNs += REPLAY_SHIFT_NS;
        for (int i = 0; i < offsets.length; i++)
        {
            if (decoder.decode(bytes, offsets[i], lengths[i], false, linkTypes[i], Frame.CHECKSUM_UNKNOWN,
                Frame.NO_VLAN_TCI))
            {
                engine.onSegment(decoder, timesNs[i] + shiftNs, lengths[i]);
            }
        }
        return counter.attributes;
    }

    private void load(final Path file)
    {
        final List<byte[]> copies = new ArrayList<>();
        final List<long[]> meta = new ArrayList<>();
        final FrameHandler collect = (final Frame frame) ->
        {
            final byte[] copy = new byte[frame.capturedLength()];
            frame.buffer().getBytes(frame.offset(), copy);
            copies.add(copy);
            meta.add(new long[] {frame.timestampNs(), frame.linkType()});
        };
        try (CaptureFileSource source = CaptureFiles.open(file))
        {
            while (!source.isEndOfStream())
            {
                source.poll(collect, 64);
            }
        }
        int total = 0;
        for (final byte[] copy : copies)
        {
            total += copy.length;
        }
        bytes = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(64, Integer.highestOneBit(total) * 2), 64));
        offsets = new int[copies.size()];
        lengths = new int[copies.size()];
        linkTypes = new int[copies.size()];
        timesNs = new long[copies.size()];
        int at = 0;
        for (int i = 0; i < copies.size(); i++)
        {
            bytes.putBytes(at, copies.get(i));
            offsets[i] = at;
            lengths[i] = copies.get(i).length;
            timesNs[i] = meta.get(i)[0];
            linkTypes[i] = (int)meta.get(i)[1];
            at += lengths[i];
        }
    }

    private static Path copyOut(final String name)
    {
        try (InputStream in = AttributeBenchmark.class.getResourceAsStream("/pcap/" + name))
        {
            if (in == null)
            {
                throw new IllegalStateException("no bundled capture " + name + " on the class path");
            }
            final Path file = Files.createTempFile("flowtap-attribute-bench", ".pcap");
            file.toFile().deleteOnExit();
            Files.write(file, in.readAllBytes());
            return file;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Consumes every byte and counts attributes: the least a real handler does.
     */
    static final class Counter implements TcpHandler
    {
        long attributes;
        long bytes;

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
        public void onAttribute(
            final Flow flow,
            final int direction,
            final String name,
            final DirectBuffer value,
            final int offset,
            final int length,
            final long timeNs)
        {
            attributes++;
        }
    }
}
