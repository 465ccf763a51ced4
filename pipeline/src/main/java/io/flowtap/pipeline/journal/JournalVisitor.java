package io.flowtap.pipeline.journal;

import io.flowtap.reassembly.GapReason;
import org.agrona.DirectBuffer;

/**
 * Receives a journal's events from {@link JournalReader}, one method per event type. Every method has a default that
 * ignores the event, so a visitor implements only what it needs. Buffers and flyweights are views of the mapped
 * journal, valid only during the call: copy what must outlive it. Flows are keyed by {@code run}, {@code source} and
 * {@code flowId}: each writer (a worker's engine) numbers its own flows, from 1 in every run.
 */
public interface JournalVisitor
{
    /**
     * A flow started.
     *
     * @param run       the writer's run (0 for a journal written before runs were numbered).
     * @param source    the writer.
     * @param flowId    the flow.
     * @param timeNs    time of its first packet.
     * @param key       client and server as the engine took them at the first packet (a midstream flow's roles may
     *                  be flipped later; {@link #onFlowEnd}'s key is final).
     * @param midstream whether it was picked up without its handshake.
     */
    default void onFlowStart(
        final int run, final int source, final long flowId, final long timeNs, final JournalFlowKey key,
        final boolean midstream)
    {
    }

    /**
     * The handshake completed, or a midstream flow was taken as established.
     *
     * @param run    the writer's run (0 for a journal written before runs were numbered).
     * @param source the writer.
     * @param flowId the flow.
     * @param timeNs time of the packet that completed it.
     */
    default void onEstablished(final int run, final int source, final long flowId, final long timeNs)
    {
    }

    /**
     * In-order stream bytes.
     *
     * @param run          the writer's run (0 for a journal written before runs were numbered).
     * @param source       the writer.
     * @param flowId       the flow.
     * @param timeNs       capture time of the packet that made them deliverable.
     * @param direction    a {@link io.flowtap.reassembly.Direction}.
     * @param streamOffset of the first byte in the direction's stream.
     * @param buffer       holding the bytes.
     * @param offset       of the first byte in {@code buffer}.
     * @param length       bytes (0 for a last call with {@code eof} alone).
     * @param eof          the handler API's {@code EOF_NONE}, {@code EOF_DIRECTION} or {@code EOF_BOTH}.
     */
    default void onPayload(
        final int run,
        final int source,
        final long flowId,
        final long timeNs,
        final int direction,
        final long streamOffset,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int eof)
    {
    }

    /**
     * Bytes that will never come.
     *
     * @param run          the writer's run (0 for a journal written before runs were numbered).
     * @param source       the writer.
     * @param flowId       the flow.
     * @param timeNs       time of the packet or expiry that decided it.
     * @param direction    of the stream.
     * @param streamOffset of the first missing byte.
     * @param length       bytes missing.
     * @param reason       why the engine stopped waiting.
     */
    default void onGap(
        final int run,
        final int source,
        final long flowId,
        final long timeNs,
        final int direction,
        final long streamOffset,
        final long length,
        final GapReason reason)
    {
    }

    /**
     * Two versions of the same stream bytes differed.
     *
     * @param run        the writer's run (0 for a journal written before runs were numbered).
     * @param source     the writer.
     * @param flowId     the flow.
     * @param timeNs     arrival of the new segment.
     * @param direction  of the stream.
     * @param heldOffset stream offset of the segment held.
     * @param heldLength its length.
     * @param newOffset  stream offset of the segment with different bytes.
     * @param newLength  its length.
     * @param newKept    whether the policy kept the new bytes.
     */
    default void onOverlapConflict(
        final int run,
        final int source,
        final long flowId,
        final long timeNs,
        final int direction,
        final long heldOffset,
        final long heldLength,
        final long newOffset,
        final long newLength,
        final boolean newKept)
    {
    }

    /**
     * A name and a value a handler attached to a flow.
     *
     * @param run         the writer's run (0 for a journal written before runs were numbered).
     * @param source      the writer.
     * @param flowId      the flow.
     * @param timeNs      when it was learnt.
     * @param direction   a {@link io.flowtap.reassembly.Direction}, or -1 for the whole flow.
     * @param buffer      holding name and value.
     * @param nameOffset  of the name (UTF-8) in {@code buffer}.
     * @param nameLength  in bytes.
     * @param valueType   {@link JournalDescriptor#VALUE_TEXT}, {@link JournalDescriptor#VALUE_BINARY} or
     *                    {@link JournalDescriptor#VALUE_LONG} (8 bytes, little-endian).
     * @param valueOffset of the value in {@code buffer}.
     * @param valueLength in bytes.
     */
    default void onAttribute(
        final int run,
        final int source,
        final long flowId,
        final long timeNs,
        final int direction,
        final DirectBuffer buffer,
        final int nameOffset,
        final int nameLength,
        final int valueType,
        final int valueOffset,
        final int valueLength)
    {
    }

    /**
     * A flow ended.
     *
     * @param run    the writer's run (0 for a journal written before runs were numbered).
     * @param source the writer.
     * @param flowId the flow.
     * @param timeNs time of its last packet.
     * @param record its whole record, with the final key.
     */
    default void onFlowEnd(
        final int run, final int source, final long flowId, final long timeNs, final JournalFlowRecord record)
    {
    }

    /**
     * A captured frame, from the raw-packet journal.
     *
     * @param run            the writer's run (0 for a journal written before runs were numbered).
     * @param source         the writer (a poller).
     * @param frameNumber    the number its source gave it.
     * @param timeNs         capture time.
     * @param linkType       a LINKTYPE_ value ({@link io.flowtap.capture.LinkType}).
     * @param interfaceId    the capture interface's id.
     * @param wireLength     length on the wire.
     * @param vlanTci        the VLAN TCI the capture stripped, or -1.
     * @param buffer         holding the frame.
     * @param offset         of its first byte.
     * @param capturedLength bytes journaled.
     */
    default void onFrame(
        final int run,
        final int source,
        final long frameNumber,
        final long timeNs,
        final int linkType,
        final int interfaceId,
        final int wireLength,
        final int vlanTci,
        final DirectBuffer buffer,
        final int offset,
        final int capturedLength)
    {
    }

    /**
     * Events a writer could not journal (its disk was full), reported when journaling resumed.
     *
     * @param run          the writer's run.
     * @param source       the writer.
     * @param timeNs       when journaling resumed (capture time of the event then written).
     * @param events       events missing.
     * @param payloadBytes payload (or frame) bytes among them.
     * @param firstNs      capture time of the first event missing.
     */
    default void onLoss(
        final int run, final int source, final long timeNs, final long events, final long payloadBytes,
        final long firstNs)
    {
    }
}
