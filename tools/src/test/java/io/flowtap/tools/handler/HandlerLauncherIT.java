package io.flowtap.tools.handler;

import io.flowtap.capture.Frame;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.ring.TcpClientMain;
import io.flowtap.capture.ring.TcpTransfer;
import io.flowtap.capture.ring.VethPair;
import io.flowtap.pipeline.journal.JournalEvent;
import io.flowtap.pipeline.journal.JournalReader;
import io.flowtap.pipeline.stats.CountersFileReader;
import io.flowtap.tools.Flowtap;
import io.flowtap.tools.LauncherProcesses.Result;
import io.flowtap.tools.LiveLauncherTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user's handler in the running sensor, end to end through the packaged launcher on a veth pair: a jar built here
 * (compiled against flowtap's API alone) loaded by {@code flowtap capture -i VETH --workers 2 --handler-path JAR
 * --handler CLASS} sees every byte of known transfers, once per flow, on its worker's thread; the flow it throws on
 * is counted, logged once, marked, and the others are untouched. And one handler prints the same on {@code read} of a
 * capture, on {@code capture} of that capture blasted onto the wire, and on {@code journal replay} of the journal.
 * Skips without root or {@code ip} unless {@value LiveNetwork#REQUIRE_ENV} is set.
 */
@Tag("live")
class HandlerLauncherIT extends LiveLauncherTest
{
    private static final long TRANSFER_TIMEOUT_SECONDS = 120;
    private static final int CONNECTIONS = 6;
    private static final int LENGTH = 1 << 20;
    private static final int FAILING = 3;
    private static final Pattern PROBE_LINE = Pattern.compile(
        "probe client (\\d+) worker (\\d+) thread (\\S+) bytes (\\d+) crc (\\d+) contiguous (\\w+) failed (\\w+)");

    /**
     * Per flow: the client's bytes (count, CRC-32, whether each came right after the last), the worker it ran on by
     * its context and by its thread; throws on a flow whose first client bytes are {@code fail-on} (hex).
     */
    private static final String LIVE_PROBE = """
        package test;

        import io.flowtap.reassembly.Direction;
        import io.flowtap.reassembly.Flow;
        import io.flowtap.reassembly.FlowRecord;
        import io.flowtap.reassembly.HandlerContext;
        import io.flowtap.reassembly.TcpHandler;
        import org.agrona.DirectBuffer;

        import java.util.HexFormat;
        import java.util.zip.CRC32;

        public final class LiveProbe implements TcpHandler
        {
            private final HandlerContext context;
            private final byte[] failOn;

            private static final class State
            {
                final CRC32 crc = new CRC32();
                long bytes;
                boolean contiguous = true;
                String thread = "-";
            }

            public LiveProbe(final HandlerContext context)
            {
                this.context = context;
                this.failOn = HexFormat.of().parseHex(context.option("fail-on", ""));
            }

            @Override
            public void onNewFlow(final Flow flow, final long timeNs)
            {
                flow.data(context.dataSlot(), new State());
            }

            @Override
            public int onPayload(final Flow flow, final int direction, final long seekpos, final DirectBuffer buffer,
                final int offset, final int length, final long timeNs, final int eof)
            {
                final State state = (State)flow.data(context.dataSlot());
                if (direction != Direction.TO_SERVER || length == 0)
                {
                    return length;
                }
                if (seekpos == 0 && failOn.length > 0 && length >= failOn.length)
                {
                    boolean same = true;
                    for (int i = 0; i < failOn.length; i++)
                    {
                        same &= buffer.getByte(offset + i) == failOn[i];
                    }
                    if (same)
                    {
                        throw new IllegalStateException("probe asked to fail");
                    }
                }
                state.contiguous &= seekpos == state.bytes;
                state.thread = Thread.currentThread().getName();
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                state.crc.update(bytes);
                state.bytes += length;
                return length;
            }

            @Override
            public void onTerminate(final Flow flow, final FlowRecord record)
            {
                final State state = (State)flow.data(context.dataSlot());
                context.out().println("probe client " + flow.clientPort() + " worker " + context.worker() +
                    " thread " + state.thread + " bytes " + state.bytes + " crc " + state.crc.getValue() +
                    " contiguous " + state.contiguous + " failed " + flow.handlerFailed());
            }
        }
        """;

    /** Per flow and direction: bytes, CRC-32 and bytes lost; nothing that depends on time, worker or flow id. */
    private static final String SAME_PROBE = """
        package test;

        import io.flowtap.reassembly.Flow;
        import io.flowtap.reassembly.FlowRecord;
        import io.flowtap.reassembly.GapReason;
        import io.flowtap.reassembly.HandlerContext;
        import io.flowtap.reassembly.TcpHandler;
        import org.agrona.DirectBuffer;

        import java.util.zip.CRC32;

        public final class SameProbe implements TcpHandler
        {
            private final HandlerContext context;

            private static final class State
            {
                final CRC32[] crc = {new CRC32(), new CRC32()};
                final long[] bytes = new long[2];
                final long[] lost = new long[2];
            }

            public SameProbe(final HandlerContext context)
            {
                this.context = context;
            }

            @Override
            public void onNewFlow(final Flow flow, final long timeNs)
            {
                flow.data(context.dataSlot(), new State());
            }

            @Override
            public int onPayload(final Flow flow, final int direction, final long seekpos, final DirectBuffer buffer,
                final int offset, final int length, final long timeNs, final int eof)
            {
                final State state = (State)flow.data(context.dataSlot());
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                state.crc[direction].update(bytes);
                state.bytes[direction] += length;
                return length;
            }

            @Override
            public void onGap(final Flow flow, final int direction, final long seekpos, final long length,
                final GapReason reason, final long timeNs)
            {
                ((State)flow.data(context.dataSlot())).lost[direction] += length;
            }

            @Override
            public void onTerminate(final Flow flow, final FlowRecord record)
            {
                final State state = (State)flow.data(context.dataSlot());
                context.out().println("same " + flow.clientAddress().getHostAddress() + ":" + flow.clientPort() +
                    " -> " + flow.serverAddress().getHostAddress() + ":" + flow.serverPort() +
                    " up " + state.bytes[1] + " " + state.crc[1].getValue() + " lost " + state.lost[1] +
                    " down " + state.bytes[0] + " " + state.crc[0].getValue() + " lost " + state.lost[0]);
            }
        }
        """;

    private Path probes() throws IOException
    {
        return Commands.handlerJar(tempDir.resolve("probes.jar"),
            Map.of("test.LiveProbe", LIVE_PROBE, "test.SameProbe", SAME_PROBE));
    }

    @Test
    void aHandlerJarInTheLiveSensorSeesEveryByteOncePerFlowOnItsWorkerAndOneFailingFlowStopsNothing()
        throws Exception
    {
        final Path jar = probes();
        veth = VethPair.create();
        final Path journal = tempDir.resolve("journal");
        final Path counters = tempDir.resolve("counters.dat");
        final String failOn = HexFormat.of().formatHex(TcpClientMain.payload(LENGTH, 1000 + FAILING), 0, 16);
        final Process flowtap = launcher.start(veth.inNamespace(List.of()), "capture", "-i", veth.peerInterface(),
            "--workers", "2", "--handler-path", jar.toString(), "--handler", "test.LiveProbe",
            "--handler-option", "fail-on=" + failOn, "--journal", journal.toString(), "--counters",
            counters.toString(), "--stats-interval", "0");
        launcher.awaitStandardError(flowtap, "flowtap capture: listening on ");

        final Map<Integer, byte[]> sent = new HashMap<>();
        int failingPort = -1;
        final List<TcpTransfer> transfers = new ArrayList<>();
        try
        {
            for (int i = 0; i < CONNECTIONS; i++)
            {
                transfers.add(TcpTransfer.start(veth, LENGTH, 1000 + i));
            }
            for (int i = 0; i < CONNECTIONS; i++)
            {
                final TcpTransfer transfer = transfers.get(i);
                final TcpTransfer.Received received = transfer.await(TRANSFER_TIMEOUT_SECONDS);
                sent.put(received.clientPort(), transfer.payload());
                failingPort = i == FAILING ? received.clientPort() : failingPort;
            }
        }
        finally
        {
            transfers.forEach(TcpTransfer::close);
        }
        // Let the ring hand over its last block, then read the running sensor's error counter.
        Thread.sleep(300);
        try (CountersFileReader file = CountersFileReader.open(counters))
        {
            assertEquals(1L, file.values().get("handler: errors"), file.values()::toString);
        }
        flowtap.destroy();
        final Result result = launcher.await(flowtap);
        assertEquals(0, result.exitCode(), result.err());
        assertFalse(result.err().contains("accounting does not add up"), result.err());

        final Map<Integer, Matcher> lines = new HashMap<>();
        for (final String line : result.out().lines().toList())
        {
            final Matcher matcher = PROBE_LINE.matcher(line);
            assertTrue(matcher.matches(), line);
            assertEquals(null, lines.put(Integer.parseInt(matcher.group(1)), matcher), "once per flow: " + line);
        }
        assertEquals(sent.keySet(), lines.keySet(), result.out());
        for (final Map.Entry<Integer, byte[]> connection : sent.entrySet())
        {
            final Matcher line = lines.get(connection.getKey());
            if (connection.getKey() == failingPort)
            {
                // It threw on the flow's first bytes, and was given none of that flow's after that.
                assertEquals("true", line.group(7), line.group());
                assertEquals("0", line.group(4), line.group());
                continue;
            }
            assertEquals("flowtap-worker-" + line.group(2), line.group(3), "the handler ran on its worker's thread");
            final CRC32 crc = new CRC32();
            crc.update(connection.getValue());
            assertEquals(Integer.toString(LENGTH), line.group(4), line.group());
            assertEquals(Long.toString(crc.getValue()), line.group(5), line.group());
            assertEquals("true", line.group(6), line.group());
            assertEquals("false", line.group(7), line.group());
        }

        final List<String> logged = result.err().lines().filter(line -> line.contains(" threw ")).toList();
        assertEquals(1, logged.size(), result.err());
        assertTrue(logged.get(0).startsWith("flowtap capture: handler LiveProbe threw " +
            "java.lang.IllegalStateException: probe asked to fail (LiveProbe.java:"), logged.get(0));
        assertTrue(result.err().contains("handlers: LiveProbe\nhandler errors 1 (1 distinct)\n"), result.err());

        int marked = 0;
        for (final JournalEvent event : JournalReader.readEvents(journal).events())
        {
            if (event instanceof JournalEvent.FlowEnd end && end.handlerFailed())
            {
                assertEquals(failingPort, end.key().clientPort());
                marked++;
            }
        }
        assertEquals(1, marked);
    }

    @Test
    void oneHandlerPrintsTheSameOnReadOnCaptureOfTheBlastedTrafficAndOnJournalReplay() throws Exception
    {
        final Path jar = probes();
        final Path capture = tempDir.resolve("gen.pcap");
        assertEquals(0, Flowtap.commandLine().execute("gen", "-o", capture.toString(), "--packets", "4000",
            "--connections", "20", "--loss", "0.01", "--reorder", "0.02", "--seed", "11", "--no-expected"));
        long frames = 0;
        try (CaptureFileSource source = CaptureFiles.open(capture))
        {
            while (!source.isEndOfStream())
            {
                frames += source.poll(HandlerLauncherIT::ignore, 256);
            }
        }
        final List<String> handler = List.of("--handler-path", jar.toString(), "--handler", "test.SameProbe");

        final Path journal = tempDir.resolve("journal");
        final List<String> read = new ArrayList<>(List.of("read", capture.toString(), "--workers", "2",
            "--journal", journal.toString(), "--no-progress"));
        read.addAll(handler);
        final Result fromFile = launcher.await(launcher.start(List.of(), read.toArray(new String[0])));
        assertEquals(0, fromFile.exitCode(), fromFile.err());
        final List<String> expected = fromFile.out().lines().sorted().toList();
        assertTrue(expected.size() >= 20, fromFile.out());
        assertTrue(expected.stream().anyMatch(line -> !line.endsWith(" lost 0")), "gaps among them: " + expected);

        final List<String> replay = new ArrayList<>(List.of("journal", "replay", journal.toString(), "--fast"));
        replay.addAll(handler);
        final Result fromJournal = launcher.await(launcher.start(List.of(), replay.toArray(new String[0])));
        assertEquals(0, fromJournal.exitCode(), fromJournal.err());
        assertEquals(expected, fromJournal.out().lines().sorted().toList());

        veth = VethPair.create();
        final Path counters = tempDir.resolve("counters.dat");
        final List<String> live = new ArrayList<>(List.of("capture", "-i", veth.peerInterface(), "--workers", "2",
            "--counters", counters.toString(), "--stats-interval", "0"));
        live.addAll(handler);
        final Process flowtap = launcher.start(veth.inNamespace(List.of()), live.toArray(new String[0]));
        launcher.awaitStandardError(flowtap, "flowtap capture: listening on ");
        final Result blast = launcher.await(launcher.start(List.of(), "blast", "-i", veth.hostInterface(),
            capture.toString(), "--pps", "20000"));
        assertEquals(0, blast.exitCode(), blast.err());
        awaitFrames(counters, frames);
        flowtap.destroy();
        final Result fromWire = launcher.await(flowtap);
        assertEquals(0, fromWire.exitCode(), fromWire.err());
        assertEquals(expected, fromWire.out().lines().sorted().toList());
    }

    private static void ignore(final Frame frame)
    {
        // Counting only: poll returns how many frames it read.
    }

    private static void awaitFrames(final Path counters, final long frames) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(TRANSFER_TIMEOUT_SECONDS);
        Map<String, Long> values = Map.of();
        while (System.nanoTime() < deadlineNs)
        {
            if (Files.exists(counters))
            {
                try (CountersFileReader file = CountersFileReader.open(counters))
                {
                    values = file.values();
                }
                final Long seen = values.get("decode: frames");
                if (seen != null && seen >= frames)
                {
                    assertEquals(frames, (long)seen, values::toString);
                    assertEquals(0L, values.get("ring: kernel drops"), values::toString);
                    return;
                }
            }
            Thread.sleep(50);
        }
        assertNotNull(null, "the sensor saw " + values.get("decode: frames") + " of " + frames + " frames: " + values);
    }
}
