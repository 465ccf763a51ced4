package io.flowtap.capture.ring;

import io.flowtap.linux.AfPacket;
import io.flowtap.linux.Errno;
import io.flowtap.linux.LinuxException;
import io.flowtap.linux.Posix;

/**
 * Setting up a capture socket and its ring, in the order the kernel requires, and undoing what was done when a step
 * fails: the one job {@link AfPacketRingSource} needs done before it can walk the ring.
 */
final class RingSocket
{
    /** A ring may take at most half the memory available when it is opened. */
    private static final long MAX_RING_SHARE_OF_AVAILABLE_MEMORY = 2;

    final String name;
    final int index;
    final int fd;
    final RingGeometry geometry;
    final long ringAddress;

    private RingSocket(
        final String name, final int index, final int fd, final RingGeometry geometry, final long ringAddress)
    {
        this.name = name;
        this.index = index;
        this.fd = fd;
        this.geometry = geometry;
        this.ringAddress = ringAddress;
    }

    /**
     * Open a socket, attach its filter if one is given, set up and map its ring, bind it to the interface, and join
     * the fanout group if one is given. The filter comes first so that no packet reaches the ring unfiltered; libpcap,
     * which attaches after binding, must drain what slipped in meanwhile.
     *
     * @param context the configuration; {@link AfPacketContext#conclude()} is called here.
     * @return the socket with its ring mapped, capturing from now on.
     */
    static RingSocket open(final AfPacketContext context)
    {
        context.conclude();
        final RingGeometry geometry = context.geometry();
        final String name = context.interfaceName();
        refuseRingLargerThanMemory(geometry.ringLength());

        final int fd = AfPacket.open();
        long ringAddress = 0;
        try
        {
            final int index = AfPacket.interfaceIndex(name);
            if (context.filterProgram() != null)
            {
                AfPacket.attachFilter(fd, context.filterProgram().instructions());
            }
            AfPacket.setVersion(fd, AfPacket.TPACKET_V3);
            if (context.ignoreOutgoing())
            {
                AfPacket.setIgnoreOutgoing(fd, true);
            }
            AfPacket.setRxRing(
                fd,
                geometry.blockSize(),
                geometry.blockCount(),
                geometry.frameSize(),
                geometry.frameCount(),
                geometry.retireTimeoutMs(),
                0);
            ringAddress = Posix.mmapShared(fd, geometry.ringLength(), 0, "ring of " + geometry.ringLength() + " bytes");
            AfPacket.bind(fd, index, name);
            if (context.promiscuous())
            {
                AfPacket.addPromiscuous(fd, index, name);
            }
            if (context.fanoutGroupId() != AfPacketContext.NO_FANOUT)
            {
                AfPacket.joinFanout(
                    fd,
                    context.fanoutGroupId(),
                    context.fanoutMode().value(),
                    context.fanoutDefrag() ? AfPacket.PACKET_FANOUT_FLAG_DEFRAG : 0);
            }
            return new RingSocket(name, index, fd, geometry, ringAddress);
        }
        catch (final RuntimeException ex)
        {
            if (ringAddress != 0)
            {
                Posix.munmap(ringAddress, geometry.ringLength());
            }
            Posix.close(fd);
            throw ex;
        }
    }

    /**
     * The kernel allocates each block that cannot get contiguous pages with vzalloc, which commits and zeroes the
     * memory: a ring beyond what the machine has ends with the OOM killer rather than ENOMEM. Refuse it first.
     */
    private static void refuseRingLargerThanMemory(final long ringLength)
    {
        final long availableBytes = Posix.availableMemoryBytes();
        if (availableBytes > 0 && ringLength > availableBytes / MAX_RING_SHARE_OF_AVAILABLE_MEMORY)
        {
            throw new LinuxException(Errno.ENOMEM, "ring of " + ringLength + " bytes is too large for memory");
        }
    }
}
