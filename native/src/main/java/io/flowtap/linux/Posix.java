package io.flowtap.linux;

import com.sun.jna.LastErrorException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * File descriptors, memory mappings and the page size.
 * <p>
 * Thread safe: every method is a plain syscall.
 */
public final class Posix
{
    /** Pages may be read. */
    public static final int PROT_READ = 0x1;
    /** Pages may be written. */
    public static final int PROT_WRITE = 0x2;
    /** Share the mapping with the kernel object behind the descriptor. */
    public static final int MAP_SHARED = 0x01;
    /** Lock the pages in memory (x86_64 and aarch64 value). */
    public static final int MAP_LOCKED = 0x2000;
    /** Fault the pages in now (x86_64 and aarch64 value). */
    public static final int MAP_POPULATE = 0x8000;
    /** {@code madvise}: the range will be read in order (more readahead, pages dropped behind the reader sooner). */
    public static final int MADV_SEQUENTIAL = 2;
    /** {@code madvise}: the range will be needed soon (start reading it in now). */
    public static final int MADV_WILLNEED = 3;

    private static final long MAP_FAILED = -1L;
    private static final long BYTES_PER_KIB = 1024;

    private Posix()
    {
    }

    /**
     * @return the size of a memory page in bytes.
     */
    public static int pageSize()
    {
        return LibC.SETUP.getpagesize();
    }

    /**
     * @return the memory the kernel estimates is available for new allocations ({@code MemAvailable} of
     * {@code /proc/meminfo}) in bytes, or -1 when it cannot be read.
     */
    public static long availableMemoryBytes()
    {
        try
        {
            for (final String line : Files.readAllLines(Paths.get("/proc/meminfo")))
            {
                if (line.startsWith("MemAvailable:"))
                {
                    final String value = line.substring("MemAvailable:".length()).trim();
                    return Long.parseLong(value.substring(0, value.indexOf(' '))) * BYTES_PER_KIB;
                }
            }
            return -1;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /**
     * Map {@code length} bytes of a descriptor read-write and shared, from offset 0.
     *
     * @param fd     to map.
     * @param length bytes to map.
     * @param flags  added to {@link #MAP_SHARED}, such as {@link #MAP_LOCKED}.
     * @param what   the mapping is, for the message if it fails (such as "ring of 4194304 bytes").
     * @return the address of the mapping.
     * @throws LinuxException when the kernel refuses; ENOMEM reads "WHAT is too large for memory".
     */
    public static long mmapShared(final int fd, final long length, final int flags, final String what)
    {
        try
        {
            final long address = LibC.SETUP.mmap(0L, length, PROT_READ | PROT_WRITE, MAP_SHARED | flags, fd, 0L);
            if (address == MAP_FAILED)
            {
                throw new LinuxException(Errno.EINVAL, "mmap of " + what + " failed");
            }
            return address;
        }
        catch (final LastErrorException ex)
        {
            final int errno = ex.getErrorCode();
            if (errno == Errno.ENOMEM || errno == Errno.EAGAIN)
            {
                throw new LinuxException(errno, what + " is too large for memory");
            }
            throw failure(errno, "mmap of " + what);
        }
    }

    /**
     * Advise the kernel how a mapped range will be used. Advice only: a kernel that refuses it changes nothing.
     *
     * @param address start of the range, page aligned.
     * @param length  bytes.
     * @param advice  an {@code MADV_} constant.
     * @return 0, or a negative errno.
     */
    public static int madvise(final long address, final long length, final int advice)
    {
        try
        {
            LibC.SETUP.madvise(address, length, advice);
            return 0;
        }
        catch (final LastErrorException ex)
        {
            return -ex.getErrorCode();
        }
    }

    /**
     * @param address of a mapping made by {@link #mmapShared}.
     * @param length  it was made with.
     * @return 0, or a negative errno.
     */
    public static int munmap(final long address, final long length)
    {
        try
        {
            LibC.SETUP.munmap(address, length);
            return 0;
        }
        catch (final LastErrorException ex)
        {
            return -ex.getErrorCode();
        }
    }

    /**
     * @param fd to close.
     * @return 0, or a negative errno.
     */
    public static int close(final int fd)
    {
        try
        {
            LibC.SETUP.close(fd);
            return 0;
        }
        catch (final LastErrorException ex)
        {
            return -ex.getErrorCode();
        }
    }

    /**
     * @param errno a positive error number.
     * @return libc's description of it.
     */
    public static String describe(final int errno)
    {
        return Errno.name(errno) + " (" + LibC.SETUP.strerror(errno) + ")";
    }

    static LinuxException failure(final int errno, final String what)
    {
        return new LinuxException(errno, what + " failed: " + describe(errno));
    }
}
