package io.flowtap.pipeline.shard;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * How many frames of each ring block are still referred to by hand-offs: the count a poller checks before it gives a
 * block back to the kernel.
 * <p>
 * The poller does not count frames one by one: it adds the number it handed off once, when the block's last frame
 * has been delivered ({@link #add}), while workers take one off for each frame they finish ({@link #done}), so a
 * count may dip below zero while its block is still being walked. A block whose walk has ended is free exactly when
 * its count is zero. Each count sits on its own cache line, as workers finishing frames of neighbouring blocks would
 * otherwise fight over one.
 * <p>
 * Thread safe: one poller adds and reads, any number of workers decrement.
 */
public final class BlockLedger
{
    private static final int STRIDE = 64;

    private final UnsafeBuffer counts;
    private final int blocks;

    /**
     * @param blocks in the ring.
     */
    public BlockLedger(final int blocks)
    {
        if (blocks < 1)
        {
            throw new IllegalArgumentException("blocks must be at least 1: " + blocks);
        }
        this.blocks = blocks;
        this.counts = new UnsafeBuffer(BufferUtil.allocateDirectAligned(blocks * STRIDE, STRIDE));
    }

    /**
     * @return blocks tracked.
     */
    public int blocks()
    {
        return blocks;
    }

    /**
     * Add to a block's count, atomically: the poller adds what it handed off from the block.
     *
     * @param block index in the ring.
     * @param delta frames to add (negative to take off).
     */
    public void add(final int block, final int delta)
    {
        counts.getAndAddInt(block * STRIDE, delta);
    }

    /**
     * One frame of a block is done with, atomically and with release semantics: nothing reads it afterwards.
     *
     * @param block index in the ring.
     */
    public void done(final int block)
    {
        counts.getAndAddInt(block * STRIDE, -1);
    }

    /**
     * @param block index in the ring.
     * @return frames still referred to (acquire load).
     */
    public int outstanding(final int block)
    {
        return counts.getIntVolatile(block * STRIDE);
    }
}
