package io.flowtap.capture.oracle;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The captures bundled with the tests, frame by frame against tshark: runs on any machine, no corpus needed.
 */
class BundledCapturesTsharkTest
{
    private static final Path BUNDLE = Paths.get("src/test/resources/pcap");
    private static final Path ORACLE = Paths.get("src/test/resources/oracle/bundled-tcp-fields.tsv.gz");

    @Test
    void shouldAgreeWithTsharkOnEveryBundledCapture()
    {
        final Map<String, TsharkOracle.Capture> oracle = TsharkOracle.load(ORACLE);
        assertTrue(oracle.size() >= 15, "bundled oracle has " + oracle.size() + " captures");

        final TsharkAgreement agreement = new TsharkAgreement();
        for (final TsharkOracle.Capture capture : oracle.values())
        {
            agreement.compare(BUNDLE.resolve(capture.path()), capture);
        }

        System.out.println("bundled captures vs tshark: " + agreement.summary());
        agreement.stricter.forEach(line -> System.out.println("  stricter than tshark: " + line));
        assertEquals("", String.join("\n", agreement.disagreements));
        // Exact: the bundle and its oracle are fixed, so any change in what flowtap decodes shows here.
        assertEquals(309, agreement.agreed, agreement.summary());
        // GRE (with its key and a PPP payload) and MPLS frames are opened, and their inner segments agree.
        assertEquals(2, agreement.agreedInTunnels, agreement.summary());
        assertEquals(8, agreement.explained.values().stream().mapToLong(Long::longValue).sum(), agreement.summary());
    }
}
