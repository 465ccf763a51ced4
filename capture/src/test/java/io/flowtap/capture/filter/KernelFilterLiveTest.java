package io.flowtap.capture.filter;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.AfPacketRingSource;
import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.ring.RingCounter;
import io.flowtap.capture.ring.VethPair;
import io.flowtap.linux.AfPacket;
import io.flowtap.linux.LinuxException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel filter and the userspace filter agree on a real socket: several rings on one veth pair, each with its
 * own random expression attached, receive random frames (IPv4 and IPv6, options, fragments, AH, extension chains,
 * UDP, ARP, VLAN tags the receiving kernel strips into metadata or leaves) that a child process sends from the other
 * end; each ring must receive exactly the marked frames that decode to a TCP segment its filter matches. Background
 * traffic carries no marker and is ignored. The seed is printed, and {@code -Dflowtap.filter.seed=N} repeats a run.
 * Skips without root or {@code ip} unless {@value LiveNetwork#REQUIRE_ENV} is set.
 */
@Tag("live")
class KernelFilterLiveTest
{
    private static final int RINGS = 8;
    private static final int FRAMES = 400;
    private static final long SENDER_TIMEOUT_SECONDS = 60;
    private static final long QUIET_NS = TimeUnit.MILLISECONDS.toNanos(300);
    private static final long DRAIN_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    @TempDir
    Path tempDir;

    @BeforeEach
    void requireLiveNetwork()
    {
        LiveNetwork.require();
    }

    @Test
    void shouldDeliverExactlyTheFramesTheUserspaceFilterAccepts() throws IOException
    {
        final long seed = Long.getLong("flowtap.filter.seed", System.nanoTime());
        System.out.println("kernel filter live test: seed " + seed);
        final Random random = new Random(seed);
        final List<RandomPackets.Packet> packets = new ArrayList<>();
        for (int sequence = 0; sequence < FRAMES; sequence++)
        {
            // A sending socket cannot put a tag in metadata: tags go in the frame, and the receiving kernel strips
            // the outer one if it is 802.1Q or 802.1ad.
            packets.add(RandomPackets.random(random, false, sequence));
        }
        final Path file = tempDir.resolve("frames");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file)))
        {
            for (final RandomPackets.Packet packet : packets)
            {
                out.writeShort(packet.frame().length);
                out.write(packet.frame());
            }
        }

        final PacketDecoder decoder = RandomPackets.decoder();
        final List<Ring> rings = new ArrayList<>();
        try (VethPair veth = VethPair.create())
        {
            try
            {
                for (int i = 0; i < RINGS; i++)
                {
                    // The first ring takes every tagged segment, so the kernel's metadata tags are surely tested.
                    final String expression = i == 0 ? "vlan" : RandomFilters.expression(random, 3);
                    final FlowFilter filter = FlowFilter.parse(expression);
                    final TreeSet<Integer> expected = new TreeSet<>();
                    for (int sequence = 0; sequence < FRAMES; sequence++)
                    {
                        // Fragments reach userspace whole, where they are reassembled before the filter applies.
                        if (RandomPackets.userspaceAccepts(filter, decoder, packets.get(sequence)) ||
                            RandomPackets.passedWhole(packets.get(sequence)))
                        {
                            expected.add(sequence);
                        }
                    }
                    // Every frame is sent before any ring is drained, and a block retires every 5 ms however little
                    // it holds: 64 blocks keep the whole run even when the sender is slowed to a few frames a block.
                    rings.add(new Ring(expression, filter, expected, AfPacketRingSource.open(new AfPacketContext()
                        .interfaceName(veth.hostInterface()).blockSize(1 << 16).blockCount(64).retireTimeoutMs(5)
                        .filter(expression))));
                }

                final List<String> command = veth.inNamespace(
                    LiveNetwork.javaMain(FrameFileSender.class, veth.peerInterface(), file.toString()));
                final LiveNetwork.Result sent = LiveNetwork.run(command, SENDER_TIMEOUT_SECONDS);
                assertEquals(0, sent.exitCode(), sent.stderr());
                assertEquals("sent " + FRAMES + "\n", sent.stdout());
                drain(rings);

                final StringBuilder report = new StringBuilder();
                for (final Ring ring : rings)
                {
                    ring.source.readKernelStatistics();
                    report.append(String.format("%n  %3d expected, %3d received (%d tag in metadata), %d other, " +
                        "%d kernel drops: %s", ring.expected.size(), ring.received.size(), ring.metadataTags,
                        ring.unmarked,
                        ring.source.counter(RingCounter.KERNEL_DROPS), ring.expression));
                }
                System.out.println("kernel filter live test:" + report);
                for (final Ring ring : rings)
                {
                    final String context = "seed " + seed + ", filter \"" + ring.expression + "\" (" + ring.filter +
                        ")";
                    assertEquals(List.of(), ring.problems, context);
                    assertEquals(0, ring.source.counter(RingCounter.KERNEL_DROPS), context);
                    assertEquals(ring.expected, ring.received, () -> context + ": " + differences(ring, packets));
                }
                assertTrue(rings.get(0).metadataTags > 0, "no frame came with its tag in metadata");
            }
            finally
            {
                for (final Ring ring : rings)
                {
                    ring.source.close();
                }
            }
        }
    }

    @Test
    void shouldSayInOneLineWhenTheKernelRejectsAProgram()
    {
        // A program that does not end with a return.
        final BpfProgram broken = new BpfProgram(new long[] {Bpf.pack(Bpf.LD | Bpf.IMM, 0, 0, 1)});
        final LinuxException ex = assertThrows(LinuxException.class,
            () -> AfPacketRingSource.open(new AfPacketContext().interfaceName("lo").blockSize(1 << 16).blockCount(2)
                .filter(broken)));
        assertEquals(AfPacket.FILTER_REJECTED, ex.getMessage());
    }

    private static void drain(final List<Ring> rings)
    {
        final long deadlineNs = System.nanoTime() + DRAIN_TIMEOUT_NS;
        long lastFrameNs = System.nanoTime();
        while (System.nanoTime() - lastFrameNs < QUIET_NS && System.nanoTime() < deadlineNs)
        {
            int frames = 0;
            for (final Ring ring : rings)
            {
                frames += ring.source.poll(ring, 256);
            }
            if (frames > 0)
            {
                lastFrameNs = System.nanoTime();
            }
            else
            {
                rings.get(0).source.awaitFrames(10);
            }
        }
    }

    private static String differences(final Ring ring, final List<RandomPackets.Packet> packets)
    {
        final StringBuilder text = new StringBuilder();
        for (int sequence = 0; sequence < packets.size(); sequence++)
        {
            final boolean expected = ring.expected.contains(sequence);
            if (expected != ring.received.contains(sequence))
            {
                text.append(String.format("%n  frame %d %s: %s", sequence,
                    expected ? "expected, missing" : "not expected, received", packets.get(sequence)));
            }
        }
        return text.toString();
    }

    /** One ring, its filter, and what it should and did receive. */
    private static final class Ring implements FrameHandler
    {
        private final String expression;
        private final FlowFilter filter;
        private final TreeSet<Integer> expected;
        private final AfPacketRingSource source;
        private final TreeSet<Integer> received = new TreeSet<>();
        private final List<String> problems = new ArrayList<>();
        private final PacketDecoder decoder = RandomPackets.decoder();
        private long unmarked;
        private long metadataTags;

        Ring(final String expression, final FlowFilter filter, final TreeSet<Integer> expected,
            final AfPacketRingSource source)
        {
            this.expression = expression;
            this.filter = filter;
            this.expected = expected;
            this.source = source;
        }

        @Override
        public void onFrame(final Frame frame)
        {
            final int end = frame.offset() + frame.capturedLength();
            if (frame.capturedLength() < RandomPackets.MARKER_LENGTH || frame.buffer().getInt(
                end - RandomPackets.MARKER_LENGTH, ByteOrder.BIG_ENDIAN) != RandomPackets.MARKER_MAGIC)
            {
                unmarked++;
                return;
            }
            final int sequence = frame.buffer().getInt(end - Integer.BYTES, ByteOrder.BIG_ENDIAN);
            if (frame.vlanTci() != Frame.NO_VLAN_TCI)
            {
                metadataTags++;
            }
            if (!received.add(sequence))
            {
                problems.add("frame " + sequence + " received twice");
            }
            // As the ring hands it over, tag stripped into metadata, userspace must agree too, unless the frame is
            // one every program passes on whole (a fragment, reassembled in userspace before the filter applies).
            if (!(decoder.decode(frame) && filter.matches(decoder)) &&
                decoder.outcome() != DecodeCounter.IP_FRAGMENT)
            {
                problems.add("frame " + sequence + " received, but userspace does not accept it as received: " +
                    decoder.outcome());
            }
        }
    }
}
