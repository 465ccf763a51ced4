package io.flowtap.capture.codec;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * The RFC 1071 ones' complement sum, eight bytes at a time.
 * <p>
 * The sum is byte-order independent up to a final swap (RFC 1071 §2(B)), so words are read in the machine's own
 * little-endian order, 32-bit halves are added into a 64-bit accumulator that cannot overflow for any packet, and
 * only the folded 16-bit result is swapped back to network order. Values added by hand (pseudo-header protocol and
 * length) must be swapped the same way: see {@link #swap16(int)}.
 */
public final class InternetChecksum
{
    private InternetChecksum()
    {
    }

    /**
     * Add up {@code length} bytes in little-endian 16-bit words. Feed the result to {@link #fold(long)}.
     *
     * @param buffer holding the bytes.
     * @param offset of the first byte.
     * @param length of the run, odd lengths included.
     * @return the unfolded sum, in little-endian word order.
     */
    public static long sum(final DirectBuffer buffer, final int offset, final int length)
    {
        long sum = 0;
        int i = 0;
        final int longs = length & ~7;
        for (; i < longs; i += 8)
        {
            final long word = buffer.getLong(offset + i, LITTLE_ENDIAN);
            sum += (word & 0xFFFF_FFFFL) + (word >>> 32);
        }
        if (length - i >= 4)
        {
            sum += buffer.getInt(offset + i, LITTLE_ENDIAN) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (length - i >= 2)
        {
            sum += buffer.getShort(offset + i, LITTLE_ENDIAN) & 0xFFFF;
            i += 2;
        }
        if (i < length)
        {
            // A trailing odd byte is the high byte of a zero-padded network-order word, so the low byte of ours.
            sum += buffer.getByte(offset + i) & 0xFF;
        }
        return sum;
    }

    /**
     * Fold a sum to 16 bits with end-around carry.
     *
     * @param sum from {@link #sum(DirectBuffer, int, int)} plus anything added to it.
     * @return the 16-bit ones' complement sum, still in little-endian word order.
     */
    public static int fold(final long sum)
    {
        long folded = (sum & 0xFFFF_FFFFL) + (sum >>> 32);
        folded = (folded & 0xFFFF) + (folded >>> 16);
        folded = (folded & 0xFFFF) + (folded >>> 16);
        folded = (folded & 0xFFFF) + (folded >>> 16);
        return (int)folded;
    }

    /**
     * @param value a 16-bit value.
     * @return the value with its two bytes swapped.
     */
    public static int swap16(final int value)
    {
        return ((value & 0xFF) << 8) | ((value >>> 8) & 0xFF);
    }
}
