package io.flowtap.capture.ring;

import io.flowtap.capture.counter.CounterDescriptor;
import io.flowtap.capture.counter.CounterUnit;

/**
 * Every counter a ring source keeps: flowtap's own (frames, blocks, truncations, damage) and the kernel's
 * {@code PACKET_STATISTICS}, accumulated because the kernel clears them on every read.
 */
public enum RingCounter implements CounterDescriptor
{
    /** Frames handed to the handler. */
    FRAMES("frames"),
    /** Blocks taken from the kernel and handed back. */
    BLOCKS("blocks"),
    /** Blocks the retire timer closed before they were full. */
    BLOCKS_TIMED_OUT("blocks timed out"),
    /** Blocks the kernel marked TP_STATUS_LOSING: drops were pending when the block closed. */
    BLOCKS_LOSING("blocks losing"),
    /**
     * Frames whose captured length is below their wire length: the kernel clamped a frame larger than the block
     * (GRO/LRO) or a snap length cut it. They are delivered with both lengths, never silently cut.
     */
    TRUNCATED_FRAMES("truncated frames"),
    /**
     * Outgoing copies on a loopback interface, skipped: loopback hands every packet to the socket twice, once sent
     * and once received, and libpcap keeps only the received one. Counted, so nothing goes silently.
     */
    LOOPBACK_OUTGOING_SKIPPED("loopback outgoing copies skipped"),
    /** Blocks abandoned because a packet header pointed outside the block; the rest of the block is skipped. */
    MALFORMED_BLOCKS("malformed blocks"),
    /** Packets the kernel saw for this socket, drops included (PACKET_STATISTICS tp_packets). */
    KERNEL_PACKETS("kernel packets"),
    /** Packets the kernel dropped because the ring was full (tp_drops). */
    KERNEL_DROPS("kernel drops"),
    /** Times the ring froze because the next block was still held by flowtap (tp_freeze_q_cnt). */
    KERNEL_FREEZES("kernel ring freezes"),
    /** Reads of PACKET_STATISTICS that failed. */
    STATISTICS_ERRORS("statistics errors");

    private final String label;

    RingCounter(final String label)
    {
        this.label = label;
    }

    /**
     * @return a label for reports, such as {@code kernel drops}.
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
            case FRAMES, TRUNCATED_FRAMES, LOOPBACK_OUTGOING_SKIPPED, KERNEL_PACKETS, KERNEL_DROPS ->
                CounterUnit.FRAMES;
            case BLOCKS, BLOCKS_TIMED_OUT, BLOCKS_LOSING, MALFORMED_BLOCKS -> CounterUnit.BLOCKS;
            default -> CounterUnit.EVENTS;
        };
    }
}
