package io.flowtap.linux;

import com.sun.jna.Native;

/**
 * {@code poll(2)} over an array of {@code struct pollfd} that the caller keeps in memory of its own, so waiting
 * allocates nothing.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                              fd                               |
 *  +-------------------------------+-------------------------------+
 *  |            events             |            revents            |
 *  +-------------------------------+-------------------------------+
 * </pre>
 * Fields are in native byte order.
 */
public final class Poll
{
    /** Size of one {@code struct pollfd}. */
    public static final int POLLFD_LENGTH = 8;
    /** Offset of {@code fd} (i32). */
    public static final int FD_OFFSET = 0;
    /** Offset of {@code events} (i16). */
    public static final int EVENTS_OFFSET = 4;
    /** Offset of {@code revents} (i16). */
    public static final int REVENTS_OFFSET = 6;

    /** There is data to read. */
    public static final int POLLIN = 0x001;
    /** An error is pending on the descriptor (reported whether asked for or not). */
    public static final int POLLERR = 0x008;
    /** The peer hung up. */
    public static final int POLLHUP = 0x010;
    /** The descriptor is not open. */
    public static final int POLLNVAL = 0x020;

    private Poll()
    {
    }

    /**
     * Wait for events. Direct-mapped: no allocation.
     *
     * @param pollFdsAddress address of {@code count} {@code struct pollfd}.
     * @param count          of entries.
     * @param timeoutMs      the longest wait; 0 returns at once, negative waits for ever.
     * @return entries with events, 0 on timeout or when a signal interrupted the wait, or a negative errno.
     */
    public static int poll(final long pollFdsAddress, final int count, final int timeoutMs)
    {
        final int result = LibC.poll(pollFdsAddress, count, timeoutMs);
        if (result >= 0)
        {
            return result;
        }
        final int errno = Native.getLastError();
        return errno == Errno.EINTR ? 0 : -errno;
    }
}
