package io.flowtap.perf.load;

import io.flowtap.perf.blast.BlastReport;
import io.flowtap.pipeline.stats.Stage;
import org.HdrHistogram.Histogram;

import java.util.Map;

/**
 * One capturer at one offered rate.
 *
 * @param capturer      {@code flowtap}, {@code tcpdump} or {@code netsniff-ng}.
 * @param targetPps     rate asked of the blaster, 0 for its top speed.
 * @param sent          what the blaster sent.
 * @param captured      frames the capturer read from its ring.
 * @param kernelPackets frames the kernel offered the capturer's socket, drops included.
 * @param kernelDrops   frames the kernel dropped because the ring was full.
 * @param drops         flowtap's own drops by reason (empty for a peer): a full hand-off queue, frames the decoder
 *                      dropped, frames left in the ring at close, worker errors.
 * @param cpuNs         CPU time of the capturing threads (flowtap's pollers and workers) or process (a peer) over the
 *                      step, from just before the first frame to the end of the settle time.
 * @param pollerCpuNs   of {@code cpuNs}, flowtap's poller threads' (0 for a peer; -1 when pollers and workers
 *                      share threads and cannot be told apart).
 * @param workerCpuNs   of {@code cpuNs}, flowtap's worker threads' (0 for a peer; -1 when shared).
 * @param processNs     CPU time of the capturer's whole process over the same window (flowtap's JVM: JIT, GC and
 *                      the load test's own idle thread included).
 * @param backlogDrops  frames the receive backlogs dropped during the step, before any ring saw them.
 * @param latency       flowtap's stage latencies over the step (null for a peer).
 */
public record StepResult(
    String capturer,
    long targetPps,
    BlastReport sent,
    long captured,
    long kernelPackets,
    long kernelDrops,
    Map<String, Long> drops,
    long cpuNs,
    long pollerCpuNs,
    long workerCpuNs,
    long processNs,
    long backlogDrops,
    Map<Stage, Histogram> latency)
{
    /**
     * @return every frame sent was captured, and nothing was dropped anywhere.
     */
    public boolean zeroDrop()
    {
        long dropped = 0;
        for (final long value : drops.values())
        {
            dropped += value;
        }
        return sent.frames() > 0 && captured >= sent.frames() && kernelDrops == 0 && dropped == 0 &&
            backlogDrops == 0;
    }

    /**
     * @return frames captured per second of the send.
     */
    public double capturedPps()
    {
        return sent.elapsedNs() == 0 ? 0 : captured * 1e9 / sent.elapsedNs();
    }

    /**
     * @return CPU nanoseconds of the capturing threads per frame captured.
     */
    public double cpuNsPerPacket()
    {
        return captured == 0 ? 0 : (double)cpuNs / captured;
    }

    /**
     * @param roleCpuNs {@link #pollerCpuNs()} or {@link #workerCpuNs()}.
     * @return it per frame captured, or -1 when not known.
     */
    public double perPacket(final long roleCpuNs)
    {
        return roleCpuNs < 0 || captured == 0 ? -1 : (double)roleCpuNs / captured;
    }

    /**
     * @return CPU nanoseconds of the capturer's process per frame captured.
     */
    public double processNsPerPacket()
    {
        return captured == 0 ? 0 : (double)processNs / captured;
    }

    /**
     * @return frames sent that the kernel never offered the capturer's socket.
     */
    public long lostBeforeRing()
    {
        return Math.max(0, sent.frames() - kernelPackets);
    }
}
