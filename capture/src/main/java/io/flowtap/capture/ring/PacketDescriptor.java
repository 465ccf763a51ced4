package io.flowtap.capture.ring;

/**
 * Layout of the header before every packet in a TPACKET_V3 block: {@code struct tpacket3_hdr}, followed at
 * {@link #SOCKADDR_LL_OFFSET} by a {@code struct sockaddr_ll}. Offsets are from the packet header; fields are in
 * native byte order and unsigned.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          tp_next_offset (0 for the block's last packet)       |  0
 *  +---------------------------------------------------------------+
 *  |                            tp_sec                             |  4
 *  +---------------------------------------------------------------+
 *  |                            tp_nsec                            |  8
 *  +---------------------------------------------------------------+
 *  |                 tp_snaplen (bytes in the ring)                | 12
 *  +---------------------------------------------------------------+
 *  |                  tp_len (bytes on the wire)                   | 16
 *  +---------------------------------------------------------------+
 *  |                tp_status (VLAN, checksum bits)                | 20
 *  +-------------------------------+-------------------------------+
 *  |      tp_mac (frame offset)    |     tp_net (L3 offset)        | 24
 *  +-------------------------------+-------------------------------+
 *  |                       hv1.tp_rxhash                           | 28
 *  +---------------------------------------------------------------+
 *  |                      hv1.tp_vlan_tci                          | 32
 *  +-------------------------------+-------------------------------+
 *  |      hv1.tp_vlan_tpid         |        hv1.tp_padding         | 36
 *  +-------------------------------+-------------------------------+
 *  |                         tp_padding[8]                         | 40
 *  +---------------------------------------------------------------+
 *  |  sockaddr_ll: family | protocol | ifindex | hatype | pkttype  | 48
 * </pre>
 * The frame itself starts at {@code tp_mac}: 82 for Ethernet with no reserve.
 */
public final class PacketDescriptor
{
    /** Offset of {@code tp_next_offset} (u32). */
    public static final int NEXT_OFFSET_OFFSET = 0;
    /** Offset of {@code tp_sec} (u32). */
    public static final int SEC_OFFSET = NEXT_OFFSET_OFFSET + Integer.BYTES;
    /** Offset of {@code tp_nsec} (u32): V3 timestamps are always nanoseconds. */
    public static final int NSEC_OFFSET = SEC_OFFSET + Integer.BYTES;
    /** Offset of {@code tp_snaplen} (u32). */
    public static final int SNAPLEN_OFFSET = NSEC_OFFSET + Integer.BYTES;
    /** Offset of {@code tp_len} (u32). */
    public static final int LEN_OFFSET = SNAPLEN_OFFSET + Integer.BYTES;
    /** Offset of {@code tp_status} (u32). */
    public static final int STATUS_OFFSET = LEN_OFFSET + Integer.BYTES;
    /** Offset of {@code tp_mac} (u16). */
    public static final int MAC_OFFSET = STATUS_OFFSET + Integer.BYTES;
    /** Offset of {@code tp_net} (u16). */
    public static final int NET_OFFSET = MAC_OFFSET + Short.BYTES;
    /** Offset of {@code hv1.tp_rxhash} (u32). */
    public static final int RXHASH_OFFSET = NET_OFFSET + Short.BYTES;
    /** Offset of {@code hv1.tp_vlan_tci} (u32). */
    public static final int VLAN_TCI_OFFSET = RXHASH_OFFSET + Integer.BYTES;
    /** Offset of {@code hv1.tp_vlan_tpid} (u16). */
    public static final int VLAN_TPID_OFFSET = VLAN_TCI_OFFSET + Integer.BYTES;
    /** Length of {@code struct tpacket3_hdr}; {@code sockaddr_ll} follows, TPACKET_ALIGNed. */
    public static final int HEADER_LENGTH = 48;
    /** Offset of {@code struct sockaddr_ll}. */
    public static final int SOCKADDR_LL_OFFSET = HEADER_LENGTH;
    /** Offset of {@code sll_ifindex} (i32). */
    public static final int IFINDEX_OFFSET = SOCKADDR_LL_OFFSET + 4;
    /** Offset of {@code sll_pkttype} (u8). */
    public static final int PKTTYPE_OFFSET = SOCKADDR_LL_OFFSET + 10;

    /** {@code tp_status} bit: the checksum is not filled in yet (the packet was sent by this host). */
    public static final int STATUS_CSUMNOTREADY = 0x8;
    /** {@code tp_status} bit: {@code tp_vlan_tci} holds a tag the kernel stripped from the frame. */
    public static final int STATUS_VLAN_VALID = 0x10;
    /** {@code tp_status} bit: {@code tp_vlan_tpid} is valid. */
    public static final int STATUS_VLAN_TPID_VALID = 0x40;
    /** {@code tp_status} bit: the NIC or stack validated the checksum. */
    public static final int STATUS_CSUM_VALID = 0x80;

    /** {@code sll_pkttype}: addressed to this host. */
    public static final int PACKET_HOST = 0;
    /** {@code sll_pkttype}: addressed to another host. */
    public static final int PACKET_OTHERHOST = 3;
    /** {@code sll_pkttype}: sent by this host. */
    public static final int PACKET_OUTGOING = 4;

    /** Mask of the TCI within {@code tp_vlan_tci}. */
    public static final int VLAN_TCI_MASK = 0xFFFF;

    private PacketDescriptor()
    {
    }
}
