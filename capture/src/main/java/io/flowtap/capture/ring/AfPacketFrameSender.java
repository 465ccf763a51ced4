package io.flowtap.capture.ring;

import io.flowtap.capture.FrameSender;
import io.flowtap.linux.AfPacket;
import org.agrona.DirectBuffer;

/**
 * Sends frames through an AF_PACKET socket bound to an interface (a capture ring's own socket: {@code send(2)} on a
 * packet socket transmits on the interface it is bound to, whatever ring it also has). The socket can be named after
 * the sender is made, once the capture has opened it: a sender with no socket yet refuses with {@code -ENOTCONN}.
 * Thread safe: {@code send(2)} is, and the descriptor is published through a volatile field.
 */
public final class AfPacketFrameSender implements FrameSender
{
    private static final int ENOTCONN = 107;

    private volatile int fd = -1;

    /**
     * @param fd of a bound AF_PACKET socket, such as {@link AfPacketRingSource#fd()}; the caller keeps owning it.
     * @return this.
     */
    public AfPacketFrameSender fd(final int fd)
    {
        this.fd = fd;
        return this;
    }

    @Override
    public int send(final DirectBuffer buffer, final int offset, final int length)
    {
        final int socket = fd;
        if (socket < 0)
        {
            return -ENOTCONN;
        }
        if (buffer.byteArray() != null)
        {
            return NOT_DIRECT;
        }
        return AfPacket.send(socket, buffer.addressOffset() + offset, length);
    }
}
