package io.flowtap.pipeline.shard;

import io.flowtap.capture.Frame;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One segment handed from a poller to a worker: where its frame is (an address in the ring or the mapped file, and
 * its lengths), the metadata the source gave it, and a buffer of its own that the frame is copied into when its
 * memory has to go before the worker gets to it. Allocated once, with its pool ({@link HandOffQueue}), and recycled.
 * <p>
 * A state word, changed by compare-and-set, decides who may do what:
 * <pre>
 *   FREE --poller fills--&gt; IN_PLACE --worker claims--&gt; IN_USE --worker done--&gt; FREE
 *                            |
 *                            +--poller copies out--&gt; COPIED --worker done--&gt; FREE
 * </pre>
 * From {@code IN_PLACE} exactly one of the two compare-and-sets wins. The poller copies the bytes before it tries its
 * own, so whichever wins, the worker reads a complete frame and nobody waits: a worker that claimed the frame reads it
 * in place (and its block stays held until it is done), a worker that lost reads the copy. A copy made by a poller that
 * then lost is simply unused.
 * <p>
 * The fields are written by the poller before the hand-off is queued and read by the worker after it is dequeued; the
 * queue's release and acquire order them. The copy buffer is written by the poller only in {@code IN_PLACE}, when
 * no worker reads it.
 */
public final class FrameHandOff
{
    /** In the free pool; owned by the poller. */
    public static final int FREE = 0;
    /** Queued; the frame is read in place, in memory the source still holds for it. */
    public static final int IN_PLACE = 1;
    /** A worker is reading the frame in place. */
    public static final int IN_USE = 2;
    /** The frame is in {@link #copyBuffer()}; its source memory may be gone. */
    public static final int COPIED = 3;
    /** {@link #kernelLatencyNs()} of a frame whose timestamp is not when it arrived (read from a file). */
    public static final long NO_KERNEL_LATENCY = -1;
    /** Bit set in {@link #copyOut()}'s result when the copy buffer had to grow. */
    static final int COPY_GREW = 0x100;

    private static final VarHandle STATE;

    static
    {
        try
        {
            STATE = MethodHandles.lookup().findVarHandle(FrameHandOff.class, "state", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final UnsafeBuffer source = new UnsafeBuffer(0, 0);
    private final HandOffQueue queue;
    private UnsafeBuffer copy;
    private long address;
    private int capturedLength;
    private int wireLength;
    private long timestampNs;
    private int linkType;
    private int interfaceId;
    private int vlanTci;
    private int checksumStatus;
    private long frameNumber;
    private long flowHash;
    private long clockBeforeNs;
    private long handedOffNs;
    private long kernelLatencyNs = NO_KERNEL_LATENCY;
    private BlockLedger ledger;
    private int block;
    @SuppressWarnings("unused")
    private volatile int state;

    FrameHandOff(final HandOffQueue queue, final int copyBufferLength)
    {
        this.queue = queue;
        this.copy = newCopyBuffer(copyBufferLength);
    }

    /**
     * Fill from a frame whose bytes stay where they are until the hand-off is done with or copied out. Poller only.
     *
     * @param frame         as the source delivered it; its buffer is off-heap.
     * @param flowHash      of the segment's flow.
     * @param clockBeforeNs the newest segment time the poller had seen before this segment.
     * @param ledger        counting the frames of the frame's ring block, or null when the memory is not a ring's.
     * @param block         index of the ring block, when there is a ledger.
     */
    void fillInPlace(
        final Frame frame, final long flowHash, final long clockBeforeNs, final BlockLedger ledger, final int block)
    {
        fillMetadata(frame, flowHash, clockBeforeNs);
        this.address = frame.buffer().addressOffset() + frame.offset();
        this.ledger = ledger;
        this.block = block;
        STATE.setRelease(this, IN_PLACE);
    }

    /**
     * Fill from a frame by copying its bytes into the hand-off's own buffer. Poller only.
     *
     * @param frame         as the source delivered it.
     * @param flowHash      of the segment's flow.
     * @param clockBeforeNs the newest segment time the poller had seen before this segment.
     * @return whether the copy buffer had to grow.
     */
    boolean fillCopied(final Frame frame, final long flowHash, final long clockBeforeNs)
    {
        fillMetadata(frame, flowHash, clockBeforeNs);
        final boolean grown = ensureCopyCapacity(frame.capturedLength());
        copy.putBytes(0, frame.buffer(), frame.offset(), frame.capturedLength());
        this.address = 0;
        this.ledger = null;
        STATE.setRelease(this, COPIED);
        return grown;
    }

    /**
     * Copy the frame out of its source memory, then take it from the worker if it has not claimed it. Poller only,
     * while the source memory is still there.
     *
     * @return {@link #COPIED} when this copy is what the worker will read; {@link #IN_USE} when the worker got there
     * first (or has finished: {@link #FREE}); the state found otherwise. Bit 8 is set when the copy buffer grew.
     */
    int copyOut()
    {
        final boolean grown = ensureCopyCapacity(capturedLength);
        source.wrap(address, capturedLength);
        copy.putBytes(0, source, 0, capturedLength);
        source.wrap(0, 0);
        final int witness = (int)STATE.compareAndExchange(this, IN_PLACE, COPIED);
        final int result = witness == IN_PLACE ? COPIED : witness;
        return grown ? result | COPY_GREW : result;
    }

    /**
     * Claim the frame to read it in place. Worker only.
     *
     * @return true when the frame is to be read at {@link #address()} (and {@link #done()} then tells the ledger);
     * false when the poller copied it out: read {@link #copyBuffer()}.
     */
    public boolean claimInPlace()
    {
        return STATE.compareAndSet(this, IN_PLACE, IN_USE);
    }

    /**
     * The worker is done with the frame: the block it came from can be released as far as this frame goes, and the
     * hand-off goes back to the poller's free pool. Worker only, last call.
     */
    public void done()
    {
        if ((int)STATE.getAcquire(this) == IN_USE && ledger != null)
        {
            ledger.done(block);
        }
        STATE.setRelease(this, FREE);
        queue.recycle(this);
    }

    /**
     * @return the state, one of {@link #FREE}, {@link #IN_PLACE}, {@link #IN_USE}, {@link #COPIED}.
     */
    public int state()
    {
        return (int)STATE.getAcquire(this);
    }

    /**
     * @return address of the frame's first byte in its source memory, valid while claimed in place.
     */
    public long address()
    {
        return address;
    }

    /**
     * @return the copy of the frame, from offset 0, valid when the frame was copied.
     */
    public DirectBuffer copyBuffer()
    {
        return copy;
    }

    /**
     * @return bytes of the frame captured.
     */
    public int capturedLength()
    {
        return capturedLength;
    }

    /**
     * @return bytes the frame had on the wire.
     */
    public int wireLength()
    {
        return wireLength;
    }

    /**
     * @return capture time in nanoseconds since the epoch.
     */
    public long timestampNs()
    {
        return timestampNs;
    }

    /**
     * @return link type of the frame.
     */
    public int linkType()
    {
        return linkType;
    }

    /**
     * @return interface the frame came from.
     */
    public int interfaceId()
    {
        return interfaceId;
    }

    /**
     * @return VLAN TCI the capture stripped, or {@link Frame#NO_VLAN_TCI}.
     */
    public int vlanTci()
    {
        return vlanTci;
    }

    /**
     * @return what the source knew of the checksums, one of {@link Frame}'s CHECKSUM_ constants.
     */
    public int checksumStatus()
    {
        return checksumStatus;
    }

    /**
     * @return the frame's number in its source.
     */
    public long frameNumber()
    {
        return frameNumber;
    }

    /**
     * @return the symmetric hash of the segment's flow.
     */
    public long flowHash()
    {
        return flowHash;
    }

    /**
     * The capture clock as one engine fed every segment would have it just before this one: the newest segment time
     * the poller had handed off (or dropped) before it, or {@link Watermark#NONE}. A worker whose own clock is behind
     * it, on a segment older than it, times its flows out there first, as that engine would have.
     *
     * @return the newest segment time seen before this segment.
     */
    public long clockBeforeNs()
    {
        return clockBeforeNs;
    }

    /**
     * @return index of the ring block the frame is in (meaningful for ring frames).
     */
    public int block()
    {
        return block;
    }

    /**
     * @return the queue (poller, worker pair) this hand-off belongs to.
     */
    public HandOffQueue queue()
    {
        return queue;
    }

    /**
     * @param ledger the hand-off's ledger must be.
     * @return whether a worker is reading the frame in place, from memory counted by that ledger (or a file's).
     */
    boolean isInUseIn(final BlockLedger ledger)
    {
        return this.ledger == ledger && (int)STATE.getAcquire(this) == IN_USE;
    }

    /**
     * @param ledger the hand-off's ledger must be.
     * @param block  the hand-off's block must be.
     * @return whether the frame is in the given ledger's block, still to be read in place. Poller only.
     */
    boolean isInPlaceIn(final BlockLedger ledger, final int block)
    {
        return this.ledger == ledger && this.block == block && (int)STATE.getAcquire(this) == IN_PLACE;
    }

    /**
     * Stamp the hand-off for latency measurement, before it is published.
     *
     * @param handedOffNs     when the poller hands it on, on the pipeline's nano clock.
     * @param kernelLatencyNs from the kernel's timestamp to the poller, or {@link #NO_KERNEL_LATENCY}.
     */
    void stamp(final long handedOffNs, final long kernelLatencyNs)
    {
        this.handedOffNs = handedOffNs;
        this.kernelLatencyNs = kernelLatencyNs;
    }

    /**
     * @return when the poller handed the segment on, on the pipeline's nano clock (only when latency is measured).
     */
    public long handedOffNs()
    {
        return handedOffNs;
    }

    /**
     * @return the time from the kernel's timestamp to the poller reading the frame, or {@link #NO_KERNEL_LATENCY}
     * (only when latency is measured).
     */
    public long kernelLatencyNs()
    {
        return kernelLatencyNs;
    }

    /**
     * Point a frame at this hand-off's bytes, wherever they are now, with its metadata.
     *
     * @param frame    to fill.
     * @param inPlace  whether {@link #claimInPlace()} succeeded.
     * @param view     a buffer the caller owns, wrapped over the source memory when in place.
     * @return the frame.
     */
    public Frame wrap(final Frame frame, final boolean inPlace, final UnsafeBuffer view)
    {
        final DirectBuffer buffer;
        if (inPlace)
        {
            view.wrap(address, capturedLength);
            buffer = view;
        }
        else
        {
            buffer = copy;
        }
        return frame.wrap(buffer, 0, capturedLength, wireLength, timestampNs, linkType)
            .interfaceId(interfaceId)
            .vlanTci(vlanTci)
            .checksumStatus(checksumStatus)
            .frameNumber(frameNumber);
    }

    private void fillMetadata(final Frame frame, final long flowHash, final long clockBeforeNs)
    {
        this.clockBeforeNs = clockBeforeNs;
        this.capturedLength = frame.capturedLength();
        this.wireLength = frame.wireLength();
        this.timestampNs = frame.timestampNs();
        this.linkType = frame.linkType();
        this.interfaceId = frame.interfaceId();
        this.vlanTci = frame.vlanTci();
        this.checksumStatus = frame.checksumStatus();
        this.frameNumber = frame.frameNumber();
        this.flowHash = flowHash;
    }

    private boolean ensureCopyCapacity(final int length)
    {
        if (copy.capacity() >= length)
        {
            return false;
        }
        // Cold path: a frame larger than the copy buffers were sized for (GRO super-frames, jumbo frames).
        copy = newCopyBuffer(Math.max(length, copy.capacity() * 2));
        return true;
    }

    private static UnsafeBuffer newCopyBuffer(final int length)
    {
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned(BitUtil.findNextPositivePowerOfTwo(
            Math.max(length, 64)), 64));
    }
}
