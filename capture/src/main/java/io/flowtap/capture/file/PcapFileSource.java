package io.flowtap.capture.file;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.LinkType;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

import static io.flowtap.capture.file.PcapDescriptor.CAPTURED_LENGTH_OFFSET;
import static io.flowtap.capture.file.PcapDescriptor.FILE_HEADER_LENGTH;
import static io.flowtap.capture.file.PcapDescriptor.LINK_TYPE_MASK;
import static io.flowtap.capture.file.PcapDescriptor.LINK_TYPE_OFFSET;
import static io.flowtap.capture.file.PcapDescriptor.MAGIC_MICROSECONDS;
import static io.flowtap.capture.file.PcapDescriptor.MAGIC_MODIFIED;
import static io.flowtap.capture.file.PcapDescriptor.MAGIC_NANOSECONDS;
import static io.flowtap.capture.file.PcapDescriptor.MAGIC_OFFSET;
import static io.flowtap.capture.file.PcapDescriptor.MAX_CAPTURED_LENGTH;
import static io.flowtap.capture.file.PcapDescriptor.MODIFIED_RECORD_HEADER_LENGTH;
import static io.flowtap.capture.file.PcapDescriptor.ORIGINAL_LENGTH_OFFSET;
import static io.flowtap.capture.file.PcapDescriptor.RECORD_HEADER_LENGTH;
import static io.flowtap.capture.file.PcapDescriptor.SNAP_LENGTH_OFFSET;
import static io.flowtap.capture.file.PcapDescriptor.TIMESTAMP_FRACTION_OFFSET;
import static io.flowtap.capture.file.PcapDescriptor.TIMESTAMP_SECONDS_OFFSET;
import static io.flowtap.capture.file.PcapDescriptor.VERSION_MAJOR_OFFSET;
import static io.flowtap.capture.file.PcapDescriptor.VERSION_MINOR_OFFSET;

/**
 * Reads a classic pcap file (microsecond, nanosecond or modified format, either byte order) through a
 * {@link MappedFileWindow} and hands each record's bytes to the handler in place.
 * <p>
 * Damage (a record that runs past the end of the file, an impossible captured length, a partial record header) ends
 * the file: every frame before it is delivered, then {@link #poll(FrameHandler, int)} throws the same
 * {@link CaptureFileException} on every call. {@link #isEndOfStream()} is true only for a clean end.
 * <p>
 * Not thread safe: one source, one thread.
 */
public final class PcapFileSource implements CaptureFileSource
{
    private static final long UNSIGNED_INT_MASK = 0xFFFF_FFFFL;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long NANOS_PER_MICROSECOND = 1_000L;
    private static final int PCAP_VERSION_MAJOR = 2;

    private final String name;
    private final FileChannel channel;
    private final FileWindow window;
    private final Frame frame = new Frame();
    private final ByteOrder byteOrder;
    private final long nanosPerFractionUnit;
    private final int recordHeaderLength;
    private final int snapLength;
    private final int linkType;

    private long position = FILE_HEADER_LENGTH;
    private long frameCount;
    private boolean isEndOfStream;
    private CaptureFileException damage;

    /**
     * Read and check the file header. On failure the channel is closed.
     *
     * @param name         of the file, for messages.
     * @param channel      open for reading; this source owns it from now on.
     * @param fileLength   bytes in the file.
     * @param windowLength bytes to map at a time.
     * @throws CaptureFileException if the file header is incomplete or its magic is not a pcap one.
     */
    PcapFileSource(final String name, final FileChannel channel, final long fileLength, final int windowLength)
    {
        this(name, channel, new MappedFileWindow(name, channel, fileLength, windowLength));
    }

    /**
     * Read and check the file header through a window (a stream's, say). On failure the window and channel are
     * closed.
     *
     * @param name    of the file, for messages.
     * @param channel open for reading and owned by this source from now on, or null for a stream.
     * @param window  over the file's bytes, owned by this source from now on.
     * @throws CaptureFileException if the file header is incomplete or its magic is not a pcap one.
     */
    PcapFileSource(final String name, final FileChannel channel, final FileWindow window)
    {
        this.name = name;
        this.channel = channel;
        this.window = window;
        try
        {
            final long headerBytes = window.availableWaiting(0, FILE_HEADER_LENGTH);
            if (headerBytes < FILE_HEADER_LENGTH)
            {
                throw new CaptureFileException(
                    name, 0, "truncated pcap file header: needs " + FILE_HEADER_LENGTH + " bytes, " + headerBytes +
                    " remain");
            }

            final int offset = window.ensure(0, FILE_HEADER_LENGTH);
            final UnsafeBuffer buffer = window.buffer();
            // The writer stored the magic in its own byte order: reading it little-endian tells which that was.
            final int magic = buffer.getInt(offset + MAGIC_OFFSET, ByteOrder.LITTLE_ENDIAN);
            final int magicAsLittleEndian;
            if (isPcapMagic(magic))
            {
                byteOrder = ByteOrder.LITTLE_ENDIAN;
                magicAsLittleEndian = magic;
            }
            else if (isPcapMagic(Integer.reverseBytes(magic)))
            {
                byteOrder = ByteOrder.BIG_ENDIAN;
                magicAsLittleEndian = Integer.reverseBytes(magic);
            }
            else
            {
                throw new CaptureFileException(
                    name, 0, "not a pcap file (magic 0x" + String.format("%08x", Integer.reverseBytes(magic)) + ")");
            }

            final int major = buffer.getShort(offset + VERSION_MAJOR_OFFSET, byteOrder) & 0xFFFF;
            final int minor = buffer.getShort(offset + VERSION_MINOR_OFFSET, byteOrder) & 0xFFFF;
            if (major != PCAP_VERSION_MAJOR)
            {
                // libpcap reads 2.x only: another major version is another format, whose records this would misread.
                throw new CaptureFileException(name, VERSION_MAJOR_OFFSET, "pcap file header says version " + major +
                    "." + minor + "; only version 2 exists");
            }
            nanosPerFractionUnit = MAGIC_NANOSECONDS == magicAsLittleEndian ? 1 : NANOS_PER_MICROSECOND;
            recordHeaderLength = MAGIC_MODIFIED == magicAsLittleEndian ?
                MODIFIED_RECORD_HEADER_LENGTH : RECORD_HEADER_LENGTH;
            snapLength = buffer.getInt(offset + SNAP_LENGTH_OFFSET, byteOrder);
            linkType = buffer.getInt(offset + LINK_TYPE_OFFSET, byteOrder) & LINK_TYPE_MASK;
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(window, channel);
            throw ex;
        }
    }

    /**
     * @param magic the first four bytes of a file, read little-endian.
     * @return whether they are one of the pcap magics written by a little-endian host.
     */
    static boolean isPcapMagic(final int magic)
    {
        return MAGIC_MICROSECONDS == magic || MAGIC_NANOSECONDS == magic || MAGIC_MODIFIED == magic;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int poll(final FrameHandler handler, final int frameLimit)
    {
        if (null != damage)
        {
            throw damage;
        }

        int delivered = 0;
        while (delivered < frameLimit && !isEndOfStream)
        {
            final long recordPosition = position;
            final long remaining = window.available(recordPosition, recordHeaderLength);
            if (remaining < recordHeaderLength && !window.isComplete())
            {
                // A stream: the rest of the record has not arrived yet.
                break;
            }
            if (0 == remaining)
            {
                isEndOfStream = true;
                break;
            }
            if (remaining < recordHeaderLength)
            {
                return damage(
                    recordPosition,
                    "truncated packet record header: needs " + recordHeaderLength + " bytes, " + remaining + " remain",
                    delivered);
            }

            final UnsafeBuffer buffer = window.buffer();
            int offset = window.ensure(recordPosition, recordHeaderLength);
            final long capturedLength = buffer.getInt(offset + CAPTURED_LENGTH_OFFSET, byteOrder) & UNSIGNED_INT_MASK;
            if (capturedLength > MAX_CAPTURED_LENGTH)
            {
                return damage(
                    recordPosition,
                    "packet record captured length " + capturedLength + " exceeds the limit of " +
                    MAX_CAPTURED_LENGTH + " bytes",
                    delivered);
            }
            final long dataRemaining = window.available(recordPosition, recordHeaderLength + capturedLength) -
                recordHeaderLength;
            if (capturedLength > dataRemaining && !window.isComplete())
            {
                break;
            }
            if (capturedLength > dataRemaining)
            {
                return damage(
                    recordPosition,
                    "truncated packet record: needs " + capturedLength + " bytes, " + dataRemaining + " remain",
                    delivered);
            }

            final int recordLength = recordHeaderLength + (int)capturedLength;
            offset = window.ensure(recordPosition, recordLength);
            final long seconds = buffer.getInt(offset + TIMESTAMP_SECONDS_OFFSET, byteOrder) & UNSIGNED_INT_MASK;
            final long fraction = buffer.getInt(offset + TIMESTAMP_FRACTION_OFFSET, byteOrder) & UNSIGNED_INT_MASK;
            final long originalLength = buffer.getInt(offset + ORIGINAL_LENGTH_OFFSET, byteOrder) & UNSIGNED_INT_MASK;

            frame.wrap(
                buffer,
                offset + recordHeaderLength,
                (int)capturedLength,
                (int)Math.min(originalLength, Integer.MAX_VALUE),
                seconds * NANOS_PER_SECOND + fraction * nanosPerFractionUnit,
                linkType);
            frame.frameNumber(++frameCount).sourcePosition(recordPosition);

            // Advance first, so a handler that throws is not handed the same frame again on the next poll.
            position = recordPosition + recordLength;
            delivered++;
            handler.onFrame(frame);
        }

        return delivered;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isEndOfStream()
    {
        return isEndOfStream;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String name()
    {
        return name;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long position()
    {
        return position;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long size()
    {
        return window.fileLength();
    }

    /**
     * @return the link type of every frame in the file, one of {@link LinkType}'s constants or another LINKTYPE_.
     */
    public int linkType()
    {
        return linkType;
    }

    /**
     * @return the snap length the file header declares; records are not checked against it, as tools disagree on it.
     */
    public int snapLength()
    {
        return snapLength;
    }

    /**
     * @return whether the timestamps have nanosecond rather than microsecond resolution.
     */
    public boolean isNanosecondResolution()
    {
        return 1 == nanosPerFractionUnit;
    }

    /**
     * @return the byte order of the file's headers.
     */
    public ByteOrder byteOrder()
    {
        return byteOrder;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void windowListener(final WindowListener listener)
    {
        window.listener(listener);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        CloseHelper.quietCloseAll(window, channel);
    }

    FileWindow window()
    {
        return window;
    }

    private int damage(final long at, final String problem, final int delivered)
    {
        damage = new CaptureFileException(name, at, problem);
        // Frames already handed over in this call are reported by the return value; the damage waits for the next.
        if (0 == delivered)
        {
            throw damage;
        }
        return delivered;
    }
}
