package io.flowtap.pipeline.poll;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.ring.AfPacketRingSource;
import io.flowtap.linux.Affinity;
import io.flowtap.reassembly.flow.FlowKey;
import org.agrona.concurrent.Agent;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One poller: an agent that drains its AF_PACKET ring, decodes each frame in place, hashes its flow symmetrically,
 * checks that the flow belongs to it ({@link FlowAffinity}) and hands the segment to a {@link SegmentListener}.
 * Runs on its own thread, pinned to a CPU when given one; the duty cycle never blocks (waiting for the kernel is the
 * {@link RingIdleStrategy}'s job) and allocates nothing.
 * <p>
 * Counters are written by the poller's thread only and published with release stores, so another thread can read
 * them while it runs; the ring's and decoder's counters are exact once the agent has stopped.
 */
public final class Poller implements Agent, FrameHandler
{
    /** No CPU pinning. */
    public static final int NO_CPU = -1;

    private static final int POLL_LIMIT = 256;

    private final int index;
    private final int cpu;
    private final AfPacketRingSource source;
    private final FlowAffinity affinity;
    private final SegmentListener listener;
    private final PacketDecoder decoder;
    private final FlowKey key = new FlowKey();
    private final AtomicLongArray counters = new AtomicLongArray(PollerCounter.count());

    /**
     * @param index        of the poller in its group, from 0.
     * @param cpu          to pin the agent's thread to, or {@link #NO_CPU}.
     * @param source       the poller's own ring.
     * @param decoding     how the decoder treats checksums, tunnels, fragments and duplicates.
     * @param affinity     shared by the group.
     * @param listener     for each TCP segment.
     */
    public Poller(
        final int index,
        final int cpu,
        final AfPacketRingSource source,
        final DecoderContext decoding,
        final FlowAffinity affinity,
        final SegmentListener listener)
    {
        this.index = index;
        this.cpu = cpu;
        this.source = source;
        this.affinity = affinity;
        this.listener = listener;
        this.decoder = new PacketDecoder(decoding, false);
    }

    @Override
    public void onStart()
    {
        if (cpu != NO_CPU)
        {
            Affinity.pinCurrentThread(cpu);
        }
    }

    @Override
    public int doWork()
    {
        final int frames = source.poll(this, POLL_LIMIT);
        if (frames > 0)
        {
            increment(PollerCounter.BUSY_CYCLES);
        }
        return frames;
    }

    @Override
    public void onFrame(final Frame frame)
    {
        if (decoder.decode(frame))
        {
            final long hash = key.wrap(decoder, false).hash();
            final int verdict = affinity.check(hash, index);
            if (verdict == FlowAffinity.WRONG_POLLER)
            {
                increment(PollerCounter.WRONG_POLLER);
            }
            else if (verdict == FlowAffinity.UNCHECKED)
            {
                increment(PollerCounter.AFFINITY_UNCHECKED);
            }
            increment(PollerCounter.SEGMENTS);
            listener.onSegment(index, frame, decoder, hash);
        }
    }

    @Override
    public String roleName()
    {
        return "flowtap-poller-" + index;
    }

    /**
     * @return the poller's index in its group.
     */
    public int index()
    {
        return index;
    }

    /**
     * @return the CPU it is pinned to, or {@link #NO_CPU}.
     */
    public int cpu()
    {
        return cpu;
    }

    /**
     * @return its ring.
     */
    public AfPacketRingSource source()
    {
        return source;
    }

    /**
     * @return its decoder (counters exact once stopped).
     */
    public PacketDecoder decoder()
    {
        return decoder;
    }

    /**
     * @param counter to read.
     * @return its value, safe to read from any thread.
     */
    public long counter(final PollerCounter counter)
    {
        return counters.get(counter.ordinal());
    }

    private void increment(final PollerCounter counter)
    {
        // Single writer: a plain read and a release store are enough for readers on other threads.
        final int i = counter.ordinal();
        counters.lazySet(i, counters.get(i) + 1);
    }
}
