package io.flowtap.tools.journal;

import io.flowtap.capture.codec.InternetChecksum;
import io.flowtap.pipeline.journal.JournalEvent;
import io.flowtap.reassembly.Direction;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A capture of reassembled streams: each journaled flow becomes one clean TCP connection (handshake, the stream's
 * bytes in segments of at most {@value #MSS} bytes at their stream offsets, acknowledged as they go, FIN each way),
 * in Ethernet frames (802.1Q-tagged for a flow with a VLAN) with correct IPv4 or IPv6 and TCP checksums, at the
 * journal's times. A gap stays a hole in the sequence space that the peer acknowledges past, so a reader sees it as
 * bytes never captured. Nanosecond pcap.
 */
final class StreamPcapWriter implements AutoCloseable
{
    static final int MSS = 1460;
    private static final int MAGIC_NANOSECONDS = 0xA1B23C4D;
    private static final int LINKTYPE_ETHERNET = 1;
    private static final int ETHERNET_LENGTH = 14;
    private static final int TCP_LENGTH = 20;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int PSH = 0x08;
    private static final int FIN = 0x01;
    private static final long CLIENT_ISN = 1_000_000L;
    private static final long SERVER_ISN = 2_000_000L;

    private final OutputStream out;
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[ETHERNET_LENGTH + 4 + 40 + TCP_LENGTH + MSS]);
    private final UnsafeBuffer pseudo = new UnsafeBuffer(new byte[40]);
    private final UnsafeBuffer record = new UnsafeBuffer(new byte[16]);
    private long frames;

    /** Sequence state of one flow's connection. */
    static final class Connection
    {
        final JournalEvent.Key key;
        final long[] sent = new long[2];

        Connection(final JournalEvent.Key key)
        {
            this.key = key;
        }
    }

    StreamPcapWriter(final Path path) throws IOException
    {
        out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16);
        final UnsafeBuffer header = new UnsafeBuffer(new byte[24]);
        header.putInt(0, MAGIC_NANOSECONDS, ByteOrder.LITTLE_ENDIAN);
        header.putShort(4, (short)2, ByteOrder.LITTLE_ENDIAN);
        header.putShort(6, (short)4, ByteOrder.LITTLE_ENDIAN);
        header.putInt(16, 65535, ByteOrder.LITTLE_ENDIAN);
        header.putInt(20, LINKTYPE_ETHERNET, ByteOrder.LITTLE_ENDIAN);
        out.write(header.byteArray());
    }

    Connection open(final JournalEvent.Key key, final long timeNs) throws IOException
    {
        final Connection connection = new Connection(key);
        segment(connection, Direction.TO_SERVER, SYN, timeNs, null, 0, 0);
        connection.sent[Direction.TO_SERVER] = 1;
        segment(connection, Direction.TO_CLIENT, SYN | ACK, timeNs, null, 0, 0);
        connection.sent[Direction.TO_CLIENT] = 1;
        segment(connection, Direction.TO_SERVER, ACK, timeNs, null, 0, 0);
        return connection;
    }

    void data(final Connection connection, final int direction, final long streamOffset, final byte[] data,
        final long timeNs) throws IOException
    {
        for (int done = 0; done < data.length; done += MSS)
        {
            final int length = Math.min(MSS, data.length - done);
            connection.sent[direction] = Math.max(connection.sent[direction], 1 + streamOffset + done + length);
            segment(connection, direction, ACK | PSH, timeNs, data, done, length, 1 + streamOffset + done);
            // The peer acknowledges at once, past any gap: the bytes of a gap are never coming.
            segment(connection, 1 - direction, ACK, timeNs, null, 0, 0);
        }
    }

    void close(final Connection connection, final long timeNs) throws IOException
    {
        segment(connection, Direction.TO_SERVER, FIN | ACK, timeNs, null, 0, 0);
        connection.sent[Direction.TO_SERVER]++;
        segment(connection, Direction.TO_CLIENT, FIN | ACK, timeNs, null, 0, 0);
        connection.sent[Direction.TO_CLIENT]++;
        segment(connection, Direction.TO_SERVER, ACK, timeNs, null, 0, 0);
    }

    long frames()
    {
        return frames;
    }

    @Override
    public void close() throws IOException
    {
        out.close();
    }

    private void segment(final Connection connection, final int direction, final int flags, final long timeNs,
        final byte[] data, final int offset, final int length) throws IOException
    {
        segment(connection, direction, flags, timeNs, data, offset, length, connection.sent[direction]);
    }

    private void segment(final Connection connection, final int direction, final int flags, final long timeNs,
        final byte[] data, final int offset, final int length, final long relativeSeq) throws IOException
    {
        final JournalEvent.Key key = connection.key;
        final boolean toServer = direction == Direction.TO_SERVER;
        final boolean v6 = key.ipVersion() == 6;
        final int ipLength = v6 ? 40 : 20;
        final boolean tagged = key.vlan() < 4096;
        final int ip = ETHERNET_LENGTH + (tagged ? 4 : 0);
        final int tcpAt = ip + ipLength;
        final int total = tcpAt + TCP_LENGTH + length;
        frame.setMemory(0, tcpAt + TCP_LENGTH, (byte)0);
        // Locally administered MACs, one per role.
        frame.putInt(0, 0x02000000 | (toServer ? 2 : 1), ByteOrder.BIG_ENDIAN);
        frame.putInt(6, 0x02000000 | (toServer ? 1 : 2), ByteOrder.BIG_ENDIAN);
        if (tagged)
        {
            frame.putShort(12, (short)0x8100, ByteOrder.BIG_ENDIAN);
            frame.putShort(14, (short)key.vlan(), ByteOrder.BIG_ENDIAN);
        }
        frame.putShort(ip - 2, (short)(v6 ? 0x86DD : 0x0800), ByteOrder.BIG_ENDIAN);
        final long srcHigh = toServer ? key.clientHigh() : key.serverHigh();
        final long srcLow = toServer ? key.clientLow() : key.serverLow();
        final long dstHigh = toServer ? key.serverHigh() : key.clientHigh();
        final long dstLow = toServer ? key.serverLow() : key.clientLow();
        if (v6)
        {
            frame.putInt(ip, 0x60000000, ByteOrder.BIG_ENDIAN);
            frame.putShort(ip + 4, (short)(TCP_LENGTH + length), ByteOrder.BIG_ENDIAN);
            frame.putByte(ip + 6, (byte)6);
            frame.putByte(ip + 7, (byte)64);
            frame.putLong(ip + 8, srcHigh, ByteOrder.BIG_ENDIAN);
            frame.putLong(ip + 16, srcLow, ByteOrder.BIG_ENDIAN);
            frame.putLong(ip + 24, dstHigh, ByteOrder.BIG_ENDIAN);
            frame.putLong(ip + 32, dstLow, ByteOrder.BIG_ENDIAN);
            pseudo.putLong(0, srcHigh, ByteOrder.BIG_ENDIAN);
            pseudo.putLong(8, srcLow, ByteOrder.BIG_ENDIAN);
            pseudo.putLong(16, dstHigh, ByteOrder.BIG_ENDIAN);
            pseudo.putLong(24, dstLow, ByteOrder.BIG_ENDIAN);
            pseudo.putInt(32, TCP_LENGTH + length, ByteOrder.BIG_ENDIAN);
            pseudo.putInt(36, 6, ByteOrder.BIG_ENDIAN);
        }
        else
        {
            frame.putByte(ip, (byte)0x45);
            frame.putShort(ip + 2, (short)(20 + TCP_LENGTH + length), ByteOrder.BIG_ENDIAN);
            frame.putShort(ip + 6, (short)0x4000, ByteOrder.BIG_ENDIAN);
            frame.putByte(ip + 8, (byte)64);
            frame.putByte(ip + 9, (byte)6);
            frame.putInt(ip + 12, (int)srcLow, ByteOrder.BIG_ENDIAN);
            frame.putInt(ip + 16, (int)dstLow, ByteOrder.BIG_ENDIAN);
            frame.putShort(ip + 10, (short)~InternetChecksum.fold(InternetChecksum.sum(frame, ip, 20)),
                ByteOrder.LITTLE_ENDIAN);
            pseudo.putInt(0, (int)srcLow, ByteOrder.BIG_ENDIAN);
            pseudo.putInt(4, (int)dstLow, ByteOrder.BIG_ENDIAN);
            pseudo.putShort(8, (short)6, ByteOrder.BIG_ENDIAN);
            pseudo.putShort(10, (short)(TCP_LENGTH + length), ByteOrder.BIG_ENDIAN);
        }
        frame.putShort(tcpAt, (short)(toServer ? key.clientPort() : key.serverPort()), ByteOrder.BIG_ENDIAN);
        frame.putShort(tcpAt + 2, (short)(toServer ? key.serverPort() : key.clientPort()), ByteOrder.BIG_ENDIAN);
        final long isn = toServer ? CLIENT_ISN : SERVER_ISN;
        final long peerIsn = toServer ? SERVER_ISN : CLIENT_ISN;
        frame.putInt(tcpAt + 4, (int)(isn + relativeSeq), ByteOrder.BIG_ENDIAN);
        if ((flags & ACK) != 0)
        {
            frame.putInt(tcpAt + 8, (int)(peerIsn + connection.sent[1 - direction]), ByteOrder.BIG_ENDIAN);
        }
        frame.putByte(tcpAt + 12, (byte)(5 << 4));
        frame.putByte(tcpAt + 13, (byte)flags);
        frame.putShort(tcpAt + 14, (short)65535, ByteOrder.BIG_ENDIAN);
        if (length > 0)
        {
            frame.putBytes(tcpAt + TCP_LENGTH, data, offset, length);
        }
        final long sum = InternetChecksum.sum(pseudo, 0, v6 ? 40 : 12) +
            InternetChecksum.sum(frame, tcpAt, TCP_LENGTH + length);
        frame.putShort(tcpAt + 16, (short)~InternetChecksum.fold(sum), ByteOrder.LITTLE_ENDIAN);

        record.putInt(0, (int)Math.floorDiv(timeNs, 1_000_000_000L), ByteOrder.LITTLE_ENDIAN);
        record.putInt(4, (int)Math.floorMod(timeNs, 1_000_000_000L), ByteOrder.LITTLE_ENDIAN);
        record.putInt(8, total, ByteOrder.LITTLE_ENDIAN);
        record.putInt(12, total, ByteOrder.LITTLE_ENDIAN);
        out.write(record.byteArray());
        out.write(frame.byteArray(), 0, total);
        frames++;
    }
}
