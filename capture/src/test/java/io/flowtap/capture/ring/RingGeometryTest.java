package io.flowtap.capture.ring;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RingGeometryTest
{
    private static final int PAGE = 4096;

    @Test
    void shouldComputeTheFrameCountTheKernelRequires()
    {
        final RingGeometry geometry = RingGeometry.of(1 << 16, 8, 2048, 10, PAGE);

        assertEquals(32 * 8, geometry.frameCount());
        assertEquals(8L << 16, geometry.ringLength());
        assertEquals((1 << 16) - 48, geometry.maxFrameLength());
    }

    @Test
    void shouldAcceptTheLimits()
    {
        RingGeometry.of(PAGE, 1, 68 + 12, 0, PAGE);
        RingGeometry.of(PAGE, RingGeometry.MAX_BLOCK_COUNT, PAGE, RingGeometry.MAX_RETIRE_TIMEOUT_MS, PAGE);
        RingGeometry.of(RingGeometry.MAX_BLOCK_SIZE, 1, 2048, 10, PAGE);
    }

    @Test
    void shouldRejectABlockSizeThatIsNotAPowerOfTwo()
    {
        assertRejected("block size 12288 must be a power of two", 3 * PAGE, 4, 2048, 10);
        assertRejected("block size 4112 must be a power of two", 4112, 4, 2048, 10);
        assertRejected("block size 0 must be a power of two", 0, 4, 2048, 10);
        assertRejected("block size -4096 must be a power of two", -PAGE, 4, 2048, 10);
    }

    @Test
    void shouldRejectABlockSmallerThanAPage()
    {
        assertRejected("block size 2048 must be a multiple of the page size 4096", 2048, 4, 2048, 10);
    }

    @Test
    void shouldRejectABlockThatOverflowedToNegative()
    {
        assertRejected("block size -2147483648 must be a power of two", Integer.MIN_VALUE, 4, 2048, 10);
    }

    @Test
    void shouldRejectBlockCountsOutsideTheKernelsUnsignedShort()
    {
        assertRejected("block count 0 must be between 1 and 65535", PAGE, 0, 2048, 10);
        assertRejected("block count 65536 must be between 1 and 65535", PAGE, 65536, 2048, 10);
    }

    @Test
    void shouldRejectFrameSizesTheKernelRefuses()
    {
        assertRejected("frame size 2040 must be a multiple of 16", PAGE, 4, 2040, 10);
        assertRejected("frame size 64 must be between 68 and the block size 4096", PAGE, 4, 64, 10);
        assertRejected("frame size 8192 must be between 68 and the block size 4096", PAGE, 4, 8192, 10);
    }

    @Test
    void shouldRejectRetireTimeoutsOutsideTheKernelsUnsignedShort()
    {
        assertRejected("block retire timeout -1 ms must be between 0 (the kernel's choice) and 65535",
            PAGE, 4, 2048, -1);
        assertRejected("block retire timeout 65536 ms must be between 0 (the kernel's choice) and 65535",
            PAGE, 4, 2048, 65536);
    }

    @Test
    void shouldRejectAPageSizeThatIsNotAPowerOfTwo()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> RingGeometry.of(PAGE, 4, 2048, 10, 3000));
        assertEquals("page size 3000 is not a power of two", ex.getMessage());
    }

    @Test
    void shouldRejectAContextWithoutAnInterfaceBeforeOpeningAnything()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> AfPacketRingSource.open(new AfPacketContext()));
        assertEquals("an interface name is required", ex.getMessage());
    }

    @Test
    void shouldRejectABadGeometryInAContextBeforeOpeningAnything()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class,
            () -> AfPacketRingSource.open(new AfPacketContext().interfaceName("lo").frameSize(100)));
        assertEquals("frame size 100 must be a multiple of 16", ex.getMessage());
    }

    private static void assertRejected(
        final String message, final int blockSize, final int blockCount, final int frameSize, final int retireMs)
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> RingGeometry.of(blockSize, blockCount, frameSize, retireMs, PAGE));
        assertEquals(message, ex.getMessage());
    }
}
