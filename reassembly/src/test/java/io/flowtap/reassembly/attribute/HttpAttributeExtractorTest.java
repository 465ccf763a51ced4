package io.flowtap.reassembly.attribute;

import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.test.Conversation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.flowtap.reassembly.attribute.AttributeNames.CONTENT_TYPE;
import static io.flowtap.reassembly.attribute.AttributeNames.HOST;
import static io.flowtap.reassembly.attribute.AttributeNames.HTTP_HEADER;
import static io.flowtap.reassembly.attribute.AttributeNames.HTTP_METHOD;
import static io.flowtap.reassembly.attribute.AttributeNames.HTTP_STATUS;
import static io.flowtap.reassembly.attribute.AttributeNames.URI;
import static io.flowtap.reassembly.attribute.AttributeNames.USER_AGENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpAttributeExtractorTest
{
    private static final String REQUEST_1 =
        "GET /index.html?q=1 HTTP/1.1\r\nHost: www.example.com:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n";
    private static final String REQUEST_2 =
        "POST /submit HTTP/1.1\r\nHost: www.example.com\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
        "Content-Length: 7\r\n\r\na=1&b=2";
    private static final String REQUEST_3 = "HEAD /big HTTP/1.1\r\nhost: other.example\r\n\r\n";
    private static final String REQUEST_4 = "GET /chunky HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
    private static final String RESPONSE_1 =
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 11\r\n\r\nhello world";
    private static final String RESPONSE_2 = "HTTP/1.1 100 Continue\r\n\r\n" +
        "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
    private static final String RESPONSE_3 = "HTTP/1.1 200 OK\r\nContent-Length: 99999\r\nContent-Type: x/big\r\n\r\n";
    private static final String RESPONSE_4 = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n" +
        "Content-Type: text/plain\r\n\r\n5\r\nHTTP/\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n";

    private final HttpAttributeExtractor extractor = new HttpAttributeExtractor(1, 1 << 20, 4096, 4);
    private final AttributeLog log = new AttributeLog();
    private final ReassemblyEngine engine = new ReassemblyEngine(
        new EngineContext().maxFlows(16).engineMemcapBytes(1 << 20), extractor, log);

    @Test
    void shouldReportEveryRequestAndResponseOfAKeepAliveConnection()
    {
        final Conversation c = new Conversation(engine, 1000, 5000, 40000, 8888).handshake();
        final String requests = REQUEST_1 + REQUEST_2 + REQUEST_3 + REQUEST_4;
        final String responses = RESPONSE_1 + RESPONSE_2 + RESPONSE_3 + RESPONSE_4;
        c.toServer(0, requests);
        c.toClient(0, responses);
        engine.shutdown();

        assertEquals(List.of("GET", "POST", "HEAD", "GET"), log.values(HTTP_METHOD));
        assertEquals(List.of("/index.html?q=1", "/submit", "/big", "/chunky"), log.values(URI));
        assertEquals(List.of("www.example.com:8080", "www.example.com", "other.example", "www.example.com"),
            log.values(HOST));
        assertEquals(List.of("curl/8.5.0"), log.values(USER_AGENT));
        assertEquals(List.of("200", "100", "201", "200", "404"), log.values(HTTP_STATUS));
        assertEquals(List.of("application/x-www-form-urlencoded", "text/html; charset=utf-8", "x/big", "text/plain"),
            log.values(CONTENT_TYPE));
        final List<String> headers = log.values(HTTP_HEADER);
        assertEquals(9, headers.size());
        assertEquals(REQUEST_1, headers.get(0));
        assertTrue(headers.get(4).startsWith("HTTP/1.1 200 OK\r\n") && headers.get(4).endsWith("\r\n\r\n"));
        assertEquals(4, extractor.counter(HttpCounter.REQUESTS));
        assertEquals(5, extractor.counter(HttpCounter.RESPONSES));
        assertEquals(0, extractor.counter(HttpCounter.NOT_HTTP));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 13, 64})
    void shouldReadHeaderBlocksSplitAcrossSegments(final int segmentLength)
    {
        final Conversation c = new Conversation(engine, 0xFFFFFF00L, 77, 40001, 80).handshake();
        final String requests = REQUEST_1 + REQUEST_2;
        for (int at = 0; at < requests.length(); at += segmentLength)
        {
            c.toServer(at, requests.substring(at, Math.min(requests.length(), at + segmentLength)));
        }
        final String responses = RESPONSE_1 + RESPONSE_4;
        for (int at = 0; at < responses.length(); at += segmentLength)
        {
            c.toClient(at, responses.substring(at, Math.min(responses.length(), at + segmentLength)));
        }
        engine.shutdown();

        assertEquals(List.of("/index.html?q=1", "/submit"), log.values(URI));
        assertEquals(List.of("200", "404"), log.values(HTTP_STATUS));
        assertEquals(REQUEST_1, log.values(HTTP_HEADER).get(0));
        assertEquals(List.of("application/x-www-form-urlencoded", "text/html; charset=utf-8", "text/plain"),
            log.values(CONTENT_TYPE));
    }

    @Test
    void shouldRecogniseHttpByContentNotPort()
    {
        new Conversation(engine, 1, 2, 50000, 443).handshake().toServer(0, "SSH-2.0-OpenSSH_9.6\r\n");
        new Conversation(engine, 1, 2, 50001, 22).handshake().toServer(0, REQUEST_4);
        engine.shutdown();

        assertEquals(List.of("/chunky"), log.values(URI));
        assertEquals(1, extractor.counter(HttpCounter.NOT_HTTP));
    }

    @Test
    void shouldCountMalformedAndTruncatedInputAndStopThatDirection()
    {
        new Conversation(engine, 1, 2, 50002, 80).handshake()
            .toServer(0, "GET / HTTP/1.1\r\nHost: a\r\n\r\nGARBAGE\u0001 here\r\n\r\nGET /never HTTP/1.1\r\n\r\n");
        new Conversation(engine, 1, 2, 50003, 80).handshake().toServer(0, "GET /cut HTTP/1.1\r\nHost: b");
        new Conversation(engine, 1, 2, 50004, 80).handshake()
            .toServer(0, "POST /x HTTP/1.1\r\nContent-Length: 12x\r\n\r\nGET /never HTTP/1.1\r\n\r\n");
        new Conversation(engine, 1, 2, 50005, 80).handshake()
            .toServer(0, "GET /" + "a".repeat(5000) + " HTTP/1.1\r\n\r\n");
        engine.shutdown();

        assertEquals(List.of("/", "/x"), log.values(URI));
        assertEquals(1, extractor.counter(HttpCounter.MALFORMED_START_LINE));
        assertEquals(1, extractor.counter(HttpCounter.TRUNCATED));
        assertEquals(1, extractor.counter(HttpCounter.BAD_CONTENT_LENGTH));
        assertEquals(1, extractor.counter(HttpCounter.NOT_HTTP));
    }

    @Test
    void shouldStopLookingPastTheInspectionLimit()
    {
        final HttpAttributeExtractor limited = new HttpAttributeExtractor(1, 100, 4096, 1);
        final AttributeLog seen = new AttributeLog();
        final ReassemblyEngine small = new ReassemblyEngine(new EngineContext().maxFlows(4), limited, seen);
        new Conversation(small, 1, 2, 50006, 80).handshake()
            .toServer(0, REQUEST_4)
            .toServer(REQUEST_4.length(), "GET /too-late HTTP/1.1\r\nHost: x\r\nX-Pad: " + "p".repeat(60) + "\r\n\r\n");
        small.shutdown();

        assertEquals(List.of("/chunky"), seen.values(URI));
        assertEquals(1, limited.counter(HttpCounter.INSPECT_LIMIT));
    }

    @Test
    void shouldStopBothDirectionsAfterAProtocolSwitch()
    {
        final String upgrade = "GET /chat HTTP/1.1\r\nHost: ws\r\nUpgrade: websocket\r\n\r\n";
        new Conversation(engine, 1, 2, 50007, 80).handshake()
            .toServer(0, upgrade)
            .toClient(0, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nHTTP/1.1 200 OK\r\n\r\n")
            .toServer(upgrade.length(), "GET /not-http-any-more HTTP/1.1\r\n\r\n");
        engine.shutdown();

        assertEquals(List.of("/chat"), log.values(URI));
        assertEquals(List.of("101"), log.values(HTTP_STATUS));
        assertEquals(1, extractor.counter(HttpCounter.TUNNEL));
    }

    @Test
    void shouldReadARequestLineWithoutAVersionFollowedByHeaders()
    {
        new Conversation(engine, 1, 2, 50008, 8000).handshake()
            .toServer(0, "GET /\nFakeHeader\nHost: localhost\nUser-Agent: myscript\n\n");
        engine.shutdown();

        assertEquals(List.of("/"), log.values(URI));
        assertEquals(List.of("myscript"), log.values(USER_AGENT));
        assertEquals(1, extractor.counter(HttpCounter.MALFORMED_HEADER_LINE));
    }
}
