package io.flowtap.reassembly.attribute;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.capture.test.Allocations;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The extractors allocate nothing in steady state: thousands of connections (HTTP keep-alive with chunked bodies,
 * TLS handshakes whose certificate spans records and whose records span segments, garbage, and truncated TLS) run
 * through an engine with the flow boundary, HTTP and TLS extractors, after warm-up passes have filled the state pools
 * and compiled the code; the thread's allocated bytes over a whole pass stay within the project's fixed allowance.
 */
class AttributeExtractionAllocationTest
{
    private static final long ALLOWANCE_BYTES = 4096;
    private static final int CONNECTIONS = 4000;
    private static final int WARM_UP_PASSES = 3;
    private static final long PASS_SHIFT_NS = EngineContext.ESTABLISHED_TIMEOUT_NS_DEFAULT * 4;

    private final List<UnsafeBuffer> frames = new ArrayList<>();
    private final PacketDecoder decoder = new PacketDecoder(ChecksumMode.OFF);
    private final Counter counter = new Counter();
    private final HttpAttributeExtractor http = new HttpAttributeExtractor();
    private final TlsAttributeExtractor tls = new TlsAttributeExtractor();

    @Test
    void shouldNotAllocateWhileExtracting()
    {
        build();
        final ReassemblyEngine engine = new ReassemblyEngine(
            new EngineContext().maxFlows(8192).pageSize(1024),
            new FlowBoundaryAttributes(), http, tls, counter);
        for (int pass = 0; pass < WARM_UP_PASSES; pass++)
        {
            pass(engine, pass);
            engine.shutdown();
        }
        counter.reset();
        final long before = Allocations.currentThreadBytes();
        pass(engine, WARM_UP_PASSES);
        engine.shutdown();
        final long allocated = Allocations.currentThreadBytes() - before;

        System.out.printf("AttributeExtractionAllocationTest: %,d frames, %,d attributes (%,d TLS:O, %,d URI), " +
            "allocated %d bytes%n", frames.size(), counter.attributes, counter.organisations, counter.uris, allocated);
        assertEquals(CONNECTIONS / 4, counter.organisations, "one certificate organisation per TLS connection");
        assertEquals(CONNECTIONS / 4 * 2, counter.uris, "two requests per HTTP connection");
        assertEquals(2L * CONNECTIONS, counter.boundaries, "a start and an end per connection");
        assertTrue(tls.counter(TlsCounter.TRUNCATED) > 0 && http.counter(HttpCounter.NOT_HTTP) > 0);
        assertTrue(allocated <= ALLOWANCE_BYTES, "bytes allocated over " + frames.size() + " frames: " + allocated);
    }

    private void pass(final ReassemblyEngine engine, final int pass)
    {
        final long shiftNs = pass * PASS_SHIFT_NS;
        for (int i = 0, n = frames.size(); i < n; i++)
        {
            final UnsafeBuffer frame = frames.get(i);
            if (decoder.decode(frame, 0, frame.capacity(), false, LinkType.ETHERNET, Frame.CHECKSUM_UNKNOWN,
                Frame.NO_VLAN_TCI))
            {
                engine.onSegment(decoder, shiftNs + 1_000_000_000L + i * 1000L, frame.capacity());
            }
        }
    }

    private void build()
    {
        final byte[] httpClient = TlsBytes.ascii(
            "GET /one HTTP/1.1\r\nHost: a.example\r\nUser-Agent: t\r\n\r\n" +
            "POST /two HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n");
        final byte[] httpServer = TlsBytes.ascii(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello" +
            "HTTP/1.1 204 No Content\r\n\r\n");
        byte[] tlsServer = new byte[0];
        final byte[] messages = TlsAttributeExtractorTest.SERVER_MESSAGES;
        for (int at = 0; at < messages.length; at += 300)
        {
            tlsServer = TlsBytes.concat(tlsServer, TlsBytes.record(TlsBytes.HANDSHAKE,
                Arrays.copyOfRange(messages, at, Math.min(messages.length, at + 300))));
        }
        tlsServer = TlsBytes.concat(tlsServer, TlsAttributeExtractorTest.CCS, TlsAttributeExtractorTest.ENCRYPTED);
        final byte[] tlsClient = TlsBytes.concat(TlsAttributeExtractorTest.CLIENT_HELLO, TlsAttributeExtractorTest.CCS);
        final byte[] garbage = TlsBytes.ascii("\u0000\u0001garbage that is neither protocol\r\n\r\n");
        final byte[] cut = Arrays.copyOf(tlsClient, 60);
        for (int i = 0; i < CONNECTIONS; i++)
        {
            switch (i % 4)
            {
                case 0 -> connection(i, httpClient, httpServer, 37);
                case 1 -> connection(i, tlsClient, tlsServer, 211);
                case 2 -> connection(i, garbage, garbage, 1000);
                default -> connection(i, cut, new byte[0], 25);
            }
        }
    }

    private void connection(final int index, final byte[] client, final byte[] server, final int segmentLength)
    {
        final byte[] clientAddress = {10, 1, (byte)(index >> 8), (byte)index};
        final byte[] serverAddress = {10, 2, 0, 1};
        final int port = 20000 + index % 40000;
        final long clientIsn = 0xFFFFF000L + index;
        final long serverIsn = 1000L * index;
        frame(true, clientAddress, serverAddress, port, TcpFlyweight.SYN, clientIsn, 0, new byte[0]);
        frame(false, clientAddress, serverAddress, port, TcpFlyweight.SYN | TcpFlyweight.ACK, serverIsn,
            clientIsn + 1, new byte[0]);
        frame(true, clientAddress, serverAddress, port, TcpFlyweight.ACK, clientIsn + 1, serverIsn + 1, new byte[0]);
        for (int at = 0; at < client.length; at += segmentLength)
        {
            frame(true, clientAddress, serverAddress, port, TcpFlyweight.ACK | TcpFlyweight.PSH, clientIsn + 1 + at,
                serverIsn + 1, Arrays.copyOfRange(client, at, Math.min(client.length, at + segmentLength)));
        }
        for (int at = 0; at < server.length; at += segmentLength)
        {
            frame(false, clientAddress, serverAddress, port, TcpFlyweight.ACK | TcpFlyweight.PSH, serverIsn + 1 + at,
                clientIsn + 1 + client.length,
                Arrays.copyOfRange(server, at, Math.min(server.length, at + segmentLength)));
        }
        frame(true, clientAddress, serverAddress, port, TcpFlyweight.FIN | TcpFlyweight.ACK,
            clientIsn + 1 + client.length, serverIsn + 1 + server.length, new byte[0]);
        frame(false, clientAddress, serverAddress, port, TcpFlyweight.FIN | TcpFlyweight.ACK,
            serverIsn + 1 + server.length, clientIsn + 2 + client.length, new byte[0]);
        frame(true, clientAddress, serverAddress, port, TcpFlyweight.ACK, clientIsn + 2 + client.length,
            serverIsn + 2 + server.length, new byte[0]);
    }

    private void frame(
        final boolean fromClient,
        final byte[] client,
        final byte[] server,
        final int port,
        final int flags,
        final long seq,
        final long ack,
        final byte[] payload)
    {
        frames.add(new UnsafeBuffer(PacketBuilder.ethernet()
            .ipv4(fromClient ? client : server, fromClient ? server : client)
            .ports(fromClient ? port : 443, fromClient ? 443 : port)
            .seqAck(seq & 0xFFFFFFFFL, ack & 0xFFFFFFFFL)
            .flags(flags)
            .payload(payload)
            .build()));
    }

    private static final class Counter implements TcpHandler
    {
        long attributes;
        long organisations;
        long uris;
        long boundaries;

        void reset()
        {
            attributes = 0;
            organisations = 0;
            uris = 0;
            boundaries = 0;
        }

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
            if (name == AttributeNames.TLS_O)
            {
                organisations++;
            }
            else if (name == AttributeNames.URI)
            {
                uris++;
            }
            else if (name == AttributeNames.FLOW_START || name == AttributeNames.FLOW_END)
            {
                boundaries++;
            }
        }
    }
}
