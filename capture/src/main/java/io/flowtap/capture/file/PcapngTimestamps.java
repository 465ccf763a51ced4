package io.flowtap.capture.file;

/**
 * Converts pcapng timestamps, counted in units of an interface's {@code if_tsresol}, to nanoseconds since the epoch.
 * <p>
 * The specification calls the unit count unsigned, but writers do record times before 1970 (PcapPlusPlus's own
 * example file has them) as two's complement, and tshark's reading agrees with that modulo 2^64; so the count is
 * read as signed, and a count with the top bit set is a time before the epoch rather than one 500,000 years on.
 * The unit may be far finer or coarser than a nanosecond, so a naive {@code units * 1e9 / unitsPerSecond} overflows
 * for common inputs: decimal units at or above a nanosecond multiply by an exact power of ten, finer decimal units
 * divide, and binary units take the 128-bit product and shift. Results round toward zero, and a result beyond what a
 * signed 64-bit nanosecond count holds saturates at {@link Long#MAX_VALUE} or {@link Long#MIN_VALUE} rather than
 * wrapping to a time that looks valid.
 */
final class PcapngTimestamps
{
    /** if_tsresol when an interface has none: microseconds. */
    static final int DEFAULT_TSRESOL = 6;

    private static final int BINARY_FLAG = 0x80;
    private static final int EXPONENT_MASK = 0x7F;
    private static final int NANOSECOND_EXPONENT = 9;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int BITS_PER_LONG = Long.SIZE;
    /** What the unsigned conversions return when the result does not fit 63 bits; real results are never negative. */
    private static final long OVERFLOW = -1;

    /** 10^0 to 10^19; 10^19 does not fit a signed long, so it is stored as its unsigned bit pattern. */
    private static final long[] POWERS_OF_TEN = new long[20];

    static
    {
        long power = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++)
        {
            POWERS_OF_TEN[i] = power;
            power *= 10;
        }
    }

    private PcapngTimestamps()
    {
    }

    /**
     * @param units   of the timestamp, a signed 64-bit count.
     * @param tsresol the interface's if_tsresol byte: high bit clear means 10^-n seconds per unit, set means 2^-n.
     * @return nanoseconds since the epoch, rounded toward zero, saturated at {@link Long#MIN_VALUE} and
     * {@link Long#MAX_VALUE}.
     */
    static long toNanos(final long units, final int tsresol)
    {
        if (units >= 0)
        {
            final long nanos = magnitudeToNanos(units, tsresol);
            return nanos == OVERFLOW ? Long.MAX_VALUE : nanos;
        }
        // -Long.MIN_VALUE is itself, which magnitudeToNanos reads as the unsigned 2^63 it stands for; a magnitude of
        // exactly 2^63 ns overflows as a positive number but is Long.MIN_VALUE as a negative one.
        final long magnitude = magnitudeToNanos(-units, tsresol);
        return magnitude == OVERFLOW ? Long.MIN_VALUE : -magnitude;
    }

    /**
     * @param tsresol an if_tsresol byte.
     * @return whether a clock could count in such units: at most 10^-18 or 2^-63 seconds (finer than that, every
     *         64-bit timestamp would be less than a nanosecond after the epoch).
     */
    static boolean isPlausible(final int tsresol)
    {
        final int exponent = tsresol & EXPONENT_MASK;
        return 0 == (tsresol & BINARY_FLAG) ? exponent <= 18 : exponent <= 63;
    }

    /**
     * @param tsresol an if_tsresol byte.
     * @return the unit it says, such as {@code 10^-6 s}.
     */
    static String describe(final int tsresol)
    {
        return (0 == (tsresol & BINARY_FLAG) ? "10^-" : "2^-") + (tsresol & EXPONENT_MASK) + " s";
    }

    private static long magnitudeToNanos(final long units, final int tsresol)
    {
        final int exponent = tsresol & EXPONENT_MASK;
        if (0 == (tsresol & BINARY_FLAG))
        {
            if (exponent <= NANOSECOND_EXPONENT)
            {
                return multiplySaturated(units, POWERS_OF_TEN[NANOSECOND_EXPONENT - exponent]);
            }

            final int divisorExponent = exponent - NANOSECOND_EXPONENT;
            // The quotient of an unsigned 64-bit count by at least 10 always fits a signed long.
            return divisorExponent < POWERS_OF_TEN.length ?
                Long.divideUnsigned(units, POWERS_OF_TEN[divisorExponent]) : 0;
        }

        return binaryToNanos(units, exponent);
    }

    /**
     * @param nanos       a converted timestamp.
     * @param offsetNanos the interface's if_tsoffset in nanoseconds.
     * @return their sum, saturated rather than wrapped.
     */
    static long addSaturated(final long nanos, final long offsetNanos)
    {
        final long sum = nanos + offsetNanos;
        if (((nanos ^ sum) & (offsetNanos ^ sum)) < 0)
        {
            return nanos < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return sum;
    }

    /**
     * @param seconds an if_tsoffset value.
     * @return the same offset in nanoseconds, saturated.
     */
    static long secondsToNanos(final long seconds)
    {
        if (seconds > Long.MAX_VALUE / NANOS_PER_SECOND)
        {
            return Long.MAX_VALUE;
        }
        if (seconds < Long.MIN_VALUE / NANOS_PER_SECOND)
        {
            return Long.MIN_VALUE;
        }
        return seconds * NANOS_PER_SECOND;
    }

    private static long multiplySaturated(final long unsignedValue, final long positiveFactor)
    {
        final long high = unsignedMultiplyHigh(unsignedValue, positiveFactor);
        final long low = unsignedValue * positiveFactor;
        return 0 == high && low >= 0 ? low : OVERFLOW;
    }

    private static long binaryToNanos(final long units, final int shift)
    {
        final long high = unsignedMultiplyHigh(units, NANOS_PER_SECOND);
        final long low = units * NANOS_PER_SECOND;
        if (0 == shift)
        {
            return 0 == high && low >= 0 ? low : OVERFLOW;
        }
        if (shift < BITS_PER_LONG)
        {
            final long shiftedHigh = high >>> shift;
            final long shiftedLow = (low >>> shift) | (high << (BITS_PER_LONG - shift));
            return 0 == shiftedHigh && shiftedLow >= 0 ? shiftedLow : OVERFLOW;
        }
        // units * 1e9 < 2^94, so shifting by 64 or more leaves at most 30 bits: it always fits.
        return shift < 2 * BITS_PER_LONG ? high >>> (shift - BITS_PER_LONG) : 0;
    }

    // Math.unsignedMultiplyHigh arrived in Java 18; this is its definition for a non-negative second factor.
    private static long unsignedMultiplyHigh(final long unsignedValue, final long positiveFactor)
    {
        final long signCorrection = (unsignedValue >> (BITS_PER_LONG - 1)) & positiveFactor;
        return Math.multiplyHigh(unsignedValue, positiveFactor) + signCorrection;
    }
}
