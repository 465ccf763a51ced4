package io.flowtap.perf.live;

/**
 * One of the programs the capture benchmark compares, capturing one interface at a time: started before the sender
 * runs, its CPU time read around the traffic, stopped to collect what it saw.
 * <p>
 * Driven by one thread.
 */
public interface Capturer extends AutoCloseable
{
    /**
     * @return a short name for tables, such as {@code flowtap} or {@code tcpdump}.
     */
    String name();

    /**
     * Start capturing, and return once every packet that arrives from now on reaches the capturer's ring.
     *
     * @param interfaceName to capture on.
     */
    void start(String interfaceName);

    /**
     * @return nanoseconds of CPU (user and system) spent so far by whatever does the capturing: the poller threads,
     * or the capturing process.
     */
    long captureCpuNs();

    /**
     * @return nanoseconds of CPU spent so far by the whole process the capturer runs in, at whatever resolution the
     * kernel gives it.
     */
    long processCpuNs();

    /**
     * Stop capturing and report.
     *
     * @return what was captured and what the kernel counted for the capturer's socket.
     */
    Counts stop();

    /**
     * Stop without reporting, if still running.
     */
    @Override
    void close();

    /**
     * What a capturer saw between {@link #start} and {@link #stop}.
     *
     * @param captured      packets handed to the capturer's code (flowtap: TCP segments decoded; tcpdump: packets
     *                      written).
     * @param kernelPackets packets the kernel offered the socket, drops included (PACKET_STATISTICS tp_packets).
     * @param kernelDrops   packets the kernel dropped because the ring was full (tp_drops).
     */
    public record Counts(long captured, long kernelPackets, long kernelDrops)
    {
    }
}
