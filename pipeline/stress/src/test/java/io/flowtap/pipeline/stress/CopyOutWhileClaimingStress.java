package io.flowtap.pipeline.stress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The poller publishes two frames and then must let their memory go; the worker claims what it sees in one batch,
 * reads it and releases it. Whatever the worker took before the copy-out it reads in place (and the poller waits for
 * it); whatever it took after, it reads from the copies. Every frame is read once with its own bytes.
 * <p>
 * Result: records the worker's batch held, frame 0 as read, frame 1 as read, records read in all (the arbiter reads
 * what the worker did not take).
 */
@JCStressTest
@Outcome(id = "0, 1, 2, 2", expect = Expect.ACCEPTABLE, desc = "worker saw nothing; both frames read later from copies")
@Outcome(id = "1, 1, 2, 2", expect = Expect.ACCEPTABLE, desc = "worker took frame 0, before or after the copy-out")
@Outcome(id = "2, 1, 2, 2", expect = Expect.ACCEPTABLE, desc = "worker took both frames")
@Outcome(expect = Expect.FORBIDDEN, desc = "a frame read twice, lost, or read after its memory went (127 or -1)")
@State
public class CopyOutWhileClaimingStress
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
     * The worker, one batch.
     *
     * @param result its batch size.
     */
    @Actor
    public void worker(final IIII_Result result)
    {
        result.r1 = probe.claimReadRelease(RingProbe.FRAMES);
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
