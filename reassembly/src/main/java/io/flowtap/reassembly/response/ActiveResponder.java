package io.flowtap.reassembly.response;

import io.flowtap.capture.FrameSender;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.EngineCounters;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Active response: a RST to each end of a connection, built from the segment just handled (its link addresses and
 * VLAN tags) by {@link RstFrameBuilder} into a buffer of its own, and sent through the engine's {@link FrameSender}.
 * The engine works out the sequence numbers each end expects; this class only frames and sends, and counts what it
 * could not send.
 * <p>
 * Not thread safe: owned by its engine.
 */
public final class ActiveResponder
{
    private final EngineContext context;
    private final EngineCounters counters;
    private final UnsafeBuffer rstFrame =
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(2 * RstFrameBuilder.MAX_FRAME_LENGTH, 64));

    /**
     * @param context  gives the {@link EngineContext#responder()} that sends the frames, read for each response.
     * @param counters the engine's counters.
     */
    public ActiveResponder(final EngineContext context, final EngineCounters counters)
    {
        this.context = context;
        this.counters = counters;
    }

    /**
     * @param decoder the segment that would be answered.
     * @return whether a RST can be sent in answer to it: a responder is set, and the segment is plain Ethernet.
     * Counts {@link EngineCounter#RESET_NOT_SENT} when not.
     */
    public boolean canAnswer(final PacketDecoder decoder)
    {
        if (context.responder() == null || decoder.linkType() != LinkType.ETHERNET || decoder.isEncapsulated())
        {
            counters.increment(EngineCounter.RESET_NOT_SENT);
            return false;
        }
        return true;
    }

    /**
     * Send a RST to each end: the segment's receiver first, then its sender.
     *
     * @param decoder      the segment just handled, which {@link #canAnswer} accepted.
     * @param senderNext   the next sequence number of the segment's sender, which its receiver expects.
     * @param receiverNext the next sequence number of the segment's receiver, which its sender expects.
     */
    public void resetBothEnds(final PacketDecoder decoder, final long senderNext, final long receiverNext)
    {
        final TcpFlyweight tcp = decoder.tcp();
        final int outerVlan = decoder.vlanCount() > 0 ? decoder.outerVlanId() : -1;
        final int innerVlan = decoder.vlanCount() > 1 ? decoder.innerVlanId() : -1;
        for (int reverse = 0; reverse < 2; reverse++)
        {
            final boolean toSender = reverse == 1;
            final int length = RstFrameBuilder.build(
                rstFrame,
                decoder.buffer(),
                decoder.linkOffset(),
                toSender,
                outerVlan,
                innerVlan,
                decoder.ipVersion(),
                decoder.sourceAddressOffset(),
                decoder.headerDestinationAddressOffset(),
                tcp.srcPort(),
                tcp.dstPort(),
                toSender ? receiverNext : senderNext,
                toSender ? senderNext : receiverNext);
            final int sent = context.responder().send(rstFrame, 0, length);
            counters.increment(sent == length ? EngineCounter.RESET_FRAMES_SENT : EngineCounter.RESET_SEND_FAILED);
        }
    }
}
