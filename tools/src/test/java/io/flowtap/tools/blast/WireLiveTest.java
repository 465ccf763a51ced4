package io.flowtap.tools.blast;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.FrameSource;
import io.flowtap.perf.blast.BlastReport;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.AfPacketRingSource;
import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.ring.VethPair;
import io.flowtap.pipeline.journal.ChronicleJournal;
import io.flowtap.pipeline.journal.Journal;
import io.flowtap.pipeline.journal.JournalContext;
import io.flowtap.pipeline.journal.RawPacketJournal;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.Flowtap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flowtap blast} and {@code flowtap journal replay-wire} on a veth pair: a child process in the peer
 * namespace sends a generated capture (directly, or from a raw-packet journal it was written to), and a receive ring
 * on the host end gets every frame, in order and byte for byte; a paced blast keeps its rate. Skips without root or
 * {@code ip} unless {@value LiveNetwork#REQUIRE_ENV} is set.
 */
@Tag("live")
class WireLiveTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);
    private static final int PACKETS = 3_000;

    @TempDir
    Path tempDir;

    @BeforeEach
    void requireLiveNetwork()
    {
        LiveNetwork.require();
    }

    @Test
    void shouldBlastEveryFrameOfACaptureByteIdenticalAndInOrder()
    {
        final Path capture = generate();
        final List<byte[]> sent = frames(capture);
        try (VethPair veth = VethPair.create(); AfPacketRingSource source = bigRing(veth))
        {
            final List<String> command = veth.inNamespace(flowtap("blast", "-i", veth.peerInterface(),
                capture.toString(), "--loop", "2", "--key-values"));
            final List<byte[]> received = receive(source, command, 2 * sent.size());
            final List<byte[]> twice = new ArrayList<>(sent);
            twice.addAll(sent);
            assertSameFrames(twice, received);
        }
    }

    @Test
    void shouldKeepTheRateAsked()
    {
        final Path capture = generate();
        final int pps = 5_000;
        try (VethPair veth = VethPair.create())
        {
            final List<String> command = veth.inNamespace(flowtap("blast", "-i", veth.peerInterface(),
                capture.toString(), "--pps", Integer.toString(pps), "--key-values"));
            final LiveNetwork.Result result = LiveNetwork.run(command, 120);
            assertEquals(0, result.exitCode(), result.stderr() + result.stdout());
            final BlastReport report = BlastReport.parse(result.stdout());
            System.out.println("paced blast: " + report.describe());
            assertTrue(report.frames() >= PACKETS, report.describe());
            assertEquals(pps, report.pps(), pps * 0.05, report.describe());
        }
    }

    /**
     * At the recorded pace, the default.
     */
    @Test
    void shouldReplayARawJournalOntoTheWireByteIdenticalAndInOrder()
    {
        final Path capture = generate();
        final List<byte[]> sent = frames(capture);
        final Path journalDirectory = tempDir.resolve("raw");
        try (Journal journal = ChronicleJournal.open(new JournalContext().directory(journalDirectory));
            FrameSource file = CaptureFiles.open(capture))
        {
            final RawPacketJournal writer = journal.newRawPacketWriter(0);
            while (!file.isEndOfStream())
            {
                file.poll(writer, 256);
            }
        }
        try (VethPair veth = VethPair.create(); AfPacketRingSource source = bigRing(veth))
        {
            final List<String> command = veth.inNamespace(flowtap("journal", "replay-wire", journalDirectory.toString(),
                "-i", veth.peerInterface(), "--key-values"));
            final List<byte[]> received = receive(source, command, sent.size());
            assertSameFrames(sent, received);
        }
    }

    @Test
    void shouldSayWhatIsWrongInOneLine()
    {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        final int exit = new CommandLine(new BlastCommand().messages(new java.io.PrintStream(out, true)))
            .execute("-i", "ftnosuch0", generate().toString());
        assertEquals(ExitCodes.INPUT_ERROR, exit);
        assertEquals("flowtap blast: no such interface: ftnosuch0", out.toString().trim());
    }

    private Path generate()
    {
        final Path capture = tempDir.resolve("gen.pcap");
        if (!Files.exists(capture))
        {
            assertEquals(0, Flowtap.commandLine().execute("gen", "-o", capture.toString(), "--packets",
                Integer.toString(PACKETS), "--connections", "20", "--no-expected"));
        }
        return capture;
    }

    private static AfPacketRingSource bigRing(final VethPair veth)
    {
        // Room for the whole transfer: these tests are about the sender, so the receiver must never drop.
        return AfPacketRingSource.open(new AfPacketContext().interfaceName(veth.hostInterface())
            .blockSize(1 << 16).blockCount(256).retireTimeoutMs(5));
    }

    private static List<String> flowtap(final String... arguments)
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Flowtap.class.getName());
        command.addAll(Arrays.asList(arguments));
        return command;
    }

    private static List<String> jvmFlags()
    {
        try
        {
            // Chronicle (the journal reader) needs the same flags as the launcher, which the build writes here.
            return Arrays.asList(Files.readString(Paths.get("target", "jvm.flags")).trim().split("\\s+"));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("target/jvm.flags is not built", ex);
        }
    }

    private static List<byte[]> receive(final AfPacketRingSource source, final List<String> command, final int count)
    {
        final Collector collector = new Collector();
        final Process sender = LiveNetwork.start(command);
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (collector.frames.size() < count && System.nanoTime() < deadlineNs)
        {
            if (source.poll(collector, 256) == 0)
            {
                source.awaitFrames(10);
            }
        }
        final LiveNetwork.Result result = LiveNetwork.await(sender, command, 120);
        LiveNetwork.drainUntilQuiet(source, collector);
        System.out.println(String.join(" ", command.subList(command.size() - 6, command.size())) + ": " +
            result.stdout().trim() + "; received " + collector.frames.size());
        assertEquals(0, result.exitCode(), result.stderr() + result.stdout());
        BlastReport.parse(result.stdout());
        return collector.frames;
    }

    private static List<byte[]> frames(final Path capture)
    {
        final Collector collector = new Collector();
        try (FrameSource file = CaptureFiles.open(capture))
        {
            while (!file.isEndOfStream())
            {
                file.poll(collector, 256);
            }
        }
        assertTrue(collector.frames.size() >= PACKETS);
        return collector.frames;
    }

    private static void assertSameFrames(final List<byte[]> expected, final List<byte[]> actual)
    {
        assertEquals(expected.size(), actual.size(), "frames");
        for (int i = 0; i < expected.size(); i++)
        {
            final int at = i;
            assertTrue(Arrays.equals(expected.get(i), actual.get(i)), () -> "frame " + at + " differs");
        }
    }

    /**
     * Keeps copies of the generator's frames (IPv4 from 10.1.0.0/16 or 10.2.0.0/16), leaving out anything else the
     * kernel sends on the link.
     */
    private static final class Collector implements FrameHandler
    {
        private final List<byte[]> frames = new ArrayList<>();

        @Override
        public void onFrame(final Frame frame)
        {
            final int length = frame.capturedLength();
            if (length < 34 || frame.buffer().getShort(frame.offset() + 12, ByteOrder.BIG_ENDIAN) != 0x0800)
            {
                return;
            }
            final int source = frame.buffer().getShort(frame.offset() + 26, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            if (source != 0x0A01 && source != 0x0A02)
            {
                return;
            }
            final byte[] copy = new byte[length];
            frame.buffer().getBytes(frame.offset(), copy);
            frames.add(copy);
        }
    }
}
