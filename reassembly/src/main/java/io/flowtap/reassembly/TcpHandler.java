package io.flowtap.reassembly;

import io.flowtap.capture.codec.PacketDecoder;
import org.agrona.DirectBuffer;

/**
 * What users program against: the engine calls its handlers, in the order they were registered, for every flow
 * event. Every method has a default, so a handler implements only what it needs. Several handlers cooperate on the
 * same flow; all events of one flow come from one thread, in order.
 * <p>
 * Where the reference APIs put their hooks:
 * <ul>
 *     <li>Trisul {@code filter}: {@link #filter} (the flow is reassembled unless every handler votes no);
 *     {@code onnewflow}: {@link #onNewFlow}; {@code onpayload}: {@link #onPayload} ({@code seekpos} is the absolute
 *     stream offset); {@code onterminateflow}: {@link #onTerminate}.</li>
 *     <li>Net::Inspect {@code syn}: {@link #onSyn}; {@code new_connection}: {@link #onEstablished}; {@code in}:
 *     {@link #onPayload} returning the bytes consumed, with {@code eof} 1 or 2; {@code fatal}: {@link #onGap} (the
 *     stream goes on after the gap).</li>
 *     <li>Haka {@code tcp-connection-new}: {@link #onEstablished}; {@code getconnection()}: {@link #onPacket}'s
 *     flow and direction; {@code drop()} and {@code reset()}: {@link Flow#drop()} and {@link Flow#reset()};
 *     {@code data}: {@link Flow#data()}.</li>
 * </ul>
 * Buffers passed to a handler are valid only during the call: in {@link DeliveryMode#IMMEDIATE} mode in-order data is
 * the packet itself, in place. A handler that needs bytes later keeps them by not consuming them.
 */
public interface TcpHandler
{
    /** {@code eof} value: more data may follow in this direction. */
    int EOF_NONE = 0;
    /** {@code eof} value: this direction has ended (Net::Inspect's 1). */
    int EOF_DIRECTION = 1;
    /** {@code eof} value: this direction has ended and so has the other (Net::Inspect's 2). */
    int EOF_BOTH = 2;
    /** {@link #filter} vote: reassemble this flow. */
    int VOTE_YES = 1;
    /** {@link #filter} vote: do not reassemble it, unless another handler votes yes. */
    int VOTE_NO = 0;
    /** {@link #filter} vote: no opinion. */
    int VOTE_ABSTAIN = -1;

    /**
     * Vote on whether a new flow is reassembled; asked once, before {@link #onNewFlow}. The flow is reassembled
     * unless some handler votes {@link #VOTE_NO} and none votes {@link #VOTE_YES} (Trisul's rule: reassembled unless
     * every handler that votes, votes no); a handler with no opinion abstains.
     *
     * @param flow the new flow.
     * @return {@link #VOTE_YES}, {@link #VOTE_NO} or {@link #VOTE_ABSTAIN}.
     */
    default int filter(final Flow flow)
    {
        return VOTE_ABSTAIN;
    }

    /**
     * The client's SYN of a new connection.
     *
     * @param flow    the connection.
     * @param segment the SYN, decoded in place; valid during the call only.
     * @param timeNs  its capture time.
     * @return false to ignore the connection: all its later packets are counted and dropped.
     */
    default boolean onSyn(final Flow flow, final PacketDecoder segment, final long timeNs)
    {
        return true;
    }

    /**
     * A flow has started: its first packet was seen (a handshake, or midstream traffic).
     *
     * @param flow   the flow.
     * @param timeNs time of its first packet.
     */
    default void onNewFlow(final Flow flow, final long timeNs)
    {
    }

    /**
     * The three-way (or split, or simultaneous) handshake has completed; for a flow picked up midstream, called when
     * it starts.
     *
     * @param flow   the connection.
     * @param timeNs time of the packet that completed it.
     */
    default void onEstablished(final Flow flow, final long timeNs)
    {
    }

    /**
     * Every segment of a tracked flow, before the engine uses it.
     *
     * @param flow      the connection.
     * @param direction {@link Direction#TO_SERVER} or {@link Direction#TO_CLIENT}.
     * @param segment   the segment, decoded in place; valid during the call only.
     * @param timeNs    its capture time.
     * @return false to drop this packet from reassembly (counted); {@link Flow#drop()} drops the whole connection.
     */
    default boolean onPacket(final Flow flow, final int direction, final PacketDecoder segment, final long timeNs)
    {
        return true;
    }

    /**
     * In-order stream bytes. What the handler does not consume is kept and offered again, followed by new data, on the
     * next call; the last call of a direction has {@code eof} set (and may have no bytes).
     *
     * @param flow      the connection.
     * @param direction {@link Direction#TO_SERVER} or {@link Direction#TO_CLIENT}.
     * @param seekpos   stream offset of {@code buffer[offset]}: bytes since the start of this direction's stream.
     * @param buffer    holding the bytes; valid during the call only.
     * @param offset    of the first byte in {@code buffer}.
     * @param length    bytes offered.
     * @param timeNs    capture time of the packet that made them deliverable ({@code acked} mode: the earliest
     *                  arrival of the bytes offered).
     * @param eof       {@link #EOF_NONE}, {@link #EOF_DIRECTION} or {@link #EOF_BOTH}.
     * @return bytes consumed, from the front; at most {@code length}.
     */
    default int onPayload(
        final Flow flow,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs,
        final int eof)
    {
        return length;
    }

    /**
     * Bytes that will never come: the stream skips them and goes on at {@code seekpos + length}.
     *
     * @param flow      the connection.
     * @param direction of the stream.
     * @param seekpos   stream offset of the first missing byte.
     * @param length    bytes missing.
     * @param reason    why the engine stopped waiting.
     * @param timeNs    time of the packet (or expiry) that decided it.
     */
    default void onGap(
        final Flow flow, final int direction, final long seekpos, final long length, final GapReason reason,
        final long timeNs)
    {
    }

    /**
     * Two versions of the same stream bytes differed (a conflicting overlap, often an evasion attempt); the overlap
     * policy chose one of them.
     *
     * @param flow       the connection.
     * @param direction  of the stream.
     * @param heldStart  stream offset of the segment already held.
     * @param heldLength its length.
     * @param newStart   stream offset of the segment that brought different bytes.
     * @param newLength  its length.
     * @param newKept    whether the policy kept the new bytes.
     * @param timeNs     arrival of the new segment.
     */
    default void onOverlapConflict(
        final Flow flow,
        final int direction,
        final long heldStart,
        final long heldLength,
        final long newStart,
        final long newLength,
        final boolean newKept,
        final long timeNs)
    {
    }

    /**
     * An attribute of the flow that a handler discovered in its stream (Trisul's {@code onattribute}): HTTP headers,
     * TLS fields and the like, named as Trisul names them ({@code HTTP-Header}, {@code Host}, {@code TLS:O} ...).
     * Emitted with {@link Flow#attribute}; every handler receives it, the emitter included.
     *
     * @param flow      the connection.
     * @param direction of the stream it was found in.
     * @param name      the attribute's name (a constant; compare with {@code equals} or by identity).
     * @param value     holding the value's bytes; valid during the call only.
     * @param offset    of the value in {@code value}.
     * @param length    of the value.
     * @param timeNs    time of the bytes it was found in.
     */
    default void onAttribute(
        final Flow flow,
        final int direction,
        final String name,
        final DirectBuffer value,
        final int offset,
        final int length,
        final long timeNs)
    {
    }

    /**
     * The flow has ended and its record is final. The flow object is reused after this call returns.
     *
     * @param flow   the flow.
     * @param record what was seen of it.
     */
    default void onTerminate(final Flow flow, final FlowRecord record)
    {
    }
}
