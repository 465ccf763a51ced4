package io.flowtap.capture.ring;

import io.flowtap.capture.FrameHandler;

/**
 * Receives frames from {@link AfPacketRingSource#pollDeferred}, told where each ring block starts and ends, so that it
 * can keep referring to a block's frames after {@link #onFrame} returns: the block stays the caller's until it hands
 * it back with {@link AfPacketRingSource#releaseDeferredBlock(int)}.
 * <p>
 * Calls come in ring order: {@link #onBlockStart} for a block, its frames, then {@link #onBlockEnd}; a poll may stop
 * inside a block, and the next one carries on where it stopped.
 */
public interface BlockFrameHandler extends FrameHandler
{
    /**
     * A block has been taken from the kernel; its frames follow.
     *
     * @param blockIndex of the block in the ring, from 0.
     */
    void onBlockStart(int blockIndex);

    /**
     * Every frame of the block has been delivered; the block can be released once nothing refers to it any more.
     *
     * @param blockIndex of the block in the ring.
     */
    void onBlockEnd(int blockIndex);
}
