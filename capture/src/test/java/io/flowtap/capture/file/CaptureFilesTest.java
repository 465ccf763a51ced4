package io.flowtap.capture.file;

import io.flowtap.capture.CaptureFileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static io.flowtap.capture.file.PcapFileSourceTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class CaptureFilesTest
{
    @TempDir
    Path tempDir;

    @Test
    void shouldChooseTheFormatByMagicNotByName() throws IOException
    {
        final Path pcapNamedNg = new PcapTestWriter(ByteOrder.BIG_ENDIAN, PcapTestWriter.MAGIC_NANOSECONDS, 0, 1)
            .record(1, 2, bytes(10, 1), 10)
            .writeTo(tempDir.resolve("really-pcap.pcapng"));
        final Path ngNamedPcap = new PcapngTestWriter()
            .sectionHeader(ByteOrder.BIG_ENDIAN)
            .interfaceDescription(1, 0)
            .enhancedPacket(0, 1, bytes(10, 1), 10)
            .writeTo(tempDir.resolve("really-pcapng.pcap"));

        try (CaptureFileSource pcap = CaptureFiles.open(pcapNamedNg);
            CaptureFileSource pcapng = CaptureFiles.open(ngNamedPcap))
        {
            assertInstanceOf(PcapFileSource.class, pcap);
            assertInstanceOf(PcapngFileSource.class, pcapng);
            assertEquals(1, Frames.drain(pcap, 10).size());
            assertEquals(1, Frames.drain(pcapng, 10).size());
        }
    }

    @Test
    void shouldRejectAFileWithAnotherMagic() throws IOException
    {
        final Path gzip = Files.write(tempDir.resolve("t.pcap.gz"), new byte[]{0x1F, (byte)0x8B, 8, 0, 0, 0, 0, 0});

        assertRejected(gzip, "not a pcap or pcapng file (magic 0x1f8b0800)");
    }

    @Test
    void shouldRejectAnEmptyFile() throws IOException
    {
        assertRejected(Files.createFile(tempDir.resolve("empty.pcap")), "empty file, not a capture file");
    }

    @Test
    void shouldRejectAFileTooShortForAMagic() throws IOException
    {
        assertRejected(
            Files.write(tempDir.resolve("short.pcap"), new byte[]{(byte)0xD4, (byte)0xC3, (byte)0xB2}),
            "file of 3 bytes is too short to be a pcap or pcapng file");
    }

    @Test
    void shouldRejectAMissingFile()
    {
        assertRejected(tempDir.resolve("missing.pcap"), "no such file");
    }

    @Test
    void shouldRejectADirectory()
    {
        assertRejected(tempDir, "is a directory, not a capture file");
    }

    @Test
    void shouldRejectAnUnreadableFile() throws IOException
    {
        final Path path = new PcapTestWriter(ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS, 0, 1)
            .writeTo(tempDir.resolve("secret.pcap"));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(path), "permissions do not bind this user (root?)");

        assertRejected(path, "cannot be read: permission denied");
    }

    private static void assertRejected(final Path path, final String problem)
    {
        final CaptureFileException ex = assertThrows(CaptureFileException.class, () -> CaptureFiles.open(path));
        assertEquals(path.toString(), ex.file());
        assertEquals(0, ex.byteOffset());
        assertEquals(path + ": " + problem + " at byte offset 0", ex.getMessage());
    }
}
