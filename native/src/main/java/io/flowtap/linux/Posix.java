package io.flowtap.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;

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

    /** {@code open(2)}: read only. */
    public static final int O_RDONLY = 0;
    /** {@code open(2)}: read and write. */
    public static final int O_RDWR = 2;
    /** {@code open(2)}: close on exec (x86_64 and aarch64 value). */
    public static final int O_CLOEXEC = 0x80000;
    /** {@code lseek(2)}: the next byte at or after the offset that holds data. */
    public static final int SEEK_DATA = 3;
    /** {@code lseek(2)}: the next hole at or after the offset (the end of the file counts as one). */
    public static final int SEEK_HOLE = 4;

    private static final int FALLOC_FL_KEEP_SIZE = 1;
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

    /** {@code clock_gettime}: the system's real-time clock, the one the kernel stamps captured frames with. */
    public static final int CLOCK_REALTIME = 0;
    /** Bytes of a {@code struct timespec} (LP64): seconds, then nanoseconds, each a long. */
    public static final int TIMESPEC_LENGTH = 2 * Long.BYTES;

    /**
     * {@code clock_gettime(2)} into native memory. Direct-mapped: allocates nothing.
     *
     * @param clockId         a {@code CLOCK_} constant.
     * @param timespecAddress of {@link #TIMESPEC_LENGTH} bytes: seconds then nanoseconds (native byte order).
     * @return 0, or a negative errno.
     */
    public static int clockGettime(final int clockId, final long timespecAddress)
    {
        return LibC.clock_gettime(clockId, timespecAddress) == 0 ? 0 : -Native.getLastError();
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
     * Open a file by path. A setup call: it may allocate.
     *
     * @param path  of the file.
     * @param flags {@link #O_RDONLY} or {@link #O_RDWR}, with {@link #O_CLOEXEC} always added.
     * @return the descriptor, or a negative errno.
     */
    public static int open(final String path, final int flags)
    {
        try
        {
            return LibC.SETUP.open(path, flags | O_CLOEXEC, 0);
        }
        catch (final LastErrorException ex)
        {
            return -ex.getErrorCode();
        }
    }

    /**
     * Give a range of a file disk blocks now ({@code fallocate(2)} with {@code FALLOC_FL_KEEP_SIZE}: the file's size
     * stays as it is, blocks past its end wait for it to grow), so that later writes through a mapping cannot fault
     * for want of space: the kernel says ENOSPC here instead of raising SIGBUS there. Blocks already allocated and
     * their data are left as they are, so several writers of one file may call it. Direct-mapped: allocates nothing.
     *
     * @param fd     open for writing.
     * @param offset of the first byte.
     * @param length bytes.
     * @return 0, or a negative errno: {@code -ENOSPC} when the file system is full, {@code -EOPNOTSUPP} when it
     *         cannot preallocate.
     */
    public static int fallocate(final int fd, final long offset, final long length)
    {
        while (true)
        {
            if (LibC.fallocate(fd, FALLOC_FL_KEEP_SIZE, offset, length) == 0)
            {
                return 0;
            }
            final int errno = Native.getLastError();
            if (errno != Errno.EINTR)
            {
                return -errno;
            }
        }
    }

    /**
     * {@code lseek(2)} with {@link #SEEK_DATA} or {@link #SEEK_HOLE}: where the data or hole at or after an offset
     * starts, to tell bytes a file really holds from a sparse range never written. Direct-mapped.
     *
     * @param fd     open.
     * @param offset from where to look.
     * @param whence {@link #SEEK_DATA} or {@link #SEEK_HOLE}.
     * @return the offset found, or a negative errno ({@code -ENXIO} when there is no data at or past the offset).
     */
    public static long seek(final int fd, final long offset, final int whence)
    {
        final long result = LibC.lseek(fd, offset, whence);
        return result >= 0 ? result : -Native.getLastError();
    }

    /** Bytes of a {@code struct statvfs} (x86_64 and aarch64, glibc): eleven unsigned longs and six ints. */
    public static final int STATVFS_LENGTH = 11 * Long.BYTES + 6 * Integer.BYTES;
    /** Offset of {@code f_frsize}, the fragment size, in a {@code struct statvfs} (native byte order). */
    public static final int STATVFS_FRSIZE_OFFSET = Long.BYTES;
    /** Offset of {@code f_bavail}, fragments free to an unprivileged writer, in a {@code struct statvfs}. */
    public static final int STATVFS_BAVAIL_OFFSET = 4 * Long.BYTES;

    /**
     * {@code fstatvfs(2)}: what the file system a descriptor is on has free, for a check that costs no allocation.
     * Direct-mapped.
     *
     * @param fd             open on the file system.
     * @param statvfsAddress of {@link #STATVFS_LENGTH} bytes to fill; read {@link #STATVFS_BAVAIL_OFFSET} times
     *                       {@link #STATVFS_FRSIZE_OFFSET} for the bytes available.
     * @return 0, or a negative errno.
     */
    public static int fstatvfs(final int fd, final long statvfsAddress)
    {
        return LibC.fstatvfs(fd, statvfsAddress) == 0 ? 0 : -Native.getLastError();
    }

    /**
     * {@code read(2)} into native memory. Direct-mapped: allocates nothing.
     *
     * @param fd      open for reading.
     * @param address of the memory to fill.
     * @param length  most bytes to read.
     * @return bytes read, 0 at the end of the file, or a negative errno ({@code -EINTR} to try again).
     */
    public static long read(final int fd, final long address, final long length)
    {
        final long result = LibC.read(fd, address, length);
        return result >= 0 ? result : -Native.getLastError();
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
