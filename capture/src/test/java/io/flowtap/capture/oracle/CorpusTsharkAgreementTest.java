package io.flowtap.capture.oracle;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.test.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every capture of the public corpus ({@code ../shared/corpus}), frame by frame against tshark. Skips without the
 * corpus; fails without it under CI.
 */
@Tag("corpus")
class CorpusTsharkAgreementTest
{
    private static final Path ORACLE = Paths.get("src/test/resources/oracle/corpus-tcp-fields.tsv.gz");

    @Test
    void shouldAgreeWithTsharkOnTheWholeCorpus()
    {
        final Path corpus = Corpus.dir();
        final Map<String, TsharkOracle.Capture> oracle = TsharkOracle.load(ORACLE);
        assertEquals(Corpus.entries().size(), oracle.size(), "the oracle covers every capture in INDEX.tsv");

        final TsharkAgreement agreement = new TsharkAgreement();
        for (final TsharkOracle.Capture capture : oracle.values())
        {
            agreement.compare(corpus.resolve(capture.path()), capture);
        }

        System.out.println("corpus vs tshark: " + agreement.summary());
        agreement.stricter.forEach(line -> System.out.println("  stricter than tshark: " + line));
        agreement.otherFormats.forEach(line -> System.out.println("  not pcap/pcapng: " + line));
        assertTrue(agreement.otherFormats.size() <= 3, "captures in formats flowtap does not read");
        agreement.disagreements.stream().limit(200).forEach(line -> System.out.println("  DISAGREE " + line));
        assertEquals(0, agreement.disagreements.size(), "disagreements with tshark (first 200 printed above)");
        final long notDecoded = agreement.explained.values().stream().mapToLong(Long::longValue).sum();
        final long stricter = agreement.explained.entrySet().stream()
            .filter(e -> e.getKey() != DecodeCounter.IP_FRAGMENT && e.getKey().name().startsWith("BAD_"))
            .mapToLong(Map.Entry::getValue).sum();
        assertTrue(agreement.agreed > 100_000, agreement.summary());
        // VXLAN, Geneve, GRE, ERSPAN, IP in IP, MPLS, PPPoE, GTP-U and Teredo captures: the inner segments, field by
        // field (tshark verifies their checksums too).
        assertTrue(agreement.agreedInTunnels >= 430, agreement.summary());
        assertTrue(stricter * 1000 < agreement.agreed + notDecoded,
            "flowtap rejects more than 0.1% of tshark's TCP frames as malformed: " + agreement.summary());
    }
}
