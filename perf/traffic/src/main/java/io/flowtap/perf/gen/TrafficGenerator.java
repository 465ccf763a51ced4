package io.flowtap.perf.gen;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Writes a reproducible capture of TCP connections, {@link GenContext#connections()} of them open at once, each
 * planned by {@link ConnectionPlan}, and, unless told not to, each stream's expected bytes with
 * {@link ExpectedStreams}.
 * <p>
 * Every choice comes from one {@link SplittableRandom} seeded with {@link GenContext#seed()}, drawn in a fixed order,
 * so the same seed and options give the same file byte for byte on any JVM. The next packet comes from a connection
 * chosen at random among those open; a connection that ends is replaced while fewer than the asked number of packets
 * are written or planned, and those in flight are then finished, so the capture holds at least that many packets.
 * Addresses are 10.1.0.0/16 for clients and 10.2.0.0/16 for servers; no 4-tuple is used twice. Packet times start
 * at 2026-01-01 and advance 1 to 50 microseconds per packet.
 * <p>
 * Not thread safe.
 */
public final class TrafficGenerator
{
    /** Most connections open at once. */
    public static final int MAX_CONNECTIONS = 1_000_000;
    private static final long START_NS = 1_767_225_600_000_000_000L;
    private static final int MAX_STEP_NS = 50_000;
    private static final int[] SERVER_PORTS = {80, 443, 8080, 25, 22, 5432};
    private static final int EPHEMERAL_FIRST = 32768;
    private static final int EPHEMERAL_COUNT = 28232;
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final GenContext context;
    private final SplittableRandom random;
    private final FrameEncoder encoder;
    private final SensorPath sensorPath;
    private final Set<Tuple> used = new HashSet<>();
    private final long[] frameLengths = new long[FrameEncoder.MAX_FRAME_LENGTH + 1];
    private final long[] impairments = new long[ConnectionPlan.Impairment.values().length];

    private TrafficGenerator(final GenContext context)
    {
        this.context = context;
        this.random = new SplittableRandom(context.seed());
        this.encoder = new FrameEncoder(context.dataFrameLength() == 0);
        this.sensorPath = new SensorPath(context);
    }

    /**
     * Generate a capture.
     *
     * @param context the configuration; {@link GenContext#conclude()} is called here.
     * @return what was written.
     * @throws IOException when the capture or the expected streams cannot be written.
     */
    public static GenSummary generate(final GenContext context) throws IOException
    {
        context.conclude();
        return new TrafficGenerator(context).run();
    }

    private GenSummary run() throws IOException
    {
        final List<ConnectionPlan> open = new ArrayList<>();
        final List<int[]> positions = new ArrayList<>();
        long packets = 0;
        long pending = 0;
        long connections = 0;
        long bytes = 0;
        long timeNs = START_NS;
        if (context.out().getParent() != null)
        {
            Files.createDirectories(context.out().getParent());
        }
        try (PcapWriter pcap = new PcapWriter(context.out());
            ExpectedStreams expected = context.writeExpected() ? new ExpectedStreams(context.expectedDirectory()) :
                null)
        {
            while (true)
            {
                while (open.size() < context.connections() && packets + pending < context.packets())
                {
                    final ConnectionPlan plan = newConnection();
                    plan.impair(random, context);
                    open.add(plan);
                    positions.add(new int[1]);
                    pending += plan.segments.size();
                    connections++;
                }
                if (open.isEmpty())
                {
                    break;
                }
                final int chosen = random.nextInt(open.size());
                final ConnectionPlan plan = open.get(chosen);
                final int[] position = positions.get(chosen);
                final PlannedSegment segment = plan.segments.get(position[0]++);
                timeNs += 1_000 + random.nextInt(MAX_STEP_NS - 1_000);
                final int length = encoder.encode(plan, segment, timeNs / NANOS_PER_MILLI);
                sensorPath.write(pcap, timeNs, encoder.buffer(), length, segment.direction == PlannedSegment.CLIENT,
                    plan);
                frameLengths[length]++;
                bytes += length;
                packets++;
                pending--;
                if (position[0] == plan.segments.size())
                {
                    finish(plan, expected);
                    final int last = open.size() - 1;
                    open.set(chosen, open.get(last));
                    positions.set(chosen, positions.get(last));
                    open.remove(last);
                    positions.remove(last);
                }
            }
        }
        return new GenSummary(packets + sensorPath.extraFrames, connections, bytes, median(packets),
            impairments[ConnectionPlan.Impairment.LOSS.ordinal()],
            impairments[ConnectionPlan.Impairment.REORDER.ordinal()],
            impairments[ConnectionPlan.Impairment.DUPLICATE.ordinal()],
            impairments[ConnectionPlan.Impairment.OVERLAP_ACKED.ordinal()],
            impairments[ConnectionPlan.Impairment.OVERLAP_HELD.ordinal()],
            context.encapsulation(),
            sensorPath.fragmented,
            sensorPath.fragments,
            sensorPath.spanDuplicates,
            sensorPath.offloaded);
    }

    private void finish(final ConnectionPlan plan, final ExpectedStreams expected) throws IOException
    {
        for (int i = 0; i < impairments.length; i++)
        {
            impairments[i] += plan.impairments[i];
        }
        if (expected != null)
        {
            expected.write(plan);
        }
    }

    private ConnectionPlan newConnection()
    {
        while (true)
        {
            final int client = 0x0A01_0000 | (1 + random.nextInt(0xFFFE));
            final int server = 0x0A02_0000 | (1 + random.nextInt(0xFFFE));
            final int clientPort = EPHEMERAL_FIRST + random.nextInt(EPHEMERAL_COUNT);
            final int serverPort = SERVER_PORTS[random.nextInt(SERVER_PORTS.length)];
            if (used.add(new Tuple(client, server, clientPort, serverPort)))
            {
                return new ConnectionPlan(random, client, server, clientPort, serverPort, context.wrap(),
                    context.dataFrameLength() == 0 ? 0 : context.dataFrameLength() - FrameEncoder.HEADERS_LENGTH);
            }
        }
    }

    private int median(final long packets)
    {
        long seen = 0;
        for (int length = 0; length < frameLengths.length; length++)
        {
            seen += frameLengths[length];
            if (seen * 2 >= packets)
            {
                return length;
            }
        }
        return 0;
    }

    private record Tuple(int client, int server, int clientPort, int serverPort)
    {
    }
}
