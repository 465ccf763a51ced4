package io.flowtap.tools.replay;

import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.capture.file.PcapTestWriter;
import io.flowtap.reassembly.test.Recorder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Captures for the command tests: the reassembly module's bundled ones (copied out of its test jar, since capture
 * files are memory-mapped from disk), and small ones written here.
 */
public final class TestCaptures
{
    /** IPv6 client of {@link #ipv6Connection}. */
    public static final byte[] V6_CLIENT = {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    /** IPv6 server of {@link #ipv6Connection}. */
    public static final byte[] V6_SERVER = {(byte)0xfe, (byte)0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0};

    private static final int SYN = TcpFlyweight.SYN;
    private static final int ACK = TcpFlyweight.ACK;
    private static final int FIN = TcpFlyweight.FIN;
    private static final int PSH = TcpFlyweight.PSH;

    private TestCaptures()
    {
    }

    /**
     * @param name of a capture in the reassembly module's {@code src/test/resources/pcap}.
     * @param dir  to copy it to.
     * @return the copy.
     */
    public static Path bundled(final String name, final Path dir)
    {
        try (InputStream in = Recorder.class.getResourceAsStream("/pcap/" + name))
        {
            if (in == null)
            {
                throw new IllegalArgumentException("no bundled capture " + name);
            }
            final Path copy = dir.resolve(name);
            Files.write(copy, in.readAllBytes());
            return copy;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Two connections one after the other on the same addresses and ports, 10.0.0.1:40000 to 10.0.0.2:80: the first
     * carries "hello" and "world!", the second, 1 s later with new ISNs, "again" and "twice". Both close with FINs.
     *
     * @param path to write to.
     * @return the path.
     * @throws IOException when it cannot be written.
     */
    public static Path reusedFourTuple(final Path path) throws IOException
    {
        final PcapTestWriter writer = writer();
        connection(writer, 1_700_000_000L, 1000, 5000, "hello", "world!");
        connection(writer, 1_700_000_001L, 90_000, 70_000, "again", "twice");
        return writer.writeTo(path);
    }

    /**
     * One connection, 10.0.0.1:40000 to 10.0.0.2:80, whose client sends its bytes in the pieces given, one segment
     * each, then the server answers in one and both close with FINs.
     *
     * @param path     to write to.
     * @param response what the server sends.
     * @param pieces   what the client sends, segment by segment.
     * @return the path.
     * @throws IOException when it cannot be written.
     */
    public static Path requestInPieces(final Path path, final String response, final String... pieces)
        throws IOException
    {
        final PcapTestWriter writer = writer();
        final long seconds = 1_700_000_000L;
        final long c = 1001;
        final long s = 5001;
        int n = 0;
        record(writer, seconds, n++, client().flags(SYN).seqAck(c - 1, 0).build());
        record(writer, seconds, n++, server().flags(SYN | ACK).seqAck(s - 1, c).build());
        record(writer, seconds, n++, client().flags(ACK).seqAck(c, s).build());
        long sent = 0;
        for (final String piece : pieces)
        {
            record(writer, seconds, n++, client().flags(ACK | PSH).seqAck(c + sent, s).payload(bytes(piece)).build());
            record(writer, seconds, n++, server().flags(ACK).seqAck(s, c + sent + piece.length()).build());
            sent += piece.length();
        }
        final int r = response.length();
        record(writer, seconds, n++, server().flags(ACK | PSH).seqAck(s, c + sent).payload(bytes(response)).build());
        record(writer, seconds, n++, client().flags(FIN | ACK).seqAck(c + sent, s + r).build());
        record(writer, seconds, n++, server().flags(FIN | ACK).seqAck(s + r, c + sent + 1).build());
        record(writer, seconds, n, client().flags(ACK).seqAck(c + sent + 1, s + r + 1).build());
        return writer.writeTo(path);
    }

    /**
     * One IPv6 connection from [2001:db8::1]:40000 to [fe80::1:0]:80 carrying "ping" and "pong".
     *
     * @param path to write to.
     * @return the path.
     * @throws IOException when it cannot be written.
     */
    public static Path ipv6Connection(final Path path) throws IOException
    {
        final PcapTestWriter writer = writer();
        final long t = 1_700_000_000L;
        int n = 0;
        record(writer, t, n++, v6(true).flags(SYN).seqAck(100, 0));
        record(writer, t, n++, v6(false).flags(SYN | ACK).seqAck(300, 101));
        record(writer, t, n++, v6(true).flags(ACK).seqAck(101, 301));
        record(writer, t, n++, v6(true).flags(ACK | PSH).seqAck(101, 301).payload(bytes("ping")));
        record(writer, t, n++, v6(false).flags(ACK | PSH).seqAck(301, 105).payload(bytes("pong")));
        record(writer, t, n++, v6(true).flags(FIN | ACK).seqAck(105, 305));
        record(writer, t, n, v6(false).flags(FIN | ACK).seqAck(305, 106));
        return writer.writeTo(path);
    }

    private static PacketBuilder v6(final boolean fromClient)
    {
        return PacketBuilder.ethernet()
            .ipv6(fromClient ? V6_CLIENT : V6_SERVER, fromClient ? V6_SERVER : V6_CLIENT)
            .ports(fromClient ? 40000 : 80, fromClient ? 80 : 40000);
    }

    private static void connection(
        final PcapTestWriter writer, final long seconds, final long clientIsn, final long serverIsn,
        final String request, final String response)
    {
        final long c = clientIsn + 1;
        final long s = serverIsn + 1;
        final int q = request.length();
        final int r = response.length();
        int n = 0;
        record(writer, seconds, n++, client().flags(SYN).seqAck(clientIsn, 0).build());
        record(writer, seconds, n++, server().flags(SYN | ACK).seqAck(serverIsn, c).build());
        record(writer, seconds, n++, client().flags(ACK).seqAck(c, s).build());
        record(writer, seconds, n++, client().flags(ACK | PSH).seqAck(c, s).payload(bytes(request)).build());
        record(writer, seconds, n++, server().flags(ACK | PSH).seqAck(s, c + q).payload(bytes(response)).build());
        record(writer, seconds, n++, client().flags(FIN | ACK).seqAck(c + q, s + r).build());
        record(writer, seconds, n++, server().flags(FIN | ACK).seqAck(s + r, c + q + 1).build());
        record(writer, seconds, n, client().flags(ACK).seqAck(c + q + 1, s + r + 1).build());
    }

    private static PacketBuilder client()
    {
        return PacketBuilder.ethernet().ports(40000, 80);
    }

    /**
     * A server-to-client builder: PacketBuilder always writes 10.0.0.1 to 10.0.0.2, so {@link #record} swaps the
     * addresses of frames built from it (which leaves every checksum right, since a one's complement sum does not
     * depend on the order of its words).
     */
    private static PacketBuilder server()
    {
        return PacketBuilder.ethernet().ports(80, 40000);
    }

    private static void record(final PcapTestWriter writer, final long seconds, final int n, final PacketBuilder b)
    {
        final byte[] frame = b.build();
        writer.record(seconds, n * 1000L, frame, frame.length);
    }

    private static void record(final PcapTestWriter writer, final long seconds, final int n, final byte[] frame)
    {
        final int tcp = 14 + 20;
        final int srcPort = ((frame[tcp] & 0xFF) << 8) | (frame[tcp + 1] & 0xFF);
        if (srcPort == 80)
        {
            for (int i = 0; i < 4; i++)
            {
                final byte b = frame[26 + i];
                frame[26 + i] = frame[30 + i];
                frame[30 + i] = b;
            }
        }
        writer.record(seconds, n * 1000L, frame, frame.length);
    }

    private static PcapTestWriter writer()
    {
        return new PcapTestWriter(ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 65535,
            LinkType.ETHERNET);
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
