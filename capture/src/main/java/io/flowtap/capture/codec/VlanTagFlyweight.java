package io.flowtap.capture.codec;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The body of an 802.1Q or 802.1ad tag: what follows the tag's EtherType (0x8100, 0x88A8).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | PCP |D|        VLAN ID        |     Encapsulated EtherType    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class VlanTagFlyweight
{
    /** Offset of the tag control information. */
    public static final int TCI_OFFSET = 0;
    /** Offset of the EtherType of what the tag carries. */
    public static final int ETHER_TYPE_OFFSET = TCI_OFFSET + 2;
    /** Length of the tag body. */
    public static final int LENGTH = ETHER_TYPE_OFFSET + 2;

    private DirectBuffer buffer;
    private int offset;

    /**
     * @param buffer holding the frame.
     * @param offset of the tag body.
     * @return this flyweight.
     */
    public VlanTagFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        if (this.buffer != buffer)
        {
            // A reference store costs GC barriers on every frame; the buffer rarely changes between frames.
            this.buffer = buffer;
        }
        this.offset = offset;
        return this;
    }

    /**
     * @return the whole tag control information: priority, drop eligible and VLAN id.
     */
    public int tci()
    {
        return buffer.getShort(offset + TCI_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @return the 12-bit VLAN id.
     */
    public int vlanId()
    {
        return tci() & 0x0FFF;
    }

    /**
     * @return the 3-bit priority code point.
     */
    public int priority()
    {
        return tci() >>> 13;
    }

    /**
     * @return the EtherType of what the tag carries.
     */
    public int etherType()
    {
        return buffer.getShort(offset + ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }
}
