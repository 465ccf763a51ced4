package io.flowtap.capture.codec;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * The RFC 1071 ones' complement sum, thirty-two bytes at a time.
 * <p>
 * The sum is byte-order independent up to a final swap (RFC 1071 §2(B)), so words are read in the machine's own
 * little-endian order, 32-bit halves are added into 64-bit accumulators that cannot overflow for any packet, and
 * only the folded 16-bit result is swapped back to network order. Values added by hand (pseudo-header protocol and
 * length) must be swapped the same way: see {@link #swap16(int)}.
 * <p>
 * Four independent accumulators, one per eight-byte lane of a 32-byte block, because with one the adds form a single
 * dependency chain and the core retires one word every two cycles whatever its width; with four it is bound by loads
 * (RFC 1071 §2(C)'s "deferred carries" applied across lanes). {@code ChecksumBenchmark} measures both.
 */
public final class InternetChecksum
{
    private static final int BLOCK_LENGTH = 32;
    private static final long LOW_HALF = 0xFFFF_FFFFL;

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
        // Per lane, the 64-bit words are summed as they are (wrapping) and their high halves apart: the sum of the
        // low halves is then exact by subtraction, which takes one operation less per word than splitting each.
        long words0 = 0;
        long words1 = 0;
        long highs0 = 0;
        long highs1 = 0;
        int i = 0;
        final int blocks = length & ~(BLOCK_LENGTH - 1);
        for (; i < blocks; i += BLOCK_LENGTH)
        {
            final int at = offset + i;
            final long word0 = buffer.getLong(at, LITTLE_ENDIAN);
            final long word1 = buffer.getLong(at + 8, LITTLE_ENDIAN);
            final long word2 = buffer.getLong(at + 16, LITTLE_ENDIAN);
            final long word3 = buffer.getLong(at + 24, LITTLE_ENDIAN);
            words0 += word0 + word2;
            words1 += word1 + word3;
            highs0 += (word0 >>> 32) + (word2 >>> 32);
            highs1 += (word1 >>> 32) + (word3 >>> 32);
        }
        final long highs = highs0 + highs1;
        // 2^32 is 1 modulo 2^16 - 1, so a high half counts as much as a low half in the folded sum.
        long sum = (words0 + words1 - (highs << 32)) + highs;
        final int longs = length & ~7;
        for (; i < longs; i += 8)
        {
            final long word = buffer.getLong(offset + i, LITTLE_ENDIAN);
            sum += (word & LOW_HALF) + (word >>> 32);
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
