package io.flowtap.capture.file;

import io.flowtap.capture.CaptureFileException;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Opens a capture file as the {@link CaptureFileSource} its first four bytes call for: pcap (any of its magics, either
 * byte order) or pcapng. The file's name does not matter.
 */
public final class CaptureFiles
{
    private static final int MAGIC_LENGTH = Integer.BYTES;

    private CaptureFiles()
    {
    }

    /**
     * @param path of a pcap or pcapng file.
     * @return a source positioned at the first frame; the caller closes it.
     * @throws CaptureFileException naming the path if the file is missing, not a regular readable file, empty, or
     *                              not a capture file.
     */
    public static CaptureFileSource open(final Path path)
    {
        return open(path, MappedFileWindow.DEFAULT_WINDOW_LENGTH);
    }

    /**
     * @param path         of a pcap or pcapng file.
     * @param windowLength bytes to map at a time; tests use tiny windows to make remapping frequent.
     * @return a source positioned at the first frame; the caller closes it.
     * @throws CaptureFileException as {@link #open(Path)} does.
     */
    public static CaptureFileSource open(final Path path, final int windowLength)
    {
        final String name = path.toString();
        if (Files.isDirectory(path))
        {
            throw new CaptureFileException(name, 0, "is a directory, not a capture file");
        }

        final FileChannel channel = openChannel(path, name);
        try
        {
            final long fileLength = channel.size();
            if (0 == fileLength)
            {
                throw new CaptureFileException(name, 0, "empty file, not a capture file");
            }
            if (fileLength < MAGIC_LENGTH)
            {
                throw new CaptureFileException(
                    name, 0, "file of " + fileLength + " bytes is too short to be a pcap or pcapng file");
            }

            final ByteBuffer magicBytes = ByteBuffer.allocate(MAGIC_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            while (magicBytes.hasRemaining())
            {
                if (channel.read(magicBytes, magicBytes.position()) < 0)
                {
                    throw new CaptureFileException(name, 0, "file shrank while it was being opened");
                }
            }

            final int magic = magicBytes.getInt(0);
            if (PcapFileSource.isPcapMagic(magic) || PcapFileSource.isPcapMagic(Integer.reverseBytes(magic)))
            {
                return new PcapFileSource(name, channel, fileLength, windowLength);
            }
            if (PcapngDescriptor.SECTION_HEADER_BLOCK == magic)
            {
                return new PcapngFileSource(name, channel, fileLength, windowLength);
            }

            // Print the bytes in file order, the way a hex dump of the file shows them.
            throw new CaptureFileException(
                name, 0, "not a pcap or pcapng file (magic 0x" + String.format("%08x", Integer.reverseBytes(magic)) +
                ")");
        }
        catch (final IOException ex)
        {
            CloseHelper.quietClose(channel);
            throw new CaptureFileException(name, 0, "cannot read: " + ex);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(channel);
            throw ex;
        }
    }

    private static FileChannel openChannel(final Path path, final String name)
    {
        try
        {
            return FileChannel.open(path, StandardOpenOption.READ);
        }
        catch (final NoSuchFileException ex)
        {
            throw new CaptureFileException(name, 0, "no such file");
        }
        catch (final AccessDeniedException ex)
        {
            throw new CaptureFileException(name, 0, "cannot be read: permission denied");
        }
        catch (final IOException ex)
        {
            throw new CaptureFileException(name, 0, "cannot be opened: " + ex);
        }
    }
}
