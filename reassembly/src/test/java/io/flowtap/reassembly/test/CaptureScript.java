package io.flowtap.reassembly.test;

import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.capture.file.PcapTestWriter;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.FrameFeeder;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.SequenceNumbers;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * A small capture written packet by packet (client 10.0.0.1:40000, server 10.0.0.2:80 unless told otherwise), with
 * sequence numbers given relative to each side's ISN (0 is the SYN itself, 1 the first byte after it), so that a case
 * runs again with the ISNs just below 2^32. The capture is a real pcap file, read back through the capture file
 * source and the decoder (checksums verified) into an engine and a {@link Recorder}.
 */
public final class CaptureScript
{
    public static final int FIN = TcpFlyweight.FIN;
    public static final int SYN = TcpFlyweight.SYN;
    public static final int RST = TcpFlyweight.RST;
    public static final int PSH = TcpFlyweight.PSH;
    public static final int ACK = TcpFlyweight.ACK;

    private static final byte[] CLIENT = {10, 0, 0, 1};
    private static final byte[] SERVER = {10, 0, 0, 2};

    private final PcapTestWriter writer = new PcapTestWriter(
        ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 65535, LinkType.ETHERNET);
    private final long clientIsn;
    private final long serverIsn;
    private final int clientPort;
    private final int serverPort;
    private long timeUs = 1_700_000_000_000_000L;
    private int window = 65535;
    private boolean corruptNext;

    /**
     * @param clientIsn client's initial sequence number.
     * @param serverIsn server's.
     */
    public CaptureScript(final long clientIsn, final long serverIsn)
    {
        this(clientIsn, serverIsn, 40000, 80);
    }

    public CaptureScript(final long clientIsn, final long serverIsn, final int clientPort, final int serverPort)
    {
        this.clientIsn = clientIsn & SequenceNumbers.MASK;
        this.serverIsn = serverIsn & SequenceNumbers.MASK;
        this.clientPort = clientPort;
        this.serverPort = serverPort;
    }

    /**
     * The client sends.
     *
     * @param flags TCP flags.
     * @param seq   relative to the client's ISN.
     * @param ack   relative to the server's ISN (ignored without ACK).
     * @param data  payload, ISO-8859-1.
     * @return this.
     */
    public CaptureScript client(final int flags, final long seq, final long ack, final String data)
    {
        return packet(true, flags, seq, ack, data);
    }

    /**
     * The server sends; as {@link #client}, the other way.
     */
    public CaptureScript server(final int flags, final long seq, final long ack, final String data)
    {
        return packet(false, flags, seq, ack, data);
    }

    /** SYN, SYN-ACK, ACK. */
    public CaptureScript handshake()
    {
        return client(SYN, 0, 0, "").server(SYN | ACK, 0, 1, "").client(ACK, 1, 1, "");
    }

    /** Let time pass before the next packet (each packet is 1 ms after the one before it otherwise). */
    public CaptureScript after(final long millis)
    {
        timeUs += millis * 1000 - 1000;
        return this;
    }

    /** The window field of the next packets. */
    public CaptureScript window(final int window)
    {
        this.window = window;
        return this;
    }

    /** Give the next packet a wrong TCP checksum. */
    public CaptureScript corruptNext()
    {
        corruptNext = true;
        return this;
    }

    /**
     * @param file to write the capture to.
     * @return the file.
     * @throws IOException when it cannot be written.
     */
    public Path write(final Path file) throws IOException
    {
        return writer.writeTo(file);
    }

    /**
     * @param file    to write the capture to.
     * @param context engine settings.
     * @return what the engine reported, every flow ended.
     * @throws IOException when the file cannot be written.
     */
    public List<Recorder.FlowLog> replay(final Path file, final EngineContext context) throws IOException
    {
        writer.writeTo(file);
        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(context, recorder);
        final CaptureFileSource source = CaptureFiles.open(file);
        try
        {
            new FrameFeeder(new PacketDecoder(ChecksumMode.VERIFY), engine).feedAll(source);
        }
        finally
        {
            source.close();
        }
        return recorder.list();
    }

    private CaptureScript packet(final boolean fromClient, final int flags, final long seq, final long ack,
        final String data)
    {
        final long isn = fromClient ? clientIsn : serverIsn;
        final long peerIsn = fromClient ? serverIsn : clientIsn;
        final PacketBuilder builder = PacketBuilder.ethernet()
            .ipv4(fromClient ? CLIENT : SERVER, fromClient ? SERVER : CLIENT)
            .ports(fromClient ? clientPort : serverPort, fromClient ? serverPort : clientPort)
            .seqAck(SequenceNumbers.add(isn, seq), (flags & ACK) != 0 ? SequenceNumbers.add(peerIsn, ack) : 0)
            .flags(flags)
            .window(window)
            .payload(data.getBytes(StandardCharsets.ISO_8859_1));
        if (corruptNext)
        {
            builder.corruptChecksum();
            corruptNext = false;
        }
        final byte[] frame = builder.build();
        timeUs += 1000;
        writer.record(timeUs / 1_000_000, timeUs % 1_000_000, frame, frame.length);
        return this;
    }
}
