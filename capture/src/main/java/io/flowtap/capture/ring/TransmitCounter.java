package io.flowtap.capture.ring;

import io.flowtap.capture.counter.CounterDescriptor;
import io.flowtap.capture.counter.CounterUnit;

/**
 * Every counter an {@link AfPacketTransmitter} keeps.
 */
public enum TransmitCounter implements CounterDescriptor
{
    /** Frames copied into the ring and handed to the kernel. */
    FRAMES("frames queued"),
    /** Bytes of those frames. */
    BYTES("bytes queued"),
    /** Offers refused because the next slot was still the kernel's. */
    RING_FULL("ring full"),
    /** Offers refused because the frame does not fit a slot, or is shorter than an Ethernet header. */
    BAD_LENGTH("bad frame length"),
    /** {@code send(2)} calls that asked the kernel to send the ring. */
    FLUSHES("flushes"),
    /** Flushes the kernel answered with ENOBUFS or EAGAIN: the device queue was full. */
    FLUSHES_BACKPRESSURED("flushes backpressured"),
    /** Flushes that failed otherwise. */
    FLUSH_ERRORS("flush errors");

    private static final TransmitCounter[] VALUES = values();

    private final String label;

    TransmitCounter(final String label)
    {
        this.label = label;
    }

    /**
     * @return the name used in output.
     */
    @Override
    public String label()
    {
        return label;
    }

    /**
     * @return what the counter counts.
     */
    @Override
    public CounterUnit unit()
    {
        return switch (this)
        {
            case FRAMES, RING_FULL, BAD_LENGTH -> CounterUnit.FRAMES;
            case BYTES -> CounterUnit.BYTES;
            default -> CounterUnit.EVENTS;
        };
    }

    /**
     * @return how many counters there are.
     */
    public static int count()
    {
        return VALUES.length;
    }
}
