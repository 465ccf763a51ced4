package io.flowtap.capture.ring;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A small tmpfs a test mounts for itself, to see what flowtap does when a disk fills up: real ENOSPC from the kernel,
 * and real SIGBUS for a mapped write it cannot back. Needs root (CAP_SYS_ADMIN): without it the test skips with the
 * reason, unless {@value LiveNetwork#REQUIRE_ENV} is set, as in CI, when it fails.
 */
public final class SmallDisk implements AutoCloseable
{
    private static final int CAP_SYS_ADMIN = 21;

    private final Path path;
    private Path filler;

    private SmallDisk(final Path path)
    {
        this.path = path;
    }

    /**
     * Mount a tmpfs of {@code bytes} on a new directory under {@code parent}.
     *
     * @param parent where to make the mount point (a test's temporary directory).
     * @param bytes  size of the file system.
     * @return the mounted disk; close it to unmount.
     */
    public static SmallDisk mount(final Path parent, final long bytes)
    {
        if (!hasSysAdmin())
        {
            final String message = "a tmpfs mounted by the test needs CAP_SYS_ADMIN (run as root)";
            if (System.getenv(LiveNetwork.REQUIRE_ENV) != null)
            {
                Assertions.fail(message + ", and " + LiveNetwork.REQUIRE_ENV + " is set");
            }
            Assumptions.abort("skipped: " + message);
        }
        try
        {
            final Path point = Files.createTempDirectory(parent, "small-disk");
            LiveNetwork.check("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", point.toString());
            return new SmallDisk(point);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return the mount point.
     */
    public Path path()
    {
        return path;
    }

    /**
     * Take space with a file of zeros, so that a later {@link #free()} makes room again.
     *
     * @param bytes to take.
     */
    public void fill(final long bytes)
    {
        try
        {
            filler = path.resolve("filler");
            final byte[] block = new byte[1 << 16];
            try (OutputStream out = Files.newOutputStream(filler))
            {
                for (long written = 0; written < bytes; written += block.length)
                {
                    out.write(block, 0, (int)Math.min(block.length, bytes - written));
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Delete what {@link #fill} took.
     */
    public void free()
    {
        try
        {
            Files.deleteIfExists(filler);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return bytes free.
     */
    public long freeBytes()
    {
        return path.toFile().getUsableSpace();
    }

    @Override
    public void close()
    {
        LiveNetwork.run(java.util.List.of("umount", "-l", path.toString()), 30);
    }

    private static boolean hasSysAdmin()
    {
        try
        {
            for (final String line : Files.readAllLines(Paths.get("/proc/self/status")))
            {
                if (line.startsWith("CapEff:"))
                {
                    final long capabilities = Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                    return (capabilities & (1L << CAP_SYS_ADMIN)) != 0;
                }
            }
            return false;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
