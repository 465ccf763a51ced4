package io.flowtap.capture.file;

import io.flowtap.capture.test.Allocations;
import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static io.flowtap.capture.file.PcapFileSourceTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading a file must allocate nothing per frame: a full pass over 100,000 frames is measured after a warm-up pass.
 */
class ZeroAllocationTest
{
    private static final int FRAMES = 100_000;
    private static final long ALLOCATION_ALLOWANCE_BYTES = 4096;

    @TempDir
    static Path tempDir;

    private static Path pcap;
    private static Path pcapng;

    private final Summer summer = new Summer();

    @BeforeAll
    static void writeFiles() throws IOException
    {
        final PcapTestWriter pcapWriter = new PcapTestWriter(
            ByteOrder.BIG_ENDIAN, PcapTestWriter.MAGIC_NANOSECONDS, 65535, 1);
        final PcapngTestWriter pcapngWriter = new PcapngTestWriter()
            .sectionHeader(ByteOrder.LITTLE_ENDIAN)
            .interfaceDescription(1, 0)
            .interfaceDescription(101, 0, 9, 0)
            .interfaceDescription(113, 0, 0x80 | 20, 60);
        for (int i = 0; i < FRAMES; i++)
        {
            final byte[] data = bytes(40 + (i % 40), i);
            pcapWriter.record(1_700_000_000L + i, i, data, data.length);
            pcapngWriter.enhancedPacket(i % 3, 1_700_000_000_000_000L + i, data, data.length);
            if (i % 1000 == 0)
            {
                pcapngWriter.interfaceStatistics(0);
            }
        }
        pcap = pcapWriter.writeTo(tempDir.resolve("many.pcap"));
        pcapng = pcapngWriter.writeTo(tempDir.resolve("many.pcapng"));
    }

    @Test
    void shouldNotAllocatePerFrameReadingPcap()
    {
        assertNoAllocationPerFrame(pcap);
    }

    @Test
    void shouldNotAllocatePerFrameReadingPcapng()
    {
        assertNoAllocationPerFrame(pcapng);
    }

    private void assertNoAllocationPerFrame(final Path path)
    {
        for (int i = 0; i < 3; i++)
        {
            try (CaptureFileSource warmUp = CaptureFiles.open(path))
            {
                summer.frames = 0;
                assertEquals(FRAMES, pass(warmUp));
            }
        }

        try (CaptureFileSource source = CaptureFiles.open(path))
        {
            // Take the first frame before measuring, so the file is mapped: that allocates once per window.
            summer.frames = 0;
            assertEquals(1, source.poll(summer, 1));
            Allocations.currentThreadBytes();

            final long before = Allocations.currentThreadBytes();
            final long frames = 1 + pass(source);
            final long allocated = Allocations.currentThreadBytes() - before;

            System.out.printf("ZeroAllocationTest: %s: %d frames, %d bytes allocated%n",
                path.getFileName(), frames, allocated);
            assertEquals(FRAMES, frames);
            assertTrue(allocated < ALLOCATION_ALLOWANCE_BYTES, "allocated " + allocated + " bytes");
        }
    }

    private long pass(final CaptureFileSource source)
    {
        final long framesBefore = summer.frames;
        while (!source.isEndOfStream())
        {
            source.poll(summer, 256);
        }
        return summer.frames - framesBefore;
    }

    /** Touches every frame's bytes and metadata so nothing can be optimised away. */
    private static final class Summer implements FrameHandler
    {
        private long frames;
        private long sum;

        @Override
        public void onFrame(final Frame frame)
        {
            frames++;
            sum += frame.buffer().getByte(frame.offset()) + frame.buffer().getByte(frame.offset() + 39) +
                frame.timestampNs() + frame.linkType() + frame.interfaceId() + frame.sourcePosition();
        }
    }
}
