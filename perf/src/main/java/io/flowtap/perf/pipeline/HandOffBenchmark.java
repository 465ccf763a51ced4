package io.flowtap.perf.pipeline;

import io.flowtap.pipeline.shard.SegmentDescriptor;
import io.flowtap.pipeline.shard.SegmentRing;
import io.flowtap.pipeline.shard.Watermark;
import org.agrona.concurrent.UnsafeBuffer;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.SpscArrayQueue;
import org.jctools.queues.SpscChunkedArrayQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The poller-to-worker hand-off of one segment descriptor, one producer thread and one consumer thread: flowtap's
 * {@link SegmentRing} (records written in place off-heap, one position store to publish, batches released by one
 * position store) beside JCTools' {@link SpscArrayQueue} and {@link SpscChunkedArrayQueue} carrying pooled descriptor
 * objects, which need a second queue to bring each descriptor back to the producer: the design the ring replaced,
 * on the queue the design card names.
 * <p>
 * Each hand-off writes the fields a poller writes (address, times, hash, lengths, offsets) and the consumer reads them
 * back and sums two; a full queue costs the producer a failed attempt, counted apart. Throughput is in hand-offs per
 * microsecond on the consumer's side ({@code handedOff}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dagrona.disable.bounds.checks=true")
public class HandOffBenchmark
{
    private static final int CAPACITY = 4096;
    private static final int BATCH = 256;

    /**
     * Consumer-side count of descriptors taken.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Taken
    {
        /** Descriptors handed over and read. */
        public long handedOff;
        /** Read sums, so nothing is optimised away. */
        public long checksum;

        /**
         * Start each iteration from zero.
         */
        @Setup(Level.Iteration)
        public void clear()
        {
            handedOff = 0;
            checksum = 0;
        }
    }

    /**
     * A pooled descriptor object, as the hand-off before the ring carried.
     */
    public static final class Descriptor
    {
        long address;
        long timestampNs;
        long clockBeforeNs;
        int flowHash;
        int capturedLength;
        int wireLength;
        int segmentLength;
        short ipOffset;
        short tcpOffset;
    }

    /**
     * The ring.
     */
    @State(Scope.Group)
    public static class Ring
    {
        SegmentRing ring;
        long sequence;

        /**
         * Make the ring.
         */
        @Setup(Level.Trial)
        public void setup()
        {
            ring = new SegmentRing(0, 0, CAPACITY, 2048, new Watermark());
        }
    }

    /**
     * A JCTools forward queue and the free queue that brings descriptors back.
     */
    @State(Scope.Group)
    public static class Queues
    {
        /** Which JCTools queue. */
        @Param({"SpscArrayQueue", "SpscChunkedArrayQueue"})
        public String queue;

        MessagePassingQueue<Descriptor> forward;
        MessagePassingQueue<Descriptor> free;
        long sequence;
        final MessagePassingQueue.Consumer<Descriptor> reader = this::read;
        Taken taken;

        /**
         * Make the queues and the pool.
         */
        @Setup(Level.Trial)
        public void setup()
        {
            forward = make();
            free = make();
            for (int i = 0; i < CAPACITY; i++)
            {
                free.offer(new Descriptor());
            }
        }

        private MessagePassingQueue<Descriptor> make()
        {
            return "SpscArrayQueue".equals(queue) ?
                new SpscArrayQueue<>(CAPACITY) : new SpscChunkedArrayQueue<>(1024, CAPACITY);
        }

        private void read(final Descriptor descriptor)
        {
            taken.checksum += descriptor.address + descriptor.capturedLength + descriptor.tcpOffset;
            taken.handedOff++;
            free.relaxedOffer(descriptor);
        }
    }

    /**
     * Producer: fill and publish one record.
     *
     * @param state the ring.
     * @return whether it was handed off (false: the ring was full).
     */
    @Benchmark
    @Group("segmentRing")
    @GroupThreads(1)
    public boolean ringProduce(final Ring state)
    {
        final SegmentRing ring = state.ring;
        final int at = ring.claimRecord();
        if (at == SegmentRing.FULL)
        {
            return false;
        }
        final long sequence = state.sequence++;
        final UnsafeBuffer records = ring.records();
        records.putLong(at + SegmentDescriptor.ADDRESS_OFFSET, sequence);
        records.putLong(at + SegmentDescriptor.TIMESTAMP_OFFSET, sequence);
        records.putLong(at + SegmentDescriptor.CLOCK_BEFORE_OFFSET, sequence);
        records.putInt(at + SegmentDescriptor.FLOW_HASH_OFFSET, (int)sequence);
        records.putInt(at + SegmentDescriptor.CAPTURED_LENGTH_OFFSET, 64);
        records.putInt(at + SegmentDescriptor.WIRE_LENGTH_OFFSET, 64);
        records.putInt(at + SegmentDescriptor.TUNNEL_ID_OFFSET, 0);
        records.putShort(at + SegmentDescriptor.IP_OFFSET_OFFSET, (short)14);
        records.putShort(at + SegmentDescriptor.TCP_OFFSET_OFFSET, (short)34);
        records.putByte(at + SegmentDescriptor.FLAGS_OFFSET, (byte)0);
        ring.publish();
        return true;
    }

    /**
     * Consumer: take a batch, read every record, release the batch.
     *
     * @param state the ring.
     * @param taken the count.
     */
    @Benchmark
    @Group("segmentRing")
    @GroupThreads(1)
    public void ringConsume(final Ring state, final Taken taken)
    {
        final SegmentRing ring = state.ring;
        final int count = ring.claimBatch(BATCH);
        if (count == 0)
        {
            return;
        }
        final UnsafeBuffer records = ring.records();
        final int start = ring.batchStart();
        long sum = 0;
        for (int i = 0; i < count; i++)
        {
            final int at = ring.recordOffset(start + i);
            sum += ring.frameAddress(start + i, ring.isInPlace(start + i)) +
                records.getInt(at + SegmentDescriptor.CAPTURED_LENGTH_OFFSET) +
                records.getShort(at + SegmentDescriptor.TCP_OFFSET_OFFSET);
        }
        ring.releaseBatch();
        taken.checksum += sum;
        taken.handedOff += count;
    }

    /**
     * Producer: take a free descriptor, fill it, queue it.
     *
     * @param state the queues.
     * @return whether it was handed off (false: none free).
     */
    @Benchmark
    @Group("jctools")
    @GroupThreads(1)
    public boolean queueProduce(final Queues state)
    {
        final Descriptor descriptor = state.free.relaxedPoll();
        if (descriptor == null)
        {
            return false;
        }
        final long sequence = state.sequence++;
        descriptor.address = sequence;
        descriptor.timestampNs = sequence;
        descriptor.clockBeforeNs = sequence;
        descriptor.flowHash = (int)sequence;
        descriptor.capturedLength = 64;
        descriptor.wireLength = 64;
        descriptor.segmentLength = 30;
        descriptor.ipOffset = 14;
        descriptor.tcpOffset = 34;
        state.forward.relaxedOffer(descriptor);
        return true;
    }

    /**
     * Consumer: drain a batch, read each descriptor, give it back.
     *
     * @param state the queues.
     * @param taken the count.
     */
    @Benchmark
    @Group("jctools")
    @GroupThreads(1)
    public void queueConsume(final Queues state, final Taken taken)
    {
        state.taken = taken;
        state.forward.drain(state.reader, BATCH);
    }
}
