package io.flowtap.perf.blast;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.FrameSource;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.ring.AfPacketTransmitter;
import io.flowtap.capture.ring.TransmitCounter;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Sends frames out of an {@link AfPacketTransmitter} at a pace: as fast as the ring drains ({@link #topSpeed()}),
 * at a fixed packet rate ({@link #pps(long)}), or at the frames' recorded pace sped up or slowed down
 * ({@link #recordedPace(double)}).
 * <p>
 * Pacing is open loop: frame {@code i}'s due time is fixed from the start ({@code i / pps}, or its recorded offset
 * divided by the speed), read from {@link System#nanoTime()}, so a stall is followed by a catch-up burst rather than
 * a slower rate, and the rate achieved is the rate asked unless the sender cannot keep up (then
 * {@link BlastReport#lateFrames()} says so). Frames are flushed every {@link #batch(int)} frames and before every
 * wait. A stripped VLAN tag (a journaled frame's {@code vlanTci}) is put back before sending.
 * <p>
 * Sending allocates nothing. Not thread safe, except {@link #stop()}, which any thread may call.
 */
public final class Blaster implements FrameHandler
{
    /** Frames per flush when none is given. */
    public static final int BATCH_DEFAULT = 32;
    private static final long LATE_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long PARK_THRESHOLD_NS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final int MAC_ADDRESSES_LENGTH = 12;
    private static final int VLAN_TAG_LENGTH = 4;
    private static final int TPID_8021Q = 0x8100;

    private final AfPacketTransmitter transmitter;
    private final UnsafeBuffer tagged = new UnsafeBuffer(new byte[1 << 16]);
    private int batch = BATCH_DEFAULT;
    private double nanosPerFrame;
    private double speed;
    private volatile boolean stopped;

    private long startNs;
    private long endNs;
    private long sent;
    private long skipped;
    private long late;
    private long sinceFlush;
    private long firstRecordedNs = Long.MIN_VALUE;
    private long recordedBaseNs;
    private long lastDueNs;
    private final long[] baseline = new long[TransmitCounter.count()];

    /**
     * @param transmitter to send through; the blaster does not close it.
     */
    public Blaster(final AfPacketTransmitter transmitter)
    {
        this.transmitter = transmitter;
    }

    /**
     * Send as fast as the ring drains (the default).
     *
     * @return this.
     */
    public Blaster topSpeed()
    {
        nanosPerFrame = 0;
        speed = 0;
        return this;
    }

    /**
     * @param pps frames per second to send at.
     * @return this.
     */
    public Blaster pps(final long pps)
    {
        if (pps <= 0)
        {
            throw new IllegalArgumentException("packet rate " + pps + " must be positive");
        }
        nanosPerFrame = 1e9 / pps;
        speed = 0;
        return this;
    }

    /**
     * @param speed 1 for the recorded pace, 2 for twice as fast.
     * @return this.
     */
    public Blaster recordedPace(final double speed)
    {
        if (!(speed > 0))
        {
            throw new IllegalArgumentException("speed " + speed + " must be positive");
        }
        this.speed = speed;
        nanosPerFrame = 0;
        return this;
    }

    /**
     * @param frames per flush.
     * @return this.
     */
    public Blaster batch(final int frames)
    {
        if (frames < 1)
        {
            throw new IllegalArgumentException("batch " + frames + " must be at least 1");
        }
        this.batch = frames;
        return this;
    }

    /**
     * Make {@link #send} return false from now on; the blast ends after the frame in hand. Any thread.
     */
    public void stop()
    {
        stopped = true;
    }

    /**
     * @return whether {@link #stop()} was called.
     */
    public boolean isStopped()
    {
        return stopped;
    }

    /**
     * Send every frame of a source, {@code loops} times over, opening the source afresh for each loop, until the
     * loops are done, {@code durationNs} has passed, or {@link #stop()} is called.
     *
     * @param sources    opens the source again for each loop.
     * @param loops      times to send it; {@link Long#MAX_VALUE} for as long as the duration allows.
     * @param durationNs the longest the blast may last; {@link Long#MAX_VALUE} for no limit.
     * @return what was sent.
     */
    public BlastReport blast(final Supplier<FrameSource> sources, final long loops, final long durationNs)
    {
        start();
        final long deadlineNs = durationNs == Long.MAX_VALUE ? Long.MAX_VALUE : startNs + durationNs;
        for (long loop = 0; loop < loops && !stopped; loop++)
        {
            newLoop();
            try (FrameSource source = sources.get())
            {
                while (!stopped && !source.isEndOfStream())
                {
                    source.poll(this, batch);
                    if (System.nanoTime() >= deadlineNs)
                    {
                        stop();
                    }
                }
            }
        }
        return finish();
    }

    /**
     * Start the clock: the first frame sent is due now.
     */
    public void start()
    {
        stopped = false;
        startNs = System.nanoTime();
        lastDueNs = startNs;
        sent = 0;
        skipped = 0;
        late = 0;
        sinceFlush = 0;
        firstRecordedNs = Long.MIN_VALUE;
        recordedBaseNs = startNs;
        for (final TransmitCounter counter : TransmitCounter.values())
        {
            baseline[counter.ordinal()] = transmitter.counter(counter);
        }
    }

    /**
     * Begin another pass over recorded frames: their recorded pace starts again from the last due time.
     */
    public void newLoop()
    {
        firstRecordedNs = Long.MIN_VALUE;
        recordedBaseNs = lastDueNs;
    }

    @Override
    public void onFrame(final Frame frame)
    {
        if (frame.linkType() != LinkType.ETHERNET)
        {
            skipped++;
            return;
        }
        send(frame.buffer(), frame.offset(), frame.capturedLength(), frame.timestampNs(), frame.vlanTci());
    }

    /**
     * Send one Ethernet frame when it is due. Allocates nothing.
     *
     * @param buffer      holding the frame.
     * @param offset      of its first byte.
     * @param length      of the frame.
     * @param timestampNs its recorded time, for {@link #recordedPace(double)}.
     * @param vlanTci     a VLAN TCI the capture stripped, to put back, or {@link Frame#NO_VLAN_TCI}.
     * @return false when the blast was stopped and the frame not sent.
     */
    public boolean send(
        final DirectBuffer buffer, final int offset, final int length, final long timestampNs, final int vlanTci)
    {
        if (stopped)
        {
            return false;
        }
        DirectBuffer frame = buffer;
        int frameOffset = offset;
        int frameLength = length;
        if (vlanTci != Frame.NO_VLAN_TCI && length >= MAC_ADDRESSES_LENGTH &&
            length + VLAN_TAG_LENGTH <= tagged.capacity())
        {
            tagged.putBytes(0, buffer, offset, MAC_ADDRESSES_LENGTH);
            tagged.putShort(MAC_ADDRESSES_LENGTH, (short)TPID_8021Q, ByteOrder.BIG_ENDIAN);
            tagged.putShort(MAC_ADDRESSES_LENGTH + 2, (short)vlanTci, ByteOrder.BIG_ENDIAN);
            tagged.putBytes(MAC_ADDRESSES_LENGTH + VLAN_TAG_LENGTH, buffer, offset + MAC_ADDRESSES_LENGTH,
                length - MAC_ADDRESSES_LENGTH);
            frame = tagged;
            frameOffset = 0;
            frameLength = length + VLAN_TAG_LENGTH;
        }
        if (frameLength < AfPacketTransmitter.MIN_FRAME_LENGTH || frameLength > transmitter.maxFrameLength())
        {
            skipped++;
            return true;
        }

        if (nanosPerFrame > 0 || speed > 0)
        {
            final long dueNs = dueNs(timestampNs);
            final long nowNs = System.nanoTime();
            if (dueNs > nowNs)
            {
                flush();
                awaitDue(dueNs);
            }
            else if (nowNs - dueNs > LATE_NS)
            {
                late++;
            }
            lastDueNs = dueNs;
        }

        while (transmitter.offer(frame, frameOffset, frameLength) == AfPacketTransmitter.RING_FULL)
        {
            flush();
            if (stopped)
            {
                return false;
            }
            Thread.onSpinWait();
        }
        sent++;
        if (++sinceFlush >= batch)
        {
            flush();
        }
        return true;
    }

    /**
     * Flush what is left and wait until the kernel has sent it, then stop the clock.
     *
     * @return what was sent since {@link #start()}.
     */
    public BlastReport finish()
    {
        transmitter.flushAndWait();
        endNs = System.nanoTime();
        return new BlastReport(
            sent,
            since(TransmitCounter.BYTES),
            Math.max(0, endNs - startNs),
            skipped,
            since(TransmitCounter.RING_FULL),
            since(TransmitCounter.FLUSHES_BACKPRESSURED),
            since(TransmitCounter.FLUSH_ERRORS),
            late);
    }

    /**
     * @return frames sent since {@link #start()}.
     */
    public long sent()
    {
        return sent;
    }

    private long since(final TransmitCounter counter)
    {
        return transmitter.counter(counter) - baseline[counter.ordinal()];
    }

    private long dueNs(final long timestampNs)
    {
        if (nanosPerFrame > 0)
        {
            return startNs + (long)(sent * nanosPerFrame);
        }
        if (firstRecordedNs == Long.MIN_VALUE)
        {
            firstRecordedNs = timestampNs;
        }
        return recordedBaseNs + (long)(Math.max(0, timestampNs - firstRecordedNs) / speed);
    }

    private void awaitDue(final long dueNs)
    {
        long nowNs = System.nanoTime();
        while (nowNs < dueNs && !stopped)
        {
            if (dueNs - nowNs > PARK_THRESHOLD_NS)
            {
                // Long waits (a recorded pause) sleep most of the way; the last stretch spins for precision.
                LockSupport.parkNanos(dueNs - nowNs - PARK_THRESHOLD_NS / 2);
            }
            else
            {
                Thread.onSpinWait();
            }
            nowNs = System.nanoTime();
        }
    }

    private void flush()
    {
        if (sinceFlush > 0)
        {
            transmitter.flush();
            sinceFlush = 0;
        }
    }
}
