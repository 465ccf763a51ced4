package io.flowtap.perf.capture;

import io.flowtap.capture.Frame;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.AfPacketRingSource;
import io.flowtap.capture.ring.FanoutMode;
import io.flowtap.capture.ring.RingCounter;
import io.flowtap.pipeline.poll.Poller;
import io.flowtap.pipeline.poll.PollerGroup;
import io.flowtap.pipeline.poll.SegmentListener;
import io.flowtap.perf.live.Capturer;
import io.flowtap.perf.live.LinuxStats;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * flowtap's capture path as {@code flowtap capture} runs it: a {@link PollerGroup} of pinned pollers, each draining
 * its TPACKET_V3 ring and decoding every frame in place, with a listener that only counts. Its CPU time is the
 * poller threads' ({@link ThreadMXBean}), so the rest of the JVM (this benchmark's own thread, JIT, GC) is not
 * charged to it; {@link #processCpuNs()} gives the whole JVM for comparison.
 */
final class FlowtapCapturer implements Capturer
{
    private static final long THREAD_LOOKUP_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final int pollerCount;
    private final int[] cpus;
    private final int blockSize;
    private final int blockCount;
    private final int blockTimeoutMs;
    private final ChecksumMode checksumMode;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private CountingListener listener;
    private PollerGroup group;
    private long[] threadIds;

    /**
     * @param pollerCount    pollers in the fanout group (hash fanout when more than one).
     * @param cpus           to pin the pollers to, as {@code --cpus}; empty for none.
     * @param blockSize      bytes per ring block.
     * @param blockCount     blocks per ring.
     * @param blockTimeoutMs after which the kernel hands over a block that is not full.
     * @param checksumMode   of the decoders.
     */
    FlowtapCapturer(
        final int pollerCount,
        final int[] cpus,
        final int blockSize,
        final int blockCount,
        final int blockTimeoutMs,
        final ChecksumMode checksumMode)
    {
        this.pollerCount = pollerCount;
        this.cpus = cpus.clone();
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.blockTimeoutMs = blockTimeoutMs;
        this.checksumMode = checksumMode;
    }

    @Override
    public String name()
    {
        return pollerCount == 1 ? "flowtap" : "flowtap x" + pollerCount;
    }

    @Override
    public void start(final String interfaceName)
    {
        final AfPacketContext template = new AfPacketContext()
            .interfaceName(interfaceName)
            .blockSize(blockSize)
            .blockCount(blockCount)
            .retireTimeoutMs(blockTimeoutMs)
            .promiscuous(true);
        listener = new CountingListener(pollerCount);
        errors.clear();
        group = PollerGroup.start(template, pollerCount, cpus, FanoutMode.HASH, AfPacketContext.NO_FANOUT,
            new DecoderContext().checksumMode(checksumMode), listener, errors::add);
        threadIds = pollerThreadIds();
    }

    @Override
    public long captureCpuNs()
    {
        long sum = 0;
        for (final long id : threadIds)
        {
            sum += threads.getThreadCpuTime(id);
        }
        return sum;
    }

    @Override
    public long processCpuNs()
    {
        return LinuxStats.selfProcessCpuNs();
    }

    @Override
    public Counts stop()
    {
        group.stop();
        long kernelPackets = 0;
        long kernelDrops = 0;
        // The pollers have stopped (their threads joined), so this thread may read the rings' statistics now.
        for (final Poller poller : group.pollers())
        {
            final AfPacketRingSource source = poller.source();
            source.readKernelStatistics();
            kernelPackets += source.counter(RingCounter.KERNEL_PACKETS);
            kernelDrops += source.counter(RingCounter.KERNEL_DROPS);
        }
        final long captured = listener.total();
        close();
        if (!errors.isEmpty())
        {
            throw new IllegalStateException("a poller failed: " + errors.get(0), errors.get(0));
        }
        return new Counts(captured, kernelPackets, kernelDrops);
    }

    @Override
    public void close()
    {
        if (group != null)
        {
            group.close();
            group = null;
        }
    }

    private long[] pollerThreadIds()
    {
        final List<String> names = new ArrayList<>();
        for (final Poller poller : group.pollers())
        {
            names.add(poller.roleName());
        }
        final long deadlineNs = System.nanoTime() + THREAD_LOOKUP_TIMEOUT_NS;
        while (System.nanoTime() < deadlineNs)
        {
            final long[] ids = new long[names.size()];
            int found = 0;
            for (final Thread thread : Thread.getAllStackTraces().keySet())
            {
                final int index = names.indexOf(thread.getName());
                if (index >= 0 && ids[index] == 0)
                {
                    ids[index] = thread.getId();
                    found++;
                }
            }
            if (found == names.size())
            {
                return ids;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        throw new IllegalStateException("poller threads " + names + " did not start");
    }

    /**
     * Counts segments and bytes per poller, each poller in its own cache lines: the cheapest listener there is, so
     * what is measured is the ring walk and the decoder.
     */
    private static final class CountingListener implements SegmentListener
    {
        /** Longs between two pollers' counters: two cache lines, so neighbours never share one. */
        private static final int STRIDE = 16;
        private static final int BYTES = 1;

        private final long[] counts;
        private final int pollers;

        CountingListener(final int pollers)
        {
            this.pollers = pollers;
            this.counts = new long[(pollers + 1) * STRIDE];
        }

        @Override
        public void onSegment(final int poller, final Frame frame, final PacketDecoder decoder, final long flowHash)
        {
            final int base = (poller + 1) * STRIDE;
            counts[base]++;
            counts[base + BYTES] += frame.capturedLength();
        }

        /**
         * @return segments counted by every poller; exact once the pollers have stopped.
         */
        long total()
        {
            long sum = 0;
            for (int i = 1; i <= pollers; i++)
            {
                sum += counts[i * STRIDE];
            }
            return sum;
        }
    }
}
