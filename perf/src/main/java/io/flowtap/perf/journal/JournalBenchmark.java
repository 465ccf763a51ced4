package io.flowtap.perf.journal;

import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.pipeline.journal.ChronicleJournal;
import io.flowtap.pipeline.journal.JournalContext;
import io.flowtap.pipeline.journal.JournalRollCycle;
import io.flowtap.pipeline.journal.JournalWriter;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.BufferUtil;
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
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Cost of journaling one in-order payload event: {@link JournalWriter#onPayload} from off-heap bytes (as a ring or
 * the engine's page store hands them over) into a Chronicle queue on disk, header, copy and its share of the commit
 * included (one commit per event, or one per batch of events as a worker commits). With
 * the secondly roll the journal keeps two files, so a run's disk use stays bounded, and the roll is in the figure.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dagrona.disable.bounds.checks=true")
public class JournalBenchmark
{
    /** Payload bytes per event. */
    @Param({"64", "900"})
    public int payloadSize;

    /** {@code SECONDLY}: a new file every second, two kept (bounded disk, the roll in the figure); {@code HOURLY}. */
    @Param({"SECONDLY", "HOURLY"})
    public String rollCycle;

    /**
     * Events committed per excerpt: 1 (a writer on its own, each event committed as written), or a worker's batch
     * (events appended to one open excerpt, committed at the end of the batch).
     */
    @Param({"1", "64"})
    public int eventsPerExcerpt;

    private int inBatch;
    private Path directory;
    private ChronicleJournal journal;
    private JournalWriter writer;
    private Flow flow;
    private UnsafeBuffer payload;
    private long offset;

    /**
     * Open a journal and get a flow from an engine fed one SYN.
     *
     * @throws IOException when the temporary directory cannot be made.
     */
    @Setup(Level.Trial)
    public void setup() throws IOException
    {
        directory = Files.createTempDirectory("flowtap-journal-bench");
        journal = ChronicleJournal.open(new JournalContext().directory(directory)
            .rollCycle(JournalRollCycle.valueOf(rollCycle)).retainCycles(2)
            .batchBytes(eventsPerExcerpt == 1 ? 0 : JournalContext.BATCH_BYTES_PIPELINE_DEFAULT));
        writer = journal.newWriter(0);
        final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext(), new TcpHandler()
        {
            @Override
            public void onNewFlow(final Flow newFlow, final long timeNs)
            {
                flow = newFlow;
            }
        });
        final byte[] syn = PacketBuilder.ethernet()
            .ipv4(new byte[] {10, 0, 0, 1}, new byte[] {10, 0, 0, 2})
            .ports(40000, 80)
            .seqAck(1000, 0)
            .flags(TcpFlyweight.SYN)
            .build();
        final PacketDecoder decoder = new PacketDecoder(ChecksumMode.OFF);
        if (!decoder.decode(new UnsafeBuffer(syn), 0, syn.length, false, LinkType.ETHERNET, 0, -1))
        {
            throw new IllegalStateException("the SYN did not decode");
        }
        engine.onSegment(decoder, 1_000_000_000L, syn.length);
        payload = new UnsafeBuffer(BufferUtil.allocateDirectAligned(payloadSize, 64));
        for (int i = 0; i < payloadSize; i++)
        {
            payload.putByte(i, (byte)i);
        }
    }

    /**
     * Close the journal and delete it.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        journal.close();
        try (Stream<Path> files = Files.walk(directory))
        {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return bytes consumed.
     */
    @Benchmark
    public int payloadEvent()
    {
        final int consumed = writer.onPayload(
            flow, Direction.TO_SERVER, offset, payload, 0, payloadSize, offset, TcpHandler.EOF_NONE);
        offset += payloadSize;
        if (++inBatch == eventsPerExcerpt)
        {
            inBatch = 0;
            writer.onBatchEnd();
        }
        return consumed;
    }
}
