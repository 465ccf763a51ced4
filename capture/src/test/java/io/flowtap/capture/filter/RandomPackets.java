package io.flowtap.capture.filter;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.IpProtocol;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.PacketDecoder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

/**
 * Random Ethernet frames for the filter tests, built with the capture test-jar's {@link PacketBuilder}: IPv4 with
 * and without options, fragments and AH; IPv6 with random extension-header chains; TCP, UDP and ARP; VLAN tags in
 * metadata and in the frame. Addresses and ports come mostly from the small pools {@link RandomFilters} draws from,
 * so that filters match often, and otherwise from 10.0.0.0/8 and fd00::/8 at random. Each frame ends with an 8-byte
 * marker (a magic number and a sequence number) that a live test uses to tell its frames from background traffic.
 */
final class RandomPackets
{
    /** Marks the last 8 bytes of every frame: "FTFT", then the sequence number. */
    static final int MARKER_MAGIC = 0x4654_4654;
    /** Length of the marker. */
    static final int MARKER_LENGTH = 8;

    static final String[] IPV4_POOL = {"10.0.0.1", "10.0.0.2", "10.1.2.3", "10.1.200.4", "10.200.0.9"};
    static final String[] IPV6_POOL = {"fd00::1", "fd00::2", "fd00:0:0:1::5", "fd00:1::1", "fd00::1:0:0:9"};
    static final int[] PORT_POOL = {0, 22, 80, 443, 1000, 1023, 1024, 1500, 2000, 8080, 65535};
    static final int[] VLAN_POOL = {0, 7, 100, 4095};

    private static final int[] TPIDS = {EtherType.VLAN, EtherType.QINQ, EtherType.QINQ_LEGACY};
    private static final int SHIM6 = 140;
    private static final int MIN_FRAME_LENGTH = 64;

    private RandomPackets()
    {
    }

    /**
     * A frame and the VLAN TCI the capture stripped from it, as the kernel filter and the decoder see them.
     *
     * @param frame       the bytes, Ethernet header first.
     * @param metadataTci the stripped TCI, or {@link BpfInterpreter#NO_TCI}.
     * @param description how it was built, for failure messages.
     */
    record Packet(byte[] frame, int metadataTci, String description)
    {
        @Override
        public String toString()
        {
            return description + " (" + frame.length + " bytes)";
        }
    }

    /**
     * @param withMetadataVlan whether a VLAN tag may come as metadata (false for frames sent on a wire, where the
     *                         receiving kernel decides).
     * @return random packets, each with marker sequence 0.
     */
    static Arbitrary<Packet> packets(final boolean withMetadataVlan)
    {
        return Arbitraries.randomValue((random) -> random(random, withMetadataVlan, 0));
    }

    /**
     * @param random           to draw from.
     * @param withMetadataVlan whether a VLAN tag may come as metadata.
     * @param sequence         for the marker.
     * @return one packet.
     */
    static Packet random(final Random random, final boolean withMetadataVlan, final int sequence)
    {
        final StringBuilder description = new StringBuilder();
        final int metadataTci = withMetadataVlan && random.nextInt(4) == 0 ?
            (random.nextInt(8) << 13) | VLAN_POOL[random.nextInt(VLAN_POOL.length)] : BpfInterpreter.NO_TCI;
        if (metadataTci != BpfInterpreter.NO_TCI)
        {
            description.append("metadata vlan ").append(metadataTci & 0xFFF).append(", ");
        }
        final int frameTags = random.nextInt(10) < 6 ? 0 : random.nextInt(10) < 6 ? 1 : random.nextInt(10) < 7 ? 2 : 3;
        final byte[] payload = new byte[4 + random.nextInt(20)];
        random.nextBytes(payload);
        final byte[] marked = ByteBuffer.allocate(payload.length + MARKER_LENGTH)
            .put(payload).putInt(MARKER_MAGIC).putInt(sequence).array();

        final int kind = random.nextInt(20);
        final PacketBuilder builder = PacketBuilder.ethernet();
        final ByteArrayOutputStream tags = new ByteArrayOutputStream();
        for (int i = 0; i < frameTags; i++)
        {
            final int tpid = TPIDS[random.nextInt(TPIDS.length)];
            final int id = VLAN_POOL[random.nextInt(VLAN_POOL.length)];
            builder.vlan(tpid, id);
            tags.writeBytes(new byte[] {(byte)(tpid >>> 8), (byte)tpid, (byte)(id >>> 8), (byte)id});
            description.append(String.format("tag %04x/%d, ", tpid, id));
        }
        if (kind == 0)
        {
            description.append("arp");
            return new Packet(pad(arp(tags.toByteArray(), marked)), metadataTci, description.toString());
        }
        final int srcPort = port(random);
        final int dstPort = port(random);
        builder.ports(srcPort, dstPort).payload(marked);
        if (kind < 11)
        {
            ipv4(random, builder, description);
        }
        else
        {
            ipv6(random, builder, description);
        }
        description.append(", ports ").append(srcPort).append(" > ").append(dstPort);
        return new Packet(pad(builder.build()), metadataTci, description.toString());
    }

    /** A program that matches no segment: what it accepts, every program accepts, whatever its filter. */
    private static final BpfProgram NOTHING = FlowFilter.parse("not tcp").toBpf();

    /**
     * @param packet a frame.
     * @return whether the kernel passes it on whole, for the decoder and the filter in userspace to decide: an IP
     * fragment, or a tunnel the kernel does not look inside.
     */
    static boolean passedWhole(final Packet packet)
    {
        return BpfInterpreter.run(NOTHING, packet.frame(), packet.metadataTci()) != 0;
    }

    /**
     * What userspace accepts: the decoder makes a TCP segment of the frame and the filter matches it.
     *
     * @param filter  to evaluate.
     * @param decoder to decode with.
     * @param packet  to decode.
     * @return the verdict.
     */
    static boolean userspaceAccepts(final FlowFilter filter, final PacketDecoder decoder, final Packet packet)
    {
        return decoder.decode(new UnsafeBuffer(packet.frame()), 0, packet.frame().length, false, LinkType.ETHERNET,
            Frame.CHECKSUM_UNKNOWN, packet.metadataTci() == BpfInterpreter.NO_TCI ? Frame.NO_VLAN_TCI :
            packet.metadataTci()) && filter.matches(decoder);
    }

    /**
     * @return a decoder that does not check checksums, which filters never look at.
     */
    static PacketDecoder decoder()
    {
        return new PacketDecoder(ChecksumMode.OFF);
    }

    private static void ipv4(final Random random, final PacketBuilder builder, final StringBuilder description)
    {
        final String src = ipv4Address(random);
        final String dst = ipv4Address(random);
        builder.ipv4(bytes(Addresses.parseIpv4(src)), bytes(Addresses.parseIpv4(dst)));
        description.append("ipv4 ").append(src).append(" > ").append(dst);
        final int optionWords = random.nextInt(6) == 0 ? 1 + random.nextInt(2) : 0;
        if (optionWords > 0)
        {
            final byte[] options = new byte[optionWords * 4];
            Arrays.fill(options, (byte)1);
            builder.ipv4Options(options);
            description.append(", ").append(optionWords * 4).append(" bytes of options");
        }
        final int[] fragmentFields = {0, 0, 0, 0, 0x4000, 0x2000, 0x0010, 0x2010, 0x1FFF};
        final int fragment = fragmentFields[random.nextInt(fragmentFields.length)];
        builder.fragmentField(fragment);
        if (fragment != 0)
        {
            description.append(String.format(", fragment field %04x", fragment));
        }
        final int protocol = random.nextInt(12);
        if (protocol == 0)
        {
            builder.protocol(IpProtocol.UDP);
            description.append(", udp");
        }
        else if (protocol == 1)
        {
            builder.extensions(IpProtocol.AH, authenticationHeader(IpProtocol.TCP));
            description.append(", ah, tcp");
        }
        else if (protocol == 2)
        {
            builder.protocol(IpProtocol.UDP).extensions(IpProtocol.AH, authenticationHeader(IpProtocol.UDP));
            description.append(", ah, udp");
        }
        else if (protocol == 3)
        {
            final ByteArrayOutputStream chain = new ByteArrayOutputStream();
            chain.writeBytes(authenticationHeader(IpProtocol.AH));
            chain.writeBytes(authenticationHeader(IpProtocol.TCP));
            builder.extensions(IpProtocol.AH, chain.toByteArray());
            description.append(", ah, ah, tcp");
        }
        else
        {
            description.append(", tcp");
        }
    }

    private static void ipv6(final Random random, final PacketBuilder builder, final StringBuilder description)
    {
        final String src = ipv6Address(random);
        final String dst = ipv6Address(random);
        final long[] s = new long[2];
        final long[] d = new long[2];
        Addresses.parseIpv6(src, s);
        Addresses.parseIpv6(dst, d);
        builder.ipv6(bytes(s), bytes(d));
        description.append("ipv6 ").append(src).append(" > ").append(dst);
        final boolean udp = random.nextInt(12) == 0;
        final int last = udp ? IpProtocol.UDP : IpProtocol.TCP;
        if (udp)
        {
            builder.protocol(IpProtocol.UDP);
        }
        final int headers = random.nextInt(3) == 0 ? 1 + random.nextInt(10) : 0;
        if (headers == 0)
        {
            description.append(udp ? ", udp" : ", tcp");
            return;
        }
        final int[] kinds = {IpProtocol.HOP_BY_HOP, IpProtocol.DESTINATION_OPTIONS, IpProtocol.ROUTING,
            IpProtocol.FRAGMENT, IpProtocol.AH, IpProtocol.MOBILITY, IpProtocol.HIP, SHIM6};
        final int[] chainTypes = new int[headers];
        for (int i = 0; i < headers; i++)
        {
            chainTypes[i] = kinds[random.nextInt(kinds.length)];
        }
        final ByteArrayOutputStream chain = new ByteArrayOutputStream();
        for (int i = 0; i < headers; i++)
        {
            final int next = i + 1 < headers ? chainTypes[i + 1] : last;
            description.append(", ").append(chainTypes[i]);
            switch (chainTypes[i])
            {
                case IpProtocol.FRAGMENT:
                {
                    final int[] fields = {0, 0, 0x0001, 0x0008, 0x0009, 0x0006};
                    final int field = fields[random.nextInt(fields.length)];
                    description.append(String.format("(frag %04x)", field));
                    chain.writeBytes(new byte[] {(byte)next, 0, (byte)(field >>> 8), (byte)field, 1, 2, 3, 4});
                    break;
                }
                case IpProtocol.AH:
                    chain.writeBytes(authenticationHeader(next));
                    break;
                default:
                {
                    final int units = random.nextInt(3);
                    final byte[] header = new byte[(units + 1) * 8];
                    random.nextBytes(header);
                    header[0] = (byte)next;
                    header[1] = (byte)units;
                    chain.writeBytes(header);
                    break;
                }
            }
        }
        description.append(udp ? ", udp" : ", tcp");
        builder.extensions(chainTypes[0], chain.toByteArray());
    }

    /** AH with a 12-byte ICV: 24 bytes, a multiple of 8 as IPv6 wants. */
    private static byte[] authenticationHeader(final int next)
    {
        final byte[] header = new byte[24];
        header[0] = (byte)next;
        header[1] = 4;
        header[7] = 1;
        return header;
    }

    private static byte[] arp(final byte[] tags, final byte[] marked)
    {
        final ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.writeBytes(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
        frame.writeBytes(tags);
        frame.writeBytes(new byte[] {(byte)(EtherType.ARP >>> 8), (byte)EtherType.ARP});
        frame.writeBytes(new byte[28]);
        frame.writeBytes(marked);
        return frame.toByteArray();
    }

    private static byte[] pad(final byte[] frame)
    {
        if (frame.length >= MIN_FRAME_LENGTH)
        {
            return frame;
        }
        // Pad before the marker, which must stay last.
        final byte[] padded = new byte[MIN_FRAME_LENGTH];
        final int body = frame.length - MARKER_LENGTH;
        System.arraycopy(frame, 0, padded, 0, body);
        System.arraycopy(frame, body, padded, MIN_FRAME_LENGTH - MARKER_LENGTH, MARKER_LENGTH);
        return padded;
    }

    private static int port(final Random random)
    {
        return random.nextInt(4) == 0 ? random.nextInt(65536) : PORT_POOL[random.nextInt(PORT_POOL.length)];
    }

    private static String ipv4Address(final Random random)
    {
        if (random.nextInt(4) == 0)
        {
            return "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
        }
        return IPV4_POOL[random.nextInt(IPV4_POOL.length)];
    }

    private static String ipv6Address(final Random random)
    {
        if (random.nextInt(4) == 0)
        {
            return String.format("fd%02x:%x:%x::%x:%x", random.nextInt(256), random.nextInt(65536),
                random.nextInt(65536), random.nextInt(65536), random.nextInt(65536));
        }
        return IPV6_POOL[random.nextInt(IPV6_POOL.length)];
    }

    private static byte[] bytes(final long ipv4)
    {
        return ByteBuffer.allocate(4).putInt((int)ipv4).array();
    }

    private static byte[] bytes(final long[] address)
    {
        return ByteBuffer.allocate(16).putLong(address[0]).putLong(address[1]).array();
    }
}
