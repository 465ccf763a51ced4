package io.flowtap.capture.file;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MappedFileWindowTest
{
    private static final int FILE_LENGTH = 20_000;

    @TempDir
    Path tempDir;

    @Test
    void shouldServeRangesFromOneWindowUntilARangeCrossesItsEnd() throws IOException
    {
        try (FileChannel channel = channel();
            MappedFileWindow window = new MappedFileWindow("t", channel, FILE_LENGTH, 4096))
        {
            final int offset = window.ensure(100, 50);
            assertEquals(100, offset);
            assertEquals(1, window.remapCount());
            assertByteAt(window, offset, 100);

            assertEquals(4000, window.ensure(4000, 96));
            assertEquals(1, window.remapCount());

            // Crosses 4096: the new window starts at the page holding 4000.
            assertEquals(4000 % 4096, window.ensure(4000, 97));
            assertEquals(2, window.remapCount());

            final int further = window.ensure(9000, 10);
            assertEquals(9000 - 8192, further);
            assertByteAt(window, further, 9000);
            assertEquals(3, window.remapCount());
        }
    }

    @Test
    void shouldMapARangeLargerThanTheWindowWhole() throws IOException
    {
        try (FileChannel channel = channel();
            MappedFileWindow window = new MappedFileWindow("t", channel, FILE_LENGTH, 4096))
        {
            final int offset = window.ensure(5000, 12_000);
            assertEquals(5000 - 4096, offset);
            assertByteAt(window, offset, 5000);
            assertByteAt(window, offset + 11_999, 16_999);
            assertSame(window.buffer(), window.buffer());
        }
    }

    @Test
    void shouldMapNoFurtherThanTheEndOfTheFile() throws IOException
    {
        try (FileChannel channel = channel();
            MappedFileWindow window = new MappedFileWindow("t", channel, FILE_LENGTH, 1 << 30))
        {
            window.ensure(0, 1);
            assertEquals(FILE_LENGTH, window.buffer().capacity());
            assertThrows(IllegalArgumentException.class, () -> window.ensure(FILE_LENGTH - 1, 2));
        }
    }

    @Test
    void shouldLeaveTheBufferEmptyWhenClosed() throws IOException
    {
        try (FileChannel channel = channel())
        {
            final MappedFileWindow window = new MappedFileWindow("t", channel, FILE_LENGTH, 4096);
            window.ensure(0, 10);
            window.close();
            window.close();
            assertEquals(0, window.buffer().capacity());
        }
    }

    private FileChannel channel() throws IOException
    {
        final byte[] bytes = new byte[FILE_LENGTH];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = valueAt(i);
        }
        final Path path = Files.write(tempDir.resolve("bytes"), bytes);
        return FileChannel.open(path, StandardOpenOption.READ);
    }

    private static void assertByteAt(final MappedFileWindow window, final int offset, final long filePosition)
    {
        assertEquals(valueAt(filePosition), window.buffer().getByte(offset), "byte at " + filePosition);
    }

    private static byte valueAt(final long filePosition)
    {
        return (byte)(filePosition * 131 + (filePosition >> 8));
    }
}
