package io.flowtap.capture.ring;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The frames live tests send: Ethernet II to a locally administered address the host end does not own (so the stack
 * drops them after capture and answers nothing), with an experimental EtherType, a sequence number, and bytes that
 * follow from it, so a receiver can rebuild each frame and compare it byte for byte.
 */
public final class TestFrames
{
    /** IEEE 802 local experimental EtherType 1. */
    public static final int ETHER_TYPE = 0x88B5;
    /** Offset of the EtherType. */
    public static final int ETHER_TYPE_OFFSET = 12;
    /** Offset of the big-endian sequence number. */
    public static final int SEQUENCE_OFFSET = 14;
    /** The shortest frame (Ethernet minimum without FCS). */
    public static final int MIN_LENGTH = 60;
    /** The longest frame (Ethernet MTU 1500 plus header). */
    public static final int MAX_LENGTH = 1514;

    private TestFrames()
    {
    }

    /**
     * @param sequence     of the frame.
     * @param fixedLength  every frame's length, or 0 for lengths that vary with the sequence across 60..1514.
     * @return the frame's length.
     */
    public static int length(final int sequence, final int fixedLength)
    {
        if (fixedLength > 0)
        {
            return fixedLength;
        }
        return MIN_LENGTH + (int)((sequence * 7919L) % (MAX_LENGTH - MIN_LENGTH + 1));
    }

    /**
     * @param sequence of the frame.
     * @param index    of a byte in the frame.
     * @return the frame's byte at that index.
     */
    public static byte byteAt(final int sequence, final int index)
    {
        if (index < 6)
        {
            return (byte)(index == 0 ? 0x02 : index == 5 ? 0x02 : 0);
        }
        if (index < 12)
        {
            return (byte)(index == 6 ? 0x02 : index == 11 ? 0x01 : 0);
        }
        if (index < SEQUENCE_OFFSET)
        {
            return (byte)(index == ETHER_TYPE_OFFSET ? ETHER_TYPE >>> 8 : ETHER_TYPE);
        }
        if (index < SEQUENCE_OFFSET + Integer.BYTES)
        {
            return (byte)(sequence >>> (8 * (SEQUENCE_OFFSET + 3 - index)));
        }
        return (byte)(sequence * 31 + index * 7);
    }

    /**
     * Write frame {@code sequence} into a buffer.
     *
     * @param buffer      to write into, from offset 0.
     * @param sequence    of the frame.
     * @param fixedLength every frame's length, or 0 for varied lengths.
     * @return the frame's length.
     */
    public static int write(final MutableDirectBuffer buffer, final int sequence, final int fixedLength)
    {
        final int length = length(sequence, fixedLength);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(i, byteAt(sequence, i));
        }
        return length;
    }

    /**
     * @param buffer holding a frame.
     * @param offset of the frame.
     * @param length captured.
     * @return whether it is one of these test frames.
     */
    public static boolean isTestFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        return length >= MIN_LENGTH &&
            (buffer.getShort(offset + ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) == ETHER_TYPE;
    }

    /**
     * @param buffer holding a test frame.
     * @param offset of the frame.
     * @return its sequence number.
     */
    public static int sequence(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN);
    }
}
