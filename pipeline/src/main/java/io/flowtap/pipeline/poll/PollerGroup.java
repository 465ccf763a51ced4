package io.flowtap.pipeline.poll;

import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.AfPacketRingSource;
import io.flowtap.capture.ring.FanoutMode;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Several pollers sharing one interface through a {@code PACKET_FANOUT} group: one socket and ring each, one pinned
 * thread each. With one poller and no group asked for, the socket joins no group.
 * <p>
 * Opened and closed by one thread; the pollers run on their own.
 */
public final class PollerGroup implements AutoCloseable
{
    /** How long an idle poller waits in {@code poll(2)}, and so how late it sees a stop. */
    public static final int IDLE_WAIT_MS = 50;

    private final List<AfPacketRingSource> sources = new ArrayList<>();
    private final List<Poller> pollers = new ArrayList<>();
    private final List<AgentRunner> runners = new ArrayList<>();
    private final int groupId;

    private PollerGroup(final int groupId)
    {
        this.groupId = groupId;
    }

    /**
     * Open the sockets and start the pollers.
     *
     * @param template     ring settings for every socket (its fanout, if any, is replaced).
     * @param count        pollers, at least 1.
     * @param cpus         CPU for each poller (index i uses {@code cpus[i % cpus.length]}), or empty for no pinning.
     * @param fanoutMode   how the kernel spreads packets over the group.
     * @param groupId      fanout group id, or {@link AfPacketContext#NO_FANOUT} to pick one (only when count > 1).
     * @param decoding     for the decoders: checksums, tunnels, fragments, duplicates.
     * @param listener     for every segment, called on the pollers' threads.
     * @param errorHandler for failures inside a poller's thread (e.g. a CPU it may not run on).
     * @return the running group.
     * @throws io.flowtap.linux.LinuxException when a socket cannot be opened; those already open are closed.
     */
    public static PollerGroup start(
        final AfPacketContext template,
        final int count,
        final int[] cpus,
        final FanoutMode fanoutMode,
        final int groupId,
        final DecoderContext decoding,
        final SegmentListener listener,
        final ErrorHandler errorHandler)
    {
        if (count < 1)
        {
            throw new IllegalArgumentException("pollers must be at least 1: " + count);
        }
        final int group = groupId != AfPacketContext.NO_FANOUT ? groupId :
            count > 1 ? ThreadLocalRandom.current().nextInt(1, 0xFFFF) : AfPacketContext.NO_FANOUT;
        final PollerGroup pollerGroup = new PollerGroup(group);
        final FlowAffinity affinity = new FlowAffinity(1 << 20);
        try
        {
            for (int i = 0; i < count; i++)
            {
                final AfPacketContext context = copy(template);
                if (group != AfPacketContext.NO_FANOUT)
                {
                    // Defragmentation keeps the fragments of one packet on one socket, as hash fanout needs.
                    context.fanout(group, fanoutMode, true);
                }
                final AfPacketRingSource source = AfPacketRingSource.open(context);
                pollerGroup.sources.add(source);
                final int cpu = cpus.length == 0 ? Poller.NO_CPU : cpus[i % cpus.length];
                pollerGroup.pollers.add(new Poller(i, cpu, source, decoding, affinity, listener));
            }
        }
        catch (final RuntimeException ex)
        {
            pollerGroup.close();
            throw ex;
        }
        for (final Poller poller : pollerGroup.pollers)
        {
            final AgentRunner runner = new AgentRunner(
                new RingIdleStrategy(poller.source(), IDLE_WAIT_MS), errorHandler, null, poller);
            pollerGroup.runners.add(runner);
            AgentRunner.startOnThread(runner);
        }
        return pollerGroup;
    }

    /**
     * @return the pollers, in index order.
     */
    public List<Poller> pollers()
    {
        return pollers;
    }

    /**
     * @return the fanout group id, or {@link AfPacketContext#NO_FANOUT}.
     */
    public int groupId()
    {
        return groupId;
    }

    /**
     * @param counter to sum.
     * @return its total over the pollers.
     */
    public long total(final PollerCounter counter)
    {
        long sum = 0;
        for (final Poller poller : pollers)
        {
            sum += poller.counter(counter);
        }
        return sum;
    }

    /**
     * Stop the pollers (each finishes its duty cycle), leaving the rings open so that their final kernel statistics
     * can still be read from this thread.
     */
    public void stop()
    {
        CloseHelper.closeAll(runners);
    }

    /**
     * Stop the pollers and close their rings.
     */
    @Override
    public void close()
    {
        stop();
        CloseHelper.closeAll(sources);
    }

    private static AfPacketContext copy(final AfPacketContext template)
    {
        template.conclude();
        final AfPacketContext copy = new AfPacketContext()
            .interfaceName(template.interfaceName())
            .blockSize(template.geometry().blockSize())
            .blockCount(template.geometry().blockCount())
            .frameSize(template.geometry().frameSize())
            .retireTimeoutMs(template.geometry().retireTimeoutMs())
            .promiscuous(template.promiscuous())
            .ignoreOutgoing(template.ignoreOutgoing());
        if (template.filterProgram() != null)
        {
            copy.filter(template.filterProgram());
        }
        return copy;
    }
}
