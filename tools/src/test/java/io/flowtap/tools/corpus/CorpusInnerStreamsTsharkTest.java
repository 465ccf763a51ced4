package io.flowtap.tools.corpus;

import io.flowtap.capture.test.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every capture of the corpus whose TCP is in a tunnel, in IP fragments or has bad checksums (its index's
 * {@code tunnel}, {@code fragments} and {@code bad-csum} features), through {@code flowtap streams} against tshark's
 * followed streams, by the rules of {@link InnerStreamAgreement}, several captures at once. Needs the corpus and
 * tshark.
 */
@Tag("corpus")
class CorpusInnerStreamsTsharkTest
{
    private static final String PCAPNG_EXAMPLE = "pcapplusplus/Tests/Pcap++Test/PcapExamples/pcapng-example.pcapng ";
    private static final String SV = "suricata-verify/tests/";
    private static final String TIME_SPLIT = "the capture's timestamps jump by decades inside the connection: " +
        "flowtap's idle timeout ends it and the later segments start another, tshark does not look at time";
    private static final String AFTER_RST = "after an acceptable RST flowtap ignores the connection's segments " +
        "(packets after close), as a receiver that took the RST does; tshark follows on";
    private static final String OPENFLOW = "OpenFlow packet-in/out messages carry whole Ethernet frames: tshark " +
        "dissects the IP inside them, and its follow then files the controller's bytes under the wrong node " +
        "(and splits them); tcpflow's files are flowtap's bytes exactly";
    private static final String OF13 = "tcpdump/tests/of13_ericsson.pcapng ";

    /** Directions flowtap gives otherwise than tshark, by "capture A > B", and why. */
    private static final Map<String, String> EXPLAINED = Map.ofEntries(
        Map.entry(PCAPNG_EXAMPLE + "127.0.0.1:40304 > 127.0.0.1:3306", TIME_SPLIT),
        Map.entry(PCAPNG_EXAMPLE + "127.0.0.1:3306 > 127.0.0.1:40304", TIME_SPLIT),
        Map.entry("tcpdump/tests/smb_data_print-segv.pcap 192.168.56.119:49199 > 192.168.56.55:445", TIME_SPLIT),
        Map.entry(SV + "transform-base64-7296/input.pcap 127.0.0.1:8080 > 127.0.0.1:57228", TIME_SPLIT),
        Map.entry(SV + "transform-base64-7296/input.pcap 127.0.0.1:57227 > 127.0.0.1:8080", TIME_SPLIT),
        Map.entry(SV + "transform-base64-7296/input.pcap 127.0.0.1:8080 > 127.0.0.1:57227", TIME_SPLIT),
        Map.entry(SV + "transform-base64-7296/input.pcap 127.0.0.1:57226 > 127.0.0.1:8080", TIME_SPLIT),
        Map.entry(SV + "bug-76/input.pcap 10.20.10.101:80 > 10.10.10.2:53104", "its only segment's IP total length " +
            "(29,603) is past the end of the frame: flowtap's decoder refuses it (bad IP length), tshark decodes it"),
        Map.entry(SV + "bug-76/input.pcap 10.20.10.99:80 > 10.10.10.2:53104", "mangled sequence numbers: the " +
            "server's data lies 9,727 bytes before the sequence number its SYN-ACK started, outside the stream"),
        Map.entry(SV + "bug-7657-01/input.pcap 100.73.5.8:45511 > 100.73.2.4:80", "a SYN flood with random " +
            "ISNs on the same ports before the real handshake: flowtap keeps the first SYN's ISN, the real SYN-ACK's " +
            "ACK is then not believable and the request is outside the stream (the case suricata-verify tests)"),
        Map.entry(SV + "bug-7657-02-ips/input.pcap 100.73.5.8:45511 > 100.73.2.4:80", "as bug-7657-01"),
        Map.entry(SV + "bug-78-uricontent/input.pcap 208.69.36.231:80 > 192.168.2.3:37010", AFTER_RST),
        Map.entry(SV + "security-4710-02/input.pcap 127.0.0.1:24245 > 127.0.0.1:8000", AFTER_RST +
            " (this RST carries a TCP-AO option and the server answered after it)"),
        Map.entry(SV + "security-4710-02/input.pcap 127.0.0.1:8000 > 127.0.0.1:24245", AFTER_RST +
            " (this RST carries a TCP-AO option and the server answered after it)"),
        Map.entry("pcapplusplus/Tests/Packet++Test/PacketExamples/Ftp.pcap 192.168.0.114:1137 > 192.168.0.193:21",
            TIME_SPLIT + " (15 years here)"),
        Map.entry(OF13 + "127.0.0.1:6633 > 127.0.0.1:58449", OPENFLOW),
        Map.entry(OF13 + "127.0.0.1:58449 > 127.0.0.1:6633", OPENFLOW),
        Map.entry("tcpdump/tests/tcp_rst_diag_payload.pcap 192.0.2.1:39829 > 192.168.0.1:8080", "the only bytes " +
            "are a RST's payload, diagnostic text (RFC 9293 3.5.3) that no receiver delivers; tshark follows it"));

    @TempDir
    Path tempDir;

    @Test
    void shouldGiveTsharksInnerStreams() throws Exception
    {
        final Path corpus = Corpus.dir();
        final String tshark = TsharkFollow.require();
        final InnerStreamAgreement agreement = new InnerStreamAgreement(EXPLAINED);
        final List<Corpus.Entry> entries = new ArrayList<>();
        for (final Corpus.Entry entry : Corpus.entries())
        {
            final String features = "," + entry.features() + ",";
            if (!features.contains(",tunnel,") && !features.contains(",fragments,") &&
                !features.contains(",bad-csum,"))
            {
                continue;
            }
            if (!entry.path().matches(".*\\.(pcap|pcapng|cap)$"))
            {
                // Compressed: tshark reads it, flowtap reads pcap and pcapng only.
                System.out.println("  not compared: " + entry.path() + " is not a pcap or pcapng file");
            }
            else
            {
                entries.add(entry);
            }
        }
        // Hundreds of small captures, each a tshark start and two flowtap runs: as many at once as there are CPUs,
        // a few ahead of the one being judged, and judged in the corpus' order.
        final int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try
        {
            final ArrayDeque<Future<InnerStreamAgreement.Outputs>> ahead = new ArrayDeque<>();
            int next = 0;
            while (next < entries.size() || !ahead.isEmpty())
            {
                while (next < entries.size() && ahead.size() < 2 * threads)
                {
                    final Corpus.Entry entry = entries.get(next);
                    final Path scratch = Files.createDirectory(tempDir.resolve("capture-" + next));
                    ahead.add(pool.submit(() ->
                        InnerStreamAgreement.run(tshark, corpus.resolve(entry.path()), entry.path(), scratch)));
                    next++;
                }
                agreement.judge(ahead.poll().get());
            }
        }
        finally
        {
            pool.shutdownNow();
        }
        System.out.println("corpus inner streams vs tshark: " + agreement.summary());
        agreement.disagreements.forEach(line -> System.out.println("  disagreement: " + line));
        assertEquals(0, agreement.disagreements.size(), () -> String.join("\n", agreement.disagreements));
        assertEquals(java.util.Set.of(), agreement.unusedExplanations(), "explanations no longer needed");
        assertTrue(agreement.agreed > 0, agreement::summary);
    }
}
