package io.flowtap.perf.reassembly;

import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.DirectBuffer;

/**
 * The handler every reassembler in these benchmarks delivers to: it consumes all it is given and reads one byte of
 * it, the least a real consumer does, so that the cost measured is the reassembler's.
 */
final class Consumer implements TcpHandler
{
    long bytes;
    long sum;

    @Override
    public int onPayload(
        final Flow flow,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs,
        final int eof)
    {
        if (length > 0)
        {
            deliver(buffer.getByte(offset), length);
        }
        return length;
    }

    void deliver(final byte first, final int length)
    {
        bytes += length;
        sum += first;
    }
}
