package io.flowtap.linux;

/**
 * A Linux call made while setting something up failed. The message is one line meant for a person (what to do about
 * it, not which syscall failed, when that is known); {@link #errno()} keeps the raw error number for code.
 * <p>
 * Thrown only on setup and teardown paths, never per packet: hot paths return a negative errno instead.
 */
public final class LinuxException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int errno;

    /**
     * @param errno   the positive error number the call failed with.
     * @param message one line for a person.
     */
    public LinuxException(final int errno, final String message)
    {
        super(message);
        this.errno = errno;
    }

    /**
     * @return the positive error number the call failed with.
     */
    public int errno()
    {
        return errno;
    }
}
