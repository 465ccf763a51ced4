package io.flowtap.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc functions flowtap calls, in two mappings:
 * <ul>
 *     <li>{@link Setup}: interface mapping with {@link LastErrorException} for calls made once at setup, where
 *     convenience beats speed and JNA clears errno before each call;</li>
 *     <li>the static natives of this class: direct mapping ({@link Native#register(String)}) with primitive
 *     arguments only, for calls on the idle and statistics paths, which must not allocate. They return -1 and
 *     leave errno in {@link Native#getLastError()}.</li>
 * </ul>
 * Pointers cross as {@code long}: this is only correct where a pointer and a 64-bit integer are passed alike
 * (LP64: x86_64, aarch64), which the static initialiser checks.
 */
final class LibC
{
    static final Setup SETUP;

    static
    {
        if (Native.POINTER_SIZE != Long.BYTES || !Platform.isLinux())
        {
            throw new LinuxException(
                Errno.EINVAL, "flowtap's native bindings need 64-bit Linux, not " + System.getProperty("os.name") +
                " with " + Native.POINTER_SIZE + "-byte pointers");
        }
        Native.register(LibC.class, Platform.C_LIBRARY_NAME);
        SETUP = Native.load(Platform.C_LIBRARY_NAME, Setup.class);
    }

    private LibC()
    {
    }

    /**
     * Setup calls: interface-mapped, each throwing {@link LastErrorException} when it sets errno.
     */
    public interface Setup extends Library
    {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, Pointer address, int addressLength) throws LastErrorException;

        int setsockopt(int fd, int level, int name, Pointer value, int valueLength) throws LastErrorException;

        int getsockopt(int fd, int level, int name, Pointer value, Pointer valueLength) throws LastErrorException;

        long mmap(long address, long length, int protection, int flags, int fd, long offset)
            throws LastErrorException;

        int munmap(long address, long length) throws LastErrorException;

        int madvise(long address, long length, int advice) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int open(String path, int flags, int mode) throws LastErrorException;

        int if_nametoindex(String name) throws LastErrorException;

        int sched_setaffinity(int pid, long maskSize, long[] mask) throws LastErrorException;

        int sched_getaffinity(int pid, long maskSize, long[] mask) throws LastErrorException;

        int getpagesize();

        String strerror(int errno);
    }

    static native int poll(long pollFdsAddress, long count, int timeoutMs);

    static native int getsockopt(int fd, int level, int name, long valueAddress, long valueLengthAddress);

    static native long send(int fd, long bufferAddress, long length, int flags);

    static native int fallocate(int fd, int mode, long offset, long length);

    static native long lseek(int fd, long offset, int whence);

    static native long read(int fd, long bufferAddress, long length);

    static native int clock_gettime(int clockId, long timespecAddress);

    static native int fstatvfs(int fd, long statvfsAddress);
}
