package io.flowtap.capture.file;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.LinkType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcapFileSourceTest
{
    private static final int FILE_HEADER = 24;
    private static final int RECORD_HEADER = 16;

    @TempDir
    Path tempDir;

    static Stream<Arguments> formats()
    {
        return Stream.of(
            Arguments.of(ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 1000L, RECORD_HEADER),
            Arguments.of(ByteOrder.BIG_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 1000L, RECORD_HEADER),
            Arguments.of(ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_NANOSECONDS, 1L, RECORD_HEADER),
            Arguments.of(ByteOrder.BIG_ENDIAN, PcapTestWriter.MAGIC_NANOSECONDS, 1L, RECORD_HEADER),
            Arguments.of(ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MODIFIED, 1000L, RECORD_HEADER + 8),
            Arguments.of(ByteOrder.BIG_ENDIAN, PcapTestWriter.MAGIC_MODIFIED, 1000L, RECORD_HEADER + 8));
    }

    @ParameterizedTest
    @MethodSource("formats")
    void shouldDeliverEveryFieldOfEveryRecord(
        final ByteOrder order, final int magic, final long nanosPerUnit, final int recordHeader) throws IOException
    {
        final byte[] first = bytes(60, 1);
        final byte[] second = bytes(1514, 2);
        final byte[] third = bytes(0, 3);
        // 0xFFFFFFF0 seconds checks the seconds field is unsigned (the year 2106).
        final Path path = new PcapTestWriter(order, magic, 65535, LinkType.ETHERNET)
            .record(1_700_000_000L, 123_456, first, 60)
            .record(1_700_000_001L, 999_999, second, 1514)
            .record(0xFFFF_FFF0L, 0, third, 0)
            .writeTo(tempDir.resolve("t.pcap"));

        final List<SeenFrame> frames = Frames.readAll(path);

        final long firstAt = FILE_HEADER;
        final long secondAt = firstAt + recordHeader + first.length;
        final long thirdAt = secondAt + recordHeader + second.length;
        assertEquals(List.of(
            new SeenFrame(1, firstAt, 0, LinkType.ETHERNET, 1_700_000_000_000_000_000L + 123_456 * nanosPerUnit,
                60, 60, first),
            new SeenFrame(2, secondAt, 0, LinkType.ETHERNET, 1_700_000_001_000_000_000L + 999_999 * nanosPerUnit,
                1514, 1514, second),
            new SeenFrame(3, thirdAt, 0, LinkType.ETHERNET, 0xFFFF_FFF0L * 1_000_000_000L, 0, 0, third)),
            frames);
    }

    @Test
    void shouldReportHeaderFieldsAndEndCleanlyAtARecordBoundary() throws IOException
    {
        final Path path = new PcapTestWriter(ByteOrder.BIG_ENDIAN, PcapTestWriter.MAGIC_NANOSECONDS, 262144, 101)
            .record(1, 2, bytes(40, 9), 40)
            .writeTo(tempDir.resolve("t.pcap"));

        try (PcapFileSource source = (PcapFileSource)CaptureFiles.open(path))
        {
            assertEquals(ByteOrder.BIG_ENDIAN, source.byteOrder());
            assertTrue(source.isNanosecondResolution());
            assertEquals(262144, source.snapLength());
            assertEquals(LinkType.RAW, source.linkType());
            assertEquals(path.toString(), source.name());
            assertEquals(FILE_HEADER, source.position());
            assertEquals(FILE_HEADER + RECORD_HEADER + 40, source.size());

            assertEquals(1, source.poll((frame) -> {}, 1));
            assertFalse(source.isEndOfStream(), "the end is only known once the next record is looked for");
            assertEquals(0, source.poll((frame) -> {}, 10));
            assertTrue(source.isEndOfStream());
            assertEquals(source.size(), source.position());
            assertEquals(0, source.poll((frame) -> {}, 10));
        }
    }

    @Test
    void shouldDeliverAnEmptyCaptureAsACleanEnd() throws IOException
    {
        final Path path = new PcapTestWriter(ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 65535, 1)
            .writeTo(tempDir.resolve("t.pcap"));

        try (CaptureFileSource source = CaptureFiles.open(path))
        {
            assertEquals(0, source.poll((frame) -> {}, 10));
            assertTrue(source.isEndOfStream());
        }
    }

    @Test
    void shouldMaskFcsInformationOffTheLinkType() throws IOException
    {
        // FCS present, 4 bytes of FCS: bits the upper half of the field carries.
        final int linkTypeField = 0x1400_0000 | LinkType.ETHERNET;
        final Path path = new PcapTestWriter(
            ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 0, linkTypeField)
            .record(1, 0, bytes(20, 0), 20)
            .writeTo(tempDir.resolve("t.pcap"));

        assertEquals(LinkType.ETHERNET, Frames.readAll(path).get(0).linkType());
    }

    @Test
    void shouldDeliverFramesOfUnsupportedLinkTypes() throws IOException
    {
        final int ieee80211Radiotap = 127;
        final Path path = new PcapTestWriter(
            ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 0, ieee80211Radiotap)
            .record(1, 0, bytes(30, 0), 30)
            .writeTo(tempDir.resolve("t.pcap"));

        final List<SeenFrame> frames = Frames.readAll(path);
        assertEquals(1, frames.size());
        assertEquals(ieee80211Radiotap, frames.get(0).linkType());
    }

    @Test
    void shouldDeliverSnapTruncatedFramesWithTheirWireLength() throws IOException
    {
        final Path path = new PcapTestWriter(ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 96, 1)
            .record(1, 0, bytes(96, 5), 1500)
            .writeTo(tempDir.resolve("t.pcap"));

        final SeenFrame frame = Frames.readAll(path).get(0);
        assertEquals(96, frame.capturedLength());
        assertEquals(1500, frame.wireLength());
    }

    @Test
    void shouldHonourTheFrameLimit() throws IOException
    {
        final PcapTestWriter writer = new PcapTestWriter(
            ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 65535, 1);
        for (int i = 0; i < 10; i++)
        {
            writer.record(i, 0, bytes(10, i), 10);
        }
        final Path path = writer.writeTo(tempDir.resolve("t.pcap"));

        try (CaptureFileSource source = CaptureFiles.open(path))
        {
            assertEquals(0, source.poll((frame) -> {}, 0));
            assertEquals(4, source.poll((frame) -> {}, 4));
            assertEquals(4, source.poll((frame) -> {}, 4));
            assertEquals(2, source.poll((frame) -> {}, 4));
            assertEquals(0, source.poll((frame) -> {}, 4));
            assertTrue(source.isEndOfStream());
        }
    }

    @ParameterizedTest
    @MethodSource("formats")
    void shouldGiveIdenticalFramesThroughTinyWindows(
        final ByteOrder order, final int magic, final long nanosPerUnit, final int recordHeader) throws IOException
    {
        final PcapTestWriter writer = new PcapTestWriter(order, magic, 65535, 1);
        for (int i = 0; i < 200; i++)
        {
            // Sizes that straddle window boundaries at every phase, some larger than a whole window.
            final int length = (i * 37) % 1500 + (i % 17 == 0 ? 9000 : 0);
            writer.record(1_600_000_000L + i, i, bytes(length, i), length + 4);
        }
        final Path path = writer.writeTo(tempDir.resolve("t.pcap"));

        final List<SeenFrame> expected = Frames.readAll(path);
        assertEquals(200, expected.size());
        for (final int windowLength : new int[]{4096, 4096 * 3, 100_000})
        {
            assertEquals(expected, Frames.readAll(path, windowLength), "window " + windowLength);
        }

        try (PcapFileSource source = (PcapFileSource)CaptureFiles.open(path, 4096))
        {
            Frames.drain(source, 1000);
            final long windows = source.window().remapCount();
            assertTrue(windows > 20 && windows < 200, "remaps once per window, not per packet: " + windows);
        }
    }

    @Test
    void shouldDeliverFramesBeforeATruncatedRecordThenReportIt() throws IOException
    {
        final PcapTestWriter writer = new PcapTestWriter(
            ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 65535, 1)
            .record(1, 0, bytes(100, 1), 100)
            .record(2, 0, bytes(200, 2), 200);
        final long damagedAt = writer.position();
        writer.record(3, 0, bytes(800, 3), 1514, 1514);
        final Path path = writer.writeTo(tempDir.resolve("t.pcap"));

        final List<SeenFrame> frames = new ArrayList<>();
        try (CaptureFileSource source = CaptureFiles.open(path))
        {
            final CaptureFileException ex = Frames.drainUntilDamage(source, frames);

            assertEquals(2, frames.size());
            assertEquals(damagedAt, ex.byteOffset());
            assertEquals(path.toString(), ex.file());
            assertEquals(path + ": truncated packet record: needs 1514 bytes, 800 remain at byte offset " + damagedAt,
                ex.getMessage());
            assertSame(ex, assertThrows(CaptureFileException.class, () -> source.poll((frame) -> {}, 10)));
            assertFalse(source.isEndOfStream());
        }
    }

    @Test
    void shouldReturnTheFramesOfAPollAndReportDamageOnTheNext() throws IOException
    {
        final PcapTestWriter writer = new PcapTestWriter(
            ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 65535, 1)
            .record(1, 0, bytes(10, 1), 10)
            .record(2, 0, bytes(10, 2), 10);
        final long damagedAt = writer.position();
        final Path path = writer.raw(new byte[5]).writeTo(tempDir.resolve("t.pcap"));

        try (CaptureFileSource source = CaptureFiles.open(path))
        {
            assertEquals(2, source.poll((frame) -> {}, 100));
            final CaptureFileException ex = assertThrows(
                CaptureFileException.class, () -> source.poll((frame) -> {}, 100));
            assertEquals(damagedAt, ex.byteOffset());
            assertTrue(ex.getMessage().contains("truncated packet record header: needs 16 bytes, 5 remain"),
                ex.getMessage());
        }
    }

    @Test
    void shouldReportAnImpossibleCapturedLength() throws IOException
    {
        final PcapTestWriter writer = new PcapTestWriter(
            ByteOrder.BIG_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 65535, 1)
            .record(1, 0, bytes(10, 1), 10);
        final long damagedAt = writer.position();
        final Path path = writer.record(2, 0, new byte[0], 0x7000_0000, 10).writeTo(tempDir.resolve("t.pcap"));

        final List<SeenFrame> frames = new ArrayList<>();
        try (CaptureFileSource source = CaptureFiles.open(path))
        {
            final CaptureFileException ex = Frames.drainUntilDamage(source, frames);
            assertEquals(1, frames.size());
            assertEquals(damagedAt, ex.byteOffset());
            assertTrue(ex.getMessage().contains(
                "packet record captured length 1879048192 exceeds the limit of 268435456 bytes"), ex.getMessage());
        }
    }

    @Test
    void shouldReportATruncatedFileHeader() throws IOException
    {
        final byte[] header = new PcapTestWriter(ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 0, 1)
            .toBytes();
        final Path path = Files.write(tempDir.resolve("t.pcap"), Arrays.copyOf(header, 10));

        final CaptureFileException ex = assertThrows(CaptureFileException.class, () -> CaptureFiles.open(path));
        assertEquals(0, ex.byteOffset());
        assertTrue(ex.getMessage().contains("truncated pcap file header: needs 24 bytes, 10 remain"), ex.getMessage());
    }

    @Test
    void shouldLetAHandlerExceptionThroughWithoutRedeliveringTheFrame() throws IOException
    {
        final Path path = new PcapTestWriter(ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 0, 1)
            .record(1, 0, bytes(10, 1), 10)
            .record(2, 0, bytes(10, 2), 10)
            .writeTo(tempDir.resolve("t.pcap"));

        try (CaptureFileSource source = CaptureFiles.open(path))
        {
            final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> source.poll(
                (frame) ->
                {
                    throw new IllegalStateException("handler failed");
                },
                10));
            assertInstanceOf(IllegalStateException.class, ex);

            final List<SeenFrame> rest = Frames.drain(source, 10);
            assertEquals(1, rest.size());
            assertEquals(2, rest.get(0).frameNumber());
            assertArrayEquals(bytes(10, 2), rest.get(0).bytes());
        }
    }

    static byte[] bytes(final int length, final int seed)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed * 31 + i * 7);
        }
        return bytes;
    }

    @Test
    void shouldRefuseAPcapVersionOtherThanTwo() throws IOException
    {
        final Path path = new PcapTestWriter(ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 65535, 1)
            .record(1, 0, new byte[60], 60).writeTo(tempDir.resolve("v99.pcap"));
        final byte[] bytes = Files.readAllBytes(path);
        bytes[4] = 99;
        Files.write(path, bytes);
        final CaptureFileException ex = assertThrows(CaptureFileException.class, () -> CaptureFiles.open(path));
        assertEquals(path + ": pcap file header says version 99.4; only version 2 exists at byte offset 4",
            ex.getMessage());
    }
}
