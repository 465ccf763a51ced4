package io.flowtap.reassembly.response;

import io.flowtap.capture.codec.InternetChecksum;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Builds the Ethernet frame of a TCP RST (with ACK) for active response, from the addresses of a captured frame of
 * the connection: its MAC addresses (swapped for the reverse direction), its 802.1Q tags, and the IPv4 or IPv6
 * addresses and ports of the segment, with the sequence and acknowledgement numbers given. Checksums (IPv4 header,
 * TCP with its pseudo-header) are computed with the capture's RFC 1071 code. Writes into a buffer the caller owns;
 * allocates nothing.
 * <pre>
 *   | dst MAC (6) | src MAC (6) | [0x8100 | TCI (2)] ... | ethertype (2) | IPv4 (20) or IPv6 (40) | TCP (20) |
 * </pre>
 */
public final class RstFrameBuilder
{
    /** Largest frame built: Ethernet, two VLAN tags, IPv6, TCP. */
    public static final int MAX_FRAME_LENGTH = 14 + 8 + 40 + 20;

    private static final int MAC_LENGTH = 6;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int IPV4_HEADER_LENGTH = 20;
    private static final int IPV6_HEADER_LENGTH = 40;
    private static final int TCP_HEADER_LENGTH = 20;
    private static final int PROTOCOL_TCP = 6;
    private static final int TTL = 64;
    private static final int FLAGS_RST_ACK = 0x14;
    private static final int NO_VLAN = -1;

    private RstFrameBuilder()
    {
    }

    /**
     * @param out            to write the frame to, from offset 0; at least {@link #MAX_FRAME_LENGTH} bytes.
     * @param frame          a captured Ethernet frame of the connection.
     * @param linkOffset     of its Ethernet header.
     * @param reverse        false to send as the frame's sender to its receiver, true the other way.
     * @param outerVlan      outer VLAN id to tag with, or -1 for none.
     * @param innerVlan      inner VLAN id, or -1 for none.
     * @param ipVersion      4 or 6.
     * @param sourceAddress  offset in {@code frame} of the captured segment's source address.
     * @param destinationAddress offset in {@code frame} of its destination address.
     * @param sourcePort     the captured segment's source port.
     * @param destinationPort its destination port.
     * @param seq            sequence number of the RST.
     * @param ack            acknowledgement number of the RST.
     * @return the frame's length.
     */
    public static int build(
        final MutableDirectBuffer out,
        final DirectBuffer frame,
        final int linkOffset,
        final boolean reverse,
        final int outerVlan,
        final int innerVlan,
        final int ipVersion,
        final int sourceAddress,
        final int destinationAddress,
        final int sourcePort,
        final int destinationPort,
        final long seq,
        final long ack)
    {
        // MACs: the RST toward the frame's receiver impersonates its sender, so it keeps the frame's MACs.
        out.putBytes(0, frame, linkOffset + (reverse ? MAC_LENGTH : 0), MAC_LENGTH);
        out.putBytes(MAC_LENGTH, frame, linkOffset + (reverse ? 0 : MAC_LENGTH), MAC_LENGTH);
        int at = 2 * MAC_LENGTH;
        if (outerVlan != NO_VLAN)
        {
            at = vlan(out, at, outerVlan);
            if (innerVlan != NO_VLAN)
            {
                at = vlan(out, at, innerVlan);
            }
        }
        final int addressLength = ipVersion == 4 ? 4 : 16;
        final int from = reverse ? destinationAddress : sourceAddress;
        final int to = reverse ? sourceAddress : destinationAddress;
        out.putShort(at, (short)(ipVersion == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6), BIG_ENDIAN);
        final int ip = at + 2;
        final int tcp;
        if (ipVersion == 4)
        {
            out.putByte(ip, (byte)0x45);
            out.putByte(ip + 1, (byte)0);
            out.putShort(ip + 2, (short)(IPV4_HEADER_LENGTH + TCP_HEADER_LENGTH), BIG_ENDIAN);
            out.putShort(ip + 4, (short)0, BIG_ENDIAN);
            out.putShort(ip + 6, (short)0x4000, BIG_ENDIAN);
            out.putByte(ip + 8, (byte)TTL);
            out.putByte(ip + 9, (byte)PROTOCOL_TCP);
            out.putShort(ip + 10, (short)0);
            out.putBytes(ip + 12, frame, from, addressLength);
            out.putBytes(ip + 16, frame, to, addressLength);
            out.putShort(ip + 10, (short)~InternetChecksum.fold(InternetChecksum.sum(out, ip, IPV4_HEADER_LENGTH)),
                LITTLE_ENDIAN);
            tcp = ip + IPV4_HEADER_LENGTH;
        }
        else
        {
            out.putInt(ip, 0x6000_0000, BIG_ENDIAN);
            out.putShort(ip + 4, (short)TCP_HEADER_LENGTH, BIG_ENDIAN);
            out.putByte(ip + 6, (byte)PROTOCOL_TCP);
            out.putByte(ip + 7, (byte)TTL);
            out.putBytes(ip + 8, frame, from, addressLength);
            out.putBytes(ip + 24, frame, to, addressLength);
            tcp = ip + IPV6_HEADER_LENGTH;
        }
        out.putShort(tcp, (short)(reverse ? destinationPort : sourcePort), BIG_ENDIAN);
        out.putShort(tcp + 2, (short)(reverse ? sourcePort : destinationPort), BIG_ENDIAN);
        out.putInt(tcp + 4, (int)seq, BIG_ENDIAN);
        out.putInt(tcp + 8, (int)ack, BIG_ENDIAN);
        out.putByte(tcp + 12, (byte)((TCP_HEADER_LENGTH / 4) << 4));
        out.putByte(tcp + 13, (byte)FLAGS_RST_ACK);
        out.putShort(tcp + 14, (short)0);
        out.putShort(tcp + 16, (short)0);
        out.putShort(tcp + 18, (short)0);
        final int addresses = ipVersion == 4 ? ip + 12 : ip + 8;
        long sum = InternetChecksum.sum(out, addresses, 2 * addressLength);
        sum += InternetChecksum.swap16(PROTOCOL_TCP) + InternetChecksum.swap16(TCP_HEADER_LENGTH);
        sum += InternetChecksum.sum(out, tcp, TCP_HEADER_LENGTH);
        out.putShort(tcp + 16, (short)~InternetChecksum.fold(sum), LITTLE_ENDIAN);
        return tcp + TCP_HEADER_LENGTH;
    }

    private static int vlan(final MutableDirectBuffer out, final int at, final int vlanId)
    {
        out.putShort(at, (short)ETHERTYPE_VLAN, BIG_ENDIAN);
        out.putShort(at + 2, (short)(vlanId & 0x0FFF), BIG_ENDIAN);
        return at + 4;
    }
}
