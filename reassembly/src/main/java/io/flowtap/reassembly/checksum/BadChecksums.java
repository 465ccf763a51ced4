package io.flowtap.reassembly.checksum;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.reassembly.BadChecksumPolicy;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.EngineCounters;
import io.flowtap.reassembly.flow.FlowKey;
import io.flowtap.reassembly.flow.FlowTable;
import org.agrona.DirectBuffer;

import java.util.List;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * What the engine does with segments whose TCP checksum is bad, by its {@link BadChecksumPolicy}: drop them, keep
 * them, or ({@link BadChecksumPolicy#AUTO}) tell checksum offload from evasion by what the receivers do. In auto, a
 * bad segment from a host known to offload is kept; any other is held ({@link BadChecksumHold}) until its
 * receiver's acknowledgement covers it with no good copy seen, then accepted; one never acknowledged is dropped. A
 * host whose bad segments its peers acknowledge, and that sent no good one in those flows, is found to offload
 * ({@link ChecksumOffloadHosts}).
 * <p>
 * An acknowledgement is trusted to release held segments when it comes in a segment whose checksum is good, from a
 * host that offloads, or from a sender that sent no good segment in the flow (on a capture taken on one host, its own
 * segments are all bad: its acknowledgements are the only ones there are).
 * <p>
 * Not thread safe: owned by its engine.
 */
public final class BadChecksums
{
    private static final int FROM_A = 1;
    private static final int FROM_B = 2;

    private final BadChecksumPolicy policy;
    private final EngineCounters counters;
    private final ChecksumOffloadHosts hosts = new ChecksumOffloadHosts();
    private final BadChecksumHold hold;
    private final FlowKey ackKey = new FlowKey();
    /** Per flow slot: which sides sent a segment whose checksum was verified good. */
    private final byte[] goodSent;
    private final boolean vlanInKey;
    private final boolean tunnelInKey;

    public BadChecksums(final EngineContext context, final EngineCounters counters)
    {
        this.policy = context.badChecksumPolicy();
        this.counters = counters;
        this.hold = new BadChecksumHold(policy == BadChecksumPolicy.AUTO ? context.checksumHoldBytes() : 0,
            context.checksumHoldSegments(), counters);
        this.goodSent = new byte[context.maxFlows()];
        this.vlanInKey = context.vlanInKey();
        this.tunnelInKey = context.tunnelInKey();
    }

    /**
     * A flow has just been made in a slot.
     */
    public void created(final int slot)
    {
        goodSent[slot] = 0;
    }

    /**
     * A segment of a flow was used: remember a side that sent a good one.
     */
    public void used(final int slot, final boolean fromA, final int checksumStatus)
    {
        if (checksumStatus == TcpFlyweight.CHECKSUM_GOOD)
        {
            goodSent[slot] |= fromA ? FROM_A : FROM_B;
        }
    }

    /**
     * Release the held segments the segment just decoded acknowledges, if any are held and its acknowledgement is to
     * be trusted: each is given to {@code release} (oldest first) as if it arrived now.
     *
     * @param decoder the acknowledging segment.
     * @param key     its flow key (the engine's, which the release may refill).
     * @param hash    the key's table hash.
     * @param slot    its flow's slot, or a negative value when it has none yet.
     * @param release feeds a held segment to the engine.
     * @return whether any release was tried (the caller's key and hash must then be filled again).
     */
    public boolean releaseAcknowledged(
        final PacketDecoder decoder,
        final FlowKey key,
        final int hash,
        final int slot,
        final BadChecksumHold.Release release)
    {
        final TcpFlyweight tcp = decoder.tcp();
        if (hold.isEmpty() || !tcp.ack() || !trusts(decoder, key, slot))
        {
            return false;
        }
        ackKey.wrap(decoder, vlanInKey, tunnelInKey);
        hold.releaseCovered(ackKey, hash, tcp.ackSeq(), release);
        return true;
    }

    /**
     * @return whether to use a segment whose checksum is bad now; false when it was held or dropped (counted).
     */
    public boolean accept(
        final PacketDecoder decoder, final FlowKey key, final int hash, final long timeNs, final int wireLength)
    {
        switch (policy)
        {
            case DROP:
                counters.increment(EngineCounter.BAD_CHECKSUM);
                return false;
            case KEEP:
                counters.increment(EngineCounter.BAD_CHECKSUM_KEPT);
                return true;
            case AUTO:
            default:
                if (hosts.isOffloading(decoder.ipVersion(), sourceHigh(decoder), sourceLow(decoder)))
                {
                    hosts.kept(decoder.ipVersion(), sourceHigh(decoder), sourceLow(decoder));
                    counters.increment(EngineCounter.BAD_CHECKSUM_KEPT);
                    return true;
                }
                if (hold.hold(decoder, key, hash, timeNs, wireLength))
                {
                    counters.increment(EngineCounter.BAD_CHECKSUM_HELD);
                }
                else
                {
                    counters.increment(EngineCounter.BAD_CHECKSUM);
                }
                return false;
        }
    }

    /**
     * A held segment its receiver acknowledged is about to be accepted: it counts towards its sender being found to
     * offload when it carried something, and no good segment came from that side of the flow.
     *
     * @param held     the segment.
     * @param fromA    its direction in its flow's key.
     * @param slot     its flow's slot, or a negative value.
     * @param consumes whether it carried bytes, a SYN or a FIN.
     */
    public void accepted(final PacketDecoder held, final boolean fromA, final int slot, final boolean consumes)
    {
        counters.increment(EngineCounter.BAD_CHECKSUM_ACKED);
        final boolean sentGood = slot >= 0 && (goodSent[slot] & (fromA ? FROM_A : FROM_B)) != 0;
        if (consumes && !sentGood && hosts.confirm(held.ipVersion(), sourceHigh(held), sourceLow(held)))
        {
            counters.increment(EngineCounter.CHECKSUM_OFFLOAD_HOSTS);
        }
    }

    /**
     * A held segment its receiver acknowledged had its bytes reach the stream another way (a good copy): dropped.
     */
    public void superseded()
    {
        counters.increment(EngineCounter.BAD_CHECKSUM_SUPERSEDED);
        counters.increment(EngineCounter.BAD_CHECKSUM);
    }

    /**
     * A flow ends: what is still held of it was never acknowledged.
     */
    public void ended(final FlowTable table, final int slot)
    {
        if (!hold.isEmpty())
        {
            hold.dropFlow(table, slot);
        }
    }

    /**
     * The engine shuts down: nothing held will be acknowledged now.
     */
    public void shutdown()
    {
        hold.dropAll();
    }

    /**
     * @return segments held now.
     */
    public int held()
    {
        return hold.held();
    }

    /**
     * @return the hosts found to offload, for a summary; allocates.
     */
    public List<String> offloadingHosts()
    {
        return hosts.describe();
    }

    private boolean trusts(final PacketDecoder decoder, final FlowKey key, final int slot)
    {
        if (decoder.checksumStatus() != TcpFlyweight.CHECKSUM_BAD || policy == BadChecksumPolicy.KEEP)
        {
            return true;
        }
        if (hosts.isOffloading(decoder.ipVersion(), sourceHigh(decoder), sourceLow(decoder)))
        {
            return true;
        }
        return slot < 0 || (goodSent[slot] & (key.sourceIsA() ? FROM_A : FROM_B)) == 0;
    }

    private static long sourceHigh(final PacketDecoder decoder)
    {
        return decoder.ipVersion() == 6 ? decoder.buffer().getLong(decoder.sourceAddressOffset(), BIG_ENDIAN) : 0;
    }

    private static long sourceLow(final PacketDecoder decoder)
    {
        final DirectBuffer buffer = decoder.buffer();
        final int offset = decoder.sourceAddressOffset();
        return decoder.ipVersion() == 6 ? buffer.getLong(offset + 8, BIG_ENDIAN) :
            buffer.getInt(offset, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }
}
