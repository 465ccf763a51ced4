package io.flowtap.capture.file;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.LinkType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.flowtap.capture.file.PcapFileSourceTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcapngFileSourceTest
{
    private static final int USER0 = 147;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    @TempDir
    Path tempDir;

    /** Where each packet block of {@link #writeRichFile} starts, in the order they were written. */
    private final List<Long> positions = new ArrayList<>();

    @Test
    void shouldDeliverEveryPacketWithItsInterfacesLinkTypeAndResolution() throws IOException
    {
        final Path path = writeRichFile(tempDir.resolve("rich.pcapng"), LE, BE);

        assertEquals(expectedRichFrames(), Frames.readAll(path));
    }

    @Test
    void shouldReadSectionsOfEitherByteOrderInAnyOrder() throws IOException
    {
        final Path bigFirst = writeRichFile(tempDir.resolve("be-le.pcapng"), BE, LE);
        assertEquals(expectedRichFrames(), Frames.readAll(bigFirst));

        positions.clear();
        final Path bothBig = writeRichFile(tempDir.resolve("be-be.pcapng"), BE, BE);
        assertEquals(expectedRichFrames(), Frames.readAll(bothBig));
    }

    @Test
    void shouldGiveIdenticalFramesThroughTinyWindows() throws IOException
    {
        final PcapngTestWriter writer = new PcapngTestWriter()
            .sectionHeader(LE)
            .interfaceDescription(LinkType.ETHERNET, 0)
            .interfaceDescription(LinkType.RAW, 0, 9, 0);
        for (int i = 0; i < 300; i++)
        {
            final int length = (i * 53) % 1500 + (i % 23 == 0 ? 10_000 : 0);
            if (i % 50 == 0)
            {
                writer.nameResolution().opaqueBlock(0x40000BAD, 5000 + i * 4);
            }
            writer.enhancedPacket(i & 1, 1_000_000L * i, bytes(length, i), length);
        }
        writer.sectionHeader(BE).interfaceDescription(LinkType.LINUX_SLL, 0);
        for (int i = 0; i < 50; i++)
        {
            writer.enhancedPacket(0, i, bytes(i * 97, i), i * 97);
        }
        final Path path = writer.writeTo(tempDir.resolve("t.pcapng"));

        final List<SeenFrame> expected = Frames.readAll(path);
        assertEquals(350, expected.size());
        for (final int windowLength : new int[]{4096, 4096 * 5, 64 * 1024})
        {
            assertEquals(expected, Frames.readAll(path, windowLength), "window " + windowLength);
        }
    }

    @Test
    void shouldCutSimplePacketsAtTheSnapLengthAndTheBlock() throws IOException
    {
        final PcapngTestWriter writer = new PcapngTestWriter()
            .sectionHeader(LE)
            .interfaceDescription(LinkType.ETHERNET, 64)
            .interfaceDescription(LinkType.RAW, 0);
        final long snapCut = writer.position();
        writer.simplePacket(100, bytes(64, 1));
        final long padded = writer.position();
        writer.simplePacket(30, bytes(30, 2));
        writer.sectionHeader(LE).interfaceDescription(LinkType.RAW, 0);
        final long noSnapLength = writer.position();
        // A writer that stopped short of the original length, with no snap length to explain it.
        writer.simplePacket(1000, bytes(41, 3));
        final Path path = writer.writeTo(tempDir.resolve("t.pcapng"));

        final byte[] blockHeld = new byte[44];
        System.arraycopy(bytes(41, 3), 0, blockHeld, 0, 41);
        assertEquals(List.of(
            new SeenFrame(1, snapCut, 0, LinkType.ETHERNET, 0, 64, 100, bytes(64, 1)),
            new SeenFrame(2, padded, 0, LinkType.ETHERNET, 0, 30, 30, bytes(30, 2)),
            new SeenFrame(3, noSnapLength, 0, LinkType.RAW, 0, 44, 1000, blockHeld)),
            Frames.readAll(path));
    }

    @Test
    void shouldConvertTimestampsOfEveryResolutionExactly() throws IOException
    {
        final PcapngTestWriter writer = new PcapngTestWriter()
            .sectionHeader(BE)
            .interfaceDescription(1, 0, 0, 0)
            .interfaceDescription(1, 0, 3, 0)
            .interfaceDescription(1, 0, 9, 0)
            .interfaceDescription(1, 0, 15, 0)
            .interfaceDescription(1, 0, PcapngTestWriter.TSRESOL_BINARY, 0)
            .interfaceDescription(1, 0, PcapngTestWriter.TSRESOL_BINARY | 10, 0)
            .interfaceDescription(1, 0, PcapngTestWriter.TSRESOL_BINARY | 40, 0)
            .interfaceDescription(1, 0, -1, -86_400)
            .enhancedPacket(0, 1_700_000_000L, new byte[0], 0)
            .enhancedPacket(1, 1_700_000_000_123L, new byte[0], 0)
            .enhancedPacket(2, 1_700_000_000_123_456_789L, new byte[0], 0)
            .enhancedPacket(3, 1_234_567_890_123_456_789L, new byte[0], 0)
            .enhancedPacket(4, 1_700_000_000L, new byte[0], 0)
            .enhancedPacket(5, (1_700_000_000L << 10) | 1, new byte[0], 0)
            .enhancedPacket(6, (1_000_000L << 40) | (1L << 39) | 3, new byte[0], 0)
            .enhancedPacket(7, 1_700_086_400_000_001L, new byte[0], 0);
        final Path path = writer.writeTo(tempDir.resolve("t.pcapng"));

        final long[] timestamps = Frames.readAll(path).stream().mapToLong(SeenFrame::timestampNs).toArray();
        assertEquals(1_700_000_000_000_000_000L, timestamps[0]);
        assertEquals(1_700_000_000_123_000_000L, timestamps[1]);
        assertEquals(1_700_000_000_123_456_789L, timestamps[2]);
        // Femtoseconds: rounded down to the nanosecond.
        assertEquals(1_234_567_890_123L, timestamps[3]);
        assertEquals(1_700_000_000_000_000_000L, timestamps[4]);
        // 1/1024 s = 976562.5 ns, rounded down.
        assertEquals(1_700_000_000_000_976_562L, timestamps[5]);
        // Half a second plus 3/2^40 s (0.0027 ns).
        assertEquals(1_000_000_500_000_000L, timestamps[6]);
        // Microseconds by default, shifted back a day.
        assertEquals(1_700_000_000_000_001_000L, timestamps[7]);
    }

    @Test
    void shouldNotStopAPollForLongOnBlocksWithoutPackets() throws IOException
    {
        final PcapngTestWriter writer = new PcapngTestWriter().sectionHeader(LE).interfaceDescription(1, 0);
        for (int i = 0; i < 1000; i++)
        {
            writer.nameResolution();
        }
        writer.enhancedPacket(0, 1, bytes(10, 1), 10);
        final Path path = writer.writeTo(tempDir.resolve("t.pcapng"));

        try (CaptureFileSource source = CaptureFiles.open(path))
        {
            int polls = 0;
            int delivered = 0;
            while (!source.isEndOfStream())
            {
                delivered += source.poll((frame) -> {}, 100);
                polls++;
            }
            assertEquals(1, delivered);
            assertTrue(polls > 3, "polls " + polls);
            assertEquals(source.size(), source.position());
        }
    }

    @Test
    void shouldReportABlockLengthThatIsNotAMultipleOfFour() throws IOException
    {
        final PcapngTestWriter writer = goodStart();
        final long damagedAt = writer.position();
        writer.rawBlock(PcapngTestWriter.NRB, 15, new byte[3], 15);

        assertDamage(writer, 2, damagedAt, "block total length 15 is not a multiple of 4");
    }

    @Test
    void shouldReportABlockLengthBelowTheMinimum() throws IOException
    {
        final PcapngTestWriter writer = goodStart();
        final long damagedAt = writer.position();
        writer.raw(new byte[]{4, 0, 0, 0, 8, 0, 0, 0, 8, 0, 0, 0});

        assertDamage(writer, 2, damagedAt, "block total length 8 is less than 12");
    }

    @Test
    void shouldReportATrailingLengthThatDiffers() throws IOException
    {
        final PcapngTestWriter writer = goodStart();
        final long damagedAt = writer.position();
        writer.rawBlock(0x0BAD, 20, new byte[8], 24).enhancedPacket(0, 1, bytes(10, 9), 10);

        assertDamage(writer, 2, damagedAt, "trailing block total length 24 does not match the leading 20");
    }

    @Test
    void shouldReportABlockThatRunsPastTheEndOfTheFile() throws IOException
    {
        final PcapngTestWriter writer = goodStart();
        final long damagedAt = writer.position();
        final PcapngTestWriter packet = new PcapngTestWriter().sectionHeader(LE);
        final int packetAt = (int)packet.position();
        final byte[] whole = packet.enhancedPacket(0, 1, bytes(100, 1), 100).toBytes();
        writer.raw(Arrays.copyOfRange(whole, packetAt, whole.length - 10));

        assertDamage(writer, 2, damagedAt,
            "truncated block: block total length 144 runs past the end of the file, 134 bytes remain");
    }

    @Test
    void shouldReportATrailingPartialBlockHeader() throws IOException
    {
        final PcapngTestWriter writer = goodStart();
        final long damagedAt = writer.position();
        writer.raw(new byte[]{6, 0, 0, 0, 32});

        assertDamage(writer, 2, damagedAt, "truncated block header: needs 12 bytes, 5 remain");
    }

    @Test
    void shouldReportAPacketOfAnUndescribedInterface() throws IOException
    {
        final PcapngTestWriter writer = goodStart();
        final long damagedAt = writer.position();
        writer.enhancedPacket(2, 1, bytes(10, 1), 10);

        assertDamage(writer, 2, damagedAt, "packet names interface 2 but the section describes 2");
    }

    @Test
    void shouldForgetTheInterfacesOfThePreviousSection() throws IOException
    {
        final PcapngTestWriter writer = goodStart().sectionHeader(BE).interfaceDescription(1, 0);
        final long damagedAt = writer.position();
        writer.obsoletePacket(1, 1, bytes(10, 1), 10);

        assertDamage(writer, 2, damagedAt, "packet names interface 1 but the section describes 1");
    }

    @Test
    void shouldReportACapturedLengthThatDoesNotFitTheBlock() throws IOException
    {
        final PcapngTestWriter writer = goodStart();
        final long damagedAt = writer.position();
        // The options after the data make room the captured length must not claim.
        writer.enhancedPacket(0, 1, bytes(12, 1), 40, 40);

        assertDamage(writer, 2, damagedAt, "captured length 40 does not fit the 24 bytes the block holds");
    }

    @Test
    void shouldReportABadByteOrderMagic() throws IOException
    {
        final PcapngTestWriter writer = goodStart();
        final long damagedAt = writer.position();
        writer.rawBlock(PcapngTestWriter.SHB, 28, new byte[]{1, 2, 3, 4, 1, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1},
            28);

        assertDamage(writer, 2, damagedAt + 8, "section header byte-order magic 0x01020304 is neither");
    }

    @Test
    void shouldReportASimplePacketWithoutAnInterface() throws IOException
    {
        final PcapngTestWriter writer = new PcapngTestWriter().sectionHeader(LE);
        final long damagedAt = writer.position();
        writer.simplePacket(10, bytes(10, 1));

        assertDamage(writer, 0, damagedAt, "simple packet block in a section with no interface description block");
    }

    @Test
    void shouldReportAnEnhancedPacketBlockTooShortForItsFields() throws IOException
    {
        final PcapngTestWriter writer = goodStart();
        final long damagedAt = writer.position();
        writer.rawBlock(PcapngTestWriter.EPB, 20, new byte[8], 20);

        assertDamage(writer, 2, damagedAt, "enhanced packet block total length 20 is less than its minimum of 32");
    }

    @Test
    void shouldReportAFileThatDoesNotStartWithASectionHeader() throws IOException
    {
        final byte[] good = goodStart().toBytes();
        // Keep the SHB type so CaptureFiles opens it as pcapng, but damage the rest of the header.
        good[4] = 3;
        final Path path = Files.write(tempDir.resolve("t.pcapng"), good);

        try (CaptureFileSource source = CaptureFiles.open(path))
        {
            final CaptureFileException ex = assertThrows(
                CaptureFileException.class, () -> source.poll((frame) -> {}, 10));
            assertEquals(0, ex.byteOffset());
        }
    }

    private PcapngTestWriter goodStart()
    {
        return new PcapngTestWriter()
            .sectionHeader(LE)
            .interfaceDescription(LinkType.ETHERNET, 0)
            .interfaceDescription(LinkType.RAW, 0)
            .enhancedPacket(0, 1, bytes(60, 1), 60)
            .interfaceStatistics(0)
            .enhancedPacket(1, 2, bytes(61, 2), 61);
    }

    private void assertDamage(
        final PcapngTestWriter writer, final int framesBefore, final long damagedAt, final String problem)
        throws IOException
    {
        final Path path = writer.writeTo(tempDir.resolve("damaged.pcapng"));
        for (final int windowLength : new int[]{MappedFileWindow.DEFAULT_WINDOW_LENGTH, 4096})
        {
            final List<SeenFrame> frames = new ArrayList<>();
            try (CaptureFileSource source = CaptureFiles.open(path, windowLength))
            {
                final CaptureFileException ex = Frames.drainUntilDamage(source, frames);
                assertEquals(framesBefore, frames.size(), ex.getMessage());
                assertEquals(damagedAt, ex.byteOffset(), ex.getMessage());
                assertEquals(path.toString(), ex.file());
                assertTrue(ex.getMessage().startsWith(path + ": " + problem), ex.getMessage());
                assertTrue(ex.getMessage().endsWith(" at byte offset " + damagedAt), ex.getMessage());
                assertSame(ex, assertThrows(CaptureFileException.class, () -> source.poll((frame) -> {}, 10)));
            }
        }
    }

    private Path writeRichFile(final Path path, final ByteOrder firstOrder, final ByteOrder secondOrder)
        throws IOException
    {
        final PcapngTestWriter writer = new PcapngTestWriter()
            .sectionHeader(firstOrder)
            .interfaceDescription(LinkType.ETHERNET, 65535)
            .interfaceDescription(LinkType.RAW, 0, 9, 0)
            .interfaceDescription(LinkType.LINUX_SLL, 262144, PcapngTestWriter.TSRESOL_BINARY | 20, 0)
            .interfaceDescription(LinkType.LINUX_SLL2, 0, 12, 1_000_000)
            .interfaceDescription(USER0, 0, 0, 0)
            .nameResolution();
        positions.add(writer.position());
        writer.enhancedPacket(0, 1_700_000_000_123_456L, bytes(60, 0), 60);
        positions.add(writer.position());
        writer.enhancedPacket(1, 1_700_000_000_987_654_321L, bytes(1499, 1), 1500)
            .interfaceStatistics(1);
        positions.add(writer.position());
        writer.enhancedPacket(2, (1_700_000_000L << 20) + 524_291, bytes(3, 2), 3)
            .opaqueBlock(0x00000BAD, 12)
            .opaqueBlock(0x40000BAD, 0);
        positions.add(writer.position());
        writer.enhancedPacket(3, 5_000_000_123_456_789L, bytes(0, 3), 0)
            .opaqueBlock(PcapngTestWriter.DSB, 40);
        positions.add(writer.position());
        writer.enhancedPacket(4, 1_700_000_000L, bytes(17, 4), 17)
            .opaqueBlock(0x12345678, 8);
        positions.add(writer.position());
        writer.obsoletePacket(1, 42, bytes(5, 5), 5);
        positions.add(writer.position());
        writer.simplePacket(70, bytes(70, 6))
            .sectionHeader(secondOrder)
            .interfaceDescription(LinkType.NULL, 0, 6, 0);
        positions.add(writer.position());
        writer.enhancedPacket(0, 7, bytes(44, 7), 44);
        positions.add(writer.position());
        writer.simplePacket(9, bytes(9, 8));
        return writer.writeTo(path);
    }

    private List<SeenFrame> expectedRichFrames()
    {
        return List.of(
            new SeenFrame(1, positions.get(0), 0, LinkType.ETHERNET, 1_700_000_000_123_456_000L, 60, 60, bytes(60, 0)),
            new SeenFrame(2, positions.get(1), 1, LinkType.RAW, 1_700_000_000_987_654_321L, 1499, 1500,
                bytes(1499, 1)),
            new SeenFrame(3, positions.get(2), 2, LinkType.LINUX_SLL, 1_700_000_000_500_002_861L, 3, 3, bytes(3, 2)),
            new SeenFrame(4, positions.get(3), 3, LinkType.LINUX_SLL2, 1_005_000_000_123_456L, 0, 0, bytes(0, 3)),
            new SeenFrame(5, positions.get(4), 4, USER0, 1_700_000_000_000_000_000L, 17, 17, bytes(17, 4)),
            new SeenFrame(6, positions.get(5), 1, LinkType.RAW, 42, 5, 5, bytes(5, 5)),
            new SeenFrame(7, positions.get(6), 0, LinkType.ETHERNET, 0, 70, 70, bytes(70, 6)),
            new SeenFrame(8, positions.get(7), 0, LinkType.NULL, 7_000, 44, 44, bytes(44, 7)),
            new SeenFrame(9, positions.get(8), 0, LinkType.NULL, 0, 9, 9, bytes(9, 8)));
    }

    @Test
    void shouldRefuseASectionOfPcapngMajorVersionTwo() throws IOException
    {
        final Path path = new PcapngTestWriter().sectionHeader(ByteOrder.LITTLE_ENDIAN).interfaceDescription(1, 0)
            .enhancedPacket(0, 1, new byte[60], 60).writeTo(tempDir.resolve("v2.pcapng"));
        final byte[] bytes = Files.readAllBytes(path);
        bytes[12] = 2;
        Files.write(path, bytes);
        try (CaptureFileSource source = CaptureFiles.open(path))
        {
            final CaptureFileException ex = assertThrows(CaptureFileException.class, () -> source.poll(f -> { }, 1));
            assertEquals(path + ": section header says pcapng version 2.0; only version 1 exists at byte offset 12",
                ex.getMessage());
        }
    }

    @Test
    void shouldRefuseAnInterfaceWhoseTimestampResolutionNoClockHas() throws IOException
    {
        final Path path = new PcapngTestWriter().sectionHeader(ByteOrder.LITTLE_ENDIAN)
            .interfaceDescription(1, 0, 0x7F, 0).enhancedPacket(0, 1, new byte[60], 60)
            .writeTo(tempDir.resolve("tsresol.pcapng"));
        try (CaptureFileSource source = CaptureFiles.open(path))
        {
            final CaptureFileException ex = assertThrows(CaptureFileException.class, () -> source.poll(f -> { }, 1));
            assertTrue(ex.getMessage().startsWith(path + ": interface 0 has if_tsresol 0x7f (10^-127 s per unit), " +
                "finer than any clock"), ex.getMessage());
        }
    }
}
