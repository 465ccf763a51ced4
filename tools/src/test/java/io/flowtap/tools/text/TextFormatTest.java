package io.flowtap.tools.text;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Instant;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TextFormatTest
{
    private static String address(final String literal) throws Exception
    {
        final byte[] bytes = InetAddress.getByName(literal).getAddress();
        return TextFormat.appendAddress(new StringBuilder(), new UnsafeBuffer(bytes), 0, bytes.length).toString();
    }

    @Test
    void shouldWriteIpv6AsRfc5952Says() throws Exception
    {
        assertEquals("::", address("0:0:0:0:0:0:0:0"));
        assertEquals("::1", address("0:0:0:0:0:0:0:1"));
        assertEquals("2001:db8::1", address("2001:0db8:0000:0000:0000:0000:0000:0001"));
        assertEquals("2001:db8:0:1:1:1:1:1", address("2001:db8:0:1:1:1:1:1"), "a single zero group stays");
        assertEquals("2001:db8::1:0:0:1", address("2001:db8:0:0:1:0:0:1"), "the first of equal runs");
        assertEquals("2001:0:0:1::1", address("2001:0:0:1:0:0:0:1"), "the longest run");
        assertEquals("fe80::1:0", address("fe80:0:0:0:0:0:1:0"));
        assertEquals("1::", address("1:0:0:0:0:0:0:0"));
        assertEquals("abcd:ef01:2345:6789:abcd:ef01:2345:6789", address("ABCD:EF01:2345:6789:ABCD:EF01:2345:6789"));
        assertEquals("192.168.0.255", address("192.168.0.255"));
    }

    @Test
    void shouldWriteTimestampsAsInstantDoesWithNanoseconds()
    {
        final SplittableRandom random = new SplittableRandom(1);
        final long[] fixed = {
            0L, 1L, -1L, 951_782_400_000_000_000L, 4_102_444_800_123_000_000L, 1_245_159_792_123_456_789L};
        for (final long ns : fixed)
        {
            assertTimestamp(ns);
        }
        for (int i = 0; i < 10_000; i++)
        {
            assertTimestamp(random.nextLong(0, 7_258_118_400_000_000_000L));
        }
    }

    private static void assertTimestamp(final long ns)
    {
        final Instant instant = Instant.ofEpochSecond(
            Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L));
        final String expected = String.format("%sT%s.%09dZ",
            instant.toString().substring(0, 10), instant.toString().substring(11, 19), instant.getNano());
        assertEquals(expected, TextFormat.appendTimestamp(new StringBuilder(), ns).toString(), "ns=" + ns);
    }
}
