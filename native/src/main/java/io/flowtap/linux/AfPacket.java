package io.flowtap.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;

/**
 * AF_PACKET sockets: the calls that set up a TPACKET_V3 receive ring, join a fanout group and read the kernel's
 * statistics. Constants and layouts are those of {@code linux/if_packet.h}.
 * <p>
 * Setup methods throw {@link LinuxException} with one line for a person. {@link #readStatistics} and {@link #send}
 * are direct-mapped, allocate nothing and return a negative errno instead.
 * <p>
 * Thread safe: every method is a plain syscall on the descriptor it is given.
 */
public final class AfPacket
{
    /** The address family. */
    public static final int AF_PACKET = 17;
    /** Frames with their link-layer header. */
    public static final int SOCK_RAW = 3;
    /** Every protocol, in host byte order (pass through {@link #htons}). */
    public static final int ETH_P_ALL = 0x0003;
    /** The socket option level of AF_PACKET. */
    public static final int SOL_PACKET = 263;
    /** Add a membership such as promiscuous mode ({@code struct packet_mreq}). */
    public static final int PACKET_ADD_MEMBERSHIP = 1;
    /** Set up a receive ring ({@code struct tpacket_req3} with V3). */
    public static final int PACKET_RX_RING = 5;
    /** Read and clear the statistics ({@code struct tpacket_stats_v3} with V3). */
    public static final int PACKET_STATISTICS = 6;
    /** Select the ring's header version; must come before the ring. */
    public static final int PACKET_VERSION = 10;
    /** Join a fanout group (after bind). */
    public static final int PACKET_FANOUT = 18;
    /** Do not deliver packets this host sends (int 1); before the ring. */
    public static final int PACKET_IGNORE_OUTGOING = 23;
    /** Set up a transmit ring ({@code struct tpacket_req}). */
    public static final int PACKET_TX_RING = 13;
    /** Skip malformed frames of a transmit ring instead of stopping at them (int 1). */
    public static final int PACKET_LOSS = 14;
    /** Hand transmitted frames straight to the driver, past the qdisc layer (int 1). */
    public static final int PACKET_QDISC_BYPASS = 20;
    /** The fixed-frame ring flowtap transmits with. */
    public static final int TPACKET_V2 = 1;
    /** The variable-length block ring. */
    public static final int TPACKET_V3 = 2;
    /** Length of {@code struct tpacket_req}. */
    public static final int TPACKET_REQ_LENGTH = 16;
    /** {@code send(2)} flag: do not wait for the frames handed over to be sent. */
    public static final int MSG_DONTWAIT = 0x40;
    /** {@code mr_type} of promiscuous mode. */
    public static final int PACKET_MR_PROMISC = 1;

    /** Fanout by a symmetric hash of the flow. */
    public static final int PACKET_FANOUT_HASH = 0;
    /** Fanout round robin. */
    public static final int PACKET_FANOUT_LB = 1;
    /** Fanout by the CPU the packet arrived on. */
    public static final int PACKET_FANOUT_CPU = 2;
    /** Fanout by the NIC's receive queue. */
    public static final int PACKET_FANOUT_QM = 5;
    /** Reassemble IP fragments before hashing, so a flow's fragments land on one socket. */
    public static final int PACKET_FANOUT_FLAG_DEFRAG = 0x8000;

    /** Length of {@code struct tpacket_req3}. */
    public static final int TPACKET_REQ3_LENGTH = 28;
    /** Length of {@code struct tpacket_stats_v3}. */
    public static final int TPACKET_STATS_V3_LENGTH = 12;
    /** Offset of {@code tp_packets} (u32) in {@code struct tpacket_stats_v3}; it includes the drops. */
    public static final int STATS_PACKETS_OFFSET = 0;
    /** Offset of {@code tp_drops} (u32). */
    public static final int STATS_DROPS_OFFSET = 4;
    /** Offset of {@code tp_freeze_q_cnt} (u32). */
    public static final int STATS_FREEZE_COUNT_OFFSET = 8;
    /**
     * Offset in the scratch memory of {@link #readStatistics} of the {@code socklen_t} (i32) that carries the
     * length of the statistics in and out: the caller stores {@link #TPACKET_STATS_V3_LENGTH} there before each call.
     */
    public static final int STATISTICS_LENGTH_OFFSET = TPACKET_STATS_V3_LENGTH;
    /** Scratch memory {@link #readStatistics} needs: the statistics, then their length. */
    public static final int STATISTICS_SCRATCH_LENGTH = STATISTICS_LENGTH_OFFSET + Integer.BYTES;

    /** The message for a missing CAP_NET_RAW. */
    public static final String NEEDS_CAP_NET_RAW = "needs CAP_NET_RAW: run as root or grant the capability";

    /** What {@link #attachFilter} says when the kernel refuses the program (EINVAL). */
    public static final String FILTER_REJECTED = "the kernel rejected the filter program";

    private static final int SOL_SOCKET = 1;
    private static final int SO_ERROR = 4;
    private static final int SO_ATTACH_FILTER = 26;
    /** {@code struct sock_fprog}: u16 len, 6 bytes of padding, then the pointer (LP64). */
    private static final int SOCK_FPROG_LENGTH = 16;
    private static final int SOCK_FPROG_FILTER_OFFSET = 8;
    /** {@code struct sock_filter}: u16 code, u8 jt, u8 jf, u32 k. */
    private static final int SOCK_FILTER_LENGTH = 8;
    private static final int MAX_FILTER_LENGTH = 0xFFFF;
    private static final int SOCKADDR_LL_LENGTH = 20;
    private static final int PACKET_MREQ_LENGTH = 16;
    private static final int FANOUT_TYPE_SHIFT = 16;
    private static final int MAX_FANOUT_GROUP_ID = 0xFFFF;

    private AfPacket()
    {
    }

    /**
     * @param value a 16-bit value in host byte order.
     * @return it in network byte order, as {@code htons(3)}.
     */
    public static int htons(final int value)
    {
        return Short.toUnsignedInt(Short.reverseBytes((short)value));
    }

    /**
     * Open {@code socket(AF_PACKET, SOCK_RAW, 0)}: a socket that receives nothing until {@link #bind} names the
     * interface and {@code ETH_P_ALL}, so no frame of another interface slips into a ring set up in between (libpcap
     * opens its sockets the same way).
     *
     * @return the descriptor.
     * @throws LinuxException {@value #NEEDS_CAP_NET_RAW} without the capability.
     */
    public static int open()
    {
        try
        {
            return LibC.SETUP.socket(AF_PACKET, SOCK_RAW, 0);
        }
        catch (final LastErrorException ex)
        {
            final int errno = ex.getErrorCode();
            if (errno == Errno.EPERM || errno == Errno.EACCES)
            {
                throw new LinuxException(errno, NEEDS_CAP_NET_RAW);
            }
            throw Posix.failure(errno, "opening an AF_PACKET socket");
        }
    }

    /**
     * @param interfaceName such as {@code eth0}.
     * @return its index.
     * @throws LinuxException "no such interface: NAME".
     */
    public static int interfaceIndex(final String interfaceName)
    {
        try
        {
            final int index = LibC.SETUP.if_nametoindex(interfaceName);
            if (index == 0)
            {
                throw new LinuxException(Errno.ENODEV, "no such interface: " + interfaceName);
            }
            return index;
        }
        catch (final LastErrorException ex)
        {
            throw new LinuxException(ex.getErrorCode(), "no such interface: " + interfaceName);
        }
    }

    /**
     * Select the ring header version; must come before {@link #setRxRing}.
     *
     * @param fd      of the socket.
     * @param version such as {@link #TPACKET_V3}.
     */
    public static void setVersion(final int fd, final int version)
    {
        setInt(fd, PACKET_VERSION, version, "PACKET_VERSION");
    }

    /**
     * Stop or resume delivering the packets this host sends; must come before {@link #setRxRing}.
     *
     * @param fd     of the socket.
     * @param ignore true to ignore outgoing packets.
     */
    public static void setIgnoreOutgoing(final int fd, final boolean ignore)
    {
        setInt(fd, PACKET_IGNORE_OUTGOING, ignore ? 1 : 0, "PACKET_IGNORE_OUTGOING");
    }

    /**
     * Attach a classic BPF program ({@code SO_ATTACH_FILTER}), which the kernel then runs on every packet before
     * queueing it to the socket or its ring; a return of 0 drops the packet. Attach before {@link #setRxRing} and
     * {@link #bind}, so that no packet reaches the ring unfiltered. Attaching again replaces the program.
     *
     * @param fd           of the socket.
     * @param instructions each {@code struct sock_filter} packed as {@code code << 48 | jt << 40 | jf << 32 | k}.
     * @throws LinuxException {@value #FILTER_REJECTED} when the kernel's checker refuses it (EINVAL), or that it is
     *                        too large for the socket's option memory (ENOMEM, {@code net.core.optmem_max}).
     */
    public static void attachFilter(final int fd, final long[] instructions)
    {
        if (instructions.length == 0 || instructions.length > MAX_FILTER_LENGTH)
        {
            throw new LinuxException(Errno.EINVAL, FILTER_REJECTED + ": it has " + instructions.length +
                " instructions");
        }
        try (Memory program = new Memory((long)instructions.length * SOCK_FILTER_LENGTH);
            Memory fprog = new Memory(SOCK_FPROG_LENGTH))
        {
            for (int i = 0; i < instructions.length; i++)
            {
                final long instruction = instructions[i];
                final long offset = (long)i * SOCK_FILTER_LENGTH;
                program.setShort(offset, (short)(instruction >>> 48));
                program.setByte(offset + 2, (byte)(instruction >>> 40));
                program.setByte(offset + 3, (byte)(instruction >>> 32));
                program.setInt(offset + 4, (int)instruction);
            }
            fprog.clear();
            fprog.setShort(0, (short)instructions.length);
            fprog.setPointer(SOCK_FPROG_FILTER_OFFSET, program);
            LibC.SETUP.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, SOCK_FPROG_LENGTH);
        }
        catch (final LastErrorException ex)
        {
            final int errno = ex.getErrorCode();
            if (errno == Errno.EINVAL)
            {
                throw new LinuxException(errno, FILTER_REJECTED);
            }
            if (errno == Errno.ENOMEM)
            {
                throw new LinuxException(errno, "the filter program of " + instructions.length +
                    " instructions is too large for socket option memory (net.core.optmem_max)");
            }
            throw Posix.failure(errno, "SO_ATTACH_FILTER");
        }
    }

    /**
     * Set up a TPACKET_V3 receive ring ({@code struct tpacket_req3}), with no private block area.
     *
     * @param fd              of the socket, already set to {@link #TPACKET_V3}.
     * @param blockSize       bytes per block: a power of two and a multiple of the page size.
     * @param blockCount      blocks in the ring.
     * @param frameSize       the nominal frame size the kernel validates (V3 packs packets by their length).
     * @param frameCount      {@code blockSize / frameSize * blockCount}, exactly.
     * @param retireTimeoutMs after which the kernel hands over a block that is not full; 0 lets it choose.
     * @param featureRequest  {@code tp_feature_req_word}, such as TP_FT_REQ_FILL_RXHASH, or 0.
     * @throws LinuxException "ring of N bytes is too large for memory" when the kernel cannot allocate it.
     */
    public static void setRxRing(
        final int fd,
        final int blockSize,
        final int blockCount,
        final int frameSize,
        final int frameCount,
        final int retireTimeoutMs,
        final int featureRequest)
    {
        try (Memory request = new Memory(TPACKET_REQ3_LENGTH))
        {
            request.setInt(0, blockSize);
            request.setInt(4, blockCount);
            request.setInt(8, frameSize);
            request.setInt(12, frameCount);
            request.setInt(16, retireTimeoutMs);
            request.setInt(20, 0);
            request.setInt(24, featureRequest);
            LibC.SETUP.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, request, TPACKET_REQ3_LENGTH);
        }
        catch (final LastErrorException ex)
        {
            final int errno = ex.getErrorCode();
            final long ringLength = (long)blockSize * blockCount;
            if (errno == Errno.ENOMEM)
            {
                throw new LinuxException(errno, "ring of " + ringLength + " bytes is too large for memory");
            }
            throw Posix.failure(errno, "PACKET_RX_RING of " + blockCount + " blocks of " + blockSize + " bytes");
        }
    }

    /**
     * Set up a TPACKET_V2 transmit ring ({@code struct tpacket_req}).
     *
     * @param fd         of the socket, already set to {@link #TPACKET_V2}.
     * @param blockSize  bytes per block: a multiple of the page size and of the frame size.
     * @param blockCount blocks in the ring.
     * @param frameSize  bytes per frame slot, header included: a multiple of 16.
     * @param frameCount {@code blockSize / frameSize * blockCount}, exactly.
     * @throws LinuxException "transmit ring of N bytes is too large for memory" when the kernel cannot allocate it.
     */
    public static void setTxRing(
        final int fd,
        final int blockSize,
        final int blockCount,
        final int frameSize,
        final int frameCount)
    {
        try (Memory request = new Memory(TPACKET_REQ_LENGTH))
        {
            request.setInt(0, blockSize);
            request.setInt(4, blockCount);
            request.setInt(8, frameSize);
            request.setInt(12, frameCount);
            LibC.SETUP.setsockopt(fd, SOL_PACKET, PACKET_TX_RING, request, TPACKET_REQ_LENGTH);
        }
        catch (final LastErrorException ex)
        {
            final int errno = ex.getErrorCode();
            if (errno == Errno.ENOMEM)
            {
                throw new LinuxException(errno, "transmit ring of " + (long)blockSize * blockCount +
                    " bytes is too large for memory");
            }
            throw Posix.failure(errno, "PACKET_TX_RING of " + frameCount + " frames of " + frameSize + " bytes");
        }
    }

    /**
     * Let a transmit ring skip frames the kernel finds malformed ({@link #PACKET_LOSS}) rather than stop at them;
     * must come before {@link #setTxRing}.
     *
     * @param fd   of the socket.
     * @param skip true to skip malformed frames.
     */
    public static void setLoss(final int fd, final boolean skip)
    {
        setInt(fd, PACKET_LOSS, skip ? 1 : 0, "PACKET_LOSS");
    }

    /**
     * Send frames straight to the driver's queue, past the qdisc layer and its accounting.
     *
     * @param fd     of the socket.
     * @param bypass true to bypass the qdisc layer.
     */
    public static void setQdiscBypass(final int fd, final boolean bypass)
    {
        setInt(fd, PACKET_QDISC_BYPASS, bypass ? 1 : 0, "PACKET_QDISC_BYPASS");
    }

    /**
     * Bind a socket that only sends to one interface: protocol 0, so the kernel queues no received frame to it.
     *
     * @param fd             of the socket.
     * @param interfaceIndex from {@link #interfaceIndex}.
     * @param interfaceName  for messages.
     * @throws LinuxException "interface NAME is down", or "no such interface: NAME".
     */
    public static void bindForSending(final int fd, final int interfaceIndex, final String interfaceName)
    {
        try (Memory address = new Memory(SOCKADDR_LL_LENGTH))
        {
            address.clear();
            address.setShort(0, (short)AF_PACKET);
            address.setInt(4, interfaceIndex);
            LibC.SETUP.bind(fd, address, SOCKADDR_LL_LENGTH);
        }
        catch (final LastErrorException ex)
        {
            throw interfaceFailure(ex.getErrorCode(), interfaceName, "binding to interface " + interfaceName);
        }
        final int pending = pendingError(fd);
        if (pending != 0)
        {
            throw interfaceFailure(pending, interfaceName, "binding to interface " + interfaceName);
        }
    }

    /**
     * Ask the kernel to send every frame of the transmit ring marked {@code TP_STATUS_SEND_REQUEST}
     * ({@code send(fd, NULL, 0, flags)}). Direct-mapped: allocates nothing.
     *
     * @param fd    of a socket with a transmit ring.
     * @param flags {@link #MSG_DONTWAIT} to return once the frames are handed to the device, or 0 to wait until
     *              the kernel is done with them.
     * @return bytes sent, or a negative errno.
     */
    public static long flushTxRing(final int fd, final int flags)
    {
        final long result = LibC.send(fd, 0L, 0L, flags);
        return result >= 0 ? result : -Native.getLastError();
    }

    /**
     * Bind the socket to one interface, for every protocol, then check that the interface is up: the kernel binds
     * a down interface without complaint and reports ENETDOWN on the socket instead.
     *
     * @param fd             of the socket.
     * @param interfaceIndex from {@link #interfaceIndex}.
     * @param interfaceName  for messages.
     * @throws LinuxException "interface NAME is down", or "no such interface: NAME".
     */
    public static void bind(final int fd, final int interfaceIndex, final String interfaceName)
    {
        try (Memory address = new Memory(SOCKADDR_LL_LENGTH))
        {
            address.clear();
            address.setShort(0, (short)AF_PACKET);
            address.setByte(2, (byte)(ETH_P_ALL >>> 8));
            address.setByte(3, (byte)ETH_P_ALL);
            address.setInt(4, interfaceIndex);
            LibC.SETUP.bind(fd, address, SOCKADDR_LL_LENGTH);
        }
        catch (final LastErrorException ex)
        {
            throw interfaceFailure(ex.getErrorCode(), interfaceName, "binding to interface " + interfaceName);
        }
        final int pending = pendingError(fd);
        if (pending != 0)
        {
            throw interfaceFailure(pending, interfaceName, "binding to interface " + interfaceName);
        }
    }

    /**
     * Put the interface in promiscuous mode for as long as the socket is open.
     *
     * @param fd             of the socket.
     * @param interfaceIndex to put in promiscuous mode.
     * @param interfaceName  for messages.
     */
    public static void addPromiscuous(final int fd, final int interfaceIndex, final String interfaceName)
    {
        try (Memory request = new Memory(PACKET_MREQ_LENGTH))
        {
            request.clear();
            request.setInt(0, interfaceIndex);
            request.setShort(4, (short)PACKET_MR_PROMISC);
            LibC.SETUP.setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, request, PACKET_MREQ_LENGTH);
        }
        catch (final LastErrorException ex)
        {
            throw interfaceFailure(ex.getErrorCode(), interfaceName, "promiscuous mode on " + interfaceName);
        }
    }

    /**
     * Join a fanout group; must come after {@link #bind}. Every member must use the same mode and flags on the same
     * interface.
     *
     * @param fd       of the bound socket.
     * @param groupId  0 to 65535.
     * @param mode     such as {@link #PACKET_FANOUT_HASH}.
     * @param flags    such as {@link #PACKET_FANOUT_FLAG_DEFRAG}, or 0.
     */
    public static void joinFanout(final int fd, final int groupId, final int mode, final int flags)
    {
        if (groupId < 0 || groupId > MAX_FANOUT_GROUP_ID)
        {
            throw new LinuxException(Errno.EINVAL, "fanout group id " + groupId + " is out of range 0..65535");
        }
        final int value = groupId | ((mode | flags) << FANOUT_TYPE_SHIFT);
        try
        {
            setIntOrThrow(fd, SOL_PACKET, PACKET_FANOUT, value);
        }
        catch (final LastErrorException ex)
        {
            final int errno = ex.getErrorCode();
            switch (errno)
            {
                case Errno.EINVAL:
                    throw new LinuxException(errno, "fanout group " + groupId + " refused the socket: every member " +
                        "must use the same mode, flags and interface");
                case Errno.EALREADY:
                    throw new LinuxException(errno, "the socket is already in a fanout group");
                case Errno.ENOSPC:
                    throw new LinuxException(errno, "fanout group " + groupId + " is full");
                default:
                    throw Posix.failure(errno, "joining fanout group " + groupId);
            }
        }
    }

    /**
     * @param fd of a socket in a fanout group.
     * @return {@code id | mode << 16 | flags << 24}, as the kernel reports it.
     */
    public static int fanout(final int fd)
    {
        return getInt(fd, SOL_PACKET, PACKET_FANOUT, "PACKET_FANOUT");
    }

    /**
     * Read and clear the kernel's ring statistics ({@code struct tpacket_stats_v3}) into scratch memory.
     * Direct-mapped: allocates nothing. The kernel resets them on every read, so callers keep running totals.
     *
     * @param fd             of the socket.
     * @param scratchAddress of {@link #STATISTICS_SCRATCH_LENGTH} bytes, 4-aligned, with
     *                       {@link #TPACKET_STATS_V3_LENGTH} stored at {@link #STATISTICS_LENGTH_OFFSET}; the
     *                       statistics land at {@link #STATS_PACKETS_OFFSET} and the others.
     * @return 0, or a negative errno.
     */
    public static int readStatistics(final int fd, final long scratchAddress)
    {
        final long lengthAddress = scratchAddress + STATISTICS_LENGTH_OFFSET;
        final int result = LibC.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, scratchAddress, lengthAddress);
        return result == 0 ? 0 : -Native.getLastError();
    }

    /**
     * Send one frame on a bound socket. Direct-mapped: allocates nothing.
     *
     * @param fd      of a bound socket.
     * @param address of the frame, link-layer header first.
     * @param length  of the frame.
     * @return bytes sent, or a negative errno.
     */
    public static int send(final int fd, final long address, final int length)
    {
        final long result = LibC.send(fd, address, length, 0);
        return result >= 0 ? (int)result : -Native.getLastError();
    }

    private static LinuxException interfaceFailure(final int errno, final String interfaceName, final String what)
    {
        switch (errno)
        {
            case Errno.ENETDOWN:
                return new LinuxException(errno, "interface " + interfaceName + " is down");
            case Errno.ENODEV:
            case Errno.ENXIO:
                return new LinuxException(errno, "no such interface: " + interfaceName);
            case Errno.EPERM:
            case Errno.EACCES:
                return new LinuxException(errno, NEEDS_CAP_NET_RAW);
            default:
                return Posix.failure(errno, what);
        }
    }

    /**
     * Read and clear the error pending on a socket ({@code SO_ERROR}), such as ENETDOWN once its interface went
     * down. For the error path only: it allocates.
     *
     * @param fd of the socket.
     * @return the positive errno pending, or 0.
     */
    public static int pendingError(final int fd)
    {
        return getInt(fd, SOL_SOCKET, SO_ERROR, "SO_ERROR");
    }

    private static void setInt(final int fd, final int name, final int value, final String optionName)
    {
        try
        {
            setIntOrThrow(fd, SOL_PACKET, name, value);
        }
        catch (final LastErrorException ex)
        {
            throw Posix.failure(ex.getErrorCode(), "setsockopt(" + optionName + ")");
        }
    }

    private static void setIntOrThrow(final int fd, final int level, final int name, final int value)
    {
        try (Memory memory = new Memory(Integer.BYTES))
        {
            memory.setInt(0, value);
            LibC.SETUP.setsockopt(fd, level, name, memory, Integer.BYTES);
        }
    }

    private static int getInt(final int fd, final int level, final int name, final String optionName)
    {
        try (Memory memory = new Memory(2 * Integer.BYTES))
        {
            memory.setInt(0, 0);
            memory.setInt(Integer.BYTES, Integer.BYTES);
            LibC.SETUP.getsockopt(fd, level, name, memory, memory.share(Integer.BYTES));
            return memory.getInt(0);
        }
        catch (final LastErrorException ex)
        {
            throw Posix.failure(ex.getErrorCode(), "getsockopt(" + optionName + ")");
        }
    }
}
