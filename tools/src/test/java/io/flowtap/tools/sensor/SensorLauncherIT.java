package io.flowtap.tools.sensor;

import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.ring.TcpClientMain;
import io.flowtap.capture.ring.TcpTransfer;
import io.flowtap.capture.ring.VethPair;
import io.flowtap.pipeline.journal.JournalEvent;
import io.flowtap.pipeline.journal.JournalReader;
import io.flowtap.pipeline.stats.CountersFileReader;
import io.flowtap.pipeline.stats.Stage;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.EndReason;
import io.flowtap.tools.LauncherProcesses.Result;
import io.flowtap.tools.LiveLauncherTest;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sensor end to end, through the packaged launcher in a veth pair's namespace: real TCP connections crossing the
 * pair come out of the journal byte for byte, every frame is accounted for, {@code flowtap stats} reads the running
 * sensor's counters, and SIGTERM leaves a journal that reads back whole, open flows ended as {@code shutdown}. Skips
 * without root or {@code ip} unless {@value LiveNetwork#REQUIRE_ENV} is set.
 */
@Tag("live")
class SensorLauncherIT extends LiveLauncherTest
{
    private static final long TRANSFER_TIMEOUT_SECONDS = 120;
    private static final int CONNECTIONS = 6;
    private static final int LENGTH = 1 << 20;

    @Test
    void journalsRealConnectionsByteExactAccountsForEveryFrameAndStopsOnSigterm() throws Exception
    {
        veth = VethPair.create();
        final Path journal = tempDir.resolve("journal");
        final Path raw = tempDir.resolve("raw");
        final Path log = tempDir.resolve("latency.hlog");
        final Path counters = tempDir.resolve("counters.dat");
        final Process flowtap = launcher.start(veth.inNamespace(List.of()), "capture", "-i", veth.peerInterface(),
            "--workers", "2", "--journal", journal.toString(), "--raw-journal", raw.toString(),
            "--histogram-log", log.toString(), "--counters", counters.toString(), "--stats-interval", "1");
        launcher.awaitStandardError(flowtap, "flowtap capture: listening on ");

        final Map<Integer, byte[]> sent = new HashMap<>();
        final List<TcpTransfer> transfers = new ArrayList<>();
        try
        {
            for (int i = 0; i < CONNECTIONS; i++)
            {
                transfers.add(TcpTransfer.start(veth, LENGTH, 1000 + i));
            }
            for (final TcpTransfer transfer : transfers)
            {
                final TcpTransfer.Received received = transfer.await(TRANSFER_TIMEOUT_SECONDS);
                assertArrayEquals(transfer.payload(), received.bytes());
                sent.put(received.clientPort(), transfer.payload());
            }
        }
        finally
        {
            transfers.forEach(TcpTransfer::close);
        }

        // The running sensor's counters, from another process.
        launcher.awaitStandardError(flowtap, "flowtap capture: counters on ");
        final Result stats = launcher.await(launcher.start(List.of(), "stats", counters.toString()));
        assertEquals(0, stats.exitCode(), stats.err());
        assertTrue(stats.out().contains("worker 0: flows active"), stats.out());
        assertTrue(stats.out().matches("(?s).*worker: segments +[1-9]\\d*\n.*"), stats.out());

        flowtap.destroy();
        final Result result = launcher.await(flowtap);
        assertEquals(0, result.exitCode(), result.err());
        assertFalse(result.err().contains("accounting does not add up"), result.err());
        assertTrue(result.err().contains("latency per stage:"), result.err());

        final Map<Integer, byte[]> journaled = toServerStreams(journal, true);
        assertEquals(sent.keySet(), journaled.keySet());
        for (final Map.Entry<Integer, byte[]> connection : sent.entrySet())
        {
            assertArrayEquals(connection.getValue(), journaled.get(connection.getKey()),
                "client port " + connection.getKey());
        }

        try (CountersFileReader file = CountersFileReader.open(counters))
        {
            final Map<String, Long> values = file.values();
            assertEquals(0, values.get("ring: kernel drops"), values::toString);
            assertEquals(0, values.get("hand-off: segments dropped, queue full"), values::toString);
            assertEquals(values.get("ring: frames"), values.get("decode: frames"), values::toString);
            assertTrue(values.get("journal: payload bytes") >= (long)CONNECTIONS * LENGTH, values::toString);
            final JournalEvent.Log frames = JournalReader.readEvents(raw);
            assertNull(frames.damage());
            assertEquals((long)values.get("ring: frames"), frames.events().size(), "every frame in the raw journal");
        }

        final Map<String, Long> counts = new TreeMap<>();
        final HistogramLogReader reader = new HistogramLogReader(log.toFile());
        Histogram interval;
        while ((interval = (Histogram)reader.nextIntervalHistogram()) != null)
        {
            counts.merge(interval.getTag(), interval.getTotalCount(), Long::sum);
        }
        for (final Stage stage : Stage.values())
        {
            assertTrue(counts.getOrDefault(stage.tag(), 0L) > 0, stage + " measured: " + counts);
        }
    }

    @Test
    void sigtermWithAConnectionOpenLeavesAWholeJournalWithTheFlowEndedAsShutdown() throws Exception
    {
        veth = VethPair.create();
        final Path journal = tempDir.resolve("journal");
        final Process flowtap = launcher.start(veth.inNamespace(List.of()), "capture", "-i", veth.peerInterface(),
            "--workers", "2", "--journal", journal.toString(), "--stats-interval", "0");
        launcher.awaitStandardError(flowtap, "flowtap capture: listening on ");

        // A server that reads everything the client sends, then keeps its side open: the connection is half closed
        // and still open when the sensor stops.
        final byte[] payload = TcpClientMain.payload(LENGTH, 77);
        final int clientPort;
        try (ServerSocket server = new ServerSocket())
        {
            server.bind(new InetSocketAddress(InetAddress.getByName(veth.hostAddress()), 0));
            final Process client = LiveNetwork.start(veth.inNamespace(LiveNetwork.javaMain(TcpClientMain.class,
                veth.hostAddress(), Integer.toString(server.getLocalPort()), Integer.toString(LENGTH), "77")));
            try (Socket socket = server.accept())
            {
                clientPort = socket.getPort();
                final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (InputStream in = socket.getInputStream())
                {
                    final byte[] buffer = new byte[65536];
                    int read;
                    while ((read = in.read(buffer)) >= 0)
                    {
                        bytes.write(buffer, 0, read);
                    }
                    assertArrayEquals(payload, bytes.toByteArray());
                    // Let the ring hand over its last block before the stop.
                    Thread.sleep(200);
                    flowtap.destroy();
                    final Result result = launcher.await(flowtap);
                    assertEquals(0, result.exitCode(), result.err());
                }
            }
            client.destroyForcibly();
        }

        final JournalEvent.Log log = JournalReader.readEvents(journal);
        assertNull(log.damage(), () -> log.damage().message());
        JournalEvent.FlowEnd end = null;
        for (final JournalEvent event : log.events())
        {
            if (event instanceof JournalEvent.FlowEnd flowEnd && flowEnd.key().clientPort() == clientPort)
            {
                end = flowEnd;
            }
        }
        assertNotNull(end, "the open flow was ended and journaled");
        assertEquals(EndReason.SHUTDOWN, end.endReason());
        assertArrayEquals(payload, toServerStreams(journal, false).get(clientPort));
    }

    /**
     * Each flow's client-to-server bytes by client port, checked to be contiguous and gap-free.
     */
    private static Map<Integer, byte[]> toServerStreams(final Path journal, final boolean ended)
    {
        final JournalEvent.Log log = JournalReader.readEvents(journal);
        assertNull(log.damage(), () -> log.damage().message());
        final Map<String, Integer> ports = new HashMap<>();
        final Map<Integer, ByteArrayOutputStream> streams = new HashMap<>();
        int ends = 0;
        for (final JournalEvent event : log.events())
        {
            final String id = event.source() + "/" + event.flowId();
            if (event instanceof JournalEvent.FlowStart start)
            {
                ports.put(id, start.key().clientPort());
                streams.put(start.key().clientPort(), new ByteArrayOutputStream());
            }
            else if (event instanceof JournalEvent.Payload payload && payload.direction() == Direction.TO_SERVER)
            {
                final ByteArrayOutputStream stream = streams.get(ports.get(id));
                assertEquals(stream.size(), payload.streamOffset(), "contiguous stream of " + id);
                stream.writeBytes(payload.data());
            }
            else if (event instanceof JournalEvent.Gap gap)
            {
                throw new AssertionError("gap in " + id + ": " + gap);
            }
            else if (event instanceof JournalEvent.FlowEnd)
            {
                ends++;
            }
        }
        if (ended)
        {
            assertEquals(streams.size(), ends, "every flow ended");
        }
        final Map<Integer, byte[]> bytes = new HashMap<>();
        streams.forEach((port, stream) -> bytes.put(port, stream.toByteArray()));
        return bytes;
    }
}
