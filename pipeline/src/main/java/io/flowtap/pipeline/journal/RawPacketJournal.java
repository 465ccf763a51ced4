package io.flowtap.pipeline.journal;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;

import static io.flowtap.pipeline.journal.JournalDescriptor.FRAME_CAPTURED_LENGTH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FRAME_DATA_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FRAME_INTERFACE_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FRAME_LINK_TYPE_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FRAME_VLAN_TCI_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.FRAME_WIRE_LENGTH_OFFSET;

/**
 * The raw-packet journal: every frame a source hands over, as it was captured (time, link type, length on the wire,
 * the captured bytes), one excerpt each, so that traffic can be replayed onto a wire later. A {@link FrameHandler}: put
 * it beside the decoder on a poller, or chain it in front of one. Frames longer than the journal's largest frame are
 * cut to it, as a snap length would, and counted; their wire length is kept.
 * <p>
 * Owns one Chronicle appender: use it from one thread.
 */
public final class RawPacketJournal extends ExcerptWriter implements FrameHandler
{
    private final int maxFrame;
    private long framesCut;
    private long frameBytes;

    RawPacketJournal(
        final ExcerptAppender appender,
        final int source,
        final int run,
        final int maxFrame,
        final int batchBytes,
        final JournalSpace space)
    {
        super(appender, source, run, batchBytes, space);
        this.maxFrame = maxFrame;
    }

    @Override
    public void onFrame(final Frame frame)
    {
        int captured = frame.capturedLength();
        if (captured > maxFrame)
        {
            captured = maxFrame;
            framesCut++;
        }
        frame.buffer().boundsCheck(frame.offset(), captured);
        final Bytes<?> bytes = begin(
            EventType.RAW_FRAME, frame.frameNumber(), frame.timestampNs(), FRAME_DATA_OFFSET,
            FRAME_DATA_OFFSET + captured);
        if (bytes == null)
        {
            droppedPayload(captured);
            return;
        }
        try
        {
            bytes.writeShort(base + FRAME_LINK_TYPE_OFFSET, (short)frame.linkType());
            bytes.writeShort(base + FRAME_INTERFACE_OFFSET, (short)frame.interfaceId());
            bytes.writeInt(base + FRAME_WIRE_LENGTH_OFFSET, frame.wireLength());
            bytes.writeInt(base + FRAME_CAPTURED_LENGTH_OFFSET, captured);
            bytes.writeInt(base + FRAME_VLAN_TCI_OFFSET, frame.vlanTci());
            copy(bytes, frame.buffer(), frame.offset(), captured);
        }
        catch (final RuntimeException ex)
        {
            abort();
            throw ex;
        }
        catch (final InternalError ex)
        {
            fault(ex);
            droppedPayload(captured);
            return;
        }
        end();
        frameBytes += captured;
    }

    /**
     * @return frames longer than the largest frame kept, journaled cut.
     */
    public long framesCut()
    {
        return framesCut;
    }

    /**
     * @return frame bytes journaled.
     */
    public long frameBytesWritten()
    {
        return frameBytes;
    }
}
