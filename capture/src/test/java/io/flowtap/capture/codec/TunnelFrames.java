package io.flowtap.capture.codec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Wraps test packets in the headers of each encapsulation, byte by byte from the RFCs, sharing no code with the
 * decoder: outer Ethernet, IPv4 and IPv6 (with correct lengths and IPv4 header checksum), UDP (checksum 0), VXLAN,
 * Geneve, GRE, ERSPAN, MPLS, PPPoE, GTP-U, Teredo, AYIYA.
 */
public final class TunnelFrames
{
    /** Outer IPv4 source. */
    public static final byte[] OUTER_V4_SRC = {(byte)192, (byte)168, 7, 1};
    /** Outer IPv4 destination. */
    public static final byte[] OUTER_V4_DST = {(byte)192, (byte)168, 7, 2};
    /** Outer IPv6 source. */
    public static final byte[] OUTER_V6_SRC = {0x20, 0x01, 0x0d, (byte)0xb8, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    /** Outer IPv6 destination. */
    public static final byte[] OUTER_V6_DST = {0x20, 0x01, 0x0d, (byte)0xb8, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

    private TunnelFrames()
    {
    }

    public static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    public static byte[] ethernet(final int etherType, final byte[] payload)
    {
        return concat(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, (byte)(etherType >>> 8), (byte)etherType},
            payload);
    }

    public static byte[] ipv4(final int protocol, final byte[] payload)
    {
        return ipv4(OUTER_V4_SRC, OUTER_V4_DST, protocol, payload);
    }

    public static byte[] ipv4(final byte[] src, final byte[] dst, final int protocol, final byte[] payload)
    {
        final ByteBuffer ip = ByteBuffer.allocate(20 + payload.length);
        ip.put((byte)0x45).put((byte)0).putShort((short)(20 + payload.length)).putShort((short)0x4321)
            .putShort((short)0).put((byte)63).put((byte)protocol).putShort((short)0).put(src).put(dst);
        final byte[] header = new byte[20];
        System.arraycopy(ip.array(), 0, header, 0, 20);
        ip.putShort(10, (short)PacketBuilder.referenceChecksum(new byte[0], header));
        ip.put(payload);
        return ip.array();
    }

    public static byte[] ipv6(final int nextHeader, final byte[] payload)
    {
        final ByteBuffer ip = ByteBuffer.allocate(40 + payload.length);
        ip.putInt(0x6000_0000).putShort((short)payload.length).put((byte)nextHeader).put((byte)63)
            .put(OUTER_V6_SRC).put(OUTER_V6_DST).put(payload);
        return ip.array();
    }

    public static byte[] udp(final int srcPort, final int dstPort, final byte[] payload)
    {
        final ByteBuffer udp = ByteBuffer.allocate(8 + payload.length);
        udp.putShort((short)srcPort).putShort((short)dstPort).putShort((short)(8 + payload.length)).putShort((short)0)
            .put(payload);
        return udp.array();
    }

    /** VXLAN with the I flag, VNI and reserved bytes as given. */
    public static byte[] vxlan(final int flags, final int vni, final int reserved, final byte[] frame)
    {
        final ByteBuffer header = ByteBuffer.allocate(8);
        header.putInt((flags << 24) | (reserved & 0xFF_FFFF)).putInt((vni << 8) | (reserved & 0xFF));
        return concat(header.array(), frame);
    }

    public static byte[] vxlan(final int vni, final byte[] frame)
    {
        return vxlan(0x08, vni, 0, frame);
    }

    public static byte[] geneve(final int vni, final int protocol, final byte[] options, final byte[] payload)
    {
        final ByteBuffer header = ByteBuffer.allocate(8 + options.length);
        header.put((byte)(options.length / 4)).put((byte)0).putShort((short)protocol).putInt(vni << 8).put(options);
        return concat(header.array(), payload);
    }

    /**
     * GRE version 0.
     *
     * @param key      null for none.
     * @param sequence null for none.
     */
    public static byte[] gre(
        final boolean checksum, final Integer key, final Integer sequence, final int protocol, final byte[] payload)
    {
        final int flags = (checksum ? 0x8000 : 0) | (key != null ? 0x2000 : 0) | (sequence != null ? 0x1000 : 0);
        final ByteBuffer header = ByteBuffer.allocate(16);
        header.putShort((short)flags).putShort((short)protocol);
        if (checksum)
        {
            header.putInt(0);
        }
        if (key != null)
        {
            header.putInt(key);
        }
        if (sequence != null)
        {
            header.putInt(sequence);
        }
        final byte[] bytes = new byte[header.position()];
        System.arraycopy(header.array(), 0, bytes, 0, bytes.length);
        return concat(bytes, payload);
    }

    /** ERSPAN type II header (version 1). */
    public static byte[] erspan2(final int session, final byte[] frame)
    {
        final ByteBuffer header = ByteBuffer.allocate(8);
        header.putShort((short)(0x1000 | 5)).putShort((short)session).putInt(42);
        return concat(header.array(), frame);
    }

    /** ERSPAN type III header (version 2), with the 8-byte platform subheader when {@code platform}. */
    public static byte[] erspan3(final int session, final boolean platform, final byte[] frame)
    {
        final ByteBuffer header = ByteBuffer.allocate(platform ? 20 : 12);
        header.putShort((short)(0x2000 | 5)).putShort((short)session).putInt(0x12345678)
            .putShort((short)0).put((byte)0).put((byte)(platform ? 1 : 0));
        if (platform)
        {
            header.putLong(0x0102_0304_0506_0708L);
        }
        return concat(header.array(), frame);
    }

    public static byte[] mpls(final int[] labels, final byte[] payload)
    {
        final ByteBuffer stack = ByteBuffer.allocate(labels.length * 4);
        for (int i = 0; i < labels.length; i++)
        {
            stack.putInt((labels[i] << 12) | (i == labels.length - 1 ? 0x100 : 0) | 64);
        }
        return concat(stack.array(), payload);
    }

    public static byte[] pppoe(final int session, final int pppProtocol, final byte[] payload)
    {
        final ByteBuffer header = ByteBuffer.allocate(8);
        header.put((byte)0x11).put((byte)0).putShort((short)session).putShort((short)(2 + payload.length))
            .putShort((short)pppProtocol);
        return concat(header.array(), payload);
    }

    /** GTP-U G-PDU with one PDU session container extension header. */
    public static byte[] gtp(final int teid, final byte[] ipPacket)
    {
        final ByteBuffer header = ByteBuffer.allocate(16);
        header.put((byte)0x34).put((byte)0xFF).putShort((short)(8 + ipPacket.length)).putInt(teid)
            .putShort((short)0).put((byte)0).put((byte)0x85)
            .put((byte)1).put((byte)0x10).put((byte)0x09).put((byte)0);
        return concat(header.array(), ipPacket);
    }

    /** Teredo with an origin indication. */
    public static byte[] teredo(final byte[] ipv6Packet)
    {
        return concat(new byte[] {0, 0, (byte)0xF0, 0x0D, 1, 2, 3, 4}, ipv6Packet);
    }

    /** AYIYA forward with an 16-byte identity and a 20-byte signature. */
    public static byte[] ayiya(final int nextHeader, final byte[] packet)
    {
        final ByteBuffer header = ByteBuffer.allocate(8 + 16 + 20);
        header.put((byte)0x41).put((byte)0x52).put((byte)0x11).put((byte)nextHeader).putInt(1_700_000_000);
        return concat(header.array(), packet);
    }
}
