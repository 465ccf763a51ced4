package io.flowtap.capture.codec;

/**
 * The 4-byte address-family header of BSD loopback captures (LINKTYPE_NULL in the writer's byte order,
 * LINKTYPE_LOOP in network byte order), and the families that mean IPv4 or IPv6 on the systems that write them.
 */
public final class LoopbackDescriptor
{
    /** Length of the header. */
    public static final int HEADER_LENGTH = 4;
    /** AF_INET everywhere. */
    public static final int AF_INET = 2;
    /** AF_INET6 on Linux. */
    public static final int AF_INET6_LINUX = 10;
    /** AF_INET6 on NetBSD, OpenBSD and BSD/OS. */
    public static final int AF_INET6_BSD = 24;
    /** AF_INET6 on FreeBSD and DragonFly. */
    public static final int AF_INET6_FREEBSD = 28;
    /** AF_INET6 on macOS. */
    public static final int AF_INET6_DARWIN = 30;

    private LoopbackDescriptor()
    {
    }

    /**
     * @param family an address family from the header.
     * @return whether it means IPv6 on any system.
     */
    public static boolean isInet6(final int family)
    {
        return family == AF_INET6_LINUX || family == AF_INET6_BSD ||
            family == AF_INET6_FREEBSD || family == AF_INET6_DARWIN;
    }
}
