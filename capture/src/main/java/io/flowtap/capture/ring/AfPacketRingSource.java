package io.flowtap.capture.ring;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.FrameSource;
import io.flowtap.capture.LinkType;
import io.flowtap.linux.AfPacket;
import io.flowtap.linux.Errno;
import io.flowtap.linux.Poll;
import io.flowtap.linux.Posix;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A live source: an AF_PACKET socket with a TPACKET_V3 receive ring, read in place.
 * <p>
 * The kernel fills blocks round robin and hands each over by setting {@code TP_STATUS_USER} in its
 * {@code block_status}. {@link #poll} reads that word with acquire semantics, walks the block's {@code num_pkts}
 * packets through {@code tp_next_offset}, hands each to the handler as a {@link Frame} viewing the ring, and once the
 * last packet's handler has returned stores {@code TP_STATUS_KERNEL} with release semantics. Blocks go back strictly
 * in order: the kernel freezes the ring (and drops) while the next block it wants is still held.
 * <p>
 * {@link #pollDeferred} is the zero-copy variant for a pipeline: it keeps each block after delivering its frames, so
 * that other threads can go on reading them in place, and {@link #releaseDeferredBlock(int)} hands blocks back, oldest
 * first, once they are done with.
 * <p>
 * {@link #poll} never blocks and allocates nothing; {@link #awaitFrames} is the idle path, a {@code poll(2)} that
 * allocates nothing either. {@link #readKernelStatistics} accumulates the kernel's clear-on-read statistics.
 * <p>
 * Not thread safe: one source, one thread, which also reads the statistics. Counters may be read by that thread.
 */
public final class AfPacketRingSource implements FrameSource
{
    /** Nanoseconds per second. */
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int ARPHRD_ETHER = 1;
    private static final int ARPHRD_LOOPBACK = 772;
    private static final int ARPHRD_NONE = 0xFFFE;
    private static final int UNSUPPORTED_LINK_TYPE = -1;
    private static final int SCRATCH_LENGTH = 64;
    private static final int SCRATCH_POLLFD_OFFSET = 0;
    private static final int SCRATCH_STATISTICS_OFFSET = 16;

    private final String interfaceName;
    private final int interfaceIndex;
    private final int fd;
    private final RingGeometry geometry;
    private final long ringAddress;
    private final int blockSize;
    private final int blockCount;
    private final UnsafeBuffer block;
    private final UnsafeBuffer scratch;
    private final Frame frame = new Frame();
    private final RingCounters counters;

    private final UnsafeBuffer releaseView = new UnsafeBuffer(0, 0);

    private int blockIndex;
    private boolean blockHeld;
    private int deferredHeld;
    private int oldestDeferred;
    private int packetsLeft;
    private int packetOffset;
    private long frameNumber;
    private boolean closed;

    AfPacketRingSource(
        final String interfaceName,
        final int interfaceIndex,
        final int fd,
        final RingGeometry geometry,
        final long ringAddress,
        final RingCounters counters)
    {
        this.counters = counters;
        this.interfaceName = interfaceName;
        this.interfaceIndex = interfaceIndex;
        this.fd = fd;
        this.geometry = geometry;
        this.ringAddress = ringAddress;
        this.blockSize = geometry.blockSize();
        this.blockCount = geometry.blockCount();
        this.block = new UnsafeBuffer(ringAddress, blockSize);
        this.scratch = new UnsafeBuffer(BufferUtil.allocateDirectAligned(SCRATCH_LENGTH, SCRATCH_LENGTH));
    }

    /**
     * Open a socket, attach its filter if one is given, set up and map its ring, bind it to the interface, and join
     * the fanout group if one is given, in the order the kernel requires. The filter comes first so that no packet
     * reaches the ring unfiltered; libpcap, which attaches after binding, must drain what slipped in meanwhile.
     *
     * @param context the configuration; {@link AfPacketContext#conclude()} is called here.
     * @return the source, capturing from now on.
     * @throws IllegalArgumentException when the configuration is wrong (before any socket is opened).
     * @throws io.flowtap.linux.LinuxException with one line for a person when the kernel refuses (no privilege, no
     *                        such interface, interface down, a filter program it rejects), or when the ring is over
     *                        half the memory available.
     */
    public static AfPacketRingSource open(final AfPacketContext context)
    {
        return open(context, new RingCounters());
    }

    /**
     * Open a source, as {@link #open(AfPacketContext)} does, counting into counters given.
     *
     * @param context  the configuration; {@link AfPacketContext#conclude()} is called here.
     * @param counters where the ring's counters are written, by the thread that polls it.
     * @return the source, capturing from now on.
     */
    public static AfPacketRingSource open(final AfPacketContext context, final RingCounters counters)
    {
        final RingSocket socket = RingSocket.open(context);
        return new AfPacketRingSource(
            socket.name, socket.index, socket.fd, socket.geometry, socket.ringAddress, counters);
    }

    /**
     * Deliver up to {@code frameLimit} frames, visiting each block at most once. Never blocks, never allocates.
     *
     * @param handler    to receive each frame, which views the ring until the handler returns.
     * @param frameLimit the most frames to deliver.
     * @return frames delivered; 0 when the kernel has handed over nothing.
     */
    @Override
    public int poll(final FrameHandler handler, final int frameLimit)
    {
        if (closed)
        {
            // The ring is unmapped: reading it with bounds checks off would fault the JVM.
            return 0;
        }
        if (deferredHeld > 0)
        {
            throw new IllegalStateException("blocks are held by pollDeferred: release them before poll");
        }
        int delivered = 0;
        int blocksOpened = 0;
        while (delivered < frameLimit)
        {
            if (!blockHeld)
            {
                if (blocksOpened == blockCount || !acquireBlock())
                {
                    break;
                }
                blocksOpened++;
            }
            if (packetsLeft > 0 && deliver(handler))
            {
                delivered++;
            }
            if (packetsLeft <= 0)
            {
                releaseBlock();
            }
        }
        counters.add(RingCounter.FRAMES, delivered);
        return delivered;
    }

    /**
     * Deliver up to {@code frameLimit} frames as {@link #poll} does, but keep each block once its frames are
     * delivered: the handler may go on reading them (from other threads too) until it gives the block back with
     * {@link #releaseDeferredBlock(int)}. Blocks must be given back in ring order, since the kernel fills them in that
     * order and freezes the ring at the first one still held; at most every block of the ring is held at once, and
     * then this delivers nothing until the oldest is released. Never blocks, never allocates.
     * <p>
     * Do not mix with {@link #poll} while blocks are held.
     *
     * @param handler    told of block boundaries and given each frame, which views the ring.
     * @param frameLimit the most frames to deliver.
     * @return frames delivered; 0 when the kernel has handed over nothing, or every block is held.
     */
    public int pollDeferred(final BlockFrameHandler handler, final int frameLimit)
    {
        if (closed)
        {
            return 0;
        }
        int delivered = 0;
        int blocksOpened = 0;
        while (delivered < frameLimit)
        {
            if (!blockHeld)
            {
                // A block still held since an earlier walk also reads TP_STATUS_USER: never take it twice.
                if (blocksOpened == blockCount || deferredHeld == blockCount || !acquireBlock())
                {
                    break;
                }
                blocksOpened++;
                if (deferredHeld++ == 0)
                {
                    oldestDeferred = blockIndex;
                }
                handler.onBlockStart(blockIndex);
            }
            if (packetsLeft > 0 && deliver(handler))
            {
                delivered++;
            }
            if (packetsLeft <= 0)
            {
                handler.onBlockEnd(blockIndex);
                moveToNextBlock();
            }
        }
        counters.add(RingCounter.FRAMES, delivered);
        return delivered;
    }

    /**
     * Give the oldest block held by {@link #pollDeferred} back to the kernel, with release semantics: nothing may read
     * its frames afterwards.
     *
     * @param blockIndex of the block, which must be {@link #oldestHeldBlock()} and fully delivered.
     * @throws IllegalStateException when it is not the oldest held block, or its frames are still being delivered.
     */
    public void releaseDeferredBlock(final int blockIndex)
    {
        if (deferredHeld == 0 || blockIndex != oldestDeferred || (blockHeld && blockIndex == this.blockIndex))
        {
            throw new IllegalStateException("block " + blockIndex + " is not the oldest fully delivered block held (" +
                (deferredHeld == 0 ? "none held" : "oldest " + oldestDeferred) + ")");
        }
        if (!closed)
        {
            releaseView.wrap(ringAddress + (long)blockIndex * blockSize, blockSize);
            releaseView.putIntRelease(BlockDescriptor.BLOCK_STATUS_OFFSET, BlockDescriptor.STATUS_KERNEL);
            releaseView.wrap(0, 0);
        }
        deferredHeld--;
        oldestDeferred = oldestDeferred + 1 == blockCount ? 0 : oldestDeferred + 1;
    }

    /**
     * @return blocks taken by {@link #pollDeferred} and not yet released, the one being delivered included.
     */
    public int heldBlocks()
    {
        return deferredHeld;
    }

    /**
     * @return the index of the oldest block held by {@link #pollDeferred}, or -1 when none is held.
     */
    public int oldestHeldBlock()
    {
        return deferredHeld == 0 ? -1 : oldestDeferred;
    }

    /**
     * @param blockIndex of a block of the ring.
     * @return whether the block's frames are delivered as a whole: true for every held block but the one being
     * delivered.
     */
    public boolean isBlockDelivered(final int blockIndex)
    {
        return deferredHeld > 0 && !(blockHeld && blockIndex == this.blockIndex) &&
            ((blockIndex - oldestDeferred + blockCount) % blockCount) < deferredHeld;
    }

    /**
     * Whether user space owns a block: the kernel has filled it (or retired it) and it has not been handed back. With
     * blocks held by {@link #pollDeferred}, the kernel fills the ring onward from the newest held block, so the
     * block {@code k} places after {@link #oldestHeldBlock()} being user-owned means at least {@code k + 1} blocks of
     * the ring are: how full the ring is, in one acquire load.
     *
     * @param blockIndex of a block of the ring.
     * @return whether its status has TP_STATUS_USER; false once the source is closed.
     */
    public boolean isUserOwned(final int blockIndex)
    {
        if (closed || blockIndex < 0 || blockIndex >= blockCount)
        {
            return false;
        }
        releaseView.wrap(ringAddress + (long)blockIndex * blockSize, blockSize);
        final int status = releaseView.getIntVolatile(BlockDescriptor.BLOCK_STATUS_OFFSET);
        releaseView.wrap(0, 0);
        return (status & BlockDescriptor.STATUS_USER) != 0;
    }

    /**
     * Wait until the kernel hands over a block, the timeout passes, or an error shows on the socket: the idle path.
     * Allocates nothing unless an error is reported.
     *
     * @param timeoutMs the longest wait; 0 only checks.
     * @return 1 when frames are ready, 0 on timeout (at once when {@link #pollDeferred} holds every block, as the
     * kernel then has nowhere to put frames), or a negative errno (such as -ENETDOWN when the interface went down,
     * -EBADF once closed).
     */
    public int awaitFrames(final int timeoutMs)
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (deferredHeld == blockCount && !blockHeld)
        {
            return 0;
        }
        if (blockHeld || (block.getIntVolatile(BlockDescriptor.BLOCK_STATUS_OFFSET) & BlockDescriptor.STATUS_USER) != 0)
        {
            return 1;
        }
        scratch.putInt(SCRATCH_POLLFD_OFFSET + Poll.FD_OFFSET, fd);
        scratch.putShort(SCRATCH_POLLFD_OFFSET + Poll.EVENTS_OFFSET, (short)Poll.POLLIN);
        scratch.putShort(SCRATCH_POLLFD_OFFSET + Poll.REVENTS_OFFSET, (short)0);
        final int result = Poll.poll(scratch.addressOffset() + SCRATCH_POLLFD_OFFSET, 1, timeoutMs);
        if (result <= 0)
        {
            return result;
        }
        final int revents = scratch.getShort(SCRATCH_POLLFD_OFFSET + Poll.REVENTS_OFFSET);
        if ((revents & (Poll.POLLERR | Poll.POLLNVAL)) != 0)
        {
            final int errno = (revents & Poll.POLLNVAL) != 0 ? Errno.EBADF : AfPacket.pendingError(fd);
            return errno == 0 ? 0 : -errno;
        }
        return (revents & Poll.POLLIN) != 0 ? 1 : 0;
    }

    /**
     * Read the kernel's PACKET_STATISTICS, which it clears on every read, and add them to
     * {@link RingCounter#KERNEL_PACKETS}, {@link RingCounter#KERNEL_DROPS} and {@link RingCounter#KERNEL_FREEZES}.
     * Call from the polling thread only. Allocates nothing.
     *
     * @return true when read; false (and {@link RingCounter#STATISTICS_ERRORS} counted) when the kernel refused.
     */
    public boolean readKernelStatistics()
    {
        if (closed)
        {
            return false;
        }
        scratch.putInt(SCRATCH_STATISTICS_OFFSET + AfPacket.STATISTICS_LENGTH_OFFSET, AfPacket.TPACKET_STATS_V3_LENGTH);
        final int result = AfPacket.readStatistics(fd, scratch.addressOffset() + SCRATCH_STATISTICS_OFFSET);
        if (result < 0)
        {
            counters.increment(RingCounter.STATISTICS_ERRORS);
            return false;
        }
        counters.add(RingCounter.KERNEL_PACKETS,
            Integer.toUnsignedLong(scratch.getInt(SCRATCH_STATISTICS_OFFSET + AfPacket.STATS_PACKETS_OFFSET)));
        counters.add(RingCounter.KERNEL_DROPS,
            Integer.toUnsignedLong(scratch.getInt(SCRATCH_STATISTICS_OFFSET + AfPacket.STATS_DROPS_OFFSET)));
        counters.add(RingCounter.KERNEL_FREEZES,
            Integer.toUnsignedLong(scratch.getInt(SCRATCH_STATISTICS_OFFSET + AfPacket.STATS_FREEZE_COUNT_OFFSET)));
        return true;
    }

    /**
     * @param counter to read.
     * @return its value; kernel counters are as of the last {@link #readKernelStatistics()}.
     */
    public long counter(final RingCounter counter)
    {
        return counters.get(counter);
    }

    /**
     * @return the validated geometry of the ring.
     */
    public RingGeometry geometry()
    {
        return geometry;
    }

    /**
     * @return the index of the interface captured on.
     */
    public int interfaceIndex()
    {
        return interfaceIndex;
    }

    /**
     * @return the socket's descriptor, for a caller that waits on several sources at once.
     */
    public int fd()
    {
        return fd;
    }

    /**
     * @return false: a live source never ends.
     */
    @Override
    public boolean isEndOfStream()
    {
        return false;
    }

    /**
     * @return the interface's name.
     */
    @Override
    public String name()
    {
        return interfaceName;
    }

    /**
     * Read the statistics a last time, unmap the ring and close the socket. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        readKernelStatistics();
        closed = true;
        blockHeld = false;
        deferredHeld = 0;
        block.wrap(0, 0);
        Posix.munmap(ringAddress, geometry.ringLength());
        Posix.close(fd);
    }

    private boolean acquireBlock()
    {
        final int status = block.getIntVolatile(BlockDescriptor.BLOCK_STATUS_OFFSET);
        if ((status & BlockDescriptor.STATUS_USER) == 0)
        {
            return false;
        }
        blockHeld = true;
        counters.increment(RingCounter.BLOCKS);
        if ((status & BlockDescriptor.STATUS_BLK_TMO) != 0)
        {
            counters.increment(RingCounter.BLOCKS_TIMED_OUT);
        }
        if ((status & BlockDescriptor.STATUS_LOSING) != 0)
        {
            counters.increment(RingCounter.BLOCKS_LOSING);
        }
        packetsLeft = block.getInt(BlockDescriptor.NUM_PKTS_OFFSET);
        packetOffset = block.getInt(BlockDescriptor.OFFSET_TO_FIRST_PKT_OFFSET);
        if (packetsLeft > 0 && !isPacketHeaderInBlock(packetOffset))
        {
            abandonBlock();
        }
        return true;
    }

    private boolean deliver(final FrameHandler handler)
    {
        final UnsafeBuffer block = this.block;
        final int packet = packetOffset;
        final int capturedLength = block.getInt(packet + PacketDescriptor.SNAPLEN_OFFSET);
        final int macOffset = block.getShort(packet + PacketDescriptor.MAC_OFFSET) & 0xFFFF;
        final int frameOffset = packet + macOffset;
        // Validate the lengths once here, so that the frame never reaches past its block.
        if (capturedLength < 0 || macOffset < PacketDescriptor.HEADER_LENGTH || frameOffset > blockSize ||
            capturedLength > blockSize - frameOffset)
        {
            abandonBlock();
            return false;
        }
        final int wireLength = block.getInt(packet + PacketDescriptor.LEN_OFFSET);
        final int status = block.getInt(packet + PacketDescriptor.STATUS_OFFSET);
        final long timestampNs =
            Integer.toUnsignedLong(block.getInt(packet + PacketDescriptor.SEC_OFFSET)) * NANOS_PER_SECOND +
            Integer.toUnsignedLong(block.getInt(packet + PacketDescriptor.NSEC_OFFSET));
        final int hardwareType = block.getShort(packet + PacketDescriptor.SOCKADDR_LL_OFFSET + 8) & 0xFFFF;
        final int nextOffset = block.getInt(packet + PacketDescriptor.NEXT_OFFSET_OFFSET);
        if (hardwareType == ARPHRD_LOOPBACK &&
            (block.getByte(packet + PacketDescriptor.PKTTYPE_OFFSET) & 0xFF) == PacketDescriptor.PACKET_OUTGOING)
        {
            counters.increment(RingCounter.LOOPBACK_OUTGOING_SKIPPED);
            advance(packet, nextOffset);
            return false;
        }

        frame.wrap(block, frameOffset, capturedLength, wireLength, timestampNs, linkTypeOf(hardwareType))
            .interfaceId(block.getInt(packet + PacketDescriptor.IFINDEX_OFFSET))
            .frameNumber(++frameNumber)
            .sourcePosition((long)blockIndex * blockSize + packet);
        if ((status & PacketDescriptor.STATUS_VLAN_VALID) != 0)
        {
            frame.vlanTci(block.getInt(packet + PacketDescriptor.VLAN_TCI_OFFSET) & PacketDescriptor.VLAN_TCI_MASK);
        }
        if ((status & PacketDescriptor.STATUS_CSUM_VALID) != 0)
        {
            frame.checksumStatus(Frame.CHECKSUM_VALID);
        }
        else if ((status & PacketDescriptor.STATUS_CSUMNOTREADY) != 0)
        {
            frame.checksumStatus(Frame.CHECKSUM_NOT_READY);
        }
        if (Integer.compareUnsigned(capturedLength, wireLength) < 0)
        {
            counters.increment(RingCounter.TRUNCATED_FRAMES);
        }

        // The link was read before the handler runs: the frame is the handler's until it returns.
        handler.onFrame(frame);
        advance(packet, nextOffset);
        return true;
    }

    private void advance(final int packet, final int nextOffset)
    {
        if (--packetsLeft > 0)
        {
            if (nextOffset <= 0 || !isPacketHeaderInBlock(packet + nextOffset))
            {
                abandonBlock();
            }
            else
            {
                packetOffset = packet + nextOffset;
            }
        }
    }

    private boolean isPacketHeaderInBlock(final int offset)
    {
        return offset >= BlockDescriptor.HEADER_LENGTH && offset <= blockSize - RingGeometry.MIN_FRAME_SIZE;
    }

    private void abandonBlock()
    {
        counters.increment(RingCounter.MALFORMED_BLOCKS);
        packetsLeft = 0;
    }

    private void releaseBlock()
    {
        block.putIntRelease(BlockDescriptor.BLOCK_STATUS_OFFSET, BlockDescriptor.STATUS_KERNEL);
        blockHeld = false;
        packetsLeft = 0;
        blockIndex = blockIndex + 1 == blockCount ? 0 : blockIndex + 1;
        block.wrap(ringAddress + (long)blockIndex * blockSize, blockSize);
    }

    private void moveToNextBlock()
    {
        blockHeld = false;
        packetsLeft = 0;
        blockIndex = blockIndex + 1 == blockCount ? 0 : blockIndex + 1;
        block.wrap(ringAddress + (long)blockIndex * blockSize, blockSize);
    }

    private static int linkTypeOf(final int hardwareType)
    {
        switch (hardwareType)
        {
            case ARPHRD_ETHER:
            case ARPHRD_LOOPBACK:
                return LinkType.ETHERNET;
            case ARPHRD_NONE:
                return LinkType.RAW;
            default:
                return UNSUPPORTED_LINK_TYPE;
        }
    }
}
