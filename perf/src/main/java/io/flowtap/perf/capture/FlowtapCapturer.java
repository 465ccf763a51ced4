package io.flowtap.perf.capture;

import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.FanoutMode;
import io.flowtap.capture.ring.RingCounter;
import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.PipelineContext;
import io.flowtap.pipeline.poll.PipelinePoller;
import io.flowtap.pipeline.worker.SegmentHandler;
import io.flowtap.pipeline.worker.Worker;
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
 * flowtap's capture path as {@code flowtap capture} runs it: a {@link Pipeline} that does not reassemble, its pinned
 * pollers each draining a TPACKET_V3 ring and decoding every frame in place, and one worker whose segment handler only
 * counts. Its CPU time is the poller and worker threads' ({@link ThreadMXBean}), so the rest of the JVM (this
 * benchmark's own thread, JIT, GC) is not charged to it; {@link #processCpuNs()} gives the whole JVM for comparison.
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
    private CountingHandler counter;
    private Pipeline pipeline;
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
        counter = new CountingHandler();
        errors.clear();
        final PipelineContext context = new PipelineContext()
            .checksumMode(checksumMode)
            .errorHandler(errors::add)
            .segmentHandlers(worker -> counter);
        pipeline = Pipeline.live(context, template, pollerCount, cpus, FanoutMode.HASH);
        threadIds = captureThreadIds();
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
        // The pollers read what their rings hold and the worker drains; the rings' statistics are then final.
        final Pipeline stopped = pipeline;
        close();
        final long kernelPackets = stopped.total(RingCounter.KERNEL_PACKETS);
        final long kernelDrops = stopped.total(RingCounter.KERNEL_DROPS);
        final long captured = counter.segments();
        if (!errors.isEmpty())
        {
            throw new IllegalStateException("a poller failed: " + errors.get(0), errors.get(0));
        }
        return new Counts(captured, kernelPackets, kernelDrops);
    }

    @Override
    public void close()
    {
        if (pipeline != null)
        {
            final Pipeline closing = pipeline;
            pipeline = null;
            closing.close();
        }
    }

    private long[] captureThreadIds()
    {
        final List<String> names = new ArrayList<>();
        for (final PipelinePoller poller : pipeline.pollers())
        {
            names.add(poller.roleName());
        }
        for (final Worker worker : pipeline.workers())
        {
            names.add(worker.roleName());
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
        throw new IllegalStateException("capture threads " + names + " did not start");
    }

    /**
     * Counts segments and bytes on the one worker: the cheapest handler there is, so what is measured is the ring
     * walk, the decoder and the hand-off. Written by the worker's thread only.
     */
    private static final class CountingHandler implements SegmentHandler
    {
        private long segments;
        private long bytes;

        @Override
        public void onSegment(final PacketDecoder segment, final long frameNumber, final long timeNs)
        {
            segments++;
            bytes += segment.capturedLength();
        }

        /**
         * @return segments counted; exact once the pipeline has closed.
         */
        long segments()
        {
            return segments;
        }
    }
}
