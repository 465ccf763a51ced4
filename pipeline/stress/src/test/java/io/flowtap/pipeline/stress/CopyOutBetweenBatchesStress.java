package io.flowtap.pipeline.stress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Publication racing the claim, and a copy-out landing between two of the worker's batches of one record each: the
 * poller publishes frame 0, frame 1, then lets their memory go; the worker claims, reads and releases one record at a
 * time, twice. The claim word's compare-and-set on either side sees the other's and works around it.
 * <p>
 * Result: records the worker's two batches held, frame 0 as read, frame 1 as read, records read in all.
 */
@JCStressTest
@Outcome(id = "0, 1, 2, 2", expect = Expect.ACCEPTABLE, desc = "worker saw nothing; both frames read later")
@Outcome(id = "1, 1, 2, 2", expect = Expect.ACCEPTABLE, desc = "worker took frame 0 only")
@Outcome(id = "2, 1, 2, 2", expect = Expect.ACCEPTABLE, desc = "worker took both, one batch each")
@Outcome(expect = Expect.FORBIDDEN, desc = "a frame read twice, lost, or read after its memory went (127 or -1)")
@State
public class CopyOutBetweenBatchesStress
{
    private final RingProbe probe = new RingProbe();

    /**
     * The poller.
     */
    @Actor
    public void poller()
    {
        probe.publish(0);
        probe.publish(1);
        probe.letMemoryGo();
    }

    /**
     * The worker, two batches of one.
     *
     * @param result records its batches held.
     */
    @Actor
    public void worker(final IIII_Result result)
    {
        final int first = probe.claimReadRelease(1);
        result.r1 = first + probe.claimReadRelease(1);
    }

    /**
     * The worker again after both are done: what is left.
     *
     * @param result what was read of each frame, and how many.
     */
    @Arbiter
    public void drain(final IIII_Result result)
    {
        probe.claimReadRelease(RingProbe.FRAMES);
        result.r2 = probe.seen(0);
        result.r3 = probe.seen(1);
        result.r4 = probe.read();
    }
}
