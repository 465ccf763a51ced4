package io.flowtap.capture.ring;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.DecodeCounters;
import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real TCP connection across a veth pair, captured on its host end and decoded frame by frame: the handshake, the
 * payload in the segments' bytes, both FINs, no bad checksum and no kernel drop. Skips without root or {@code ip}
 * unless {@value LiveNetwork#REQUIRE_ENV} is set.
 */
@Tag("live")
class AfPacketRingSourceTcpLiveTest
{
    private static final int PAYLOAD_LENGTH = 200 * 1024;
    private static final long PAYLOAD_SEED = 0x5EED_F10DL;
    private static final long TRANSFER_TIMEOUT_SECONDS = 120;
    private static final long CAPTURE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);
    private static final int ETHERNET_TYPE_OFFSET = 12;

    @BeforeEach
    void requireLiveNetwork()
    {
        LiveNetwork.require();
    }

    @Test
    void shouldCaptureAWholeConnectionWithItsPayloadAndEveryFrameAccountedFor()
    {
        // Blocks of 256 KiB: locally sent segments reach the socket before segmentation (TSO/GSO), up to 64 KiB.
        try (VethPair veth = VethPair.create();
            AfPacketRingSource source = AfPacketRingSource.open(new AfPacketContext()
                .interfaceName(veth.hostInterface()).blockSize(1 << 18).blockCount(16).retireTimeoutMs(10));
            TcpTransfer transfer = TcpTransfer.start(veth, PAYLOAD_LENGTH, PAYLOAD_SEED))
        {
            final SegmentRecorder recorder = new SegmentRecorder(new PacketDecoder(ChecksumMode.AUTO));
            final long startNs = System.nanoTime();
            captureUntilClosed(source, recorder, transfer);
            final long tookNs = System.nanoTime() - startNs;
            final TcpTransfer.Received received = transfer.await(TRANSFER_TIMEOUT_SECONDS);
            LiveNetwork.drainUntilQuiet(source, recorder);
            assertTrue(source.readKernelStatistics());

            final DecodeCounters counters = recorder.decoder.counters();
            final int serverPort = transfer.serverPort();
            final int clientPort = received.clientPort();
            System.out.printf("live tcp: %d frames in %.1f ms, %d segments (%d client to server, %d with payload), " +
                "checksums %d ok / %d unverified (kernel: %d not ready), other frames %s, %d blocks, " +
                "kernel packets %d, drops %d, freezes %d%n",
                source.counter(RingCounter.FRAMES), tookNs / 1e6, recorder.segments.size(),
                recorder.segments.stream().filter(s -> s.srcPort == clientPort).count(),
                recorder.segments.stream().filter(s -> s.payload.length > 0).count(),
                recorder.checksumsGood, counters.get(DecodeCounter.TCP_CHECKSUM_UNVERIFIED),
                recorder.framesNotReady, recorder.otherFrames, source.counter(RingCounter.BLOCKS),
                source.counter(RingCounter.KERNEL_PACKETS), source.counter(RingCounter.KERNEL_DROPS),
                source.counter(RingCounter.KERNEL_FREEZES));

            // The server got the payload: the capture is checked against what really crossed.
            assertArrayEquals(transfer.payload(), received.bytes());

            // Every frame polled was decoded, and every one that was not TCP is counted under a reason.
            assertEquals(source.counter(RingCounter.FRAMES), counters.get(DecodeCounter.FRAMES));
            assertEquals(counters.get(DecodeCounter.FRAMES),
                counters.get(DecodeCounter.TCP_SEGMENT) + counters.dropped());
            assertEquals(recorder.segments.size(), counters.get(DecodeCounter.TCP_SEGMENT));
            for (final String other : recorder.otherFrames)
            {
                // ARP resolves the peer before the SYN; IPv6 is off on both ends, so nothing else should show.
                assertEquals(DecodeCounter.NOT_IP.name() + " ethertype " + hex(EtherType.ARP), other);
            }
            assertEquals(recorder.otherFrames.size(), counters.get(DecodeCounter.NOT_IP));

            // Every segment belongs to the connection: the handshake with the right ports, then a FIN each way.
            for (final Segment segment : recorder.segments)
            {
                assertTrue(segment.srcPort == clientPort && segment.dstPort == serverPort ||
                    segment.srcPort == serverPort && segment.dstPort == clientPort, segment.toString());
                assertEquals(0, segment.flags & TcpFlyweight.RST, "reset: " + segment);
            }
            final Segment syn = first(recorder, clientPort, serverPort, TcpFlyweight.SYN, TcpFlyweight.SYN);
            final Segment synAck = first(recorder, serverPort, clientPort,
                TcpFlyweight.SYN | TcpFlyweight.ACK, TcpFlyweight.SYN | TcpFlyweight.ACK);
            assertEquals((syn.seq + 1) & 0xFFFF_FFFFL, synAck.ack, "SYN/ACK acknowledges the SYN");
            final Segment clientFin = first(recorder, clientPort, serverPort, TcpFlyweight.FIN, TcpFlyweight.FIN);
            final Segment serverFin = first(recorder, serverPort, clientPort, TcpFlyweight.FIN, TcpFlyweight.FIN);
            assertEquals((syn.seq + 1 + PAYLOAD_LENGTH) & 0xFFFF_FFFFL, (clientFin.seq + clientFin.payload.length) &
                0xFFFF_FFFFL, "the client's FIN follows the last payload byte");
            assertEquals((synAck.seq + 1) & 0xFFFF_FFFFL, serverFin.seq, "the server sent no data before its FIN");
            assertTrue(recorder.segments.indexOf(syn) < recorder.segments.indexOf(synAck));
            assertTrue(recorder.segments.indexOf(synAck) < recorder.segments.indexOf(clientFin));

            // The payload carried in the segments, ordered by sequence number and deduplicated, is what was sent.
            assertArrayEquals(transfer.payload(), reassemble(recorder, clientPort, syn.seq + 1, PAYLOAD_LENGTH));

            // Checksums: never bad. In AUTO mode a segment is unverified only where the kernel said the checksum is
            // not computed yet (TP_STATUS_CSUMNOTREADY: sent by this host, or forwarded by veth before offload).
            assertEquals(0, counters.get(DecodeCounter.TCP_CHECKSUM_BAD));
            assertEquals(List.of(), recorder.unverifiedWithoutReason);
            assertEquals(recorder.segments.size(),
                recorder.checksumsGood + counters.get(DecodeCounter.TCP_CHECKSUM_UNVERIFIED));
            assertEquals(0, counters.get(DecodeCounter.TCP_PAYLOAD_TRUNCATED));

            assertEquals(0, source.counter(RingCounter.KERNEL_DROPS));
            assertEquals(0, source.counter(RingCounter.KERNEL_FREEZES));
            assertEquals(0, source.counter(RingCounter.TRUNCATED_FRAMES));
            assertEquals(0, source.counter(RingCounter.MALFORMED_BLOCKS));
            assertEquals(source.counter(RingCounter.FRAMES), source.counter(RingCounter.KERNEL_PACKETS));
        }
    }

    /**
     * The first segment one way with the flags; any others must be retransmissions of it (same sequence number), so
     * that a slow machine's retransmitted SYN or FIN does not fail the test but a second handshake or close does.
     */
    private static Segment first(
        final SegmentRecorder recorder, final int srcPort, final int dstPort, final int mask, final int flags)
    {
        final List<Segment> matches = new ArrayList<>();
        for (final Segment segment : recorder.segments)
        {
            if (segment.srcPort == srcPort && segment.dstPort == dstPort && (segment.flags & mask) == flags)
            {
                matches.add(segment);
            }
        }
        final String description = "segments " + srcPort + " > " + dstPort + " with flags 0x" +
            Integer.toHexString(flags) + ": " + matches;
        assertTrue(!matches.isEmpty(), description);
        for (final Segment segment : matches)
        {
            assertEquals(matches.get(0).seq, segment.seq, description);
        }
        return matches.get(0);
    }

    private static byte[] reassemble(
        final SegmentRecorder recorder, final int srcPort, final long firstSeq, final int length)
    {
        final byte[] stream = new byte[length];
        final BitSet seen = new BitSet(length);
        final List<Segment> ordered = new ArrayList<>();
        for (final Segment segment : recorder.segments)
        {
            if (segment.srcPort == srcPort && segment.payload.length > 0)
            {
                ordered.add(segment);
            }
        }
        ordered.sort((a, b) -> Long.compare(relative(a.seq, firstSeq), relative(b.seq, firstSeq)));
        for (final Segment segment : ordered)
        {
            final long start = relative(segment.seq, firstSeq);
            assertTrue(start >= 0 && start + segment.payload.length <= length, "segment outside the stream: " +
                segment);
            for (int i = 0; i < segment.payload.length; i++)
            {
                final int at = (int)start + i;
                if (seen.get(at))
                {
                    // A retransmission: it must carry the same bytes.
                    assertEquals(stream[at], segment.payload[i], "retransmitted byte " + at + " differs");
                }
                stream[at] = segment.payload[i];
                seen.set(at);
            }
        }
        assertEquals(length, seen.cardinality(), "payload bytes captured");
        return stream;
    }

    private static String hex(final int etherType)
    {
        return String.format("0x%04x", etherType);
    }

    private static long relative(final long seq, final long firstSeq)
    {
        return (seq - firstSeq) & 0xFFFF_FFFFL;
    }

    private static void captureUntilClosed(
        final AfPacketRingSource source, final SegmentRecorder recorder, final TcpTransfer transfer)
    {
        final long deadlineNs = System.nanoTime() + CAPTURE_TIMEOUT_NS;
        long exitedNs = 0;
        // Both FINs and the ACK of the last are the end; a client that is gone stops it after a grace period.
        while (!recorder.isClosed() && System.nanoTime() < deadlineNs)
        {
            final int ready = source.awaitFrames(50);
            if (ready < 0)
            {
                throw new IllegalStateException("awaitFrames returned errno " + -ready);
            }
            source.poll(recorder, 256);
            if (exitedNs == 0 && !transfer.isClientAlive())
            {
                exitedNs = System.nanoTime();
            }
            else if (exitedNs != 0 && System.nanoTime() - exitedNs > TimeUnit.SECONDS.toNanos(5))
            {
                break;
            }
        }
    }

    /** A decoded segment, copied out of the ring. */
    private record Segment(int srcPort, int dstPort, long seq, long ack, int flags, byte[] payload)
    {
        @Override
        public String toString()
        {
            return srcPort + " > " + dstPort + " flags 0x" + Integer.toHexString(flags) + " seq " + seq + " ack " +
                ack + " len " + payload.length;
        }

    }

    /** Decodes every frame and keeps what the assertions need. */
    private static final class SegmentRecorder implements FrameHandler
    {
        private final PacketDecoder decoder;
        private final List<Segment> segments = new ArrayList<>();
        private final List<String> otherFrames = new ArrayList<>();
        private final List<String> unverifiedWithoutReason = new ArrayList<>();
        private long checksumsGood;
        private long framesNotReady;
        private int fins;
        private boolean closed;

        SegmentRecorder(final PacketDecoder decoder)
        {
            this.decoder = decoder;
        }

        @Override
        public void onFrame(final Frame frame)
        {
            if (frame.checksumStatus() == Frame.CHECKSUM_NOT_READY)
            {
                framesNotReady++;
            }
            if (!decoder.decode(frame))
            {
                final int etherType = frame.buffer().getShort(frame.offset() + ETHERNET_TYPE_OFFSET,
                    ByteOrder.BIG_ENDIAN) & 0xFFFF;
                otherFrames.add(decoder.outcome().name() + " ethertype " + hex(etherType));
                return;
            }
            final TcpFlyweight tcp = decoder.tcp();
            final byte[] payload = new byte[tcp.capturedPayloadLength()];
            tcp.buffer().getBytes(tcp.payloadOffset(), payload);
            final Segment segment = new Segment(tcp.srcPort(), tcp.dstPort(), tcp.seq(), tcp.ackSeq(), tcp.flags(),
                payload);
            segments.add(segment);
            if (decoder.checksumStatus() == TcpFlyweight.CHECKSUM_GOOD)
            {
                checksumsGood++;
            }
            else if (decoder.checksumStatus() == TcpFlyweight.CHECKSUM_UNVERIFIED &&
                frame.checksumStatus() != Frame.CHECKSUM_NOT_READY)
            {
                unverifiedWithoutReason.add(segment + " frame checksum status " + frame.checksumStatus());
            }
            if (tcp.fin())
            {
                fins++;
            }
            else if (fins == 2 && tcp.ack() && payload.length == 0)
            {
                closed = true;
            }
        }

        boolean isClosed()
        {
            return closed;
        }

        @Override
        public String toString()
        {
            return Arrays.toString(segments.toArray());
        }
    }
}
