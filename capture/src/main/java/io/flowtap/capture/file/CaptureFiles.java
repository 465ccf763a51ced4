package io.flowtap.capture.file;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.linux.Posix;
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
 * byte order) or pcapng. The file's name does not matter. A regular file is mapped; {@code -} (standard input), a
 * named pipe, {@code /dev/stdin} or another character device is read as a stream ({@link StreamWindow}), so that
 * {@code tcpdump -w - | flowtap read -} works.
 */
public final class CaptureFiles
{
    /** The name that means standard input. */
    public static final String STANDARD_INPUT = "-";

    private static final int MAGIC_LENGTH = Integer.BYTES;
    private static final int STDIN_FD = 0;

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
        if (STANDARD_INPUT.equals(name))
        {
            return openStream("standard input", new StreamWindow("standard input", STDIN_FD, false));
        }
        if (Files.isDirectory(path))
        {
            throw new CaptureFileException(name, 0, "is a directory, not a capture file");
        }
        if (Files.exists(path) && !Files.isRegularFile(path))
        {
            // A pipe, /dev/stdin, a process substitution: nothing to map, no size to know; read it as it comes.
            final int fd = Posix.open(path.toString(), Posix.O_RDONLY);
            if (fd < 0)
            {
                throw new CaptureFileException(name, 0, "cannot be opened: " + Posix.describe(-fd));
            }
            return openStream(name, new StreamWindow(name, fd, true));
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

    /**
     * @param name   for messages.
     * @param window over the stream; owned by the source from now on, or closed here on failure.
     * @return the source its first four bytes call for.
     */
    private static CaptureFileSource openStream(final String name, final StreamWindow window)
    {
        try
        {
            final long available = window.availableWaiting(0, MAGIC_LENGTH);
            if (available == 0)
            {
                throw new CaptureFileException(name, 0, "empty: the stream ended before any byte arrived");
            }
            if (available < MAGIC_LENGTH)
            {
                throw new CaptureFileException(
                    name, 0, "stream of " + available + " bytes is too short to be a pcap or pcapng file");
            }
            final int magic = window.buffer().getInt(window.ensure(0, MAGIC_LENGTH), ByteOrder.LITTLE_ENDIAN);
            if (PcapFileSource.isPcapMagic(magic) || PcapFileSource.isPcapMagic(Integer.reverseBytes(magic)))
            {
                return new PcapFileSource(name, null, window);
            }
            if (PcapngDescriptor.SECTION_HEADER_BLOCK == magic)
            {
                return new PcapngFileSource(name, null, window);
            }
            throw new CaptureFileException(
                name, 0, "not a pcap or pcapng stream (magic 0x" + String.format("%08x", Integer.reverseBytes(magic)) +
                ")");
        }
        catch (final RuntimeException ex)
        {
            window.close();
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
