package io.flowtap.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * The process's effective capabilities, as the kernel shows them in {@code /proc/self/status} ({@code CapEff}), so
 * that a command can say which capability it lacks before it opens anything, whatever user it runs as: root without
 * {@code CAP_NET_RAW} cannot capture, and an unprivileged user given {@code CAP_NET_RAW} as an ambient capability (as
 * {@code packaging/flowtap.service} does) can. The kernel's own refusal ({@code EPERM}) stays the last word: when the
 * status cannot be read the check passes and the call is left to fail.
 * <p>
 * Cold path only: it reads a file and allocates.
 */
public final class Capabilities
{
    /** {@code CAP_NET_ADMIN}: interface configuration; flowtap does not need it. */
    public static final int CAP_NET_ADMIN = 12;
    /** {@code CAP_NET_RAW}: AF_PACKET sockets, their rings, promiscuous mode, fanout and sending frames. */
    public static final int CAP_NET_RAW = 13;
    /** What {@link #effective()} returns when the status cannot be read. */
    public static final long UNKNOWN = -1;

    private static final Path STATUS = Paths.get("/proc/self/status");
    private static final String EFFECTIVE_FIELD = "CapEff:";
    private static final int HIGHEST_CAPABILITY = 63;

    private Capabilities()
    {
    }

    /**
     * @return this process's effective capability set, bit N for capability N, or {@link #UNKNOWN}.
     */
    public static long effective()
    {
        try
        {
            return parseEffective(Files.readString(STATUS, StandardCharsets.US_ASCII));
        }
        catch (final IOException | SecurityException ex)
        {
            return UNKNOWN;
        }
    }

    /**
     * @param status the text of a {@code /proc/PID/status} file.
     * @return its effective capability set, or {@link #UNKNOWN} when it has none or one that is not hexadecimal.
     */
    public static long parseEffective(final String status)
    {
        for (final String line : status.split("\n"))
        {
            if (line.startsWith(EFFECTIVE_FIELD))
            {
                try
                {
                    return Long.parseUnsignedLong(line.substring(EFFECTIVE_FIELD.length()).trim(), 16);
                }
                catch (final NumberFormatException ex)
                {
                    return UNKNOWN;
                }
            }
        }
        return UNKNOWN;
    }

    /**
     * @param effective  a capability set, or {@link #UNKNOWN}.
     * @param capability such as {@link #CAP_NET_RAW}.
     * @return whether the set holds it; true when the set is unknown, so that the kernel decides.
     */
    public static boolean holds(final long effective, final int capability)
    {
        if (capability < 0 || capability > HIGHEST_CAPABILITY)
        {
            throw new IllegalArgumentException("no capability " + capability);
        }
        return effective == UNKNOWN || (effective & (1L << capability)) != 0;
    }

    /**
     * Check that this process holds a capability.
     *
     * @param capability such as {@link #CAP_NET_RAW}.
     * @param purpose    what it is needed for, e.g. "to capture on eth0".
     * @return null when it is held (or cannot be known), otherwise one line for a person naming the capability.
     */
    public static String missing(final int capability, final String purpose)
    {
        return missing(effective(), capability, purpose);
    }

    /**
     * @param effective  a capability set, or {@link #UNKNOWN}.
     * @param capability such as {@link #CAP_NET_RAW}.
     * @param purpose    what it is needed for, e.g. "to capture on eth0".
     * @return null when the set holds it (or is unknown), otherwise one line for a person naming the capability.
     */
    public static String missing(final long effective, final int capability, final String purpose)
    {
        if (holds(effective, capability))
        {
            return null;
        }
        final String name = name(capability);
        return String.format(Locale.ROOT, "needs %s %s, and this process does not have it (effective capabilities " +
            "0x%x): run it as root, or as any user with %s as an ambient capability (AmbientCapabilities=%s in its " +
            "systemd unit)", name, purpose, effective, name, name);
    }

    /**
     * @param capability number.
     * @return its name, such as {@code CAP_NET_RAW}.
     */
    public static String name(final int capability)
    {
        switch (capability)
        {
            case CAP_NET_ADMIN:
                return "CAP_NET_ADMIN";
            case CAP_NET_RAW:
                return "CAP_NET_RAW";
            default:
                return "capability " + capability;
        }
    }
}
