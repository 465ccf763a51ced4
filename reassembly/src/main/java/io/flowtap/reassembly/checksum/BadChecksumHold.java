package io.flowtap.reassembly.checksum;

import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.EngineCounters;
import io.flowtap.reassembly.SequenceNumbers;
import io.flowtap.reassembly.flow.FlowKey;
import io.flowtap.reassembly.flow.FlowTable;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Segments with a bad checksum, set aside rather than dropped, until the receiver shows whether it took them: a
 * segment is accepted once an acknowledgement from its receiver covers it (the receiver had its bytes, and no other
 * copy was captured), which is what a capture taken on a host with checksum offload looks like; one the receiver
 * never acknowledges (an injection meant to be seen by the sensor only) is dropped when its flow ends or when room is
 * needed, oldest first, and counted.
 * <p>
 * Each held segment is copied, from its IP header to the end of what was captured of it, into an arena used as a
 * ring (segments resolve in about the order they came), with what its decoder found (offsets, VLANs, tunnel) and its
 * flow's key, so that it can be described to a decoder again and fed as if it arrived then. Bounded in bytes and in
 * segments; allocates only when made.
 * <p>
 * Not thread safe: owned by its engine.
 */
public final class BadChecksumHold
{
    /** Called for each held segment an acknowledgement covers, with a decoder describing it. */
    public interface Release
    {
        /**
         * @param held        describes the segment (until the call returns).
         * @param timeNs      when it was captured.
         * @param wireLength  its frame's length on the wire.
         * @param consumes    whether it carried bytes, a SYN or a FIN.
         */
        void release(PacketDecoder held, long timeNs, int wireLength, boolean consumes);
    }

    private final UnsafeBuffer arena;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final PacketDecoder decoder = new PacketDecoder(ChecksumMode.OFF);
    private final EngineCounters counters;
    private final int capacity;
    private final int mask;
    private final long[] starts;
    private final int[] lengths;
    private final boolean[] live;
    private final long[] times;
    private final int[] wireLengths;
    private final int[] hashes;
    private final long[] keys;
    private final boolean[] fromA;
    private final long[] seqEnds;
    private final boolean[] consumes;
    private final int[] destinationOffsets;
    private final int[] tcpOffsets;
    private final int[] vlans;
    private final int[] tunnelTypes;
    private final int[] tunnelIds;
    private long head;
    private long tail;
    private int liveCount;
    private long writePosition;

    /**
     * @param bytes    of segments held at most (0: hold none).
     * @param segments held at most (rounded up to a power of two).
     * @param counters to count the segments dropped in.
     */
    BadChecksumHold(final int bytes, final int segments, final EngineCounters counters)
    {
        this.capacity = bytes;
        this.counters = counters;
        final int entries = Integer.highestOneBit(Math.max(1, segments - 1)) << 1;
        this.mask = entries - 1;
        this.arena = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(64, bytes), 64));
        starts = new long[entries];
        lengths = new int[entries];
        live = new boolean[entries];
        times = new long[entries];
        wireLengths = new int[entries];
        hashes = new int[entries];
        keys = new long[entries * FlowKey.WORDS];
        fromA = new boolean[entries];
        seqEnds = new long[entries];
        consumes = new boolean[entries];
        destinationOffsets = new int[entries];
        tcpOffsets = new int[entries];
        vlans = new int[entries];
        tunnelTypes = new int[entries];
        tunnelIds = new int[entries];
    }

    /**
     * @return whether no segment is held.
     */
    boolean isEmpty()
    {
        return liveCount == 0;
    }

    /**
     * @return segments held now.
     */
    int held()
    {
        return liveCount;
    }

    /**
     * Set a segment aside; the oldest held ones are dropped (counted) to make room.
     *
     * @return false when it cannot be held at all (larger than the whole hold).
     */
    boolean hold(
        final PacketDecoder segment, final FlowKey key, final int hash, final long timeNs, final int wireLength)
    {
        final TcpFlyweight tcp = segment.tcp();
        final int ipOffset = segment.ipOffset();
        final int end = tcp.payloadOffset() + tcp.capturedPayloadLength();
        final int length = end - ipOffset;
        final long position = allocate(length);
        if (position < 0)
        {
            return false;
        }
        final int entry = (int)(tail++ & mask);
        liveCount++;
        arena.putBytes((int)(position % capacity), segment.buffer(), ipOffset, length);
        starts[entry] = position;
        lengths[entry] = length;
        live[entry] = true;
        times[entry] = timeNs;
        wireLengths[entry] = wireLength;
        hashes[entry] = hash;
        for (int w = 0; w < FlowKey.WORDS; w++)
        {
            keys[entry * FlowKey.WORDS + w] = key.word(w);
        }
        fromA[entry] = key.sourceIsA();
        final int flags = tcp.flags();
        final int control = ((flags & TcpFlyweight.SYN) != 0 ? 1 : 0) + ((flags & TcpFlyweight.FIN) != 0 ? 1 : 0);
        seqEnds[entry] = SequenceNumbers.add(tcp.seq(), tcp.payloadLength() + control);
        consumes[entry] = tcp.payloadLength() + control > 0;
        destinationOffsets[entry] = segment.destinationAddressOffset() - ipOffset;
        tcpOffsets[entry] = tcp.offset() - ipOffset;
        vlans[entry] = (segment.vlanCount() << 28) | ((segment.outerVlanId() & 0x3FFF) << 14) |
            (segment.innerVlanId() & 0x3FFF);
        tunnelTypes[entry] = segment.tunnelType();
        tunnelIds[entry] = segment.tunnelId();
        return true;
    }

    /**
     * Release, oldest first, every segment of the flow an acknowledgement from the other side covers.
     *
     * @param key     the acknowledging segment's flow key; its direction says which side acknowledged.
     * @param hash    the key's table hash.
     * @param ackSeq  what it acknowledged.
     * @param release fed each covered segment.
     */
    void releaseCovered(final FlowKey key, final int hash, final long ackSeq, final Release release)
    {
        final boolean ackFromA = key.sourceIsA();
        for (long i = head; i != tail; i++)
        {
            final int entry = (int)(i & mask);
            if (live[entry] && hashes[entry] == hash && fromA[entry] != ackFromA && sameKey(entry, key) &&
                SequenceNumbers.afterOrEqual(ackSeq, seqEnds[entry]))
            {
                free(entry);
                release.release(describe(entry), times[entry], wireLengths[entry], consumes[entry]);
            }
        }
        popDead();
    }

    /**
     * Drop (counted) every segment of a flow that is ending: its receiver never acknowledged them.
     *
     * @param table holding the flow's key.
     * @param slot  of the flow in the table.
     */
    void dropFlow(final FlowTable table, final int slot)
    {
        for (long i = head; i != tail; i++)
        {
            final int entry = (int)(i & mask);
            if (live[entry] && sameKey(entry, table, slot))
            {
                free(entry);
                counters.increment(EngineCounter.BAD_CHECKSUM);
            }
        }
        popDead();
    }

    private boolean sameKey(final int entry, final FlowTable table, final int slot)
    {
        final int base = entry * FlowKey.WORDS;
        for (int w = 0; w < FlowKey.WORDS; w++)
        {
            if (keys[base + w] != table.keyWord(slot, w))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Drop (counted) everything held.
     */
    void dropAll()
    {
        for (long i = head; i != tail; i++)
        {
            final int entry = (int)(i & mask);
            if (live[entry])
            {
                free(entry);
                counters.increment(EngineCounter.BAD_CHECKSUM);
            }
        }
        popDead();
    }

    private boolean sameKey(final int entry, final FlowKey key)
    {
        final int base = entry * FlowKey.WORDS;
        for (int w = 0; w < FlowKey.WORDS; w++)
        {
            if (keys[base + w] != key.word(w))
            {
                return false;
            }
        }
        return true;
    }

    private PacketDecoder describe(final int entry)
    {
        view.wrap(arena, (int)(starts[entry] % capacity), lengths[entry]);
        final int packed = vlans[entry];
        return decoder.wrapDecoded(
            view,
            0,
            lengths[entry],
            LinkType.RAW,
            0,
            destinationOffsets[entry],
            tcpOffsets[entry],
            packed >>> 28,
            signed14((packed >>> 14) & 0x3FFF),
            signed14(packed & 0x3FFF),
            TcpFlyweight.CHECKSUM_BAD,
            tunnelTypes[entry],
            tunnelIds[entry],
            true);
    }

    private static int signed14(final int value)
    {
        return value == 0x3FFF ? PacketDecoder.NO_VLAN : value;
    }

    private void free(final int entry)
    {
        live[entry] = false;
        liveCount--;
    }

    private void popDead()
    {
        while (head != tail && !live[(int)(head & mask)])
        {
            head++;
        }
        if (liveCount == 0)
        {
            head = tail;
            writePosition = 0;
        }
    }

    /**
     * Room for {@code length} bytes in the ring, never split over its end: the oldest held segments are dropped
     * until there is.
     *
     * @return the position (modulo the capacity: where in the arena), or -1 when the hold is smaller.
     */
    private long allocate(final int length)
    {
        if (length > capacity)
        {
            return -1;
        }
        while (true)
        {
            long position = writePosition;
            final long within = position % capacity;
            if (within + length > capacity)
            {
                position += capacity - within;
            }
            final long oldest = liveCount == 0 ? position : starts[(int)(head & mask)];
            if (position + length - oldest <= capacity && tail - head <= mask)
            {
                writePosition = position + length;
                return position;
            }
            final int entry = (int)(head & mask);
            free(entry);
            counters.increment(EngineCounter.BAD_CHECKSUM);
            popDead();
        }
    }
}
