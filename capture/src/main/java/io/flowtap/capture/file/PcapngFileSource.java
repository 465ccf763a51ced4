package io.flowtap.capture.file;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

import static io.flowtap.capture.file.PcapngDescriptor.BLOCK_ALIGNMENT;
import static io.flowtap.capture.file.PcapngDescriptor.BLOCK_HEADER_LENGTH;
import static io.flowtap.capture.file.PcapngDescriptor.BLOCK_TOTAL_LENGTH_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.BLOCK_TRAILER_LENGTH;
import static io.flowtap.capture.file.PcapngDescriptor.BLOCK_TYPE_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.BYTE_ORDER_MAGIC;
import static io.flowtap.capture.file.PcapngDescriptor.BYTE_ORDER_MAGIC_SWAPPED;
import static io.flowtap.capture.file.PcapngDescriptor.ENHANCED_PACKET_BLOCK;
import static io.flowtap.capture.file.PcapngDescriptor.EPB_CAPTURED_LENGTH_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.EPB_DATA_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.EPB_INTERFACE_ID_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.EPB_MIN_LENGTH;
import static io.flowtap.capture.file.PcapngDescriptor.EPB_ORIGINAL_LENGTH_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.EPB_TIMESTAMP_HIGH_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.EPB_TIMESTAMP_LOW_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.IDB_LINK_TYPE_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.IDB_MIN_LENGTH;
import static io.flowtap.capture.file.PcapngDescriptor.IDB_OPTIONS_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.IDB_SNAP_LENGTH_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.IF_TSOFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.IF_TSRESOL;
import static io.flowtap.capture.file.PcapngDescriptor.SHB_VERSION_MAJOR_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.SHB_VERSION_MINOR_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.INTERFACE_DESCRIPTION_BLOCK;
import static io.flowtap.capture.file.PcapngDescriptor.MAX_READ_BLOCK_LENGTH;
import static io.flowtap.capture.file.PcapngDescriptor.MIN_BLOCK_LENGTH;
import static io.flowtap.capture.file.PcapngDescriptor.OPTION_CODE_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.OPTION_END_OF_OPTIONS;
import static io.flowtap.capture.file.PcapngDescriptor.OPTION_LENGTH_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.OPTION_VALUE_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.PACKET_BLOCK;
import static io.flowtap.capture.file.PcapngDescriptor.PB_CAPTURED_LENGTH_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.PB_DATA_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.PB_INTERFACE_ID_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.PB_MIN_LENGTH;
import static io.flowtap.capture.file.PcapngDescriptor.PB_ORIGINAL_LENGTH_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.PB_TIMESTAMP_HIGH_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.PB_TIMESTAMP_LOW_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.SECTION_HEADER_BLOCK;
import static io.flowtap.capture.file.PcapngDescriptor.SHB_BYTE_ORDER_MAGIC_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.SHB_MIN_LENGTH;
import static io.flowtap.capture.file.PcapngDescriptor.SIMPLE_PACKET_BLOCK;
import static io.flowtap.capture.file.PcapngDescriptor.SPB_DATA_OFFSET;
import static io.flowtap.capture.file.PcapngDescriptor.SPB_MIN_LENGTH;
import static io.flowtap.capture.file.PcapngDescriptor.SPB_ORIGINAL_LENGTH_OFFSET;
import static org.agrona.BitUtil.SIZE_OF_BYTE;
import static org.agrona.BitUtil.SIZE_OF_LONG;

/**
 * Reads a pcapng file through a {@link MappedFileWindow} and hands the bytes of each Enhanced, Simple and obsolete
 * Packet Block to the handler in place, with the link type and timestamp resolution of the block's interface.
 * <p>
 * Each Section Header Block sets the byte order for the blocks after it and starts interface numbering afresh.
 * Blocks of any other type are skipped by their length, after the same framing checks every block gets.
 * <p>
 * Damage (a block whose length is impossible or whose trailing length disagrees, a block that runs past the end of
 * the file, a packet that does not fit its block or names an undescribed interface) ends the file: every frame before
 * it is delivered, then {@link #poll(FrameHandler, int)} throws the same {@link CaptureFileException} on every call.
 * {@link #isEndOfStream()} is true only for a clean end.
 * <p>
 * Not thread safe: one source, one thread.
 */
public final class PcapngFileSource implements CaptureFileSource
{
    /**
     * Blocks without packets (statistics, name resolution, custom) looked at in one poll beyond the frames
     * delivered, so a file full of them cannot hold one poll for long.
     */
    private static final int NON_PACKET_BLOCKS_PER_POLL = 256;

    private static final long UNSIGNED_INT_MASK = 0xFFFF_FFFFL;
    private static final int UNSIGNED_SHORT_MASK = 0xFFFF;
    private static final int UNSIGNED_BYTE_MASK = 0xFF;
    private static final int INT_BITS = Integer.SIZE;

    private final String name;
    private final FileChannel channel;
    private final FileWindow window;
    private final Frame frame = new Frame();
    private final PcapngInterfaces interfaces = new PcapngInterfaces();

    private ByteOrder byteOrder = ByteOrder.LITTLE_ENDIAN;
    private long position;
    private long frameCount;
    private long sectionCount;
    private boolean isEndOfStream;
    private boolean waiting;
    private CaptureFileException damage;

    /**
     * @param name         of the file, for messages.
     * @param channel      open for reading; this source owns it from now on.
     * @param fileLength   bytes in the file.
     * @param windowLength bytes to map at a time.
     */
    PcapngFileSource(final String name, final FileChannel channel, final long fileLength, final int windowLength)
    {
        this(name, channel, new MappedFileWindow(name, channel, fileLength, windowLength));
    }

    /**
     * @param name    of the file, for messages.
     * @param channel open for reading and owned by this source from now on, or null for a stream.
     * @param window  over the file's bytes, owned by this source from now on.
     */
    PcapngFileSource(final String name, final FileChannel channel, final FileWindow window)
    {
        this.name = name;
        this.channel = channel;
        this.window = window;
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
        int nonPacketBlocks = 0;
        while (delivered < frameLimit && nonPacketBlocks < NON_PACKET_BLOCKS_PER_POLL && !isEndOfStream)
        {
            final boolean hasFrame;
            try
            {
                hasFrame = readBlock();
                if (waiting)
                {
                    break;
                }
            }
            catch (final CaptureFileException ex)
            {
                damage = ex;
                // Frames already handed over in this call are reported by the return value; the damage waits.
                if (0 == delivered)
                {
                    throw ex;
                }
                break;
            }

            if (hasFrame)
            {
                delivered++;
                handler.onFrame(frame);
            }
            else
            {
                nonPacketBlocks++;
            }
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
     * @return sections begun so far, one per Section Header Block read.
     */
    public long sectionCount()
    {
        return sectionCount;
    }

    /**
     * @return interfaces described so far in the current section.
     */
    public int interfaceCount()
    {
        return interfaces.count();
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

    /**
     * Read the block at {@link #position}, wrap {@link #frame} over its packet if it has one, and move past it.
     *
     * @return whether the frame was wrapped and is ready for the handler.
     */
    private boolean readBlock()
    {
        final long blockPosition = position;
        waiting = false;
        long remaining = window.available(blockPosition, MIN_BLOCK_LENGTH);
        if (remaining < MIN_BLOCK_LENGTH && !window.isComplete())
        {
            // A stream: the rest of the block has not arrived yet.
            waiting = true;
            return false;
        }
        if (0 == remaining)
        {
            isEndOfStream = true;
            return false;
        }
        if (remaining < MIN_BLOCK_LENGTH)
        {
            throw damage(
                blockPosition,
                "truncated block header: needs " + MIN_BLOCK_LENGTH + " bytes, " + remaining + " remain");
        }

        final UnsafeBuffer buffer = window.buffer();
        int offset = window.ensure(blockPosition, BLOCK_HEADER_LENGTH);
        final int blockType = buffer.getInt(offset + BLOCK_TYPE_OFFSET, byteOrder);
        if (0 == sectionCount && SECTION_HEADER_BLOCK != blockType)
        {
            throw damage(blockPosition, "first block is of type 0x" + Integer.toHexString(blockType) +
                ", not a section header block");
        }
        if (SECTION_HEADER_BLOCK == blockType)
        {
            // The section's byte order is needed to read even this block's length.
            byteOrder = sectionByteOrder(blockPosition);
            offset = window.ensure(blockPosition, BLOCK_HEADER_LENGTH);
        }

        final long blockLength = buffer.getInt(offset + BLOCK_TOTAL_LENGTH_OFFSET, byteOrder) & UNSIGNED_INT_MASK;
        if (blockLength > remaining && blockLength >= MIN_BLOCK_LENGTH && blockLength <= window.maxRecordLength())
        {
            remaining = window.available(blockPosition, blockLength);
            if (blockLength > remaining && !window.isComplete())
            {
                waiting = true;
                return false;
            }
            offset = window.ensure(blockPosition, BLOCK_HEADER_LENGTH);
        }
        checkFraming(blockPosition, blockLength, remaining);

        boolean hasFrame = false;
        switch (blockType)
        {
            case ENHANCED_PACKET_BLOCK:
                offset = ensureWhole(blockPosition, blockLength, EPB_MIN_LENGTH, "enhanced packet");
                hasFrame = true;
                wrapEnhancedPacket(buffer, offset, blockPosition, (int)blockLength);
                break;

            case SIMPLE_PACKET_BLOCK:
                offset = ensureWhole(blockPosition, blockLength, SPB_MIN_LENGTH, "simple packet");
                hasFrame = true;
                wrapSimplePacket(buffer, offset, blockPosition, (int)blockLength);
                break;

            case PACKET_BLOCK:
                offset = ensureWhole(blockPosition, blockLength, PB_MIN_LENGTH, "packet");
                hasFrame = true;
                wrapObsoletePacket(buffer, offset, blockPosition, (int)blockLength);
                break;

            case INTERFACE_DESCRIPTION_BLOCK:
                offset = ensureWhole(blockPosition, blockLength, IDB_MIN_LENGTH, "interface description");
                addInterface(buffer, offset, (int)blockLength, blockPosition);
                break;

            case SECTION_HEADER_BLOCK:
                offset = ensureWhole(blockPosition, blockLength, SHB_MIN_LENGTH, "section header");
                checkVersion(buffer, offset, blockPosition);
                interfaces.clear();
                sectionCount++;
                break;

            default:
                break;
        }

        // Advance before the handler runs, so a handler that throws is not handed the same frame again.
        position = blockPosition + blockLength;
        if (hasFrame)
        {
            frame.frameNumber(++frameCount).sourcePosition(blockPosition);
        }
        return hasFrame;
    }

    private ByteOrder sectionByteOrder(final long blockPosition)
    {
        // MIN_BLOCK_LENGTH bytes remain, which covers the magic.
        final int offset = window.ensure(blockPosition, SHB_BYTE_ORDER_MAGIC_OFFSET + Integer.BYTES);
        final int magic = window.buffer().getInt(offset + SHB_BYTE_ORDER_MAGIC_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (BYTE_ORDER_MAGIC == magic)
        {
            return ByteOrder.LITTLE_ENDIAN;
        }
        if (BYTE_ORDER_MAGIC_SWAPPED == magic)
        {
            return ByteOrder.BIG_ENDIAN;
        }
        throw damage(
            blockPosition + SHB_BYTE_ORDER_MAGIC_OFFSET,
            "section header byte-order magic 0x" + String.format("%08x", Integer.reverseBytes(magic)) +
            " is neither 1a2b3c4d nor 4d3c2b1a");
    }

    private void checkFraming(final long blockPosition, final long blockLength, final long remaining)
    {
        if (blockLength < MIN_BLOCK_LENGTH)
        {
            throw damage(blockPosition, "block total length " + blockLength + " is less than " + MIN_BLOCK_LENGTH);
        }
        if (0 != blockLength % BLOCK_ALIGNMENT)
        {
            throw damage(
                blockPosition, "block total length " + blockLength + " is not a multiple of " + BLOCK_ALIGNMENT);
        }
        if (blockLength > remaining)
        {
            throw damage(
                blockPosition,
                "truncated block: block total length " + blockLength + " runs past the end of the file, " +
                remaining + " bytes remain");
        }

        final long trailerPosition = blockPosition + blockLength - BLOCK_TRAILER_LENGTH;
        final int trailerOffset = window.ensure(trailerPosition, BLOCK_TRAILER_LENGTH);
        final long trailingLength = window.buffer().getInt(trailerOffset, byteOrder) & UNSIGNED_INT_MASK;
        if (trailingLength != blockLength)
        {
            throw damage(
                blockPosition,
                "trailing block total length " + trailingLength + " does not match the leading " + blockLength);
        }
    }

    private int ensureWhole(final long blockPosition, final long blockLength, final int minLength, final String kind)
    {
        if (blockLength < minLength)
        {
            throw damage(
                blockPosition,
                kind + " block total length " + blockLength + " is less than its minimum of " + minLength);
        }
        if (blockLength > MAX_READ_BLOCK_LENGTH)
        {
            throw damage(
                blockPosition,
                kind + " block total length " + blockLength + " exceeds the limit of " + MAX_READ_BLOCK_LENGTH +
                " bytes");
        }
        return window.ensure(blockPosition, (int)blockLength);
    }

    private void wrapEnhancedPacket(
        final UnsafeBuffer buffer, final int offset, final long blockPosition, final int blockLength)
    {
        final long interfaceId = buffer.getInt(offset + EPB_INTERFACE_ID_OFFSET, byteOrder) & UNSIGNED_INT_MASK;
        checkInterface(blockPosition, interfaceId);

        final long capturedLength = buffer.getInt(offset + EPB_CAPTURED_LENGTH_OFFSET, byteOrder) & UNSIGNED_INT_MASK;
        checkCapturedLength(blockPosition, capturedLength, blockLength - EPB_MIN_LENGTH);

        final int id = (int)interfaceId;
        final long units = timestampUnits(
            buffer, offset + EPB_TIMESTAMP_HIGH_OFFSET, offset + EPB_TIMESTAMP_LOW_OFFSET);
        final long originalLength = buffer.getInt(offset + EPB_ORIGINAL_LENGTH_OFFSET, byteOrder) & UNSIGNED_INT_MASK;
        frame.wrap(
            buffer,
            offset + EPB_DATA_OFFSET,
            (int)capturedLength,
            clampToInt(originalLength),
            interfaces.timestampNs(id, units),
            interfaces.linkType(id));
        frame.interfaceId(id);
    }

    private void wrapSimplePacket(
        final UnsafeBuffer buffer, final int offset, final long blockPosition, final int blockLength)
    {
        if (0 == interfaces.count())
        {
            throw damage(blockPosition, "simple packet block in a section with no interface description block");
        }

        final long originalLength = buffer.getInt(offset + SPB_ORIGINAL_LENGTH_OFFSET, byteOrder) & UNSIGNED_INT_MASK;
        // The block does not say how much was captured: it is the packet, cut by the snap length, within the block.
        long capturedLength = Math.min(originalLength, blockLength - SPB_MIN_LENGTH);
        final int snapLength = interfaces.snapLength(0);
        if (0 != snapLength)
        {
            capturedLength = Math.min(capturedLength, snapLength & UNSIGNED_INT_MASK);
        }

        // A simple packet block carries no timestamp.
        frame.wrap(
            buffer,
            offset + SPB_DATA_OFFSET,
            (int)capturedLength,
            clampToInt(originalLength),
            0,
            interfaces.linkType(0));
    }

    private void wrapObsoletePacket(
        final UnsafeBuffer buffer, final int offset, final long blockPosition, final int blockLength)
    {
        final int interfaceId = buffer.getShort(offset + PB_INTERFACE_ID_OFFSET, byteOrder) & UNSIGNED_SHORT_MASK;
        checkInterface(blockPosition, interfaceId);

        final long capturedLength = buffer.getInt(offset + PB_CAPTURED_LENGTH_OFFSET, byteOrder) & UNSIGNED_INT_MASK;
        checkCapturedLength(blockPosition, capturedLength, blockLength - PB_MIN_LENGTH);

        final long units = timestampUnits(buffer, offset + PB_TIMESTAMP_HIGH_OFFSET, offset + PB_TIMESTAMP_LOW_OFFSET);
        final long originalLength = buffer.getInt(offset + PB_ORIGINAL_LENGTH_OFFSET, byteOrder) & UNSIGNED_INT_MASK;
        frame.wrap(
            buffer,
            offset + PB_DATA_OFFSET,
            (int)capturedLength,
            clampToInt(originalLength),
            interfaces.timestampNs(interfaceId, units),
            interfaces.linkType(interfaceId));
        frame.interfaceId(interfaceId);
    }

    /**
     * Only pcapng 1.x exists (1.0, and 1.2 written by some tools); a different major version is a different format,
     * whose blocks this would misread.
     */
    private void checkVersion(final UnsafeBuffer buffer, final int offset, final long blockPosition)
    {
        final int major = buffer.getShort(offset + SHB_VERSION_MAJOR_OFFSET, byteOrder) & UNSIGNED_SHORT_MASK;
        final int minor = buffer.getShort(offset + SHB_VERSION_MINOR_OFFSET, byteOrder) & UNSIGNED_SHORT_MASK;
        if (major != 1)
        {
            throw damage(blockPosition + SHB_VERSION_MAJOR_OFFSET,
                "section header says pcapng version " + major + "." + minor + "; only version 1 exists");
        }
    }

    private void addInterface(
        final UnsafeBuffer buffer, final int offset, final int blockLength, final long blockPosition)
    {
        final int linkType = buffer.getShort(offset + IDB_LINK_TYPE_OFFSET, byteOrder) & UNSIGNED_SHORT_MASK;
        final int snapLength = buffer.getInt(offset + IDB_SNAP_LENGTH_OFFSET, byteOrder);
        int tsresol = PcapngTimestamps.DEFAULT_TSRESOL;
        long tsoffsetSeconds = 0;

        final int optionsEnd = offset + blockLength - BLOCK_TRAILER_LENGTH;
        int option = offset + IDB_OPTIONS_OFFSET;
        // Options that do not fit are ignored rather than fatal: the packets do not depend on them.
        while (option + OPTION_VALUE_OFFSET <= optionsEnd)
        {
            final int code = buffer.getShort(option + OPTION_CODE_OFFSET, byteOrder) & UNSIGNED_SHORT_MASK;
            final int length = buffer.getShort(option + OPTION_LENGTH_OFFSET, byteOrder) & UNSIGNED_SHORT_MASK;
            final int value = option + OPTION_VALUE_OFFSET;
            if (OPTION_END_OF_OPTIONS == code || value + length > optionsEnd)
            {
                break;
            }

            if (IF_TSRESOL == code && SIZE_OF_BYTE == length)
            {
                tsresol = buffer.getByte(value) & UNSIGNED_BYTE_MASK;
                if (!PcapngTimestamps.isPlausible(tsresol))
                {
                    throw damage(blockPosition + (value - offset), "interface " + interfaces.count() +
                        " has if_tsresol 0x" + Integer.toHexString(tsresol) + " (" +
                        PcapngTimestamps.describe(tsresol) + " per unit), finer than any clock: every timestamp " +
                        "would read as 0");
                }
            }
            else if (IF_TSOFFSET == code && SIZE_OF_LONG == length)
            {
                tsoffsetSeconds = buffer.getLong(value, byteOrder);
            }

            option = value + align(length);
        }

        interfaces.add(linkType, snapLength, tsresol, PcapngTimestamps.secondsToNanos(tsoffsetSeconds));
    }

    private void checkInterface(final long blockPosition, final long interfaceId)
    {
        if (interfaceId >= interfaces.count())
        {
            throw damage(
                blockPosition,
                "packet names interface " + interfaceId + " but the section describes " + interfaces.count());
        }
    }

    private void checkCapturedLength(final long blockPosition, final long capturedLength, final int dataRoom)
    {
        // Only the bytes themselves must fit: a writer that skimped on the padding still wrote the whole packet.
        if (capturedLength > dataRoom)
        {
            throw damage(
                blockPosition,
                "captured length " + capturedLength + " does not fit the " + dataRoom + " bytes the block holds");
        }
    }

    private long timestampUnits(final UnsafeBuffer buffer, final int highIndex, final int lowIndex)
    {
        final long high = buffer.getInt(highIndex, byteOrder) & UNSIGNED_INT_MASK;
        final long low = buffer.getInt(lowIndex, byteOrder) & UNSIGNED_INT_MASK;
        return (high << INT_BITS) | low;
    }

    private CaptureFileException damage(final long at, final String problem)
    {
        return new CaptureFileException(name, at, problem);
    }

    private static int align(final int length)
    {
        return (length + BLOCK_ALIGNMENT - 1) & -BLOCK_ALIGNMENT;
    }

    private static int clampToInt(final long unsignedLength)
    {
        return (int)Math.min(unsignedLength, Integer.MAX_VALUE);
    }
}
