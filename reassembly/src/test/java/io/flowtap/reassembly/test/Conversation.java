package io.flowtap.reassembly.test;

import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.SequenceNumbers;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * One TCP connection played into an engine segment by segment, with sequence numbers relative to each side's ISN
 * (so every test can run again with the ISNs just below 2^32). Offsets are stream offsets: 0 is the first byte after
 * the SYN.
 */
public final class Conversation
{
    public static final int FIN = TcpFlyweight.FIN;
    public static final int SYN = TcpFlyweight.SYN;
    public static final int RST = TcpFlyweight.RST;
    public static final int PSH = TcpFlyweight.PSH;
    public static final int ACK = TcpFlyweight.ACK;
    public static final int URG = TcpFlyweight.URG;

    private static final byte[] CLIENT = {10, 0, 0, 1};
    private static final byte[] SERVER = {10, 0, 0, 2};

    private final ReassemblyEngine engine;
    private PacketDecoder decoder = new PacketDecoder(ChecksumMode.OFF);
    private boolean corruptNext;
    private boolean corruptClient;
    private boolean corruptServer;
    private final long clientIsn;
    private final long serverIsn;
    private final int clientPort;
    private final int serverPort;
    private long timeNs = 1_000_000_000L;
    private long clientAck;
    private long serverAck;

    public Conversation(final ReassemblyEngine engine, final long clientIsn, final long serverIsn)
    {
        this(engine, clientIsn, serverIsn, 40000, 80);
    }

    public Conversation(
        final ReassemblyEngine engine, final long clientIsn, final long serverIsn, final int clientPort,
        final int serverPort)
    {
        this.engine = engine;
        this.clientIsn = clientIsn & SequenceNumbers.MASK;
        this.serverIsn = serverIsn & SequenceNumbers.MASK;
        this.clientPort = clientPort;
        this.serverPort = serverPort;
    }

    /** SYN, SYN-ACK, ACK. */
    public Conversation handshake()
    {
        syn();
        synAck();
        return clientSends(ACK, 0, "");
    }

    public Conversation syn()
    {
        return send(true, SYN, SequenceNumbers.add(clientIsn, 0), 0, new byte[0], 0);
    }

    public Conversation synAck()
    {
        return send(false, SYN | ACK, serverIsn, SequenceNumbers.add(clientIsn, 1), new byte[0], 0);
    }

    /** The client sends at stream offset {@code offset}, acknowledging what the server sent so far (by default). */
    public Conversation clientSends(final int flags, final long offset, final String data)
    {
        return send(true, flags, SequenceNumbers.add(clientIsn, 1 + offset), SequenceNumbers.add(serverIsn, 1 +
            clientAck), bytes(data), 0);
    }

    public Conversation serverSends(final int flags, final long offset, final String data)
    {
        return send(false, flags, SequenceNumbers.add(serverIsn, 1 + offset), SequenceNumbers.add(clientIsn, 1 +
            serverAck), bytes(data), 0);
    }

    /** Client data with ACK|PSH. */
    public Conversation toServer(final long offset, final String data)
    {
        return clientSends(ACK | PSH, offset, data);
    }

    public Conversation toClient(final long offset, final String data)
    {
        return serverSends(ACK | PSH, offset, data);
    }

    /** The server acknowledges client bytes up to {@code offset}. */
    public Conversation serverAcks(final long offset)
    {
        serverAck = offset;
        return serverSends(ACK, 0, "");
    }

    public Conversation clientAcks(final long offset)
    {
        clientAck = offset;
        return clientSends(ACK, 0, "");
    }

    /** Set what later server segments acknowledge, without sending. */
    public Conversation serverAckPosition(final long offset)
    {
        serverAck = offset;
        return this;
    }

    public Conversation clientAckPosition(final long offset)
    {
        clientAck = offset;
        return this;
    }

    public Conversation urgentToServer(final long offset, final String data, final int urgentPointer)
    {
        return send(true, ACK | PSH | URG, SequenceNumbers.add(clientIsn, 1 + offset), SequenceNumbers.add(
            serverIsn, 1 + clientAck), bytes(data), urgentPointer);
    }

    /** Verify checksums from now on, as a decoder in VERIFY mode does. */
    public Conversation verifyChecksums()
    {
        decoder = new PacketDecoder(ChecksumMode.VERIFY);
        return this;
    }

    /** Send the next segment with a wrong checksum. */
    public Conversation corruptNext()
    {
        corruptNext = true;
        return this;
    }

    /**
     * Send every segment of a side with a wrong checksum from now on, as a capture taken on a host whose NIC fills
     * its checksums in shows that host's own segments.
     */
    public Conversation offloading(final boolean client, final boolean server)
    {
        corruptClient = client;
        corruptServer = server;
        return this;
    }

    public Conversation advance(final long nanos)
    {
        timeNs += nanos;
        return this;
    }

    public long timeNs()
    {
        return timeNs;
    }

    public Conversation send(
        final boolean fromClient, final int flags, final long seq, final long ack, final byte[] payload,
        final int urgentPointer)
    {
        final PacketBuilder builder = PacketBuilder.ethernet()
            .ipv4(fromClient ? CLIENT : SERVER, fromClient ? SERVER : CLIENT)
            .ports(fromClient ? clientPort : serverPort, fromClient ? serverPort : clientPort)
            .seqAck(seq, (flags & ACK) != 0 ? ack : 0)
            .flags(flags)
            .urgent(urgentPointer)
            .payload(payload);
        if (corruptNext || (fromClient ? corruptClient : corruptServer))
        {
            builder.corruptChecksum();
            corruptNext = false;
        }
        final byte[] frame = builder.build();
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        if (!decoder.decode(buffer, 0, frame.length, false, LinkType.ETHERNET, 0, -1))
        {
            throw new IllegalStateException("test frame did not decode: " + decoder.outcome());
        }
        timeNs += 1000;
        engine.onSegment(decoder, timeNs, frame.length);
        return this;
    }

    private static byte[] bytes(final String data)
    {
        return data.getBytes(StandardCharsets.ISO_8859_1);
    }
}
