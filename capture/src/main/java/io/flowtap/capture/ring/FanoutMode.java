package io.flowtap.capture.ring;

import io.flowtap.linux.AfPacket;

/**
 * How the kernel spreads packets over the sockets of one {@code PACKET_FANOUT} group.
 */
public enum FanoutMode
{
    /** By a symmetric hash of the flow: both directions of a connection land on one socket. */
    HASH(AfPacket.PACKET_FANOUT_HASH),
    /** Round robin: flows are split, so only for stateless consumers. */
    LB(AfPacket.PACKET_FANOUT_LB),
    /** By the CPU that received the packet. */
    CPU(AfPacket.PACKET_FANOUT_CPU),
    /** By the NIC receive queue the packet came in on. */
    QM(AfPacket.PACKET_FANOUT_QM);

    private final int value;

    FanoutMode(final int value)
    {
        this.value = value;
    }

    /**
     * @return the kernel's PACKET_FANOUT_ value.
     */
    public int value()
    {
        return value;
    }
}
