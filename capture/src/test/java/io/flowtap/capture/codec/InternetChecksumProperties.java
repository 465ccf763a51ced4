package io.flowtap.capture.codec;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InternetChecksumProperties
{
    @Property(tries = 2000)
    void shouldAgreeWithTheWordAtATimeReference(
        @ForAll @Size(max = 1600) final byte[] data,
        @ForAll @IntRange(max = 7) final int misalignment)
    {
        final byte[] shifted = new byte[data.length + misalignment];
        System.arraycopy(data, 0, shifted, misalignment, data.length);
        final UnsafeBuffer buffer = new UnsafeBuffer(shifted);

        final int ours = InternetChecksum.swap16(~InternetChecksum.fold(
            InternetChecksum.sum(buffer, misalignment, data.length)) & 0xFFFF);
        assertEquals(PacketBuilder.referenceChecksum(new byte[0], data), ours);
    }

    @Example
    void shouldNotOverflowOnTheLargestSegmentOfAllOnes()
    {
        // Every word at its maximum makes every lane and high-half sum as large as a 64 KiB segment can.
        final byte[] data = new byte[65_535];
        Arrays.fill(data, (byte)0xFF);
        final UnsafeBuffer buffer = new UnsafeBuffer(data);

        final int ours = InternetChecksum.swap16(~InternetChecksum.fold(
            InternetChecksum.sum(buffer, 0, data.length)) & 0xFFFF);
        assertEquals(PacketBuilder.referenceChecksum(new byte[0], data), ours);
    }
}
