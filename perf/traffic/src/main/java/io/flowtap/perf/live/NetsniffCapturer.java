package io.flowtap.perf.live;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A peer: {@code netsniff-ng --in IFACE --out /dev/null --silent --ring-size N}, pinned with its own
 * {@code --bind-cpu} when given a CPU. It reads a TPACKET ring and writes pcap to {@code /dev/null}, as
 * {@code tcpdump -w /dev/null} does. Its counts come from the summary it prints when stopped with SIGTERM: packets
 * incoming (the kernel's tp_packets), passed filter and failed filter, out of space (tp_drops).
 */
public final class NetsniffCapturer extends PeerCapturer
{
    private static final Pattern INCOMING = Pattern.compile("(\\d+)\\s+packets incoming");
    private static final Pattern PASSED = Pattern.compile("(\\d+)\\s+packets passed filter");
    private static final Pattern FAILED = Pattern.compile("(\\d+)\\s+packets failed filter");

    private final String netsniff;
    private final int cpu;
    private final int ringMiB;

    /**
     * @param netsniff path of netsniff-ng.
     * @param cpu      to bind it to, or negative for none.
     * @param ringMiB  ring size.
     */
    public NetsniffCapturer(final String netsniff, final int cpu, final int ringMiB)
    {
        this.netsniff = netsniff;
        this.cpu = cpu;
        this.ringMiB = ringMiB;
    }

    @Override
    public String name()
    {
        return "netsniff-ng";
    }

    @Override
    List<String> command(final String interfaceName)
    {
        final List<String> command = new ArrayList<>(List.of(netsniff, "--in", interfaceName, "--out", "/dev/null",
            "--silent", "--ring-size", ringMiB + "MiB"));
        if (cpu >= 0)
        {
            command.addAll(List.of("--bind-cpu", Integer.toString(cpu)));
        }
        return command;
    }

    @Override
    String readyText()
    {
        // It says it is running once its ring is set up and bound.
        return "Running!";
    }

    @Override
    Counts counts(final String summary)
    {
        return new Counts(find(PASSED, summary), find(INCOMING, summary), find(FAILED, summary));
    }
}
