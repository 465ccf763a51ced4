package io.flowtap.reassembly.attribute;

import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.test.Recorder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.flowtap.reassembly.attribute.AttributeNames.CONTENT_TYPE;
import static io.flowtap.reassembly.attribute.AttributeNames.FLOW_END;
import static io.flowtap.reassembly.attribute.AttributeNames.FLOW_START;
import static io.flowtap.reassembly.attribute.AttributeNames.HOST;
import static io.flowtap.reassembly.attribute.AttributeNames.HTTP_STATUS;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_CA_INTER;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_CA_ROOT;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_CIPHER;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_O;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_RECORD;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_SNI;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_VERSION;
import static io.flowtap.reassembly.attribute.AttributeNames.URI;
import static io.flowtap.reassembly.attribute.AttributeNames.USER_AGENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Attributes of three suricata-verify captures bundled with the module, so the default build checks real traffic
 * without the corpus: the expected values are those of each test's {@code test.yaml} (Suricata's eve output), and
 * for fields Suricata does not log (cipher, authorities) what tshark decodes from the same capture.
 */
class BundledCapturesAttributesTest
{
    @Test
    void shouldFindTheTls12HandshakeOfBug2646()
    {
        final AttributeLog log = replay("suricata-verify__bug-2646-01__input.pcap");

        assertEquals(List.of("raw.githubusercontent.com"), log.values(TLS_SNI));
        assertEquals(List.of("0303"), log.values(TLS_VERSION));
        assertEquals(List.of("C02F"), log.values(TLS_CIPHER));
        assertEquals(List.of("GitHub, Inc."), log.values(TLS_O));
        assertEquals(List.of("DigiCert Inc"), log.values(TLS_CA_INTER));
        assertEquals(List.of("DigiCert Inc"), log.values(TLS_CA_ROOT));
        assertFalse(log.values(TLS_RECORD).isEmpty());
    }

    @Test
    void shouldFindTheOneCertificateChainOfGlupteba()
    {
        final AttributeLog log = replay("suricata-verify__tls-glupteba__input.pcap");

        assertEquals(List.of("0039"), log.values(TLS_CIPHER));
        assertEquals(List.of(), log.values(TLS_O), "the subject has a CN only");
        assertEquals(List.of("Let's Encrypt"), log.values(TLS_CA_ROOT));
    }

    @Test
    void shouldFindTheHttpRequestAndResponseOfBug130()
    {
        final AttributeLog log = replay("suricata-verify__bug-130__input.pcap");

        assertEquals(List.of("/publication/pub.home/home.html"), log.values(URI));
        assertEquals(List.of("www.abcdefghij.com"), log.values(HOST));
        assertEquals(List.of("Mozilla/5.0 (X11; U; Linux i686; fr; rv:1.9.0.6) Gecko/2009011912 Firefox/3.0.6"),
            log.values(USER_AGENT));
        assertEquals(List.of("401"), log.values(HTTP_STATUS));
        assertEquals(List.of("text/html; charset=iso-8859-1"), log.values(CONTENT_TYPE));
        assertEquals(log.values(FLOW_START).size(), log.values(FLOW_END).size());
        assertEquals(FLOW_START, log.names().get(0));
    }

    private static AttributeLog replay(final String name)
    {
        final AttributeLog log = new AttributeLog();
        Recorder.replay(Recorder.bundled(name), new EngineContext().maxFlows(64).engineMemcapBytes(4 << 20),
            new FlowBoundaryAttributes(), new HttpAttributeExtractor(), new TlsAttributeExtractor(), log);
        return log;
    }
}
