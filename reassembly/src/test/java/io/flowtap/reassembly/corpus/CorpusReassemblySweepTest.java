package io.flowtap.reassembly.corpus;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.capture.test.Corpus;
import io.flowtap.reassembly.DeliveryMode;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.EngineCounters;
import io.flowtap.reassembly.FlowLimitPolicy;
import io.flowtap.reassembly.FrameFeeder;
import io.flowtap.reassembly.MemcapPolicy;
import io.flowtap.reassembly.OverlapPolicy;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.UrgentPolicy;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every capture of the public corpus reassembled, in three configurations that between them take every path the
 * engine has (in-place and held delivery, both memcap policies at tiny memcaps, a handler that consumes a little at a
 * time, eviction and refusal of flows, every urgent policy, midstream pickup off): no exception, every segment the
 * decoder produced lands in exactly one engine outcome, every flow ends exactly once with its events consistent with
 * its record, and nothing stays held after the shutdown. Skips without the corpus; fails without it under CI.
 */
@Tag("corpus")
class CorpusReassemblySweepTest
{
    private static final int MAX_PROBLEMS_PRINTED = 50;

    private record Config(Supplier<EngineContext> context, ChecksumMode checksumMode, int consumeAtMost)
    {
    }

    private static Config config(final String name)
    {
        switch (name)
        {
            case "default":
                // The default policies; memory sized for test captures, since a 64 MiB page store zeroed for each of
                // 1,500 captures costs two minutes.
                return new Config(() -> new EngineContext().engineMemcapBytes(4L << 20).maxFlows(4096),
                    ChecksumMode.AUTO, Integer.MAX_VALUE);
            case "acked-tiny-memcap-partial-consumer":
                return new Config(() -> new EngineContext()
                    .deliveryMode(DeliveryMode.ACKED)
                    .overlapPolicy(OverlapPolicy.LINUX)
                    .urgentPolicy(UrgentPolicy.OOB)
                    .pageSize(1024)
                    .engineMemcapBytes(64 * 1024)
                    .flowMemcapBytes(8 * 1024)
                    .maxFlows(64), ChecksumMode.OFF, 700);
            case "stop-tracking-no-midstream":
                return new Config(() -> new EngineContext()
                    .memcapPolicy(MemcapPolicy.STOP_TRACKING)
                    .overlapPolicy(OverlapPolicy.SOLARIS)
                    .urgentPolicy(UrgentPolicy.DROP)
                    .pageSize(1024)
                    .engineMemcapBytes(32 * 1024)
                    .flowMemcapBytes(4 * 1024)
                    .maxFlows(16)
                    .flowLimitPolicy(FlowLimitPolicy.IGNORE_NEW)
                    .midstream(false)
                    .vlanInKey(true), ChecksumMode.VERIFY, Integer.MAX_VALUE);
            default:
                throw new IllegalArgumentException(name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "acked-tiny-memcap-partial-consumer", "stop-tracking-no-midstream"})
    void shouldReassembleEveryCaptureWithEveryInvariantHolding(final String configName)
    {
        final Path corpus = Corpus.dir();
        final Config config = config(configName);
        final List<String> problems = new ArrayList<>();
        final List<String> unreadable = new ArrayList<>();
        final EngineCounters totals = new EngineCounters();
        int captures = 0;
        int damaged = 0;
        long flows = 0;
        final long startNs = System.nanoTime();
        for (final Corpus.Entry entry : Corpus.entries())
        {
            final Path path = corpus.resolve(entry.path());
            final CaptureFileSource source;
            try
            {
                source = CaptureFiles.open(path);
            }
            catch (final CaptureFileException ex)
            {
                unreadable.add(entry.path() + ": " + ex.getMessage());
                continue;
            }
            captures++;
            final InvariantChecker checker = new InvariantChecker(entry.path(), config.consumeAtMost(), problems);
            final PacketDecoder decoder = new PacketDecoder(config.checksumMode());
            final ReassemblyEngine engine = new ReassemblyEngine(config.context().get(), checker);
            try (source)
            {
                new FrameFeeder(decoder, engine).feedAll(source);
            }
            catch (final CaptureFileException ex)
            {
                damaged++;
                engine.shutdown();
            }
            catch (final RuntimeException ex)
            {
                problems.add(entry.path() + ": " + ex);
                continue;
            }
            checker.checkEnd(engine, decoder.counters().get(DecodeCounter.TCP_SEGMENT));
            totals.add(engine.counters());
            flows += checker.flowsEnded();
        }
        final long elapsedMs = (System.nanoTime() - startNs) / 1_000_000;

        System.out.printf("corpus reassembly sweep (%s): %d captures (%d damaged part way, %d not pcap/pcapng), "
                + "%d flows, %d segments (%d tracked), %d bytes delivered, %d gaps, in %d ms%n",
            configName, captures, damaged, unreadable.size(), flows, totals.get(EngineCounter.SEGMENTS),
            totals.get(EngineCounter.TRACKED), totals.get(EngineCounter.DELIVERED_BYTES),
            totals.get(EngineCounter.GAPS), elapsedMs);
        unreadable.forEach(line -> System.out.println("  not read: " + line));
        problems.stream().limit(MAX_PROBLEMS_PRINTED).forEach(line -> System.out.println("  PROBLEM " + line));
        assertEquals(List.of(), problems.stream().limit(MAX_PROBLEMS_PRINTED).toList(),
            problems.size() + " problems (first " + MAX_PROBLEMS_PRINTED + " printed above)");
        assertTrue(unreadable.size() <= 3, "captures in formats flowtap does not read: " + unreadable);
        assertTrue(captures > 1500, "captures read: " + captures);
        assertTrue(flows > 1000, "flows: " + flows);
    }
}
