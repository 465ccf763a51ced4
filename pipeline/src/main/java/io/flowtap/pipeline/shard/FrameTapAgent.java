package io.flowtap.pipeline.shard;

import io.flowtap.capture.BatchAware;
import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Runs a poller's tap (the raw-frame journal) on a thread of its own: takes the records the poller put in the tap's
 * {@link SegmentRing}, one for every frame it read, shows each frame to the tap's handler where the frame is (or its
 * copy, when the poller had to let the memory go), and commits what the handler gathered once per batch
 * ({@link BatchAware}), then gives the batch back so the ring block or file window can go. The poller only fills
 * records, so Chronicle's work never holds it up; a tap that falls behind fills its ring, and the poller counts the
 * frames it could not tap ({@link DispatchCounter#TAP_FULL}) rather than wait.
 * <p>
 * Not thread safe: one thread runs it; {@link #isDrained()} may be asked from any.
 */
public final class FrameTapAgent implements Agent
{
    private static final int BATCH = 256;

    private final int poller;
    private final SegmentRing ring;
    private final FrameHandler handler;
    private final Frame frame = new Frame();
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private volatile long framesTapped;

    FrameTapAgent(final int poller, final SegmentRing ring, final FrameHandler handler)
    {
        this.poller = poller;
        this.ring = ring;
        this.handler = handler;
    }

    @Override
    public int doWork()
    {
        final int taken = ring.claimBatch(BATCH);
        if (taken == 0)
        {
            return 0;
        }
        final UnsafeBuffer records = ring.records();
        final int start = ring.batchStart();
        try
        {
            for (int i = 0; i < taken; i++)
            {
                final int position = start + i;
                final int at = ring.recordOffset(position);
                final int capturedLength = records.getInt(at + SegmentDescriptor.CAPTURED_LENGTH_OFFSET);
                view.wrap(ring.frameAddress(position, ring.isInPlace(position)), capturedLength);
                frame.wrap(view, 0, capturedLength, records.getInt(at + SegmentDescriptor.WIRE_LENGTH_OFFSET),
                    records.getLong(at + SegmentDescriptor.TIMESTAMP_OFFSET),
                    records.getShort(at + SegmentDescriptor.LINK_TYPE_OFFSET) & 0xFFFF)
                    .interfaceId(records.getInt(at + SegmentDescriptor.INTERFACE_ID_OFFSET))
                    .vlanTci(records.getInt(at + SegmentDescriptor.VLAN_TCI_OFFSET))
                    .frameNumber(records.getLong(at + SegmentDescriptor.FRAME_NUMBER_OFFSET));
                handler.onFrame(frame);
            }
            if (handler instanceof BatchAware)
            {
                ((BatchAware)handler).onBatchEnd();
            }
        }
        finally
        {
            view.wrap(0, 0);
            ring.releaseBatch();
        }
        framesTapped += taken;
        return taken;
    }

    @Override
    public String roleName()
    {
        return "flowtap-tap-" + poller;
    }

    /**
     * @return whether every frame put in the ring has been shown to the handler and committed (acquire loads).
     */
    public boolean isDrained()
    {
        return ring.depth() == 0;
    }

    /**
     * @return frames shown to the handler so far.
     */
    public long framesTapped()
    {
        return framesTapped;
    }
}
