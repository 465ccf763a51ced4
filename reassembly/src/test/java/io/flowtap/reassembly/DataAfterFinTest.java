package io.flowtap.reassembly;

import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.capture.file.PcapTestWriter;
import io.flowtap.reassembly.test.Recorder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static io.flowtap.reassembly.Direction.TO_CLIENT;
import static io.flowtap.reassembly.Direction.TO_SERVER;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Bytes a sender claims after its FIN, once its stream has ended (every byte up to the FIN delivered, end of file
 * given to the handlers): a receiver discards them, and so does the engine, counting them as not reassembled. Found
 * by the corpus sweep on suricata-verify's bug-76 capture, where they were kept in the page store (and, arriving in
 * order, handed to the handlers after the end of file) and their pages never came back.
 */
class DataAfterFinTest
{
    private static final byte[] CLIENT = {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    private static final byte[] SERVER = {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    private static final int SYN = TcpFlyweight.SYN;
    private static final int ACK = TcpFlyweight.ACK;
    private static final int FIN = TcpFlyweight.FIN;
    private static final int PSH = TcpFlyweight.PSH;

    @TempDir
    Path tempDir;

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    void shouldDiscardBytesAfterTheEndOfAStreamAndHoldNothing(final DeliveryMode mode) throws IOException
    {
        final PcapTestWriter writer = new PcapTestWriter(
            ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 65535, LinkType.ETHERNET);
        int n = 0;
        writer.record(1, n++, segment(true, SYN, 100, 0, ""), 74);
        writer.record(1, n++, segment(false, SYN | ACK, 300, 101, ""), 74);
        writer.record(1, n++, segment(true, ACK, 101, 301, ""), 74);
        writer.record(1, n++, segment(true, PSH | ACK, 101, 301, "abc"), 77);
        writer.record(1, n++, segment(true, FIN | ACK, 104, 301, ""), 74);
        writer.record(1, n++, segment(false, ACK, 301, 105, ""), 74);
        // Where the FIN was, then past it: both after the client's stream ended.
        writer.record(1, n++, segment(true, PSH | ACK, 104, 301, "XYZ"), 77);
        writer.record(1, n++, segment(true, PSH | ACK, 105, 301, "zzz"), 77);
        writer.record(1, n++, segment(false, PSH | ACK, 301, 105, "ok"), 76);
        writer.record(1, n, segment(false, FIN | ACK, 303, 105, ""), 74);
        final Path capture = writer.writeTo(tempDir.resolve("after-fin.pcap"));

        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = Recorder.replay(capture, new EngineContext().deliveryMode(mode), recorder);

        final Recorder.FlowLog flow = recorder.list().get(0);
        assertEquals("abc", flow.text(TO_SERVER));
        assertEquals("ok", flow.text(TO_CLIENT));
        assertEquals("fin", flow.endReason);
        assertEquals(0, engine.bufferedBytes(), "pages held after shutdown");
        assertEquals(6, engine.counters().get(EngineCounter.NOT_REASSEMBLED_BYTES));
    }

    private static byte[] segment(
        final boolean fromClient, final int flags, final long seq, final long ack, final String payload)
    {
        return PacketBuilder.ethernet()
            .ipv6(fromClient ? CLIENT : SERVER, fromClient ? SERVER : CLIENT)
            .ports(fromClient ? 40000 : 80, fromClient ? 80 : 40000)
            .flags(flags)
            .seqAck(seq, ack)
            .payload(payload.getBytes(StandardCharsets.US_ASCII))
            .build();
    }
}
