package io.flowtap.tools.corpus;

import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tunnel, fragment and checksum-offload captures bundled with the tests, through {@code flowtap streams} against
 * tshark's followed streams (the rules of {@link InnerStreamAgreement}), with no corpus needed: every direction the
 * same with the defaults, in the numbers below. Needs tshark.
 */
class BundledInnerStreamsTsharkTest
{
    /** Each bundled capture, what it carries, and how many directions flowtap gives as tshark does. */
    private static final Map<String, Integer> CAPTURES = new LinkedHashMap<>();

    static
    {
        // VXLAN: four SSH connections; one HTTP connection with the reserved fields set (and offloaded checksums).
        CAPTURES.put("suricata-verify__vxlan-decoder-03__vxlan.pcap", 8);
        CAPTURES.put("suricata-verify__vxlan-non-zero-reserved-fields__input.pcap", 2);
        // Geneve (tcpdump's, with options), Geneve carrying GRE carrying IP.
        CAPTURES.put("tcpdump__geneve.pcap", 2);
        CAPTURES.put("suricata-verify__bug-6402-01__input.pcap", 2);
        // GRE: IP inside; transparent Ethernet bridging; PPTP's enhanced GRE with PPP.
        CAPTURES.put("suricata-verify__bug-5633-gre-02__gre-sample.pcap", 2);
        CAPTURES.put("suricata-verify__bug-2576-01__temp6.pcap", 2);
        CAPTURES.put("tcpdump__pptp.pcap", 2);
        // PPPoE session.
        CAPTURES.put("suricata-verify__bug-4810__pppoe-session-http.pcap", 2);
        // IPv4 fragments (an HTTP request in pieces) and IPv6 fragments.
        CAPTURES.put("pcapplusplus__frag_http_req.pcap", 1);
        CAPTURES.put("suricata-verify__bug-6887-defrag-ipv6-tcp__frag-ip-tcp.pcap", 1);
        // Captured on the client, before its NIC filled its checksums in: every one of its segments is bad, and the
        // server acknowledges them.
        CAPTURES.put("suricata-verify__bug-8224-01__example-s0.pcap", 2);
        CAPTURES.put("suricata-verify__bug-1450-04__tls_DER-incomplete-header.pcap", 2);
    }

    @TempDir
    Path tempDir;

    @Test
    void shouldGiveTsharksInnerStreamsWithTheDefaults() throws Exception
    {
        final String tshark = TsharkFollow.require();
        final InnerStreamAgreement agreement = new InnerStreamAgreement(Map.of());
        final Map<String, Integer> agreed = new TreeMap<>();
        final Path captures = Files.createDirectory(tempDir.resolve("captures"));
        for (final String name : CAPTURES.keySet())
        {
            agreed.put(name, agreement.compare(tshark, TestCaptures.bundled(name, captures), name, tempDir));
        }
        System.out.println("bundled inner streams vs tshark: " + agreement.summary());
        assertEquals(java.util.List.of(), agreement.disagreements);
        assertEquals(new TreeMap<>(CAPTURES), agreed);
        assertEquals(agreement.directions, agreement.agreed, agreement::summary);
    }
}
