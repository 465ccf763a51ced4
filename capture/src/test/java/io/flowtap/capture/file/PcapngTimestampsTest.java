package io.flowtap.capture.file;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PcapngTimestampsTest
{
    private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);

    @Property(tries = 5000)
    void shouldMatchExactArithmeticForEveryResolution(
        @ForAll("units") final long units, @ForAll @IntRange(min = 0, max = 255) final int tsresol)
    {
        assertEquals(reference(units, tsresol), PcapngTimestamps.toNanos(units, tsresol),
            "units " + units + " tsresol 0x" + Integer.toHexString(tsresol));
    }

    @Provide
    Arbitrary<Long> units()
    {
        // Edges of the unsigned range and of the signed one, plus anything.
        return Arbitraries.oneOf(
            Arbitraries.longs(),
            Arbitraries.longs().between(0, 1L << 40),
            Arbitraries.of(0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 1_700_000_000_123_456L));
    }

    @Test
    void shouldSaturateRatherThanWrap()
    {
        assertEquals(Long.MAX_VALUE, PcapngTimestamps.toNanos(Long.MAX_VALUE, 0));
        assertEquals(Long.MIN_VALUE, PcapngTimestamps.toNanos(Long.MIN_VALUE, 0));
        assertEquals(Long.MIN_VALUE, PcapngTimestamps.toNanos(Long.MIN_VALUE + 1, 0x80));
        assertEquals(Long.MAX_VALUE, PcapngTimestamps.addSaturated(Long.MAX_VALUE - 1, 10));
        assertEquals(Long.MIN_VALUE, PcapngTimestamps.addSaturated(Long.MIN_VALUE + 1, -10));
        assertEquals(Long.MAX_VALUE, PcapngTimestamps.secondsToNanos(Long.MAX_VALUE / 2));
        assertEquals(Long.MIN_VALUE, PcapngTimestamps.secondsToNanos(Long.MIN_VALUE / 2));
        assertEquals(-86_400_000_000_000L, PcapngTimestamps.secondsToNanos(-86_400));
    }

    @Test
    void shouldReadACountWithTheTopBitSetAsATimeBeforeTheEpoch()
    {
        // PcapPlusPlus's pcapng-example.pcapng: tshark prints 18446744073204.126329 s, i.e. -505.425287 s mod 2^64.
        assertEquals(-505_425_287_000L, PcapngTimestamps.toNanos(-505_425_287L, 6));
        assertEquals(-1_000_000_000L, PcapngTimestamps.toNanos(-1L, 0));
        assertEquals(-1_000_000_000L, PcapngTimestamps.toNanos(-1L, 0x80));
        // Toward zero, as for positive counts.
        assertEquals(0, PcapngTimestamps.toNanos(-1L, 12));
        assertEquals(-1, PcapngTimestamps.toNanos(-1000L, 12));
        // Just under half a second in units of 2^-64 s: the largest positive count.
        assertEquals(499_999_999L, PcapngTimestamps.toNanos(Long.MAX_VALUE, 0x80 | 64));
    }

    private static long reference(final long units, final int tsresol)
    {
        final BigInteger count = BigInteger.valueOf(units);
        final int exponent = tsresol & 0x7F;
        final BigInteger unitsPerSecond = (tsresol & 0x80) == 0 ?
            BigInteger.TEN.pow(exponent) : BigInteger.TWO.pow(exponent);
        final BigInteger nanos = count.multiply(NANOS_PER_SECOND).divide(unitsPerSecond);
        return nanos.compareTo(MAX) > 0 ? Long.MAX_VALUE : nanos.compareTo(MIN) < 0 ? Long.MIN_VALUE :
            nanos.longValueExact();
    }
}
