package io.flowtap.perf.capture;

import io.flowtap.perf.live.Capturer;
import io.flowtap.perf.live.LinuxStats;

/**
 * No capture at all: what the sender reaches when no packet socket is open on the interface, so that the kernel
 * copies each frame into no ring. Counts the interface's received packets instead.
 */
final class NoCapturer implements Capturer
{
    private String interfaceName;
    private long received0;

    @Override
    public String name()
    {
        return "none (sender alone)";
    }

    @Override
    public void start(final String interfaceName)
    {
        this.interfaceName = interfaceName;
        received0 = LinuxStats.interfaceCounter(interfaceName, "rx_packets");
    }

    @Override
    public long captureCpuNs()
    {
        return 0;
    }

    @Override
    public long processCpuNs()
    {
        return 0;
    }

    @Override
    public Counts stop()
    {
        final long received = LinuxStats.interfaceCounter(interfaceName, "rx_packets") - received0;
        return new Counts(received, received, 0);
    }

    @Override
    public void close()
    {
    }
}
