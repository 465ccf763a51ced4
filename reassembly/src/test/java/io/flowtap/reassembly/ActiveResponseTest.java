package io.flowtap.reassembly;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameSender;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.reassembly.test.Conversation;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Flow#reset()} sends a RST to each end with the sequence numbers each expects next, correct checksums, the
 * captured frame's MAC addresses and VLAN tags; later packets are ignored and counted. {@link Flow#drop()} sends
 * nothing and is counted. Without a responder a reset is counted as not sent. And the rule handler that does either
 * from configuration.
 */
class ActiveResponseTest
{
    private static final int RST_ACK = TcpFlyweight.RST | TcpFlyweight.ACK;

    private final List<byte[]> sent = new ArrayList<>();
    private final FrameSender responder = (buffer, offset, length) ->
    {
        final byte[] frame = new byte[length];
        buffer.getBytes(offset, frame);
        sent.add(frame);
        return length;
    };

    /** Resets (or drops) a connection on the first bytes the client sends that contain the word. */
    private static final class Trigger implements TcpHandler
    {
        private final String word;
        private final boolean reset;

        Trigger(final String word, final boolean reset)
        {
            this.word = word;
            this.reset = reset;
        }

        @Override
        public int onPayload(
            final Flow flow,
            final int direction,
            final long seekpos,
            final DirectBuffer buffer,
            final int offset,
            final int length,
            final long timeNs,
            final int eof)
        {
            if (direction == Direction.TO_SERVER && buffer.getStringWithoutLengthAscii(offset, length).contains(word))
            {
                if (reset)
                {
                    flow.reset();
                }
                else
                {
                    flow.drop();
                }
            }
            return length;
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 0xFFFF_FFF0L})
    void shouldSendARstToEachEndWithTheSequenceNumbersEachExpects(final long clientIsn)
    {
        final long serverIsn = 0x7000_0000L;
        final ReassemblyEngine engine = new ReassemblyEngine(
            new EngineContext().maxFlows(8).responder(responder), new Trigger("EVIL", true));
        final Conversation c = new Conversation(engine, clientIsn, serverIsn).handshake();
        c.toServer(0, "hello ").toClient(0, "welcome!").toServer(6, "EVIL request");
        assertEquals(2, sent.size());
        c.toClient(8, "more").toServer(18, "later");
        engine.shutdown();

        final long clientNext = SequenceNumbers.add(clientIsn, 1 + 18);
        final long serverNext = SequenceNumbers.add(serverIsn, 1 + 8);
        final PacketDecoder toServer = verify(sent.get(0), 4);
        assertEquals(40000, toServer.tcp().srcPort());
        assertEquals(80, toServer.tcp().dstPort());
        assertEquals(clientNext, toServer.tcp().seq());
        assertEquals(serverNext, toServer.tcp().ackSeq());
        assertAddresses(toServer, new byte[] {10, 0, 0, 1}, new byte[] {10, 0, 0, 2});
        final PacketDecoder toClient = verify(sent.get(1), 4);
        assertEquals(80, toClient.tcp().srcPort());
        assertEquals(40000, toClient.tcp().dstPort());
        assertEquals(serverNext, toClient.tcp().seq());
        assertEquals(clientNext, toClient.tcp().ackSeq());
        assertAddresses(toClient, new byte[] {10, 0, 0, 2}, new byte[] {10, 0, 0, 1});
        // The RST to the server impersonates the client on the link too: the captured frame's MACs, then swapped.
        assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, Arrays.copyOf(sent.get(0), 12));
        assertArrayEquals(new byte[] {6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5}, Arrays.copyOf(sent.get(1), 12));

        final EngineCounters counters = engine.counters();
        assertEquals(2, counters.get(EngineCounter.RESET_FRAMES_SENT));
        assertEquals(1, counters.get(EngineCounter.RESET_REQUESTED));
        assertEquals(0, counters.get(EngineCounter.RESET_NOT_SENT));
        assertEquals(2, counters.get(EngineCounter.DROPPED_FLOW), "the two packets after the reset");
    }

    @Test
    void shouldCountAResetWithoutAResponderAsNotSent()
    {
        final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext().maxFlows(8), new Trigger("X", true));
        new Conversation(engine, 1, 2).handshake().toServer(0, "X").toServer(1, "Y");
        engine.shutdown();

        assertEquals(1, engine.counters().get(EngineCounter.RESET_NOT_SENT));
        assertEquals(1, engine.counters().get(EngineCounter.RESET_REQUESTED));
        assertEquals(0, engine.counters().get(EngineCounter.RESET_FRAMES_SENT));
        assertEquals(1, engine.counters().get(EngineCounter.DROPPED_FLOW));
    }

    @Test
    void shouldDropWithoutSendingAndCountTheConnectionAndItsLaterPackets()
    {
        final ReassemblyEngine engine = new ReassemblyEngine(
            new EngineContext().maxFlows(8).responder(responder), new Trigger("X", false));
        new Conversation(engine, 1, 2).handshake().toServer(0, "X").toClient(0, "Y").toServer(1, "Z");
        engine.shutdown();

        assertEquals(0, sent.size());
        assertEquals(2, engine.counters().get(EngineCounter.DROPPED_FLOW));
        assertEquals(1, engine.counters().get(EngineCounter.FLOWS_DROPPED));
        assertEquals(0, engine.counters().get(EngineCounter.RESET_REQUESTED));
    }

    @Test
    void shouldTagTheRstsWithTheCapturedVlansAndBuildIpv6()
    {
        final ReassemblyEngine engine = new ReassemblyEngine(
            new EngineContext().maxFlows(8).responder(responder), new Trigger("EVIL", true));
        final PacketDecoder decoder = new PacketDecoder(ChecksumMode.OFF);
        final byte[] client = new byte[16];
        final byte[] server = new byte[16];
        client[0] = (byte)0xFD;
        client[15] = 1;
        server[0] = (byte)0xFD;
        server[15] = 2;
        feed(engine, decoder, true, client, server, TcpFlyweight.SYN, 100, 0, "");
        feed(engine, decoder, false, client, server, TcpFlyweight.SYN | TcpFlyweight.ACK, 500, 101, "");
        feed(engine, decoder, true, client, server, TcpFlyweight.ACK, 101, 501, "");
        feed(engine, decoder, true, client, server, TcpFlyweight.ACK | TcpFlyweight.PSH, 101, 501, "EVIL");
        engine.shutdown();

        assertEquals(2, sent.size());
        final PacketDecoder toServer = verify(sent.get(0), 6);
        assertEquals(2, toServer.vlanCount());
        assertEquals(7, toServer.outerVlanId());
        assertEquals(300, toServer.innerVlanId());
        assertEquals(105, toServer.tcp().seq());
        assertEquals(501, toServer.tcp().ackSeq());
        assertAddresses(toServer, client, server);
        final PacketDecoder toClient = verify(sent.get(1), 6);
        assertEquals(501, toClient.tcp().seq());
        assertEquals(105, toClient.tcp().ackSeq());
        assertAddresses(toClient, server, client);
    }

    @Test
    void shouldResetOrDropWhatTheRulesMatchAndSayWhy()
    {
        final List<String> log = new ArrayList<>();
        final FlowRuleHandler rules = new FlowRuleHandler(List.of(
            FlowRuleHandler.Rule.parse("drop: dst port 23", 1),
            FlowRuleHandler.Rule.parse("reset web: tcp port 80 and host 10.0.0.2", 2)), log::add);
        final ReassemblyEngine engine = new ReassemblyEngine(
            new EngineContext().maxFlows(8).responder(responder), rules);
        new Conversation(engine, 1, 2, 40001, 23).handshake().toServer(0, "telnet");
        new Conversation(engine, 1, 2, 40002, 80).handshake().toServer(0, "GET");
        new Conversation(engine, 1, 2, 40003, 443).handshake().toServer(0, "TLS");
        engine.shutdown();

        assertEquals(List.of(
            "rule 'rule 1' drop flow 1 10.0.0.1:40001 -> 10.0.0.2:23: matches 'dst port 23'",
            "rule 'web' reset flow 2 10.0.0.1:40002 -> 10.0.0.2:80: matches 'tcp port 80 and host 10.0.0.2'"), log);
        assertEquals(1, rules.hits(0));
        assertEquals(1, rules.hits(1));
        assertEquals(2, sent.size(), "the reset sent on the handshake's last ACK");
        final PacketDecoder toServer = verify(sent.get(0), 4);
        assertEquals(2, toServer.tcp().seq(), "the client's ISN + 1: nothing sent yet");
        assertEquals(3, toServer.tcp().ackSeq());
        assertEquals(1, engine.counters().get(EngineCounter.FLOWS_DROPPED));
        assertEquals(2, engine.counters().get(EngineCounter.DROPPED_FLOW), "telnet's and web's data");
    }

    @Test
    void shouldRejectBadRules()
    {
        assertThrows(IllegalArgumentException.class, () -> FlowRuleHandler.Rule.parse("reset tcp port 80", 1));
        assertThrows(IllegalArgumentException.class, () -> FlowRuleHandler.Rule.parse("block: tcp port 80", 1));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> FlowRuleHandler.Rule.parse("reset: tcp port", 1));
        assertTrue(ex.getMessage().startsWith("rule 'reset: tcp port': "), ex.getMessage());
    }

    private static void feed(
        final ReassemblyEngine engine,
        final PacketDecoder decoder,
        final boolean fromClient,
        final byte[] client,
        final byte[] server,
        final int flags,
        final long seq,
        final long ack,
        final String payload)
    {
        final byte[] frame = PacketBuilder.ethernet()
            .vlan(0x8100, 7)
            .vlan(0x8100, 300)
            .ipv6(fromClient ? client : server, fromClient ? server : client)
            .ports(fromClient ? 40000 : 443, fromClient ? 443 : 40000)
            .seqAck(seq, ack)
            .flags(flags)
            .payload(payload.getBytes(java.nio.charset.StandardCharsets.US_ASCII))
            .build();
        assertTrue(decoder.decode(new UnsafeBuffer(frame), 0, frame.length, false, LinkType.ETHERNET,
            Frame.CHECKSUM_UNKNOWN, Frame.NO_VLAN_TCI));
        engine.onSegment(decoder, 1_000_000L * seq, frame.length);
    }

    private static PacketDecoder verify(final byte[] frame, final int ipVersion)
    {
        final PacketDecoder decoder = new PacketDecoder(ChecksumMode.VERIFY);
        assertTrue(decoder.decode(new UnsafeBuffer(frame), 0, frame.length, false, LinkType.ETHERNET,
            Frame.CHECKSUM_UNKNOWN, Frame.NO_VLAN_TCI), decoder.outcome().toString());
        assertEquals(TcpFlyweight.CHECKSUM_GOOD, decoder.checksumStatus(), "TCP checksum");
        assertEquals(ipVersion, decoder.ipVersion());
        assertEquals(RST_ACK, decoder.tcp().flags());
        assertEquals(0, decoder.tcp().payloadLength());
        if (ipVersion == 4)
        {
            final int ip = decoder.ipOffset();
            long sum = 0;
            for (int i = 0; i < 20; i += 2)
            {
                sum += ((frame[ip + i] & 0xFF) << 8) | (frame[ip + i + 1] & 0xFF);
            }
            while (sum > 0xFFFF)
            {
                sum = (sum & 0xFFFF) + (sum >>> 16);
            }
            assertEquals(0xFFFF, sum, "IPv4 header checksum");
        }
        return decoder;
    }

    private static void assertAddresses(final PacketDecoder decoder, final byte[] source, final byte[] destination)
    {
        final byte[] src = new byte[source.length];
        final byte[] dst = new byte[destination.length];
        decoder.buffer().getBytes(decoder.sourceAddressOffset(), src);
        decoder.buffer().getBytes(decoder.headerDestinationAddressOffset(), dst);
        assertArrayEquals(source, src);
        assertArrayEquals(destination, dst);
    }
}
