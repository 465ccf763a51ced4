package io.flowtap.capture.ring;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loopback gives a packet socket every packet twice, as sent and as received. flowtap keeps one, as libpcap does,
 * and counts the other.
 */
class LoopbackRingLiveTest
{
    private static final int DATAGRAMS = 50;
    private static final String MARKER = "flowtap-loopback-";

    @BeforeEach
    void requireLiveNetwork()
    {
        LiveNetwork.require();
    }

    @Test
    void shouldDeliverEachLoopbackPacketOnceAndCountTheOutgoingCopy() throws Exception
    {
        final int[] seen = new int[DATAGRAMS];
        final byte[] scratch = new byte[2048];
        final FrameHandler handler = (frame) -> countMarked(frame, scratch, seen);

        try (AfPacketRingSource source = AfPacketRingSource.open(new AfPacketContext()
                .interfaceName("lo").blockSize(1 << 16).blockCount(16).retireTimeoutMs(10));
            DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            final long skippedBefore = source.counter(RingCounter.LOOPBACK_OUTGOING_SKIPPED);
            for (int i = 0; i < DATAGRAMS; i++)
            {
                final byte[] payload = (MARKER + i + ";").getBytes(StandardCharsets.US_ASCII);
                // To the socket's own port: nothing else on this host sends these bytes.
                socket.send(new DatagramPacket(payload, payload.length, socket.getLocalSocketAddress()));
            }
            LiveNetwork.drainUntilQuiet(source, handler);

            for (int i = 0; i < DATAGRAMS; i++)
            {
                assertEquals(1, seen[i], "datagram " + i + " delivered " + seen[i] + " times");
            }
            final long skipped = source.counter(RingCounter.LOOPBACK_OUTGOING_SKIPPED) - skippedBefore;
            assertTrue(skipped >= DATAGRAMS, "outgoing copies counted: " + skipped);
        }
    }

    private static void countMarked(final Frame frame, final byte[] scratch, final int[] seen)
    {
        final int length = Math.min(frame.capturedLength(), scratch.length);
        frame.buffer().getBytes(frame.offset(), scratch, 0, length);
        final String text = new String(scratch, 0, length, StandardCharsets.ISO_8859_1);
        final int at = text.indexOf(MARKER);
        if (at >= 0)
        {
            final int end = text.indexOf(';', at);
            seen[Integer.parseInt(text.substring(at + MARKER.length(), end))]++;
        }
    }
}
