package io.flowtap.reassembly.attribute;

import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.test.Conversation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;

import static io.flowtap.reassembly.attribute.AttributeNames.TLS_ALPN;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_CA_INTER;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_CA_ROOT;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_CIPHER;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_O;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_RECORD;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_SNI;
import static io.flowtap.reassembly.attribute.AttributeNames.TLS_VERSION;
import static io.flowtap.reassembly.attribute.TlsBytes.APPLICATION_DATA;
import static io.flowtap.reassembly.attribute.TlsBytes.CHANGE_CIPHER_SPEC;
import static io.flowtap.reassembly.attribute.TlsBytes.HANDSHAKE;
import static io.flowtap.reassembly.attribute.TlsBytes.certificate;
import static io.flowtap.reassembly.attribute.TlsBytes.clientHello;
import static io.flowtap.reassembly.attribute.TlsBytes.concat;
import static io.flowtap.reassembly.attribute.TlsBytes.handshake;
import static io.flowtap.reassembly.attribute.TlsBytes.latin1;
import static io.flowtap.reassembly.attribute.TlsBytes.name;
import static io.flowtap.reassembly.attribute.TlsBytes.record;
import static io.flowtap.reassembly.attribute.TlsBytes.serverHello;
import static io.flowtap.reassembly.attribute.TlsBytes.x509;
import static org.junit.jupiter.api.Assertions.assertEquals;

class TlsAttributeExtractorTest
{
    static final byte[] ROOT_NAME = name("Example Root Org", "Example Root CA");
    static final byte[] INTER_NAME = name("Example Intermediate Org", "Example Intermediate CA");
    static final byte[] LEAF_NAME = name("Example Org", "www.example.com");
    static final byte[] CLIENT_HELLO = record(HANDSHAKE, clientHello("www.example.com", "h2", "http/1.1"));
    static final byte[] SERVER_MESSAGES = concat(
        serverHello(0x0303, 0xC02F, -1),
        certificate(x509(INTER_NAME, LEAF_NAME), x509(ROOT_NAME, INTER_NAME), x509(ROOT_NAME, ROOT_NAME)),
        handshake(14, new byte[0]));
    static final byte[] CCS = record(CHANGE_CIPHER_SPEC, new byte[] {1});
    static final byte[] ENCRYPTED = record(APPLICATION_DATA, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

    private final TlsAttributeExtractor extractor = new TlsAttributeExtractor(2, 1 << 20, 1 << 16, 4);
    private final AttributeLog log = new AttributeLog();
    private final ReassemblyEngine engine = new ReassemblyEngine(
        new EngineContext().maxFlows(16).engineMemcapBytes(1 << 20), extractor, log);

    @Test
    void shouldReportTheHandshakeOfATls12Connection()
    {
        final byte[] server = concat(record(HANDSHAKE, SERVER_MESSAGES), CCS, ENCRYPTED);
        final byte[] client = concat(CLIENT_HELLO, CCS, ENCRYPTED);
        play(client, server, client.length, server.length);

        assertEquals(List.of("www.example.com"), log.values(TLS_SNI));
        assertEquals(List.of("h2", "http/1.1"), log.values(TLS_ALPN));
        assertEquals(List.of("0303"), log.values(TLS_VERSION));
        assertEquals(List.of("C02F"), log.values(TLS_CIPHER));
        assertEquals(List.of("Example Org"), log.values(TLS_O));
        assertEquals(List.of("Example Intermediate Org"), log.values(TLS_CA_INTER));
        assertEquals(List.of("Example Root Org"), log.values(TLS_CA_ROOT));
        assertEquals(List.of(latin1(CLIENT_HELLO), latin1(CCS), latin1(record(HANDSHAKE, SERVER_MESSAGES)),
            latin1(CCS)), log.values(TLS_RECORD));
        assertEquals(1, extractor.counter(TlsCounter.CLIENT_HELLOS));
        assertEquals(1, extractor.counter(TlsCounter.SERVER_HELLOS));
        assertEquals(1, extractor.counter(TlsCounter.CERTIFICATES));
    }

    /**
     * The server's handshake messages cut into records of {@code fragmentLength} bytes (so the certificate spans
     * several), and the stream cut into segments of every size from 1 byte up.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 5, 17, 100, 301, 1000})
    void shouldReassembleMessagesAcrossRecordsAndRecordsAcrossSegments(final int segmentLength)
    {
        for (final int fragmentLength : new int[] {7, 64, 4000})
        {
            log.seen.clear();
            byte[] server = new byte[0];
            for (int at = 0; at < SERVER_MESSAGES.length; at += fragmentLength)
            {
                server = concat(server, record(HANDSHAKE,
                    Arrays.copyOfRange(SERVER_MESSAGES, at, Math.min(SERVER_MESSAGES.length, at + fragmentLength))));
            }
            server = concat(server, CCS, ENCRYPTED);
            play(concat(CLIENT_HELLO, CCS), server, segmentLength, segmentLength);

            final String context = "fragments of " + fragmentLength + ", segments of " + segmentLength;
            assertEquals(List.of("www.example.com"), log.values(TLS_SNI), context);
            assertEquals(List.of("C02F"), log.values(TLS_CIPHER), context);
            assertEquals(List.of("Example Org"), log.values(TLS_O), context);
            assertEquals(List.of("Example Intermediate Org"), log.values(TLS_CA_INTER), context);
            assertEquals(List.of("Example Root Org"), log.values(TLS_CA_ROOT), context);
            final int serverRecords = (SERVER_MESSAGES.length + fragmentLength - 1) / fragmentLength;
            assertEquals(2 + serverRecords + 1, log.values(TLS_RECORD).size(), context);
        }
        assertEquals(0, extractor.counter(TlsCounter.TRUNCATED));
        assertEquals(0, extractor.counter(TlsCounter.MALFORMED_HANDSHAKE));
    }

    @Test
    void shouldReportVersionFromSupportedVersionsAndCountTheEncryptedCertificateOfTls13()
    {
        final byte[] server = concat(record(HANDSHAKE, serverHello(0x0303, 0x1301, 0x0304)), CCS, ENCRYPTED);
        play(CLIENT_HELLO, server, 1000, 1000);

        assertEquals(List.of("0304"), log.values(TLS_VERSION));
        assertEquals(List.of("1301"), log.values(TLS_CIPHER));
        assertEquals(List.of(), log.values(TLS_O));
        assertEquals(1, extractor.counter(TlsCounter.CERTIFICATE_ENCRYPTED));
    }

    @Test
    void shouldCountWhatIsNotTlsOrIsBroken()
    {
        // Not TLS at all.
        play(TlsBytes.ascii("GET / HTTP/1.1\r\n\r\n"), new byte[0], 100, 100);
        assertEquals(1, extractor.counter(TlsCounter.NOT_TLS));

        // A record header that is not TLS after a good first record.
        play(concat(CLIENT_HELLO, new byte[] {22, 9, 9, 0, 1, 0}), new byte[0], 1000, 1000);
        assertEquals(1, extractor.counter(TlsCounter.MALFORMED_RECORD));

        // A ClientHello whose extensions claim more than the message holds.
        final byte[] hello = clientHello("bad.example");
        // type (1), length (3), version (2), random (32), session id (1), suites (2 + 4), compression (2).
        hello[4 + 2 + 32 + 1 + 6 + 2] = 0x7F;
        play(record(HANDSHAKE, hello), new byte[0], 1000, 1000);
        assertEquals(1, extractor.counter(TlsCounter.MALFORMED_HANDSHAKE));

        // The stream ends inside a record.
        play(Arrays.copyOf(CLIENT_HELLO, CLIENT_HELLO.length - 3), new byte[0], 10, 10);
        assertEquals(1, extractor.counter(TlsCounter.TRUNCATED));
        assertEquals(List.of("www.example.com"), log.values(TLS_SNI));
    }

    private int port = 40000;

    private void play(final byte[] client, final byte[] server, final int clientSegment, final int serverSegment)
    {
        final Conversation c = new Conversation(engine, 0xFFFFFFF0L, 0x7FFFFFF0L, port++, 4443).handshake();
        for (int at = 0; at < client.length; at += clientSegment)
        {
            c.toServer(at, latin1(Arrays.copyOfRange(client, at, Math.min(client.length, at + clientSegment))));
        }
        for (int at = 0; at < server.length; at += serverSegment)
        {
            c.toClient(at, latin1(Arrays.copyOfRange(server, at, Math.min(server.length, at + serverSegment))));
        }
        engine.shutdown();
    }
}
