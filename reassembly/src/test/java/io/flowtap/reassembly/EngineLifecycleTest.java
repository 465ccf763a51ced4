package io.flowtap.reassembly;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.reassembly.test.Conversation;
import io.flowtap.reassembly.test.Recorder;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.flowtap.reassembly.Direction.TO_CLIENT;
import static io.flowtap.reassembly.Direction.TO_SERVER;
import static io.flowtap.reassembly.test.Conversation.ACK;
import static io.flowtap.reassembly.test.Conversation.FIN;
import static io.flowtap.reassembly.test.Conversation.RST;
import static io.flowtap.reassembly.test.Conversation.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection's life as the engine tracks it: handshakes of every shape, teardown, port reuse, timeouts, limits,
 * and what handlers can do to a flow. Every test that depends on sequence numbers runs twice: with ISNs far from the
 * wrap and with ISNs just below 2^32.
 */
class EngineLifecycleTest
{
    private static final long WRAP = 0xFFFF_FFFFL - 2;

    private static EngineContext small()
    {
        return new EngineContext().maxFlows(8).engineMemcapBytes(64 * 1024).pageSize(256).flowMemcapBytes(8 * 1024);
    }

    private final Recorder recorder = new Recorder();
    private final List<String> lifecycle = new ArrayList<>();

    private final TcpHandler watcher = new TcpHandler()
    {
        @Override
        public void onNewFlow(final Flow flow, final long timeNs)
        {
            lifecycle.add("new " + flow.id());
        }

        @Override
        public void onEstablished(final Flow flow, final long timeNs)
        {
            lifecycle.add("established " + flow.id());
        }

        @Override
        public void onTerminate(final Flow flow, final FlowRecord record)
        {
            lifecycle.add("terminate " + flow.id() + " " + record.endReason().label());
        }
    };

    @ParameterizedTest
    @ValueSource(longs = {1000L, WRAP})
    void threeWayHandshakeDataAndFinBothWays(final long isn)
    {
        final ReassemblyEngine engine = new ReassemblyEngine(small(), recorder, watcher);
        final Conversation c = new Conversation(engine, isn, isn + 77).handshake();
        c.toServer(0, "hello").serverAcks(5).toClient(0, "world").clientAcks(5);
        c.clientSends(FIN | ACK, 5, "").serverSends(FIN | ACK, 5, "");
        assertEquals(List.of("new 1", "established 1"), lifecycle);
        final Recorder.FlowLog flow = recorder.list().get(0);
        assertEquals(TcpHandler.EOF_DIRECTION, flow.eofs[TO_SERVER], "client's FIN ended its direction first");
        assertEquals(TcpHandler.EOF_BOTH, flow.eofs[TO_CLIENT], "server's FIN ended the second, and the flow");

        c.serverAcks(6).clientAcks(6);
        engine.expire(c.timeNs() + TimeUnit.SECONDS.toNanos(6));
        assertEquals(List.of("new 1", "established 1", "terminate 1 fin"), lifecycle);
        assertEquals("hello", flow.text(TO_SERVER));
        assertEquals("world", flow.text(TO_CLIENT));
        assertEquals("ShADadFf", flow.history);
        assertTrue(flow.connected);
        assertTrue(flow.fin[TO_SERVER] && flow.fin[TO_CLIENT]);
        assertEquals(0x02, flow.synFlags[TO_SERVER]);
        assertEquals(0x12, flow.synFlags[TO_CLIENT]);
        assertEquals(0, engine.activeFlows());
    }

    @ParameterizedTest
    @ValueSource(longs = {1000L, WRAP})
    void synAckSeenBeforeTheSynKeepsTheClientTheClient(final long isn)
    {
        final ReassemblyEngine engine = new ReassemblyEngine(small(), recorder, watcher);
        final Conversation c = new Conversation(engine, isn, 5000);
        c.synAck().syn().clientSends(ACK, 0, "").toServer(0, "GET /");
        engine.shutdown();
        final Recorder.FlowLog flow = recorder.list().get(0);
        assertEquals("10.0.0.1:40000", flow.client);
        assertEquals("GET /", flow.text(TO_SERVER));
        assertTrue(flow.connected);
        assertFalse(flow.midstream);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000L, WRAP})
    void simultaneousOpenEstablishesWithTheFirstSynSenderAsClient(final long isn)
    {
        final ReassemblyEngine engine = new ReassemblyEngine(small(), recorder, watcher);
        final Conversation c = new Conversation(engine, isn, 9000);
        c.syn();
        c.serverSends(SYN, -1, "");
        c.clientAckPosition(0).clientSends(SYN | ACK, -1, "");
        c.serverAckPosition(0).serverSends(SYN | ACK, -1, "");
        c.toServer(0, "x").toClient(0, "y");
        engine.shutdown();
        final Recorder.FlowLog flow = recorder.list().get(0);
        assertEquals("10.0.0.1:40000", flow.client);
        assertEquals("x", flow.text(TO_SERVER));
        assertEquals("y", flow.text(TO_CLIENT));
        assertTrue(flow.connected);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000L, WRAP})
    void rstInWindowEndsTheFlowAndFlushesWhatWaited(final long isn)
    {
        final ReassemblyEngine engine =
            new ReassemblyEngine(small().deliveryMode(DeliveryMode.ACKED), recorder, watcher);
        final Conversation c = new Conversation(engine, isn, isn).handshake();
        c.toServer(0, "abc").toServer(3, "def");
        assertEquals("", recorder.list().get(0).text(TO_SERVER), "acked mode waits for the ACK");
        c.serverSends(RST | ACK, 0, "");
        assertEquals("abcdef", recorder.list().get(0).text(TO_SERVER), "a RST delivers what was held");
        assertEquals(TcpHandler.EOF_BOTH, recorder.list().get(0).eofs[TO_CLIENT]);
        c.toServer(6, "late");
        assertEquals(1, engine.counters().get(EngineCounter.AFTER_CLOSE));
        engine.shutdown();
        assertEquals("abcdef", recorder.list().get(0).text(TO_SERVER));
        assertEquals(List.of("new 1", "established 1", "terminate 1 rst"), lifecycle);
        assertTrue(recorder.list().get(0).rst[TO_CLIENT]);
    }

    @Test
    void rstFarOutOfWindowIsNotAcceptable()
    {
        final ReassemblyEngine engine = new ReassemblyEngine(small(), recorder, watcher);
        final Conversation c = new Conversation(engine, 1000, 2000).handshake();
        c.serverSends(RST, 5_000_000, "");
        assertEquals(1, engine.counters().get(EngineCounter.RST_IGNORED));
        c.toServer(0, "still here");
        engine.shutdown();
        assertEquals("still here", recorder.list().get(0).text(TO_SERVER));
        assertEquals(List.of("new 1", "established 1", "terminate 1 shutdown"), lifecycle);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000L, WRAP})
    void newSynOnAClosedFourTupleStartsANewFlow(final long isn)
    {
        final ReassemblyEngine engine = new ReassemblyEngine(small(), recorder, watcher);
        final Conversation first = new Conversation(engine, isn, 1).handshake();
        first.toServer(0, "one").clientSends(FIN | ACK, 3, "").serverSends(FIN | ACK, 0, "");
        final Conversation second = new Conversation(engine, isn + 100_000, 2).handshake();
        second.toServer(0, "two");
        engine.shutdown();
        assertEquals(List.of("new 1", "established 1", "terminate 1 fin", "new 2", "established 2",
            "terminate 2 shutdown"), lifecycle);
        assertEquals("one", recorder.flows.get(1L).text(TO_SERVER));
        assertEquals("two", recorder.flows.get(2L).text(TO_SERVER));
        assertEquals(1, engine.counters().get(EngineCounter.PORT_REUSE));
    }

    @Test
    void newSynWithAnotherIsnOnAnOpenFlowEndsItAsPortReuse()
    {
        final ReassemblyEngine engine = new ReassemblyEngine(small(), recorder, watcher);
        new Conversation(engine, 1000, 1).handshake().toServer(0, "old");
        new Conversation(engine, 900_000, 2).handshake().toServer(0, "new");
        engine.shutdown();
        assertEquals(List.of("new 1", "established 1", "terminate 1 port_reuse", "new 2", "established 2",
            "terminate 2 shutdown"), lifecycle);
    }

    @Test
    void retransmittedSynIsNotANewConnection()
    {
        final ReassemblyEngine engine = new ReassemblyEngine(small(), recorder, watcher);
        final Conversation c = new Conversation(engine, 1000, 1);
        c.syn().syn().synAck().clientSends(ACK, 0, "").toServer(0, "x");
        engine.shutdown();
        assertEquals(1, recorder.flows.size());
    }

    @ParameterizedTest
    @ValueSource(longs = {1000L, WRAP})
    void midstreamPickupTracksAndAServerResponseFirstIsOrientedByPorts(final long isn)
    {
        final ReassemblyEngine engine = new ReassemblyEngine(small(), recorder, watcher);
        final Conversation c = new Conversation(engine, isn, isn + 5);
        c.toClient(0, "HTTP/1.1 200 OK").toServer(0, "GET /next");
        engine.shutdown();
        final Recorder.FlowLog flow = recorder.list().get(0);
        assertEquals("10.0.0.1:40000", flow.client);
        assertEquals("HTTP/1.1 200 OK", flow.text(TO_CLIENT));
        assertEquals("GET /next", flow.text(TO_SERVER));
        assertTrue(flow.midstream);
        assertEquals(1, engine.counters().get(EngineCounter.FLOWS_MIDSTREAM));
    }

    @Test
    void midstreamGuessIsFlippedByASynAck()
    {
        final ReassemblyEngine engine = new ReassemblyEngine(small(), recorder, watcher);
        // Both ports high: the first sender (the server, here) is taken for the client until its SYN-ACK shows.
        final Conversation c = new Conversation(engine, 1000, 5000, 50000, 8080);
        c.serverSends(ACK, 0, "");
        c.synAck();
        c.clientSends(ACK, 0, "").toServer(0, "req");
        engine.shutdown();
        final Recorder.FlowLog flow = recorder.list().get(0);
        assertEquals("req", flow.text(TO_SERVER));
        assertEquals(1, engine.counters().get(EngineCounter.DIRECTION_FLIPPED));
        assertTrue(flow.history.contains("^"), flow.history);
    }

    @Test
    void midstreamOffIgnoresFlowsWithoutHandshakeAndCountsThem()
    {
        final ReassemblyEngine engine = new ReassemblyEngine(small().midstream(false), recorder, watcher);
        new Conversation(engine, 1000, 2000).toServer(0, "orphan");
        assertEquals(0, recorder.flows.size());
        assertEquals(1, engine.counters().get(EngineCounter.NO_FLOW));
        assertEquals(1, engine.counters().get(EngineCounter.SEGMENTS));
    }

    @Test
    void idleTimeoutsDependOnState()
    {
        final ReassemblyEngine engine = new ReassemblyEngine(
            small().embryonicTimeoutNs(TimeUnit.SECONDS.toNanos(2)).establishedTimeoutNs(TimeUnit.SECONDS.toNanos(60)),
            recorder, watcher);
        final Conversation established = new Conversation(engine, 1000, 1).handshake();
        final Conversation embryonic = new Conversation(engine, 1000, 1, 40001, 80).syn();
        final long start = embryonic.timeNs();
        assertEquals(1, engine.expire(start + TimeUnit.SECONDS.toNanos(3)), "only the half-open one");
        assertEquals(List.of("new 1", "established 1", "new 2", "terminate 2 idle_timeout"), lifecycle);
        assertEquals(1, engine.expire(start + TimeUnit.SECONDS.toNanos(61)));
        assertEquals("terminate 1 idle_timeout", lifecycle.get(lifecycle.size() - 1));
        assertEquals(2, engine.counters().get(EngineCounter.FLOWS_TIMED_OUT));
        assertEquals(0, engine.activeFlows());
        assertTrue(established.timeNs() > 0);
    }

    @Test
    void fullTableEvictsTheOldestFlowOrIgnoresTheNewOneByPolicy()
    {
        final ReassemblyEngine evicting = new ReassemblyEngine(small().maxFlows(2), recorder, watcher);
        for (int port = 1; port <= 3; port++)
        {
            new Conversation(evicting, 1000, 1, 40000 + port, 80).handshake();
        }
        assertEquals("terminate 1 evicted", lifecycle.get(4));
        assertEquals(1, evicting.counters().get(EngineCounter.FLOWS_EVICTED));
        assertEquals(2, evicting.activeFlows());

        final ReassemblyEngine ignoring = new ReassemblyEngine(
            small().maxFlows(2).flowLimitPolicy(FlowLimitPolicy.IGNORE_NEW), new Recorder());
        for (int port = 1; port <= 3; port++)
        {
            new Conversation(ignoring, 1000, 1, 40000 + port, 80).handshake();
        }
        assertEquals(3, ignoring.counters().get(EngineCounter.FLOW_TABLE_FULL), "SYN, SYN-ACK, ACK of the third");
        assertEquals(ignoring.counters().get(EngineCounter.SEGMENTS),
            ignoring.counters().get(EngineCounter.TRACKED) + ignoring.counters().ignored());
    }

    @Test
    void flowMemcapGapsForwardAndCountsIt()
    {
        final ReassemblyEngine engine = new ReassemblyEngine(
            small().flowMemcapBytes(512).pageSize(256), recorder, watcher);
        final Conversation c = new Conversation(engine, 1000, 1).handshake();
        c.toServer(100, "x".repeat(300)).toServer(400, "y".repeat(300));
        assertTrue(engine.counters().get(EngineCounter.MEMCAP_FLOW) > 0);
        engine.shutdown();
        final Recorder.FlowLog flow = recorder.list().get(0);
        assertEquals("GAP to_server 0+100 memcap", flow.events.get(0));
        assertEquals("x".repeat(300) + "y".repeat(300), flow.text(TO_SERVER));
    }

    @Test
    void flowMemcapStopTrackingReleasesTheFlowsBuffers()
    {
        final ReassemblyEngine engine = new ReassemblyEngine(
            small().flowMemcapBytes(512).pageSize(256).memcapPolicy(MemcapPolicy.STOP_TRACKING), recorder);
        final Conversation c = new Conversation(engine, 1000, 1).handshake();
        c.toServer(100, "x".repeat(300)).toServer(400, "y".repeat(300));
        assertEquals(1, engine.counters().get(EngineCounter.STOPPED_TRACKING));
        assertEquals(0, engine.bufferedBytes());
        c.toServer(0, "z".repeat(100));
        engine.shutdown();
        assertEquals("", recorder.list().get(0).text(TO_SERVER));
    }

    @Test
    void filterVoteAgainstByEveryHandlerTurnsReassemblyOff()
    {
        final TcpHandler no = new TcpHandler()
        {
            @Override
            public int filter(final Flow flow)
            {
                return VOTE_NO;
            }
        };
        final ReassemblyEngine allNo = new ReassemblyEngine(small(), no, no);
        new Conversation(allNo, 1000, 1).handshake().toServer(0, "secret");
        allNo.shutdown();
        assertEquals(6, allNo.counters().get(EngineCounter.NOT_REASSEMBLED_BYTES));
        assertEquals(0, allNo.counters().get(EngineCounter.DELIVERED_BYTES));

        final Recorder abstaining = new Recorder();
        final ReassemblyEngine noAndAbstain = new ReassemblyEngine(small(), no, abstaining);
        new Conversation(noAndAbstain, 1000, 1).handshake().toServer(0, "hidden");
        noAndAbstain.shutdown();
        assertEquals("", abstaining.list().get(0).text(TO_SERVER), "a handler without an opinion does not outvote");

        final TcpHandler yes = new TcpHandler()
        {
            @Override
            public int filter(final Flow flow)
            {
                return VOTE_YES;
            }
        };
        final Recorder recorded = new Recorder();
        final ReassemblyEngine oneYes = new ReassemblyEngine(small(), no, yes, recorded);
        new Conversation(oneYes, 1000, 1).handshake().toServer(0, "shared");
        oneYes.shutdown();
        assertEquals("shared", recorded.list().get(0).text(TO_SERVER));
    }

    @Test
    void reassemblyCanBeSwitchedOffAndOnMidFlowForOneDirection()
    {
        final TcpHandler toggler = new TcpHandler()
        {
            @Override
            public int onPayload(
                final Flow flow, final int direction, final long seekpos, final DirectBuffer buffer, final int offset,
                final int length, final long timeNs, final int eof)
            {
                if (length > 0 && buffer.getByte(offset) == 'A')
                {
                    flow.reassemble(TO_SERVER, false);
                }
                if (length > 0 && buffer.getByte(offset) == 'c')
                {
                    flow.reassemble(TO_SERVER, true);
                }
                return length;
            }
        };
        final ReassemblyEngine engine = new ReassemblyEngine(small(), toggler, recorder);
        final Conversation c = new Conversation(engine, 1000, 1).handshake();
        c.toServer(0, "AAAA").toServer(4, "BBBB").toClient(0, "cc").toServer(8, "DDDD");
        engine.shutdown();
        final Recorder.FlowLog flow = recorder.list().get(0);
        assertEquals("AAAADDDD", flow.text(TO_SERVER));
        assertEquals("SEEKPOS to_server 8 expected 4", flow.events.get(0), "resumed at the true offset, no gap");
        assertEquals(4, engine.counters().get(EngineCounter.NOT_REASSEMBLED_BYTES));
    }

    @Test
    void onSynReturningFalseIgnoresTheConnection()
    {
        final TcpHandler refuse = new TcpHandler()
        {
            @Override
            public boolean onSyn(final Flow flow, final PacketDecoder segment, final long timeNs)
            {
                return flow.serverPort() != 80;
            }
        };
        final ReassemblyEngine engine = new ReassemblyEngine(small(), refuse, recorder);
        new Conversation(engine, 1000, 1).handshake().toServer(0, "ignored");
        new Conversation(engine, 1000, 1, 40001, 443).handshake().toServer(0, "kept");
        engine.shutdown();
        assertEquals(3, engine.counters().get(EngineCounter.DROPPED_FLOW), "SYN-ACK, ACK and data of port 80");
        assertEquals("", recorder.list().get(0).text(TO_SERVER));
        assertEquals("kept", recorder.list().get(1).text(TO_SERVER));
    }

    @Test
    void dropAndResetFromOnPacketIgnoreTheRestOfTheConnection()
    {
        final TcpHandler resetter = new TcpHandler()
        {
            @Override
            public boolean onPacket(
                final Flow flow, final int direction, final PacketDecoder segment, final long timeNs)
            {
                if (segment.tcp().payloadLength() > 0 && segment.buffer().getByte(segment.tcp().payloadOffset()) == 'X')
                {
                    flow.reset();
                }
                return segment.tcp().payloadLength() != 3;
            }
        };
        final ReassemblyEngine engine = new ReassemblyEngine(small(), resetter, recorder);
        final Conversation c = new Conversation(engine, 1000, 1).handshake();
        c.toServer(0, "ok ").toServer(0, "fine").toServer(4, "Xbad").toServer(8, "more");
        engine.shutdown();
        assertEquals("fine", recorder.list().get(0).text(TO_SERVER));
        assertEquals(1, engine.counters().get(EngineCounter.DROPPED_BY_HANDLER), "the 3-byte segment");
        assertEquals(2, engine.counters().get(EngineCounter.DROPPED_FLOW), "the X segment and the one after");
        assertEquals(1, engine.counters().get(EngineCounter.RESET_REQUESTED));
    }

    @Test
    void badChecksumsAreCountedAndIgnoredUnlessTurnedOff()
    {
        final ReassemblyEngine dropping = new ReassemblyEngine(small(), recorder);
        new Conversation(dropping, 1000, 1).verifyChecksums().handshake().corruptNext().toServer(0, "bad")
            .toServer(0, "good");
        dropping.shutdown();
        assertEquals(1, dropping.counters().get(EngineCounter.BAD_CHECKSUM));
        assertEquals("good", recorder.list().get(0).text(TO_SERVER));
        assertTrue(recorder.list().get(0).history.contains("C"), recorder.list().get(0).history);

        final Recorder keeping = new Recorder();
        final ReassemblyEngine offload = new ReassemblyEngine(small().dropBadChecksums(false), keeping);
        new Conversation(offload, 1000, 1).verifyChecksums().handshake().corruptNext().toServer(0, "bad")
            .toServer(0, "good");
        offload.shutdown();
        assertEquals(0, offload.counters().get(EngineCounter.BAD_CHECKSUM));
        assertEquals("bad" + "d", keeping.list().get(0).text(TO_SERVER), "first version kept, one new byte");
    }

    @Test
    void attributesFoundByOneHandlerReachEveryHandler()
    {
        final TcpHandler finder = new TcpHandler()
        {
            @Override
            public int onPayload(
                final Flow flow, final int direction, final long seekpos, final DirectBuffer buffer, final int offset,
                final int length, final long timeNs, final int eof)
            {
                if (length > 6 && buffer.getByte(offset) == 'H')
                {
                    flow.attribute(direction, "Host", buffer, offset + 6, length - 6, timeNs);
                }
                return length;
            }
        };
        final TcpHandler listener = new TcpHandler()
        {
            @Override
            public void onAttribute(
                final Flow flow, final int direction, final String name, final DirectBuffer value, final int offset,
                final int length, final long timeNs)
            {
                lifecycle.add(name + "=" + value.getStringWithoutLengthAscii(offset, length) + " " +
                    Direction.name(direction));
            }
        };
        final ReassemblyEngine engine = new ReassemblyEngine(small(), finder, listener);
        new Conversation(engine, 1000, 1).handshake().toServer(0, "Host: example.org");
        engine.shutdown();
        assertEquals(List.of("Host=example.org to_server"), lifecycle);
    }

    @Test
    void perFlowUserStateNeedsNoLookup()
    {
        final TcpHandler counting = new TcpHandler()
        {
            @Override
            public void onNewFlow(final Flow flow, final long timeNs)
            {
                flow.data(new int[1]);
            }

            @Override
            public boolean onPacket(final Flow flow, final int direction, final PacketDecoder segment,
                final long timeNs)
            {
                ((int[])flow.data())[0]++;
                return true;
            }

            @Override
            public void onTerminate(final Flow flow, final FlowRecord record)
            {
                lifecycle.add("packets " + ((int[])flow.data())[0]);
            }
        };
        final ReassemblyEngine engine = new ReassemblyEngine(small(), counting);
        new Conversation(engine, 1000, 1).handshake().toServer(0, "a").toServer(1, "b");
        engine.shutdown();
        assertEquals(List.of("packets 5"), lifecycle);
    }
}
