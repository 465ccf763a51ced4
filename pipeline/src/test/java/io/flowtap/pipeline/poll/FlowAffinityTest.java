package io.flowtap.pipeline.poll;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FlowAffinityTest
{
    @Test
    void firstPollerOwnsAFlowAndAnotherIsReported()
    {
        final FlowAffinity affinity = new FlowAffinity(1024);
        assertEquals(FlowAffinity.OWNED, affinity.check(0x1234_5678_9ABC_DEF0L, 0));
        assertEquals(FlowAffinity.OWNED, affinity.check(0x1234_5678_9ABC_DEF0L, 0));
        assertEquals(FlowAffinity.WRONG_POLLER, affinity.check(0x1234_5678_9ABC_DEF0L, 1));
        assertEquals(FlowAffinity.OWNED, affinity.check(0x0FED_CBA9_8765_4321L, 1));
    }

    @Test
    void aFullProbeForgetsRatherThanMisreports()
    {
        final FlowAffinity affinity = new FlowAffinity(16);
        int unchecked = 0;
        for (long flow = 1; flow <= 1000; flow++)
        {
            final long hash = flow * 0x9E37_79B9_7F4A_7C15L;
            final int verdict = affinity.check(hash, (int)(flow % 2));
            assertEquals(true, verdict != FlowAffinity.WRONG_POLLER, "a new flow is never on the wrong poller");
            unchecked += verdict == FlowAffinity.UNCHECKED ? 1 : 0;
        }
        assertEquals(true, unchecked > 0);
    }
}
