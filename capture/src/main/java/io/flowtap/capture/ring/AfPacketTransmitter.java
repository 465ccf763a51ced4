package io.flowtap.capture.ring;

import io.flowtap.capture.counter.CounterValues;
import io.flowtap.capture.counter.InMemoryCounters;
import io.flowtap.linux.AfPacket;
import io.flowtap.linux.Errno;
import io.flowtap.linux.LinuxException;
import io.flowtap.linux.Posix;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sends frames out of an interface through an AF_PACKET TPACKET_V2 transmit ring: {@link #offer} copies a frame into
 * the next free slot and marks it for sending, {@link #flush} asks the kernel with one {@code send(2)} to send every
 * slot marked since. Frames leave in the order offered.
 * <p>
 * The socket is bound with protocol 0, so it receives nothing; its frames still reach the interface's packet taps,
 * as any sent frame does. Optionally the qdisc layer is bypassed ({@code PACKET_QDISC_BYPASS}), which saves a lock
 * per frame but also skips the traffic control accounting. The kernel is told to skip malformed slots
 * ({@code PACKET_LOSS}) rather than stop the ring; {@link #offer} checks lengths first so none should be.
 * <p>
 * {@link #offer} and {@link #flush} allocate nothing; a full ring is a refused offer and a counter, never an
 * exception. Setup failures are {@link LinuxException}s with one line for a person.
 * <p>
 * Not thread safe: one transmitter, one thread.
 */
public final class AfPacketTransmitter implements AutoCloseable
{
    /** Slot size when none is given: a 1514-byte frame and its header fit. */
    public static final int FRAME_SIZE_DEFAULT = 2048;
    /** Slots when none is given: an 8 MiB ring. */
    public static final int FRAME_COUNT_DEFAULT = 4096;
    /** {@link #offer} result: the next slot is still the kernel's; flush, and offer again later. */
    public static final int RING_FULL = -1;
    /** {@link #offer} result: the frame is shorter than an Ethernet header or longer than a slot holds. */
    public static final int BAD_LENGTH = -2;
    /** The shortest frame offered: an Ethernet header. */
    public static final int MIN_FRAME_LENGTH = 14;
    private static final int BLOCK_SIZE = 1 << 16;

    private final String interfaceName;
    private final int fd;
    private final long ringAddress;
    private final long ringLength;
    private final int frameSize;
    private final int frameCount;
    private final int maxFrameLength;
    private final UnsafeBuffer slot = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer probe = new UnsafeBuffer(0, 0);
    // Agrona counters rather than plain longs, so that a reporting thread reads them while the sender runs.
    private final CounterValues counters = InMemoryCounters.of(TransmitCounter.values());
    private int head;
    private boolean closed;

    private AfPacketTransmitter(
        final String interfaceName, final int fd, final long ringAddress, final int frameSize, final int frameCount)
    {
        this.interfaceName = interfaceName;
        this.fd = fd;
        this.ringAddress = ringAddress;
        this.ringLength = (long)frameSize * frameCount;
        this.frameSize = frameSize;
        this.frameCount = frameCount;
        this.maxFrameLength = frameSize - TxFrameDescriptor.DATA_OFFSET;
        slot.wrap(ringAddress, frameSize);
    }

    /**
     * Open a socket with a transmit ring on an interface.
     *
     * @param interfaceName to send on.
     * @param frameSize     bytes per slot, header included: a power of two from 64 to 65536.
     * @param frameCount    slots; rounded up to a whole number of 64 KiB blocks.
     * @param qdiscBypass   whether to hand frames straight to the driver.
     * @return the transmitter.
     * @throws IllegalArgumentException for a bad slot size or count.
     * @throws LinuxException           when the kernel refuses (no privilege, no such interface, interface down).
     */
    public static AfPacketTransmitter open(
        final String interfaceName, final int frameSize, final int frameCount, final boolean qdiscBypass)
    {
        if (frameSize < 64 || frameSize > BLOCK_SIZE || Integer.bitCount(frameSize) != 1)
        {
            throw new IllegalArgumentException("frame size " + frameSize + " must be a power of two from 64 to " +
                BLOCK_SIZE);
        }
        if (frameCount < 1)
        {
            throw new IllegalArgumentException("frame count " + frameCount + " must be at least 1");
        }
        final int framesPerBlock = BLOCK_SIZE / frameSize;
        final int blockCount = (frameCount + framesPerBlock - 1) / framesPerBlock;
        final int slots = blockCount * framesPerBlock;
        final long length = (long)BLOCK_SIZE * blockCount;

        final int fd = AfPacket.open();
        long address = 0;
        try
        {
            final int index = AfPacket.interfaceIndex(interfaceName);
            AfPacket.setVersion(fd, AfPacket.TPACKET_V2);
            AfPacket.setLoss(fd, true);
            if (qdiscBypass)
            {
                AfPacket.setQdiscBypass(fd, true);
            }
            AfPacket.setTxRing(fd, BLOCK_SIZE, blockCount, frameSize, slots);
            address = Posix.mmapShared(fd, length, 0, "transmit ring of " + length + " bytes");
            AfPacket.bindForSending(fd, index, interfaceName);
            return new AfPacketTransmitter(interfaceName, fd, address, frameSize, slots);
        }
        catch (final RuntimeException ex)
        {
            if (address != 0)
            {
                Posix.munmap(address, length);
            }
            Posix.close(fd);
            throw ex;
        }
    }

    /**
     * Copy a frame into the next slot and mark it for sending; it leaves at the next {@link #flush}, or sooner if a
     * flush is in progress. Allocates nothing.
     *
     * @param buffer holding the frame, Ethernet header first.
     * @param offset of the frame.
     * @param length of the frame.
     * @return the length queued, {@link #RING_FULL} or {@link #BAD_LENGTH}.
     */
    public int offer(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MIN_FRAME_LENGTH || length > maxFrameLength)
        {
            counters.addRelease(TransmitCounter.BAD_LENGTH.ordinal(), 1);
            return BAD_LENGTH;
        }
        final UnsafeBuffer slot = this.slot;
        // Acquire: the kernel's last use of the slot's bytes comes before it marks the slot available.
        if (slot.getIntVolatile(TxFrameDescriptor.STATUS_OFFSET) != TxFrameDescriptor.STATUS_AVAILABLE)
        {
            counters.addRelease(TransmitCounter.RING_FULL.ordinal(), 1);
            return RING_FULL;
        }
        slot.putBytes(TxFrameDescriptor.DATA_OFFSET, buffer, offset, length);
        slot.putInt(TxFrameDescriptor.LEN_OFFSET, length);
        // Release: the frame and its length are visible before the kernel can see the request.
        slot.putIntRelease(TxFrameDescriptor.STATUS_OFFSET, TxFrameDescriptor.STATUS_SEND_REQUEST);
        counters.addRelease(TransmitCounter.FRAMES.ordinal(), 1);
        counters.addRelease(TransmitCounter.BYTES.ordinal(), length);
        head = head + 1 == frameCount ? 0 : head + 1;
        slot.wrap(ringAddress + (long)head * frameSize, frameSize);
        return length;
    }

    /**
     * Ask the kernel to send every slot marked, without waiting for the device. Allocates nothing.
     *
     * @return bytes the kernel took, or a negative errno (ENOBUFS or EAGAIN when the device queue is full: the
     * slots stay marked and a later flush sends them).
     */
    public long flush()
    {
        return count(AfPacket.flushTxRing(fd, AfPacket.MSG_DONTWAIT));
    }

    /**
     * Ask the kernel to send every slot marked and wait until it has: the ring is then empty unless the device
     * pushed back. Blocks; allocates nothing.
     *
     * @return bytes the kernel took, or a negative errno.
     */
    public long flushAndWait()
    {
        return count(AfPacket.flushTxRing(fd, 0));
    }

    private long count(final long result)
    {
        counters.addRelease(TransmitCounter.FLUSHES.ordinal(), 1);
        if (result < 0)
        {
            if (result == -Errno.ENOBUFS || result == -Errno.EAGAIN)
            {
                counters.addRelease(TransmitCounter.FLUSHES_BACKPRESSURED.ordinal(), 1);
            }
            else
            {
                counters.addRelease(TransmitCounter.FLUSH_ERRORS.ordinal(), 1);
            }
        }
        return result;
    }

    /**
     * Cold path: walks every slot.
     *
     * @return whether every slot is back with flowtap: all frames offered have been sent (or dropped by the device).
     */
    public boolean isDrained()
    {
        for (int i = 0; i < frameCount; i++)
        {
            probe.wrap(ringAddress + (long)i * frameSize, TxFrameDescriptor.DATA_OFFSET);
            if (probe.getIntVolatile(TxFrameDescriptor.STATUS_OFFSET) != TxFrameDescriptor.STATUS_AVAILABLE)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @param counter to read.
     * @return its value.
     */
    public long counter(final TransmitCounter counter)
    {
        return counters.get(counter.ordinal());
    }

    /**
     * @return the longest frame a slot holds.
     */
    public int maxFrameLength()
    {
        return maxFrameLength;
    }

    /**
     * @return slots in the ring.
     */
    public int frameCount()
    {
        return frameCount;
    }

    /**
     * @return the interface sent on.
     */
    public String interfaceName()
    {
        return interfaceName;
    }

    /**
     * Send what is marked, wait for it, unmap the ring and close the socket. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        flushAndWait();
        slot.wrap(0, 0);
        Posix.munmap(ringAddress, ringLength);
        Posix.close(fd);
    }
}
