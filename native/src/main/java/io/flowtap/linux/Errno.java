package io.flowtap.linux;

/**
 * The error numbers flowtap reacts to (asm-generic values, shared by x86_64 and aarch64), and their names for
 * messages.
 */
public final class Errno
{
    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory. */
    public static final int ENOENT = 2;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** No such device or address; also what {@code lseek} returns for a range with no data or hole past it. */
    public static final int ENXIO = 6;
    /** Bad file descriptor. */
    public static final int EBADF = 9;
    /** Resource temporarily unavailable. */
    public static final int EAGAIN = 11;
    /** Out of memory. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Device or resource busy. */
    public static final int EBUSY = 16;
    /** No such device. */
    public static final int ENODEV = 19;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** No space left on device (a full fanout group). */
    public static final int ENOSPC = 28;
    /** Illegal seek (past the last hole or data of a file). */
    public static final int ESPIPE = 29;
    /** Operation not supported (a file system without fallocate). */
    public static final int EOPNOTSUPP = 95;
    /** Protocol not available. */
    public static final int ENOPROTOOPT = 92;
    /** Network is down. */
    public static final int ENETDOWN = 100;
    /** No buffer space available (a device queue or socket send buffer is full). */
    public static final int ENOBUFS = 105;
    /** Operation already in progress (a socket already in a fanout group). */
    public static final int EALREADY = 114;

    private Errno()
    {
    }

    /**
     * @param errno a positive error number.
     * @return its symbolic name, such as {@code EINVAL}, or {@code errno N} when it is not one of these.
     */
    public static String name(final int errno)
    {
        switch (errno)
        {
            case EPERM:
                return "EPERM";
            case ENOENT:
                return "ENOENT";
            case EINTR:
                return "EINTR";
            case ENXIO:
                return "ENXIO";
            case EBADF:
                return "EBADF";
            case EAGAIN:
                return "EAGAIN";
            case ENOBUFS:
                return "ENOBUFS";
            case ENOMEM:
                return "ENOMEM";
            case EACCES:
                return "EACCES";
            case EBUSY:
                return "EBUSY";
            case ENODEV:
                return "ENODEV";
            case EINVAL:
                return "EINVAL";
            case ENOSPC:
                return "ENOSPC";
            case ESPIPE:
                return "ESPIPE";
            case EOPNOTSUPP:
                return "EOPNOTSUPP";
            case ENOPROTOOPT:
                return "ENOPROTOOPT";
            case ENETDOWN:
                return "ENETDOWN";
            case EALREADY:
                return "EALREADY";
            default:
                return "errno " + errno;
        }
    }
}
