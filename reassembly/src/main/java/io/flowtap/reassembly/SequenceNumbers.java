package io.flowtap.reassembly;

/**
 * TCP sequence arithmetic modulo 2^32 (RFC 793 §3.3, RFC 1982 serial numbers). Sequence numbers are carried as the
 * low 32 bits of a long; every comparison goes through here so that no caller compares them as plain numbers and
 * breaks when a stream wraps past 2^32.
 */
public final class SequenceNumbers
{
    /** Mask of the 32 bits a sequence number has. */
    public static final long MASK = 0xFFFF_FFFFL;

    private SequenceNumbers()
    {
    }

    /**
     * @param from a sequence number.
     * @param to   another.
     * @return how far {@code to} is ahead of {@code from}, between -2^31 and 2^31 - 1; negative when behind.
     */
    public static int distance(final long from, final long to)
    {
        return (int)(to - from);
    }

    /**
     * @param a a sequence number.
     * @param b another.
     * @return whether {@code a} comes before {@code b}.
     */
    public static boolean before(final long a, final long b)
    {
        return distance(b, a) < 0;
    }

    /**
     * @param a a sequence number.
     * @param b another.
     * @return whether {@code a} comes before or is {@code b}.
     */
    public static boolean beforeOrEqual(final long a, final long b)
    {
        return distance(b, a) <= 0;
    }

    /**
     * @param a a sequence number.
     * @param b another.
     * @return whether {@code a} comes after {@code b}.
     */
    public static boolean after(final long a, final long b)
    {
        return distance(b, a) > 0;
    }

    /**
     * @param a a sequence number.
     * @param b another.
     * @return whether {@code a} comes after or is {@code b}.
     */
    public static boolean afterOrEqual(final long a, final long b)
    {
        return distance(b, a) >= 0;
    }

    /**
     * @param seq    a sequence number.
     * @param length bytes to move forward (or back, when negative).
     * @return the sequence number that far on, wrapped.
     */
    public static long add(final long seq, final long length)
    {
        return (seq + length) & MASK;
    }

    /**
     * @param seq   a sequence number.
     * @param start of a range.
     * @param end   of the range, exclusive.
     * @return whether {@code seq} lies in {@code [start, end)}.
     */
    public static boolean inRange(final long seq, final long start, final long end)
    {
        return afterOrEqual(seq, start) && before(seq, end);
    }

    /**
     * The stream offset of a sequence number, given the offset of another one: how Trisul's {@code seekpos} and
     * Net::Inspect's offsets stay absolute (64-bit) while the sequence space wraps every 4 GiB.
     *
     * @param seq        whose offset is wanted.
     * @param anchorSeq  a sequence number whose stream offset is known, within 2^31 of {@code seq}.
     * @param anchorOffset the stream offset of {@code anchorSeq}.
     * @return the stream offset of {@code seq}.
     */
    public static long streamOffset(final long seq, final long anchorSeq, final long anchorOffset)
    {
        return anchorOffset + distance(anchorSeq, seq);
    }
}
