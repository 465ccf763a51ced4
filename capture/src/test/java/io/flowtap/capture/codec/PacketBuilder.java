package io.flowtap.capture.codec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds test frames byte by byte, computing IP lengths and the TCP checksum with a straightforward RFC 1071
 * implementation that shares no code with {@link InternetChecksum}, so the two check each other.
 */
public final class PacketBuilder
{
    private final ByteArrayOutputStream link = new ByteArrayOutputStream();
    private byte[] ipHeaderExtra = new byte[0];
    private byte[] ipv6Extensions = new byte[0];
    private int ipv6FirstNextHeader = -1;
    private int ipVersion = 4;
    private byte[] source = {10, 0, 0, 1};
    private byte[] destination = {10, 0, 0, 2};
    private int protocol = IpProtocol.TCP;
    private int fragmentField;
    private int srcPort = 40000;
    private int dstPort = 80;
    private long seq = 1000;
    private long ack = 2000;
    private int flags = TcpFlyweight.ACK | TcpFlyweight.PSH;
    private int res;
    private int window = 65535;
    private int urgent;
    private byte[] options = new byte[0];
    private byte[] payload = new byte[0];
    private boolean corruptChecksum;
    private boolean ethernetLink;
    private byte[] finalDestination;

    public static PacketBuilder ethernet()
    {
        final PacketBuilder builder = new PacketBuilder();
        builder.ethernetLink = true;
        builder.link.writeBytes(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
        return builder;
    }

    public static PacketBuilder raw()
    {
        return new PacketBuilder();
    }

    public PacketBuilder linkBytes(final byte... bytes)
    {
        link.writeBytes(bytes);
        return this;
    }

    public PacketBuilder vlan(final int etherType, final int vlanId)
    {
        link.writeBytes(new byte[] {(byte)(etherType >>> 8), (byte)etherType, (byte)(vlanId >>> 8), (byte)vlanId});
        return this;
    }

    public PacketBuilder ipv6(final byte[] src, final byte[] dst)
    {
        ipVersion = 6;
        source = src;
        destination = dst;
        return this;
    }

    public PacketBuilder ipv4(final byte[] src, final byte[] dst)
    {
        ipVersion = 4;
        source = src;
        destination = dst;
        return this;
    }

    public PacketBuilder ipv4Options(final byte[] optionBytes)
    {
        ipHeaderExtra = optionBytes;
        return this;
    }

    /** Headers between the IP header and TCP: an IPv6 extension chain, or AH in IPv4. */
    public PacketBuilder extensions(final int firstNextHeader, final byte[] chain)
    {
        ipv6FirstNextHeader = firstNextHeader;
        ipv6Extensions = chain;
        return this;
    }

    /** The destination the pseudo-header uses when a source route leads elsewhere than the header's destination. */
    public PacketBuilder finalDestination(final byte[] address)
    {
        finalDestination = address;
        return this;
    }

    public PacketBuilder protocol(final int protocol)
    {
        this.protocol = protocol;
        return this;
    }

    public PacketBuilder fragmentField(final int value)
    {
        fragmentField = value;
        return this;
    }

    public PacketBuilder ports(final int src, final int dst)
    {
        srcPort = src;
        dstPort = dst;
        return this;
    }

    public PacketBuilder seqAck(final long seq, final long ack)
    {
        this.seq = seq;
        this.ack = ack;
        return this;
    }

    public PacketBuilder flags(final int flags)
    {
        this.flags = flags;
        return this;
    }

    public PacketBuilder res(final int res)
    {
        this.res = res;
        return this;
    }

    public PacketBuilder window(final int window)
    {
        this.window = window;
        return this;
    }

    public PacketBuilder urgent(final int urgent)
    {
        this.urgent = urgent;
        return this;
    }

    public PacketBuilder options(final byte... options)
    {
        this.options = options;
        return this;
    }

    public PacketBuilder payload(final byte[] payload)
    {
        this.payload = payload;
        return this;
    }

    public PacketBuilder corruptChecksum()
    {
        corruptChecksum = true;
        return this;
    }

    /** The TCP segment alone, checksum filled in. */
    public byte[] tcpSegment()
    {
        final int headerLength = 20 + options.length;
        final ByteBuffer tcp = ByteBuffer.allocate(headerLength + payload.length).order(ByteOrder.BIG_ENDIAN);
        tcp.putShort((short)srcPort).putShort((short)dstPort).putInt((int)seq).putInt((int)ack);
        tcp.put((byte)(((headerLength / 4) << 4) | res)).put((byte)flags).putShort((short)window);
        tcp.putShort((short)0).putShort((short)urgent).put(options).put(payload);
        final byte[] segment = tcp.array();
        if (protocol == IpProtocol.TCP)
        {
            int checksum = referenceChecksum(pseudoHeader(segment.length), segment);
            if (corruptChecksum)
            {
                checksum ^= 0x5A5A;
            }
            segment[16] = (byte)(checksum >>> 8);
            segment[17] = (byte)checksum;
        }
        return segment;
    }

    /** The IP packet (header, extensions, segment). */
    public byte[] ipPacket()
    {
        final byte[] segment = tcpSegment();
        if (ipVersion == 4)
        {
            final int headerLength = 20 + ipHeaderExtra.length;
            final int totalLength = headerLength + ipv6Extensions.length + segment.length;
            final ByteBuffer ip = ByteBuffer.allocate(totalLength);
            ip.put((byte)(0x40 | (headerLength / 4))).put((byte)0).putShort((short)totalLength);
            ip.putShort((short)0x1234).putShort((short)fragmentField).put((byte)64)
                .put((byte)(ipv6FirstNextHeader >= 0 ? ipv6FirstNextHeader : protocol));
            ip.putShort((short)0).put(source).put(destination).put(ipHeaderExtra);
            final byte[] header = new byte[headerLength];
            System.arraycopy(ip.array(), 0, header, 0, headerLength);
            final int checksum = referenceChecksum(new byte[0], header);
            ip.putShort(10, (short)checksum);
            ip.put(ipv6Extensions).put(segment);
            return ip.array();
        }
        final ByteBuffer ip = ByteBuffer.allocate(40 + ipv6Extensions.length + segment.length);
        ip.putInt(0x6000_0000).putShort((short)(ipv6Extensions.length + segment.length));
        ip.put((byte)(ipv6FirstNextHeader >= 0 ? ipv6FirstNextHeader : protocol)).put((byte)64);
        ip.put(source).put(destination).put(ipv6Extensions).put(segment);
        return ip.array();
    }

    /** The whole frame: link bytes, then an EtherType when the link is Ethernet, then the IP packet. */
    public byte[] build()
    {
        final byte[] packet = ipPacket();
        final ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.writeBytes(link.toByteArray());
        if (ethernetLink)
        {
            final int etherType = ipVersion == 4 ? EtherType.IPV4 : EtherType.IPV6;
            frame.write(etherType >>> 8);
            frame.write(etherType);
        }
        frame.writeBytes(packet);
        return frame.toByteArray();
    }

    private byte[] pseudoHeader(final int tcpLength)
    {
        final ByteBuffer pseudo = ByteBuffer.allocate(source.length * 2 + (ipVersion == 4 ? 4 : 8));
        pseudo.put(source).put(finalDestination != null ? finalDestination : destination);
        if (ipVersion == 4)
        {
            pseudo.put((byte)0).put((byte)IpProtocol.TCP).putShort((short)tcpLength);
        }
        else
        {
            pseudo.putInt(tcpLength).putInt(IpProtocol.TCP);
        }
        return pseudo.array();
    }

    /** RFC 1071 the slow, obvious way: big-endian 16-bit words, one at a time. */
    public static int referenceChecksum(final byte[] prefix, final byte[] data)
    {
        long sum = 0;
        final byte[] all = new byte[prefix.length + data.length];
        System.arraycopy(prefix, 0, all, 0, prefix.length);
        System.arraycopy(data, 0, all, prefix.length, data.length);
        for (int i = 0; i < all.length; i += 2)
        {
            final int high = all[i] & 0xFF;
            final int low = i + 1 < all.length ? all[i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)(~sum & 0xFFFF);
    }
}
