package io.flowtap.capture.codec;

/**
 * Layouts of the Linux "cooked" capture headers that stand in for a link header on {@code any} captures.
 * <pre>
 * LINUX_SLL (v1), 16 bytes:                      LINUX_SLL2 (v2), 20 bytes:
 *  0: packet type (2)                            0: protocol (2)
 *  2: ARPHRD type (2)                            2: reserved (2)
 *  4: link-layer address length (2)              4: interface index (4)
 *  6: link-layer address (8)                     8: ARPHRD type (2)
 * 14: protocol (2)                              10: packet type (1)
 *                                               11: link-layer address length (1)
 *                                               12: link-layer address (8)
 * </pre>
 * The protocol is an EtherType, except for a few small values that mean 802.2 LLC, Novell 802.3 and the like.
 */
public final class LinuxCookedDescriptor
{
    /** Offset of the protocol in a v1 header. */
    public static final int SLL_PROTOCOL_OFFSET = 14;
    /** Length of a v1 header. */
    public static final int SLL_HEADER_LENGTH = SLL_PROTOCOL_OFFSET + 2;
    /** Offset of the protocol in a v2 header. */
    public static final int SLL2_PROTOCOL_OFFSET = 0;
    /** Offset of the interface index in a v2 header. */
    public static final int SLL2_INTERFACE_INDEX_OFFSET = 4;
    /** Offset of the packet type in a v2 header. */
    public static final int SLL2_PACKET_TYPE_OFFSET = 10;
    /** Length of a v2 header. */
    public static final int SLL2_HEADER_LENGTH = 20;

    private LinuxCookedDescriptor()
    {
    }
}
