package io.flowtap.reassembly;

import io.flowtap.capture.counter.CounterDescriptor;
import io.flowtap.capture.counter.CounterUnit;

/**
 * Every counter the reassembly engine keeps. Each segment handed to the engine lands in exactly one outcome:
 * {@link #TRACKED} or one of the named reasons it was ignored, so that nothing is lost silently. A segment with a bad
 * checksum held for its receiver's acknowledgement ({@link #BAD_CHECKSUM_HELD}) gets its outcome when that is known:
 * tracked once acknowledged, {@link #BAD_CHECKSUM} when not (at the latest when the engine shuts down).
 * Invariant: {@code SEGMENTS == TRACKED + sum of every ignore reason}. The others are facts about tracked traffic.
 */
public enum EngineCounter implements CounterDescriptor
{
    /** Segments handed to the engine (derived: the sum of the outcomes). */
    SEGMENTS("segments", false),
    /** Segments used by a flow. */
    TRACKED("segments tracked", false),

    /** Segments with a bad TCP checksum ignored, as their receiver ignored them: never acknowledged, a good copy
     * seen instead, or policy drop. */
    BAD_CHECKSUM("bad checksum", true),
    /** Segments of no known flow that cannot start one (a RST, or midstream pickup turned off). */
    NO_FLOW("no flow", true),
    /** Segments of a new flow when the table was full and the policy ignores new flows. */
    FLOW_TABLE_FULL("flow table full", true),
    /** Segments of a connection a handler dropped ({@code drop()}, or {@code onSyn} returning false). */
    DROPPED_FLOW("dropped connection", true),
    /** Segments a handler's {@code onPacket} dropped from reassembly. */
    DROPPED_BY_HANDLER("dropped by handler", true),

    /** Flows started. */
    FLOWS_CREATED("flows created", false),
    /** Flows started without a handshake. */
    FLOWS_MIDSTREAM("flows picked up midstream", false),
    /** Flows ended, for any reason. */
    FLOWS_ENDED("flows ended", false),
    /** Flows ended by an idle timeout. */
    FLOWS_TIMED_OUT("flows timed out", false),
    /** Flows ended to make room in a full table. */
    FLOWS_EVICTED("flows evicted", false),
    /**
     * New connections on a 4-tuple still tracked: a SYN after a close, with a new ISN, after a refused attempt, or
     * after an unanswered attempt timed out.
     */
    PORT_REUSE("port reuse", false),
    /** Flows whose client and server were found the wrong way round and swapped. */
    DIRECTION_FLIPPED("direction flipped", false),
    /** Stream bytes handed to handlers. */
    DELIVERED_BYTES("bytes delivered", false),
    /** Segments that brought only bytes already seen. */
    RETRANSMISSIONS("retransmissions", false),
    /** Holes the peer acknowledged before their bytes were captured that filled within the grace (capture order). */
    ACKED_HOLES_FILLED("acked holes filled in time", false),
    /** Holes the peer acknowledged that did not fill within the grace: declared gaps, reason acked. */
    ACKED_HOLES_GAPPED("acked holes gapped", false),
    /** Midstream streams started again at earlier bytes that came after later ones, before any was delivered. */
    MIDSTREAM_REBASED("midstream streams started earlier", false),
    /** Segments that arrived ahead of a hole and waited. */
    OUT_OF_ORDER("out of order", false),
    /** Segments that overlapped bytes still held. */
    OVERLAPS("overlaps", false),
    /** Overlaps whose bytes differed. */
    OVERLAP_CONFLICTS("conflicting overlaps", false),
    /** Gaps reported. */
    GAPS("gaps", false),
    /** Bytes skipped over all gaps. */
    GAP_BYTES("gap bytes", false),
    /** Times a flow's buffered bytes reached the per-flow memcap. */
    MEMCAP_FLOW("flow memcap hit", false),
    /** Times the engine's page store or segment pool ran out. */
    MEMCAP_ENGINE("engine memcap hit", false),
    /** Payload bytes not kept because a memcap was hit (they turn into a gap). */
    MEMCAP_DROPPED_BYTES("bytes dropped at memcap", false),
    /** Flows whose reassembly stopped on a memcap (policy stop-tracking). */
    STOPPED_TRACKING("reassembly stopped at memcap", false),
    /** Payload bytes of streams whose reassembly was switched off (by the filter vote or a handler), or had ended. */
    NOT_REASSEMBLED_BYTES("bytes not reassembled", false),
    /** Urgent bytes taken out of the stream (urgent policy oob). */
    URGENT_OOB_BYTES("urgent bytes out of band", false),
    /** Segments with urgent data dropped (urgent policy drop). */
    URGENT_DROPPED("urgent segments dropped", false),
    /** RSTs a receiver would not accept (sequence out of window, or a bad ACK before the handshake). */
    RST_IGNORED("rst not acceptable", false),
    /** RSTs before the handshake completed that the connection carried on after (evasion, as in Suricata #3286). */
    RST_OVERRULED("rst overruled by handshake", false),
    /** FINs from a side that had not sent its SYN yet (ignored, as the receiver would). */
    FIN_IGNORED("fin before syn ignored", false),
    /** ACKs too far ahead of anything seen to be believed. */
    ACK_INVALID("ack not believable", false),
    /** Segments whose payload the capture cut short. */
    TRUNCATED_PAYLOAD("payload truncated", false),
    /** Packets seen on a connection after it closed. */
    AFTER_CLOSE("packets after close", false),
    /** Segments with a bad checksum used at once: policy keep, or from a host found to offload its checksums. */
    BAD_CHECKSUM_KEPT("bad checksum kept", false),
    /** Segments with a bad checksum held until their receiver's acknowledgement shows whether it took them. */
    BAD_CHECKSUM_HELD("bad checksum held", false),
    /** Held segments accepted: their receiver acknowledged them and no good copy came. */
    BAD_CHECKSUM_ACKED("bad checksum acknowledged", false),
    /** Held segments dropped because a good copy of what they carried came. */
    BAD_CHECKSUM_SUPERSEDED("bad checksum, good copy seen", false),
    /** Hosts found to offload their checksums: their bad segments were acknowledged by their peers. */
    CHECKSUM_OFFLOAD_HOSTS("checksum offload hosts", false),
    /** Active-response resets requested by handlers. */
    RESET_REQUESTED("resets requested", false),
    /** RST frames handed to the responder (two per reset: one to each end). */
    RESET_FRAMES_SENT("reset frames sent", false),
    /** Resets requested that could not be sent: no responder (a file), a link without Ethernet, or no packet. */
    RESET_NOT_SENT("resets not sent", false),
    /** RST frames the responder refused (its errno is not kept: the socket's own counters say more). */
    RESET_SEND_FAILED("reset frames refused", false),
    /** Connections a handler dropped (without a reset). */
    FLOWS_DROPPED("connections dropped", false);

    private static final EngineCounter[] VALUES = values();

    private final String label;
    private final boolean ignoreReason;

    EngineCounter(final String label, final boolean ignoreReason)
    {
        this.label = label;
        this.ignoreReason = ignoreReason;
    }

    /**
     * @return a short human-readable label, as printed in counter summaries.
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
            case FLOWS_CREATED, FLOWS_MIDSTREAM, FLOWS_ENDED, FLOWS_TIMED_OUT, FLOWS_EVICTED, PORT_REUSE,
                DIRECTION_FLIPPED, MIDSTREAM_REBASED, STOPPED_TRACKING, RESET_REQUESTED, RESET_NOT_SENT,
                FLOWS_DROPPED -> CounterUnit.FLOWS;
            case DELIVERED_BYTES, GAP_BYTES, MEMCAP_DROPPED_BYTES, NOT_REASSEMBLED_BYTES, URGENT_OOB_BYTES ->
                CounterUnit.BYTES;
            case ACKED_HOLES_FILLED, ACKED_HOLES_GAPPED, GAPS, MEMCAP_FLOW, MEMCAP_ENGINE -> CounterUnit.EVENTS;
            case RESET_FRAMES_SENT, RESET_SEND_FAILED -> CounterUnit.FRAMES;
            case CHECKSUM_OFFLOAD_HOSTS -> CounterUnit.HOSTS;
            default -> CounterUnit.SEGMENTS;
        };
    }

    /**
     * @return true for {@link #SEGMENTS}: the sum of {@link #TRACKED} and every ignore reason.
     */
    @Override
    public boolean isDerived()
    {
        return this == SEGMENTS;
    }

    /**
     * @return true for every segment's outcome: {@link #TRACKED} and the ignore reasons.
     */
    @Override
    public boolean isPart()
    {
        return this == TRACKED || ignoreReason;
    }

    /**
     * @return whether this counter is a reason a segment was not used.
     */
    public boolean isIgnoreReason()
    {
        return ignoreReason;
    }

    /**
     * @param ordinal of a counter.
     * @return the counter, without the array copy {@code values()} makes.
     */
    public static EngineCounter get(final int ordinal)
    {
        return VALUES[ordinal];
    }

    /**
     * @return how many counters there are.
     */
    public static int count()
    {
        return VALUES.length;
    }
}
