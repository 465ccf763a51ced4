package io.flowtap.perf.live;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The peer: {@code tcpdump -i IFACE -w /dev/null -B KiB -s 0} as a child process, pinned with {@code taskset} when
 * given a CPU. libpcap gives it a TPACKET_V3 ring of the {@code -B} size. Its counts come from the summary it prints
 * when stopped with SIGTERM.
 */
public final class TcpdumpCapturer extends PeerCapturer
{
    private static final Pattern CAPTURED = Pattern.compile("(\\d+) packets? captured");
    private static final Pattern RECEIVED = Pattern.compile("(\\d+) packets? received by filter");
    private static final Pattern DROPPED = Pattern.compile("(\\d+) packets? dropped by kernel");

    private final String tcpdump;
    private final String taskset;
    private final int cpu;
    private final int bufferKiB;

    /**
     * @param tcpdump   path of tcpdump.
     * @param taskset   path of taskset, or null when {@code cpu} is negative.
     * @param cpu       to pin tcpdump to, or negative for none.
     * @param bufferKiB ring size, tcpdump's {@code -B}.
     */
    public TcpdumpCapturer(final String tcpdump, final String taskset, final int cpu, final int bufferKiB)
    {
        this.tcpdump = tcpdump;
        this.taskset = taskset;
        this.cpu = cpu;
        this.bufferKiB = bufferKiB;
    }

    @Override
    public String name()
    {
        return "tcpdump";
    }

    @Override
    List<String> command(final String interfaceName)
    {
        final List<String> command = new ArrayList<>();
        if (cpu >= 0)
        {
            command.addAll(List.of(taskset, "-c", Integer.toString(cpu)));
        }
        command.addAll(List.of(tcpdump, "-i", interfaceName, "-w", "/dev/null", "-B", Integer.toString(bufferKiB),
            "-s", "0"));
        return command;
    }

    @Override
    String readyText()
    {
        // tcpdump says it is listening once its ring is bound: from then on it sees every packet.
        return "listening on";
    }

    @Override
    Counts counts(final String summary)
    {
        return new Counts(find(CAPTURED, summary), find(RECEIVED, summary), find(DROPPED, summary));
    }
}
