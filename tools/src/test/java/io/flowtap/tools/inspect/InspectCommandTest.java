package io.flowtap.tools.inspect;

import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.IpProtocol;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.capture.file.PcapTestWriter;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.Flowtap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectCommandTest
{
    private static final byte[] V6_SRC = {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    private static final byte[] V6_DST = {(byte)0xfe, (byte)0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0};

    @TempDir
    static Path tempDir;

    private static Path capture;
    private static long damageOffset;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void writeCapture() throws IOException
    {
        final byte[] arp = new byte[60];
        arp[12] = 0x08;
        arp[13] = 0x06;
        final PcapTestWriter writer = new PcapTestWriter(
            ByteOrder.BIG_ENDIAN, PcapTestWriter.MAGIC_NANOSECONDS, 65535, LinkType.ETHERNET)
            .record(1_245_159_792L, 123_456_789L, PacketBuilder.ethernet().flags(TcpFlyweight.SYN)
                .ports(40000, 80).seqAck(4_294_967_295L, 0).window(29200).build(), 74)
            .record(1_245_159_792L, 200_000_000L, arp, 60)
            .record(1_245_159_793L, 0, PacketBuilder.ethernet().vlan(EtherType.VLAN, 12).ipv6(V6_SRC, V6_DST)
                .ports(443, 51000).payload(new byte[100]).corruptChecksum().build(), 174)
            .record(1_245_159_794L, 0, PacketBuilder.ethernet().protocol(IpProtocol.UDP).build(), 54);
        final byte[] whole = writer.toBytes();
        capture = Files.write(tempDir.resolve("small.pcap"), whole);
        damageOffset = whole.length;
        final byte[] damaged = Arrays.copyOf(whole, whole.length + 16 + 10);
        // A record header promising 100 bytes, followed by only 10.
        System.arraycopy(new byte[] {0x4A, 0x3A, 0x2B, 0x15, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 100},
            0, damaged, whole.length, 16);
        Files.write(tempDir.resolve("damaged.pcap"), damaged);
    }

    private int run(final String... args)
    {
        final InspectCommand command = new InspectCommand().streams(
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new CommandLine(command).execute(args);
    }

    private List<String> lines()
    {
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void shouldPrintOneLinePerTcpSegmentAndCountTheRest()
    {
        assertEquals(0, run(capture.toString()));
        assertEquals(List.of(
            "1 2009-06-16T13:43:12.123456789Z 10.0.0.1:40000 > 10.0.0.2:80 flags [S] seq 4294967295 ack 0" +
                " win 29200 hlen 20 len 0 csum ok",
            "3 2009-06-16T13:43:13.000000000Z [2001:db8::1]:443 > [fe80::1:0]:51000 flags [P.] seq 1000 ack 2000" +
                " win 65535 hlen 20 len 100 vlan 12 csum bad"),
            lines());
        final String summary = err.toString(StandardCharsets.UTF_8);
        assertTrue(summary.contains("frames 4: tcp segments 2, not decoded 2"), summary);
        assertTrue(summary.matches("(?s).*not IP\\s+1\\n.*"), summary);
        assertTrue(summary.matches("(?s).*not TCP\\s+1\\n.*"), summary);
        assertTrue(summary.matches("(?s).*tcp checksum bad\\s+1\\n.*"), summary);
    }

    @Test
    void shouldPrintJsonLinesWithHakasFieldNames()
    {
        assertEquals(0, run("--json", "--count", "1", capture.toString()));
        assertEquals(List.of("{\"frame\":1,\"ts\":\"2009-06-16T13:43:12.123456789Z\",\"ts_ns\":1245159792123456789," +
            "\"ip_version\":4,\"srcip\":\"10.0.0.1\",\"dstip\":\"10.0.0.2\",\"srcport\":40000,\"dstport\":80," +
            "\"seq\":4294967295,\"ack_seq\":0,\"res\":0,\"hdr_len\":20,\"window_size\":29200,\"checksum\":" +
            checksumOfFirst() + ",\"urgent_pointer\":0,\"flags\":{\"fin\":false,\"syn\":true,\"rst\":false," +
            "\"psh\":false,\"ack\":false,\"urg\":false,\"ecn\":false,\"cwr\":false,\"all\":2},\"payload_len\":0," +
            "\"captured_payload_len\":0,\"checksum_status\":\"ok\"}"), lines());
    }

    @Test
    void shouldPrintOnlyWhatTheFilterMatchesAndCountTheRest()
    {
        assertEquals(0, run("--filter", "dst port 80 and ip", capture.toString()));
        assertEquals(1, lines().size());
        assertTrue(lines().get(0).startsWith("1 2009-06-16T13:43:12.123456789Z 10.0.0.1:40000 > 10.0.0.2:80 "),
            lines().get(0));
        final String summary = err.toString(StandardCharsets.UTF_8);
        assertTrue(summary.contains("frames 4: tcp segments 2, not decoded 2"), summary);
        assertTrue(summary.contains("filter \"dst port 80 and ip\": tcp segments matched 1, filtered out 1\n"),
            summary);

        out.reset();
        assertEquals(0, run("--filter", "vlan 12 and src net 2001:db8::/32 and src port 443", capture.toString()));
        assertEquals(1, lines().size());
        assertTrue(lines().get(0).startsWith("3 "), lines().get(0));
    }

    @Test
    void shouldRefuseABadFilterInOneLineWithExitCodeTwo()
    {
        final StringWriter usage = new StringWriter();
        final CommandLine commandLine = new CommandLine(new InspectCommand().streams(
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        commandLine.setErr(new PrintWriter(usage, true));

        assertEquals(ExitCodes.USAGE, commandLine.execute("--filter", "dst port http", capture.toString()));
        assertEquals("flowtap inspect: bad filter at column 10: expected a port number, found 'http' in " +
            "\"dst port http\"\n", usage.toString());
        assertEquals(List.of(), lines());
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldStopAfterCountSegments()
    {
        assertEquals(0, run("-c", "1", "--no-summary", capture.toString()));
        assertEquals(1, lines().size());
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldPrintWhatCameBeforeDamageThenNameTheOffset()
    {
        final Path damaged = tempDir.resolve("damaged.pcap");
        assertEquals(ExitCodes.INPUT_ERROR, run(damaged.toString()));
        assertEquals(2, lines().size());
        final String firstLine = err.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
        assertTrue(firstLine.startsWith("flowtap inspect: " + damaged), firstLine);
        assertTrue(firstLine.contains("byte offset " + damageOffset), firstLine);
    }

    @Test
    void shouldSayClearlyWhenTheFileIsMissing()
    {
        final Path missing = tempDir.resolve("nope.pcap");
        assertEquals(ExitCodes.INPUT_ERROR, run(missing.toString()));
        assertEquals(List.of(), lines());
        final String firstLine = err.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
        assertTrue(firstLine.startsWith("flowtap inspect: " + missing), firstLine);
    }

    @Test
    void shouldOfferHelpVersionAndUsageErrors()
    {
        final StringWriter help = new StringWriter();
        final CommandLine commandLine = Flowtap.commandLine();
        commandLine.setOut(new PrintWriter(help));
        commandLine.setErr(new PrintWriter(new StringWriter()));

        assertEquals(0, commandLine.execute("inspect", "--help"));
        assertTrue(help.toString().contains("Examples:"), help.toString());
        assertTrue(help.toString().contains("--json"), help.toString());
        assertEquals(0, commandLine.execute("--version"));
        assertTrue(help.toString().contains("flowtap "), help.toString());
        assertEquals(ExitCodes.USAGE, commandLine.execute("inspect", "--bogus", "x.pcap"));
        // The help's own example spells the mode in lower case.
        assertEquals(ExitCodes.OK, commandLine.execute("inspect", "--checksum", "off", "--no-summary", "-c", "1",
            capture.toString()));
        assertEquals(ExitCodes.USAGE, commandLine.execute("inspect"));
        assertEquals(ExitCodes.USAGE, commandLine.execute());
    }

    private static int checksumOfFirst()
    {
        final byte[] frame = PacketBuilder.ethernet().flags(TcpFlyweight.SYN)
            .ports(40000, 80).seqAck(4_294_967_295L, 0).window(29200).build();
        return ((frame[14 + 20 + 16] & 0xFF) << 8) | (frame[14 + 20 + 17] & 0xFF);
    }
}
