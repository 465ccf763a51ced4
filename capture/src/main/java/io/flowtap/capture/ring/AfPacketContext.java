package io.flowtap.capture.ring;

import io.flowtap.capture.filter.BpfProgram;
import io.flowtap.capture.filter.FlowFilter;
import io.flowtap.linux.Posix;

/**
 * Configuration of an {@link AfPacketRingSource}: fluent setters, then {@link #conclude()} checks the whole and
 * fills in defaults.
 * <p>
 * Not thread safe: configure on one thread, then hand it to {@link AfPacketRingSource#open}.
 */
public final class AfPacketContext
{
    /** No fanout group: the socket sees every packet of the interface. */
    public static final int NO_FANOUT = -1;

    private String interfaceName;
    private int blockSize = RingGeometry.BLOCK_SIZE_DEFAULT;
    private int blockCount = RingGeometry.BLOCK_COUNT_DEFAULT;
    private int frameSize = RingGeometry.FRAME_SIZE_DEFAULT;
    private int retireTimeoutMs = RingGeometry.RETIRE_TIMEOUT_MS_DEFAULT;
    private boolean promiscuous;
    private boolean ignoreOutgoing;
    private int fanoutGroupId = NO_FANOUT;
    private FanoutMode fanoutMode = FanoutMode.HASH;
    private boolean fanoutDefrag = true;
    private String filterExpression;
    private BpfProgram filterProgram;
    private BpfProgram compiledFilter;
    private RingGeometry geometry;

    /**
     * @param interfaceName to capture on, such as {@code eth0}.
     * @return this.
     */
    public AfPacketContext interfaceName(final String interfaceName)
    {
        this.interfaceName = interfaceName;
        return this;
    }

    /**
     * @return the interface to capture on.
     */
    public String interfaceName()
    {
        return interfaceName;
    }

    /**
     * @param blockSize bytes per ring block (default {@value RingGeometry#BLOCK_SIZE_DEFAULT}).
     * @return this.
     */
    public AfPacketContext blockSize(final int blockSize)
    {
        this.blockSize = blockSize;
        return this;
    }

    /**
     * @param blockCount blocks in the ring (default {@value RingGeometry#BLOCK_COUNT_DEFAULT}).
     * @return this.
     */
    public AfPacketContext blockCount(final int blockCount)
    {
        this.blockCount = blockCount;
        return this;
    }

    /**
     * @param frameSize nominal frame size for the kernel's checks (default {@value RingGeometry#FRAME_SIZE_DEFAULT}).
     * @return this.
     */
    public AfPacketContext frameSize(final int frameSize)
    {
        this.frameSize = frameSize;
        return this;
    }

    /**
     * @param retireTimeoutMs after which a block that is not full is handed over; 0 lets the kernel choose.
     * @return this.
     */
    public AfPacketContext retireTimeoutMs(final int retireTimeoutMs)
    {
        this.retireTimeoutMs = retireTimeoutMs;
        return this;
    }

    /**
     * @param promiscuous whether to put the interface in promiscuous mode while capturing.
     * @return this.
     */
    public AfPacketContext promiscuous(final boolean promiscuous)
    {
        this.promiscuous = promiscuous;
        return this;
    }

    /**
     * @return whether the interface is put in promiscuous mode.
     */
    public boolean promiscuous()
    {
        return promiscuous;
    }

    /**
     * @param ignoreOutgoing whether to leave out packets this host sends.
     * @return this.
     */
    public AfPacketContext ignoreOutgoing(final boolean ignoreOutgoing)
    {
        this.ignoreOutgoing = ignoreOutgoing;
        return this;
    }

    /**
     * @return whether packets this host sends are left out.
     */
    public boolean ignoreOutgoing()
    {
        return ignoreOutgoing;
    }

    /**
     * Join a fanout group.
     *
     * @param groupId 0 to 65535, shared by every socket of the group, or {@link #NO_FANOUT}.
     * @param mode    shared by every socket of the group.
     * @param defrag  whether the kernel reassembles IP fragments before choosing a socket.
     * @return this.
     */
    public AfPacketContext fanout(final int groupId, final FanoutMode mode, final boolean defrag)
    {
        this.fanoutGroupId = groupId;
        this.fanoutMode = mode;
        this.fanoutDefrag = defrag;
        return this;
    }

    /**
     * @return the fanout group id, or {@link #NO_FANOUT}.
     */
    public int fanoutGroupId()
    {
        return fanoutGroupId;
    }

    /**
     * @return the fanout mode.
     */
    public FanoutMode fanoutMode()
    {
        return fanoutMode;
    }

    /**
     * @return whether fragments are reassembled before fanout.
     */
    public boolean fanoutDefrag()
    {
        return fanoutDefrag;
    }

    /**
     * Filter in the kernel: the expression is compiled by {@link #conclude()} and attached to the socket before the
     * ring is set up and the socket bound, so no packet it rejects ever reaches the ring. Every compiled filter
     * also keeps only TCP, so an empty expression keeps every TCP segment.
     *
     * @param expression in the language of {@link FlowFilter}, or null for no filter.
     * @return this.
     */
    public AfPacketContext filter(final String expression)
    {
        this.filterExpression = expression;
        this.filterProgram = null;
        return this;
    }

    /**
     * Filter in the kernel with a program compiled already, such as {@link FlowFilter#toBpf()}'s.
     *
     * @param program for Ethernet frames, or null for no filter.
     * @return this.
     */
    public AfPacketContext filter(final BpfProgram program)
    {
        this.filterProgram = program;
        this.filterExpression = null;
        return this;
    }

    /**
     * @return the expression given to {@link #filter(String)}, or null.
     */
    public String filterExpression()
    {
        return filterExpression;
    }

    /**
     * @return the program to attach, or null for none; set by {@link #conclude()}.
     */
    public BpfProgram filterProgram()
    {
        return compiledFilter;
    }

    /**
     * @return the validated ring geometry; set by {@link #conclude()}.
     */
    public RingGeometry geometry()
    {
        return geometry;
    }

    /**
     * Check the configuration as a whole, before any socket is opened.
     *
     * @return this.
     * @throws IllegalArgumentException naming what is wrong; a bad filter expression is a
     *                                  {@link io.flowtap.capture.filter.FilterSyntaxException} whose message names
     *                                  the column.
     */
    public AfPacketContext conclude()
    {
        if (interfaceName == null || interfaceName.isEmpty())
        {
            throw new IllegalArgumentException("an interface name is required");
        }
        if (fanoutGroupId != NO_FANOUT && (fanoutGroupId < 0 || fanoutGroupId > 0xFFFF))
        {
            throw new IllegalArgumentException("fanout group id " + fanoutGroupId + " must be between 0 and 65535");
        }
        if (fanoutMode == null)
        {
            throw new IllegalArgumentException("a fanout mode is required");
        }
        compiledFilter = filterExpression != null ? FlowFilter.parse(filterExpression).toBpf() : filterProgram;
        geometry = RingGeometry.of(blockSize, blockCount, frameSize, retireTimeoutMs, Posix.pageSize());
        return this;
    }
}
