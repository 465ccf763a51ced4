package io.flowtap.capture;

import org.agrona.DirectBuffer;

/**
 * Puts a whole link-layer frame on the wire: how a stage that must not know about sockets (the reassembly engine's
 * active response) sends what it built. A live capture supplies one bound to the interface it captures on; reading a
 * file there is none.
 * <p>
 * Implementations may be called from several threads at once (each with its own buffer) and do not allocate.
 */
@FunctionalInterface
public interface FrameSender
{
    /** {@link #send} result: the frame is not in memory a socket can read from (a heap buffer). */
    int NOT_DIRECT = Integer.MIN_VALUE;

    /**
     * @param buffer holding the frame, link-layer header first; in direct (off-heap) memory.
     * @param offset of the frame in {@code buffer}.
     * @param length of the frame.
     * @return bytes sent, or a negative errno, or {@link #NOT_DIRECT}.
     */
    int send(DirectBuffer buffer, int offset, int length);
}
