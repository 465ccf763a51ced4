package io.flowtap.tools.gen;

import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.ring.VethPair;
import io.flowtap.perf.gen.ExpectedStreams;
import io.flowtap.tools.Flowtap;
import io.flowtap.tools.LauncherProcesses.Result;
import io.flowtap.tools.LiveLauncherTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.flowtap.tools.gen.SensorTrafficTest.files;
import static io.flowtap.tools.gen.SensorTrafficTest.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sensor traffic on a wire: {@code flowtap blast} in a veth pair's namespace sends what {@code flowtap gen} wrote
 * (every frame in a VXLAN or GRE tunnel, data in IP fragments, SPAN duplicates a hop later, the client's checksums
 * left to its NIC), and {@code flowtap capture --workers 2 --journal --dedup --filter TUNNEL} on the host end,
 * through the packaged launcher, journals the expected streams byte for byte: the kernel's filter follows the tunnel,
 * the poller opens it and reassembles the fragments, and the engine takes the bad-checksum segments once acked;
 * plain traffic blasted after it never reaches the ring.
 * Both ends run with a 9000-byte MTU, as a VXLAN underlay does. Skips without root or {@code ip} unless
 * {@value LiveNetwork#REQUIRE_ENV} is set.
 */
@Tag("live")
class SensorTrafficLiveIT extends LiveLauncherTest
{
    private static final String PACKETS_PER_SECOND = "20000";

    @ParameterizedTest
    @ValueSource(strings = {"vxlan", "gre"})
    void shouldJournalTheExpectedStreamsOfEncapsulatedFragmentedDuplicatedTraffic(final String encapsulation)
        throws Exception
    {
        final Path capture = tempDir.resolve(encapsulation + ".pcap");
        final ByteArrayOutputStream generated = new ByteArrayOutputStream();
        assertEquals(0, new CommandLine(new GenCommand().messages(new PrintStream(generated, true,
            StandardCharsets.UTF_8))).execute("-o",
            capture.toString(), "--packets", "6000", "--connections", "40", "--seed", "21", "--encap", encapsulation,
            "--fragment", "0.08", "--duplicate-span", "0.1", "--offload-checksums", "--loss", "0.01"));
        final Map<String, byte[]> expected = files(tempDir.resolve(encapsulation + ".expected"));
        expected.remove(ExpectedStreams.MANIFEST);
        final long frames = number(generated.toString(), "([0-9,]+) packets");
        // Traffic outside the tunnel, which the kernel's filter keeps out of the ring.
        final Path plain = tempDir.resolve("plain.pcap");
        assertEquals(0, new CommandLine(new GenCommand().messages(new PrintStream(OutputStream.nullOutputStream())))
            .execute("-o", plain.toString(), "--packets", "500", "--connections", "5", "--seed", "22",
                "--no-expected"));

        veth = VethPair.create();
        final String ip = LiveNetwork.ipCommand();
        LiveNetwork.check(ip, "link", "set", veth.hostInterface(), "mtu", "9000");
        final List<String> peerMtu = veth.inNamespace(List.of(ip, "link", "set", veth.peerInterface(), "mtu", "9000"));
        LiveNetwork.check(peerMtu.toArray(String[]::new));

        final Path journal = tempDir.resolve(encapsulation + ".journal");
        final Process sensor = launcher.start(List.of(), "capture", "-i", veth.hostInterface(), "--workers", "2",
            "--journal", journal.toString(), "--dedup", "1ms", "--filter", encapsulation, "--blocks", "256",
            "--stats-interval", "0");
        launcher.awaitStandardError(sensor, "flowtap capture: listening on ");
        final Result blast = launcher.await(launcher.start(veth.inNamespace(List.of()), "blast", "-i",
            veth.peerInterface(), capture.toString(), "--pps", PACKETS_PER_SECOND, "--key-values"));
        assertEquals(0, blast.exitCode(), blast.err() + blast.out());
        final Result other = launcher.await(launcher.start(veth.inNamespace(List.of()), "blast", "-i",
            veth.peerInterface(), plain.toString(), "--pps", PACKETS_PER_SECOND, "--key-values"));
        assertEquals(0, other.exitCode(), other.err() + other.out());
        // Let the ring hand over its last block before the stop.
        Thread.sleep(500);
        sensor.destroy();
        final Result result = launcher.await(sensor);
        assertEquals(0, result.exitCode(), result.err());
        final String summary = result.err();
        System.out.println(encapsulation + ": " + blast.out().trim());
        assertFalse(summary.contains("accounting does not add up"), summary);
        assertTrue(summary.contains(", kernel filter: " + encapsulation + "\n"), summary);
        assertEquals(frames, number(summary, "ring: frames ([0-9]+)"), summary);
        assertEquals(frames, number(summary, "decode: tunnel: " + encapsulation + " ([0-9]+)"), summary);
        assertTrue(number(summary, "decode: duplicate ([0-9]+)") > 200, summary);
        assertTrue(number(summary, "datagrams reassembled +([0-9]+)") > 20, summary);
        assertTrue(summary.contains("checksum offload: 10.1."), summary);
        assertFalse(summary.matches("(?s).*kernel drops [1-9].*"), summary);

        final Path exported = tempDir.resolve(encapsulation + ".exported");
        final StringWriter err = new StringWriter();
        final CommandLine export = Flowtap.commandLine();
        export.setErr(new PrintWriter(err, true));
        export.setOut(new PrintWriter(new StringWriter(), true));
        assertEquals(0, export.execute("journal", "export", journal.toString(), "--out", exported.toString()),
            err::toString);
        SensorTrafficTest.assertSame(expected, exported, encapsulation + " captured live and exported");
    }
}
