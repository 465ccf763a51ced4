package io.flowtap.capture.ring;

import io.flowtap.linux.AfPacket;
import io.flowtap.linux.Errno;
import io.flowtap.linux.LinuxException;
import io.flowtap.linux.Posix;

/**
 * Sets up a receive ring's socket, in the order the kernel requires: open, filter, TPACKET_V3, the ring and its
 * mapping, bind, promiscuous mode, fanout. Its own class because this is the cold path's one job, with its own
 * failure handling (what was opened is closed again), apart from {@link AfPacketRingSource}'s walk of the ring.
 */
final class RingSocket
{
    /** A ring may take at most half the memory available when it is opened. */
    private static final long MAX_RING_SHARE_OF_AVAILABLE_MEMORY = 2;

    private RingSocket()
    {
    }

    /**
     * @param context  the configuration; {@link AfPacketContext#conclude()} is called here.
     * @param counters the ring's counters.
     * @return the source over the mapped ring, capturing from now on.
     */
    static AfPacketRingSource open(final AfPacketContext context, final RingCounters counters)
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
            return new AfPacketRingSource(name, index, fd, geometry, ringAddress, counters);
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
