package io.flowtap.perf.reassembly;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import org.agrona.DirectBuffer;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The peer: TCP reassembly as most Java code writes it. A {@link HashMap} from a 4-tuple object to each direction's
 * state, every payload copied out of the packet into a {@code byte[]}, segments that arrive early kept in a
 * {@link TreeMap} by stream position and handed over once contiguous. It reads the same decoded segments and feeds the
 * same {@link Consumer}.
 * <p>
 * It does much less than the engine, so it is a lower bound on that approach's cost: no handshake or teardown state
 * machine (a SYN opens a direction, a FIN or RST drops it), no overlap policy (the first copy of a byte wins), no
 * acknowledged delivery, memcaps, timeouts, counters or flow records.
 */
final class NaiveReassembler
{
    private static final long SEQ_MASK = 0xFFFF_FFFFL;

    private final Map<Key, HalfStream> streams = new HashMap<>();
    private final Consumer consumer;

    NaiveReassembler(final Consumer consumer)
    {
        this.consumer = consumer;
    }

    int openStreams()
    {
        return streams.size();
    }

    void onSegment(final PacketDecoder decoder)
    {
        final TcpFlyweight tcp = decoder.tcp();
        final DirectBuffer buffer = decoder.buffer();
        final Key key = new Key(
            buffer.getInt(decoder.sourceAddressOffset()),
            buffer.getInt(decoder.destinationAddressOffset()),
            tcp.srcPort(),
            tcp.dstPort());
        if (tcp.syn())
        {
            streams.put(key, new HalfStream((tcp.seq() + 1) & SEQ_MASK));
            return;
        }
        final HalfStream stream = streams.get(key);
        if (stream == null)
        {
            return;
        }
        if (tcp.rst() || tcp.fin())
        {
            streams.remove(key);
            return;
        }
        final int length = tcp.payloadLength();
        if (length == 0)
        {
            return;
        }
        final byte[] data = new byte[length];
        buffer.getBytes(tcp.payloadOffset(), data);
        final long start = stream.position + (int)(tcp.seq() - stream.nextSeq);
        if (start > stream.position)
        {
            stream.pending.putIfAbsent(start, data);
            return;
        }
        stream.accept(start, data, consumer);
        while (!stream.pending.isEmpty())
        {
            final Map.Entry<Long, byte[]> first = stream.pending.firstEntry();
            if (first.getKey() > stream.position)
            {
                break;
            }
            stream.pending.pollFirstEntry();
            stream.accept(first.getKey(), first.getValue(), consumer);
        }
    }

    private record Key(int sourceAddress, int destinationAddress, int sourcePort, int destinationPort)
    {
    }

    private static final class HalfStream
    {
        final TreeMap<Long, byte[]> pending = new TreeMap<>();
        long nextSeq;
        long position;

        HalfStream(final long nextSeq)
        {
            this.nextSeq = nextSeq;
        }

        void accept(final long start, final byte[] data, final Consumer consumer)
        {
            final long end = start + data.length;
            if (end <= position)
            {
                return;
            }
            final int skip = (int)(position - start);
            consumer.deliver(data[skip], data.length - skip);
            nextSeq = (nextSeq + (end - position)) & SEQ_MASK;
            position = end;
        }
    }
}
