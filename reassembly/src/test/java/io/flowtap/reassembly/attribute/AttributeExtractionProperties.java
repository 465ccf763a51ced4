package io.flowtap.reassembly.attribute;

import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.reassembly.test.Conversation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.agrona.DirectBuffer;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever a stream holds, the extractors never throw, report only values that lie inside the buffer they pass, and
 * account for every stream they give up on: random bytes, and real HTTP and TLS cut short or with bytes flipped, cut
 * into random segments.
 */
class AttributeExtractionProperties
{
    private static final byte[] HTTP = TlsBytes.ascii(
        "GET /a?b=c HTTP/1.1\r\nHost: h.example\r\nUser-Agent: ua\r\nContent-Length: 3\r\n\r\nabc" +
        "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Type: t/x\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    private static final byte[] HTTP_RESPONSE = TlsBytes.ascii(
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 304 Not Modified\r\nContent-Type: a/b\r\n\r\n");
    private static final byte[] TLS_CLIENT = TlsBytes.concat(
        TlsAttributeExtractorTest.CLIENT_HELLO, TlsAttributeExtractorTest.CCS);
    private static final byte[] TLS_SERVER = TlsBytes.concat(
        TlsBytes.record(TlsBytes.HANDSHAKE, TlsAttributeExtractorTest.SERVER_MESSAGES), TlsAttributeExtractorTest.CCS,
        TlsAttributeExtractorTest.ENCRYPTED);

    @Property(tries = 400)
    void shouldNeverThrowOnRandomBytes(
        @ForAll("streams") final byte[] client,
        @ForAll("streams") final byte[] server,
        @ForAll @IntRange(min = 1, max = 64) final int segmentLength)
    {
        play(client, server, segmentLength, false);
    }

    @Property(tries = 600)
    void shouldNeverThrowOnDamagedHttpOrTls(
        @ForAll final boolean tls,
        @ForAll @IntRange(min = 0, max = 2000) final int cutAt,
        @ForAll @IntRange(min = 0, max = 8) final int flips,
        @ForAll final long seed,
        @ForAll @IntRange(min = 1, max = 300) final int segmentLength)
    {
        final Random random = new Random(seed);
        final byte[] client = damage(tls ? TLS_CLIENT : HTTP, cutAt, flips, random);
        final byte[] server = damage(tls ? TLS_SERVER : HTTP_RESPONSE, cutAt, flips, random);
        play(client, server, segmentLength, flips == 0 && cutAt == 0);
    }

    @Provide
    Arbitrary<byte[]> streams()
    {
        final Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(600);
        // Streams that start like TLS or HTTP reach deeper into the parsers than noise does.
        final Arbitrary<byte[]> tlsLike = random.map(tail -> TlsBytes.concat(new byte[] {22, 3, 1}, tail));
        final Arbitrary<byte[]> httpLike = random.map(tail -> TlsBytes.concat(TlsBytes.ascii("GET / HTTP/1.1\r\n"),
            tail));
        return Arbitraries.oneOf(random, tlsLike, httpLike);
    }

    private static byte[] damage(final byte[] bytes, final int cutAt, final int flips, final Random random)
    {
        final byte[] damaged = cutAt == 0 ? bytes.clone() : Arrays.copyOf(bytes, Math.min(bytes.length, cutAt));
        for (int i = 0; i < flips && damaged.length > 0; i++)
        {
            damaged[random.nextInt(damaged.length)] = (byte)random.nextInt(256);
        }
        return damaged;
    }

    private static void play(final byte[] client, final byte[] server, final int segmentLength, final boolean intact)
    {
        final HttpAttributeExtractor http = new HttpAttributeExtractor(1, 1 << 20, 1024, 1);
        final TlsAttributeExtractor tls = new TlsAttributeExtractor(2, 1 << 20, 1 << 16, 1);
        final BoundsChecker checker = new BoundsChecker();
        final ReassemblyEngine engine = new ReassemblyEngine(
            new EngineContext().maxFlows(4).engineMemcapBytes(1 << 20), http, tls, checker);
        final Conversation c = new Conversation(engine, 0xFFFFFF00L, 12345, 40000, 443).handshake();
        for (int at = 0; at < client.length; at += segmentLength)
        {
            final int end = Math.min(client.length, at + segmentLength);
            c.toServer(at, TlsBytes.latin1(Arrays.copyOfRange(client, at, end)));
        }
        for (int at = 0; at < server.length; at += segmentLength)
        {
            final int end = Math.min(server.length, at + segmentLength);
            c.toClient(at, TlsBytes.latin1(Arrays.copyOfRange(server, at, end)));
        }
        engine.shutdown();

        assertEquals(0, checker.outOfBounds, "attribute values outside their buffer");
        if (intact)
        {
            assertTrue(checker.attributes > 4, "intact input reports its attributes: " + checker.attributes);
        }
        // Each direction with bytes is either read to its end or given up with a counted reason: the number of
        // counted give-ups can never exceed the directions there were.
        long givenUp = 0;
        for (final HttpCounter counter : HttpCounter.values())
        {
            givenUp += counter == HttpCounter.REQUESTS || counter == HttpCounter.RESPONSES ||
                counter == HttpCounter.MALFORMED_HEADER_LINE ? 0 : http.counter(counter);
        }
        assertTrue(givenUp <= 2, "HTTP give-ups counted: " + givenUp);
    }

    private static final class BoundsChecker implements TcpHandler
    {
        long attributes;
        long outOfBounds;

        @Override
        public void onAttribute(
            final Flow flow,
            final int direction,
            final String name,
            final DirectBuffer value,
            final int offset,
            final int length,
            final long timeNs)
        {
            attributes++;
            if (offset < 0 || length < 0 || (long)offset + length > value.capacity())
            {
                outOfBounds++;
            }
            for (int i = 0; i < length; i++)
            {
                value.getByte(offset + i);
            }
        }
    }
}
