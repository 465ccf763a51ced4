package io.flowtap.capture.ring;

/**
 * The shape of a TPACKET_V3 receive ring, validated before the kernel sees it so that a bad value is refused with a
 * sentence rather than the kernel's bare EINVAL.
 * <p>
 * The kernel's rules ({@code packet_set_ring}) plus flowtap's own limits:
 * <ul>
 *     <li>the block size is a power of two and a multiple of the page size (the kernel only needs page alignment;
 *     a power of two keeps the block's page order exact), at most 1 GiB;</li>
 *     <li>the block count is 1 to 65535 (the kernel keeps block numbers in an {@code unsigned short});</li>
 *     <li>the nominal frame size is a multiple of 16, at least {@value #MIN_FRAME_SIZE} (the V3 header and
 *     {@code sockaddr_ll}) and at most the block size; V3 packs packets by their real length, so it only feeds the
 *     kernel's arithmetic ({@code frame count = block size / frame size * block count});</li>
 *     <li>the retire timeout is 0 (the kernel derives one from the link speed) to 65535 ms.</li>
 * </ul>
 * A packet longer than {@link #maxFrameLength()} is clamped by the kernel; the source counts such frames. GRO can
 * build 64 KiB frames, so capture hosts with offloads on need blocks of 128 KiB or more.
 */
public final class RingGeometry
{
    /** Block size when none is given: 1 MiB. */
    public static final int BLOCK_SIZE_DEFAULT = 1 << 20;
    /** Block count when none is given: a 64 MiB ring with the default block size. */
    public static final int BLOCK_COUNT_DEFAULT = 64;
    /** Nominal frame size when none is given. */
    public static final int FRAME_SIZE_DEFAULT = 2048;
    /** Block retire timeout when none is given, as Suricata's default. */
    public static final int RETIRE_TIMEOUT_MS_DEFAULT = 10;

    /** TPACKET3_HDRLEN: the aligned V3 header plus {@code sockaddr_ll}. */
    public static final int MIN_FRAME_SIZE = 68;
    /** TPACKET_ALIGNMENT: frame sizes are multiples of it. */
    public static final int FRAME_ALIGNMENT = 16;
    /** The largest block flowtap accepts. */
    public static final int MAX_BLOCK_SIZE = 1 << 30;
    /** The kernel counts blocks in an unsigned short. */
    public static final int MAX_BLOCK_COUNT = 0xFFFF;
    /** The kernel keeps the retire timeout in an unsigned short. */
    public static final int MAX_RETIRE_TIMEOUT_MS = 0xFFFF;

    private final int blockSize;
    private final int blockCount;
    private final int frameSize;
    private final int retireTimeoutMs;

    private RingGeometry(final int blockSize, final int blockCount, final int frameSize, final int retireTimeoutMs)
    {
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.frameSize = frameSize;
        this.retireTimeoutMs = retireTimeoutMs;
    }

    /**
     * @param blockSize       bytes per block.
     * @param blockCount      blocks in the ring.
     * @param frameSize       nominal frame size.
     * @param retireTimeoutMs after which a block that is not full is handed over; 0 lets the kernel choose.
     * @param pageSize        of this machine.
     * @return the geometry.
     * @throws IllegalArgumentException naming the value that is wrong and why.
     */
    public static RingGeometry of(
        final int blockSize,
        final int blockCount,
        final int frameSize,
        final int retireTimeoutMs,
        final int pageSize)
    {
        if (pageSize <= 0 || Integer.bitCount(pageSize) != 1)
        {
            throw new IllegalArgumentException("page size " + pageSize + " is not a power of two");
        }
        if (blockSize <= 0 || Integer.bitCount(blockSize) != 1)
        {
            throw new IllegalArgumentException("block size " + blockSize + " must be a power of two");
        }
        if (blockSize < pageSize)
        {
            throw new IllegalArgumentException(
                "block size " + blockSize + " must be a multiple of the page size " + pageSize);
        }
        if (blockSize > MAX_BLOCK_SIZE)
        {
            throw new IllegalArgumentException("block size " + blockSize + " is over the limit of " + MAX_BLOCK_SIZE);
        }
        if (blockCount < 1 || blockCount > MAX_BLOCK_COUNT)
        {
            throw new IllegalArgumentException(
                "block count " + blockCount + " must be between 1 and " + MAX_BLOCK_COUNT);
        }
        if (frameSize < MIN_FRAME_SIZE || frameSize > blockSize)
        {
            throw new IllegalArgumentException(
                "frame size " + frameSize + " must be between " + MIN_FRAME_SIZE + " and the block size " + blockSize);
        }
        if (frameSize % FRAME_ALIGNMENT != 0)
        {
            throw new IllegalArgumentException("frame size " + frameSize + " must be a multiple of " + FRAME_ALIGNMENT);
        }
        if (retireTimeoutMs < 0 || retireTimeoutMs > MAX_RETIRE_TIMEOUT_MS)
        {
            throw new IllegalArgumentException("block retire timeout " + retireTimeoutMs +
                " ms must be between 0 (the kernel's choice) and " + MAX_RETIRE_TIMEOUT_MS);
        }
        if ((long)(blockSize / frameSize) * blockCount > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("frame count " + (long)(blockSize / frameSize) * blockCount +
                " is over " + Integer.MAX_VALUE + ": use a larger frame size");
        }
        return new RingGeometry(blockSize, blockCount, frameSize, retireTimeoutMs);
    }

    /**
     * @return bytes per block.
     */
    public int blockSize()
    {
        return blockSize;
    }

    /**
     * @return blocks in the ring.
     */
    public int blockCount()
    {
        return blockCount;
    }

    /**
     * @return the nominal frame size.
     */
    public int frameSize()
    {
        return frameSize;
    }

    /**
     * @return the frame count the kernel requires: exactly frames per block times blocks.
     */
    public int frameCount()
    {
        return blockSize / frameSize * blockCount;
    }

    /**
     * @return the block retire timeout in milliseconds; 0 lets the kernel choose.
     */
    public int retireTimeoutMs()
    {
        return retireTimeoutMs;
    }

    /**
     * @return bytes of the whole ring, which is what is mapped.
     */
    public long ringLength()
    {
        return (long)blockSize * blockCount;
    }

    /**
     * @return the longest packet, header included, that a block holds unclamped.
     */
    public int maxFrameLength()
    {
        return blockSize - BlockDescriptor.HEADER_LENGTH;
    }

    @Override
    public String toString()
    {
        return blockCount + " blocks of " + blockSize + " bytes (frame size " + frameSize + ", retire timeout " +
            retireTimeoutMs + " ms)";
    }
}
