package io.flowtap.perf.gen;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The segments of one TCP connection in capture order, and what each direction's stream should reassemble to.
 * <p>
 * A connection is a three-way handshake with the options Linux sends (MSS, SACK permitted, timestamps, window scale),
 * one to four request/response exchanges whose data segments are acknowledged every second segment, and either a FIN
 * exchange or a RST. Data segment payloads are a full MSS seven times in ten and uniform below it
 * otherwise, which with the acknowledgements puts the median frame near 900 bytes; or, for small-packet load, every
 * data segment has one fixed length.
 * <p>
 * Impairments are drawn per data segment, at most one each, and never for the last data segment of a direction, so
 * that a stream never ends in a gap:
 * <ul>
 *     <li>loss: the segment is not in the capture; the expected stream holds zeros there, as {@code flowtap streams}
 *     writes a gap by default;</li>
 *     <li>reorder: the segment comes after the next data segment of its message (a message's last segment drawn for
 *     reordering stays in place, so the rate achieved is a little under the one asked);</li>
 *     <li>duplicate: the segment is captured twice in a row;</li>
 *     <li>overlap: a retransmission of the same range with every byte different. Half of them come after the peer
 *     acknowledged the original, when every overlap policy and delivery mode keep the original. The other half come
 *     while the original is held out of order (its predecessor in the message is delayed after it): the new copy
 *     starts and ends where the original does, which the default policy (BSD) and LINUX, WINDOWS and FIRST resolve
 *     for the original;
 *     OLD_LINUX, SOLARIS and LAST would take the new bytes, so the expected streams hold only for the former.</li>
 * </ul>
 * Acknowledgements are those of a receiver that got everything: the generator models a sensor that missed or
 * mis-ordered packets, not a lossy network.
 */
final class ConnectionPlan
{
    /** Payload of a full segment: MSS 1460 less the 12 bytes of the timestamp option. */
    static final int FULL_PAYLOAD = 1448;
    private static final double FULL_SEGMENT_SHARE = 0.70;
    private static final double RST_SHARE = 0.2;
    private static final int MAX_EXCHANGES = 4;
    private static final int MAX_REQUEST_SEGMENTS = 3;
    private static final int MAX_RESPONSE_SEGMENTS = 30;

    final int clientAddress;
    final int serverAddress;
    final int clientPort;
    final int serverPort;
    final long clientIsn;
    final long serverIsn;
    final long tsBase;
    final List<PlannedSegment> segments = new ArrayList<>();
    /** Each direction's stream as sent, with lost ranges zeroed once {@link #impair} ran. */
    final ByteSink[] streams = {new ByteSink(), new ByteSink()};
    /** Each direction's lost ranges as stream offsets, start and end pairs. */
    final List<long[]> lost = new ArrayList<>();
    final int[] impairments = new int[Impairment.values().length];
    private final long[] next = new long[2];
    private final int fixedPayload;

    ConnectionPlan(
        final SplittableRandom random,
        final int clientAddress,
        final int serverAddress,
        final int clientPort,
        final int serverPort,
        final boolean wrap,
        final int fixedPayload)
    {
        this.clientAddress = clientAddress;
        this.serverAddress = serverAddress;
        this.clientPort = clientPort;
        this.serverPort = serverPort;
        // Near 2^32 the stream wraps within its first 64 KiB, usually inside the first exchange.
        clientIsn = wrap ? 0xFFFF_FFFFL - random.nextInt(1 << 16) : random.nextLong(1L << 32);
        serverIsn = wrap ? 0xFFFF_FFFFL - random.nextInt(1 << 16) : random.nextLong(1L << 32);
        tsBase = random.nextLong(1L << 31);
        this.fixedPayload = fixedPayload;
        build(random);
    }

    private void build(final SplittableRandom random)
    {
        final int client = PlannedSegment.CLIENT;
        final int server = PlannedSegment.SERVER;
        segments.add(new PlannedSegment(client, PlannedSegment.SYN, -1, -1, null));
        segments.add(new PlannedSegment(server, PlannedSegment.SYN | PlannedSegment.ACK, -1, 0, null));
        segments.add(new PlannedSegment(client, PlannedSegment.ACK, 0, 0, null));
        final int exchanges = 1 + random.nextInt(MAX_EXCHANGES);
        for (int e = 0; e < exchanges; e++)
        {
            message(random, client, 1 + random.nextInt(MAX_REQUEST_SEGMENTS));
            message(random, server, 1 + random.nextInt(MAX_RESPONSE_SEGMENTS));
        }
        if (random.nextDouble() < RST_SHARE)
        {
            final int side = random.nextInt(2);
            segments.add(new PlannedSegment(side, PlannedSegment.RST | PlannedSegment.ACK, next[side],
                next[1 - side], null));
        }
        else
        {
            final int first = random.nextInt(2);
            final int second = 1 - first;
            segments.add(new PlannedSegment(first, PlannedSegment.FIN | PlannedSegment.ACK, next[first],
                next[second], null));
            segments.add(new PlannedSegment(second, PlannedSegment.FIN | PlannedSegment.ACK, next[second],
                next[first] + 1, null));
            segments.add(new PlannedSegment(first, PlannedSegment.ACK, next[first] + 1, next[second] + 1, null));
        }
    }

    private void message(final SplittableRandom random, final int sender, final int count)
    {
        final int receiver = 1 - sender;
        for (int i = 0; i < count; i++)
        {
            final int length = fixedPayload > 0 ? fixedPayload : random.nextDouble() < FULL_SEGMENT_SHARE ?
                FULL_PAYLOAD : 1 + random.nextInt(FULL_PAYLOAD - 1);
            final byte[] payload = new byte[length];
            random.nextBytes(payload);
            final boolean last = i == count - 1;
            segments.add(new PlannedSegment(sender, PlannedSegment.ACK | (last ? PlannedSegment.PSH : 0),
                next[sender], next[receiver], payload));
            streams[sender].write(payload);
            next[sender] += length;
            if (last || i % 2 == 1)
            {
                segments.add(new PlannedSegment(receiver, PlannedSegment.ACK, next[receiver], next[sender], null));
            }
        }
    }

    /**
     * Draw and apply the impairments.
     *
     * @param random    the run's generator.
     * @param context   with the rates.
     */
    void impair(final SplittableRandom random, final GenContext context)
    {
        final List<PlannedSegment> data = new ArrayList<>();
        for (final PlannedSegment segment : segments)
        {
            if (segment.isData())
            {
                data.add(segment);
            }
        }
        final boolean[] touched = new boolean[data.size()];
        for (int i = 0; i < data.size(); i++)
        {
            final PlannedSegment segment = data.get(i);
            final int nextSame = nextInDirection(data, i);
            final int previousSame = previousInDirection(data, i);
            // Only segments of one message trade places: moving one past the peer's reply would need the reply moved
            // too, and the reply acknowledges what follows.
            final boolean nextInMessage = nextSame == i + 1;
            final boolean previousInMessage = previousSame >= 0 && previousSame == i - 1;
            if (touched[i] || nextSame < 0)
            {
                continue;
            }
            final double draw = random.nextDouble();
            double limit = context.lossRate();
            if (draw < limit)
            {
                segments.remove(segment);
                lost.add(new long[]{segment.direction, segment.offset, segment.end()});
                streams[segment.direction].zero(segment.offset, segment.payload.length);
                count(Impairment.LOSS, touched, i);
                continue;
            }
            limit += context.reorderRate();
            if (draw < limit)
            {
                if (nextInMessage && !touched[nextSame])
                {
                    delayAfter(segment, data.get(nextSame));
                    touched[nextSame] = true;
                    count(Impairment.REORDER, touched, i);
                }
                continue;
            }
            limit += context.duplicateRate();
            if (draw < limit)
            {
                segments.add(segments.indexOf(segment) + 1, segment);
                count(Impairment.DUPLICATE, touched, i);
                continue;
            }
            limit += context.overlapRate();
            if (draw < limit)
            {
                if (random.nextBoolean() && previousInMessage && !touched[previousSame])
                {
                    final PlannedSegment previous = data.get(previousSame);
                    final PlannedSegment conflicting = segment.conflicting();
                    segments.add(segments.indexOf(segment) + 1, conflicting);
                    delayAfter(previous, conflicting);
                    touched[previousSame] = true;
                    count(Impairment.OVERLAP_HELD, touched, i);
                }
                else
                {
                    segments.add(acknowledgedAt(segment) + 1, segment.conflicting());
                    count(Impairment.OVERLAP_ACKED, touched, i);
                }
            }
        }
    }

    /**
     * Move a data segment to just after another, and with it every acknowledgement of the peer that it passed: a
     * receiver cannot acknowledge bytes before they reach it, and an engine rightly takes an acknowledgement of bytes
     * it never saw as a sign the sensor missed them.
     */
    private void delayAfter(final PlannedSegment segment, final PlannedSegment anchor)
    {
        final int from = segments.indexOf(segment);
        final int to = segments.indexOf(anchor);
        final List<PlannedSegment> moved = new ArrayList<>();
        moved.add(segment);
        for (int i = from + 1; i <= to; i++)
        {
            final PlannedSegment other = segments.get(i);
            if (other.direction != segment.direction && other.ackOffset > segment.offset)
            {
                moved.add(other);
            }
        }
        segments.removeAll(moved);
        segments.addAll(segments.indexOf(anchor) + 1, moved);
    }

    private void count(final Impairment impairment, final boolean[] touched, final int index)
    {
        impairments[impairment.ordinal()]++;
        touched[index] = true;
    }

    private int acknowledgedAt(final PlannedSegment segment)
    {
        for (int i = segments.indexOf(segment) + 1; i < segments.size(); i++)
        {
            final PlannedSegment other = segments.get(i);
            if (other.direction != segment.direction && other.ackOffset >= segment.end())
            {
                return i;
            }
        }
        throw new IllegalStateException("no acknowledgement follows a data segment");
    }

    private static int nextInDirection(final List<PlannedSegment> data, final int index)
    {
        for (int i = index + 1; i < data.size(); i++)
        {
            if (data.get(i).direction == data.get(index).direction)
            {
                return i;
            }
        }
        return -1;
    }

    private static int previousInDirection(final List<PlannedSegment> data, final int index)
    {
        // Only the data segment right before in the stream can be delayed so that this one is held out of order.
        for (int i = index - 1; i >= 0; i--)
        {
            if (data.get(i).direction == data.get(index).direction)
            {
                return data.get(i).end() == data.get(index).offset ? i : -1;
            }
        }
        return -1;
    }

    /**
     * The impairments a plan counts.
     */
    enum Impairment
    {
        /** A data segment not captured. */
        LOSS,
        /** A data segment captured after its successor. */
        REORDER,
        /** A data segment captured twice. */
        DUPLICATE,
        /** A conflicting retransmission after the original was acknowledged. */
        OVERLAP_ACKED,
        /** A conflicting retransmission while the original is held out of order. */
        OVERLAP_HELD
    }

    /**
     * A growable byte array for one direction's expected stream.
     */
    static final class ByteSink
    {
        private byte[] bytes = new byte[4096];
        private int length;

        void write(final byte[] data)
        {
            if (length + data.length > bytes.length)
            {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + data.length));
            }
            System.arraycopy(data, 0, bytes, length, data.length);
            length += data.length;
        }

        void zero(final long offset, final int count)
        {
            java.util.Arrays.fill(bytes, (int)offset, (int)offset + count, (byte)0);
        }

        byte[] bytes()
        {
            return bytes;
        }

        int length()
        {
            return length;
        }
    }
}
