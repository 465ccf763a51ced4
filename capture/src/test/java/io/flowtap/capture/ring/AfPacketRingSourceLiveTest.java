package io.flowtap.capture.ring;

import io.flowtap.capture.test.Allocations;
import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.LinkType;
import io.flowtap.linux.AfPacket;
import io.flowtap.linux.LinuxException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring against the real kernel: frames sent by a second AF_PACKET socket from a child process in another
 * network namespace, across a veth pair, captured here. Skips without root or {@code ip} unless
 * {@value LiveNetwork#REQUIRE_ENV} is set.
 */
@Tag("live")
class AfPacketRingSourceLiveTest
{
    private static final long SENDER_TIMEOUT_SECONDS = 120;
    private static final long CAPTURE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);
    private static final long ALLOCATION_ALLOWANCE_BYTES = 4096;

    @BeforeEach
    void requireLiveNetwork()
    {
        LiveNetwork.require();
    }

    @Test
    void shouldCaptureEveryFrameSentWithIdenticalBytesInOrderAndNoDrops()
    {
        final int count = 20_000;
        try (VethPair veth = VethPair.create();
            AfPacketRingSource source = AfPacketRingSource.open(new AfPacketContext()
                .interfaceName(veth.hostInterface()).blockSize(1 << 16).blockCount(64).retireTimeoutMs(10)))
        {
            final long startNs = System.currentTimeMillis() * 1_000_000L;
            final CheckingHandler handler = new CheckingHandler(source.interfaceIndex(), 0, 0);
            final long tookNs = captureWhileSending(veth, source, handler, 0, count, 0, 100);

            source.readKernelStatistics();
            final long endNs = System.currentTimeMillis() * 1_000_000L;
            System.out.printf("live capture: %d of %d frames in %.1f ms, %d other frames, %d blocks (%d timed out), " +
                "kernel packets %d, drops %d, freezes %d%n",
                handler.frames, count, tookNs / 1e6, handler.otherFrames, source.counter(RingCounter.BLOCKS),
                source.counter(RingCounter.BLOCKS_TIMED_OUT), source.counter(RingCounter.KERNEL_PACKETS),
                source.counter(RingCounter.KERNEL_DROPS), source.counter(RingCounter.KERNEL_FREEZES));

            assertEquals(List.of(), handler.problems);
            assertEquals(count, handler.frames);
            assertEquals(0, source.counter(RingCounter.KERNEL_DROPS));
            assertEquals(0, source.counter(RingCounter.KERNEL_FREEZES));
            assertEquals(0, source.counter(RingCounter.MALFORMED_BLOCKS));
            assertEquals(0, source.counter(RingCounter.TRUNCATED_FRAMES));
            assertEquals(count + handler.otherFrames, source.counter(RingCounter.FRAMES));
            assertTrue(source.counter(RingCounter.KERNEL_PACKETS) >= count);
            assertTrue(handler.firstTimestampNs >= startNs - TimeUnit.SECONDS.toNanos(1),
                "first timestamp " + handler.firstTimestampNs + " before the test started at " + startNs);
            assertTrue(handler.lastTimestampNs <= endNs + TimeUnit.SECONDS.toNanos(1),
                "last timestamp " + handler.lastTimestampNs + " after the test ended at " + endNs);
        }
    }

    @Test
    void shouldAllocateNothingPerPacketInThePollLoop()
    {
        final int warmUp = 20_000;
        final int measured = 30_000;
        try (VethPair veth = VethPair.create();
            AfPacketRingSource source = AfPacketRingSource.open(new AfPacketContext()
                .interfaceName(veth.hostInterface()).blockSize(1 << 16).blockCount(64).retireTimeoutMs(5)))
        {
            final SummingHandler handler = new SummingHandler();
            final List<String> command = veth.inNamespace(LiveNetwork.javaMain(RawFrameSender.class,
                veth.peerInterface(), "0", Integer.toString(warmUp + measured), "64", "200"));
            final Process sender = LiveNetwork.start(command);

            final long deadlineNs = System.nanoTime() + CAPTURE_TIMEOUT_NS;
            while (handler.testFrames < warmUp && System.nanoTime() < deadlineNs)
            {
                pollOnce(source, handler);
            }
            Allocations.currentThreadBytes();
            final long before = Allocations.currentThreadBytes();
            final long framesBefore = handler.testFrames;
            while (handler.testFrames < warmUp + measured && System.nanoTime() < deadlineNs)
            {
                pollOnce(source, handler);
            }
            final long allocated = Allocations.currentThreadBytes() - before;
            final long framesMeasured = handler.testFrames - framesBefore;

            final LiveNetwork.Result result = LiveNetwork.await(sender, command, SENDER_TIMEOUT_SECONDS);
            System.out.printf("live zero allocation: %d frames measured after %d warm-up, %d bytes allocated%n",
                framesMeasured, framesBefore, allocated);
            assertEquals(0, result.exitCode(), result.stderr());
            assertEquals(warmUp + measured, handler.testFrames);
            // The warm-up ends mid poll, so up to one poll's worth of frames fall before the measurement.
            assertTrue(framesMeasured > measured - 256, "measured only " + framesMeasured + " frames");
            assertTrue(allocated < ALLOCATION_ALLOWANCE_BYTES, "allocated " + allocated + " bytes");
        }
    }

    @Test
    void shouldReportDropsWhenTheConsumerStallsAndRecoverAfterwards()
    {
        final int flood = 3_000;
        final int afterwards = 200;
        try (VethPair veth = VethPair.create();
            AfPacketRingSource source = AfPacketRingSource.open(new AfPacketContext()
                .interfaceName(veth.hostInterface()).blockSize(1 << 14).blockCount(4).retireTimeoutMs(5)))
        {
            // Stall: nothing polls while the sender floods a ring of four 16 KiB blocks (about 350 frames). It pauses
            // 1 ms per 100 frames so that the veth backlog never overflows: every loss must be the ring's.
            final List<String> floodCommand = veth.inNamespace(LiveNetwork.javaMain(RawFrameSender.class,
                veth.peerInterface(), "0", Integer.toString(flood), "100", "100"));
            final LiveNetwork.Result flooded = LiveNetwork.run(floodCommand, SENDER_TIMEOUT_SECONDS);
            assertEquals(0, flooded.exitCode(), flooded.stderr());

            assertTrue(source.readKernelStatistics());
            final long drops = source.counter(RingCounter.KERNEL_DROPS);
            final long freezes = source.counter(RingCounter.KERNEL_FREEZES);

            final CheckingHandler handler = new CheckingHandler(source.interfaceIndex(), 0, 100);
            handler.allowGaps = true;
            LiveNetwork.drainUntilQuiet(source, handler);
            final long capturedDuringStall = handler.frames;
            assertTrue(source.readKernelStatistics());

            System.out.printf("live stall: sent %d, captured %d, kernel drops %d, freezes %d, " +
                "kernel packets %d, blocks losing %d%n", flood, capturedDuringStall, drops, freezes,
                source.counter(RingCounter.KERNEL_PACKETS), source.counter(RingCounter.BLOCKS_LOSING));
            assertEquals(List.of(), handler.problems);
            assertTrue(drops > 0, "no drops reported");
            assertTrue(freezes >= 1, "no ring freeze reported");
            assertTrue(capturedDuringStall > 0 && capturedDuringStall < flood);
            assertEquals(flood, capturedDuringStall + source.counter(RingCounter.KERNEL_DROPS),
                "every frame sent is either captured or counted as a kernel drop");
            assertEquals(flood + handler.otherFrames, source.counter(RingCounter.KERNEL_PACKETS));

            // Recovery: with the consumer back, a second batch arrives whole and nothing more is dropped.
            final CheckingHandler recovered = new CheckingHandler(source.interfaceIndex(), 1_000_000, 100);
            captureWhileSending(veth, source, recovered, 1_000_000, afterwards, 100, 50);
            assertTrue(source.readKernelStatistics());
            assertEquals(List.of(), recovered.problems);
            assertEquals(afterwards, recovered.frames);
            assertEquals(drops, source.counter(RingCounter.KERNEL_DROPS), "drops after the consumer resumed");
        }
    }

    @Test
    void shouldSplitNothingAndLoseNothingAcrossAFanoutGroup()
    {
        final int count = 2_000;
        final int groupId = 4242;
        try (VethPair veth = VethPair.create();
            AfPacketRingSource first = AfPacketRingSource.open(fanoutMember(veth, groupId, FanoutMode.HASH));
            AfPacketRingSource second = AfPacketRingSource.open(fanoutMember(veth, groupId, FanoutMode.HASH)))
        {
            // The kernel reports id | mode << 16 | flags << 24, flags being the fanout flags shifted down by 8.
            final int defragFlag = AfPacket.PACKET_FANOUT_FLAG_DEFRAG >>> 8;
            final int expected = groupId | (AfPacket.PACKET_FANOUT_HASH << 16) | (defragFlag << 24);
            assertEquals(expected, AfPacket.fanout(first.fd()));
            final CheckingHandler firstHandler = new CheckingHandler(first.interfaceIndex(), 0, 0);
            final CheckingHandler secondHandler = new CheckingHandler(second.interfaceIndex(), 0, 0);
            firstHandler.allowGaps = true;
            secondHandler.allowGaps = true;

            final List<String> command = veth.inNamespace(LiveNetwork.javaMain(RawFrameSender.class,
                veth.peerInterface(), "0", Integer.toString(count), "0", "100"));
            final Process sender = LiveNetwork.start(command);
            final long deadlineNs = System.nanoTime() + CAPTURE_TIMEOUT_NS;
            long exitedNs = 0;
            while (firstHandler.frames + secondHandler.frames < count && System.nanoTime() < deadlineNs)
            {
                // Either member may get the flow: drain both, and idle at most 1 ms on one of them.
                if (first.poll(firstHandler, 256) + second.poll(secondHandler, 256) == 0)
                {
                    first.awaitFrames(1);
                }
                if (exitedNs == 0 && !sender.isAlive())
                {
                    exitedNs = System.nanoTime();
                }
                else if (exitedNs != 0 && System.nanoTime() - exitedNs > TimeUnit.SECONDS.toNanos(5))
                {
                    break;
                }
            }
            final LiveNetwork.Result result = LiveNetwork.await(sender, command, SENDER_TIMEOUT_SECONDS);
            first.readKernelStatistics();
            second.readKernelStatistics();

            System.out.printf("live fanout: %d + %d of %d frames, drops %d + %d%n", firstHandler.frames,
                secondHandler.frames, count, first.counter(RingCounter.KERNEL_DROPS),
                second.counter(RingCounter.KERNEL_DROPS));
            assertEquals(0, result.exitCode(), result.stderr());
            assertEquals(List.of(), firstHandler.problems);
            assertEquals(List.of(), secondHandler.problems);
            assertEquals(count, firstHandler.frames + secondHandler.frames);
            // Every test frame is one flow (same addresses, same EtherType): a symmetric hash sends it to one member.
            assertTrue(firstHandler.frames == 0 || secondHandler.frames == 0,
                "one flow split across members: " + firstHandler.frames + " and " + secondHandler.frames);
            assertEquals(0, first.counter(RingCounter.KERNEL_DROPS) + second.counter(RingCounter.KERNEL_DROPS));
        }
    }

    @Test
    void shouldRefuseAFanoutMemberWithAnotherModeInOneLine()
    {
        try (VethPair veth = VethPair.create();
            AfPacketRingSource first = AfPacketRingSource.open(fanoutMember(veth, 77, FanoutMode.HASH)))
        {
            final LinuxException ex = assertThrows(
                LinuxException.class, () -> AfPacketRingSource.open(fanoutMember(veth, 77, FanoutMode.LB)));
            assertEquals("fanout group 77 refused the socket: every member must use the same mode, flags and " +
                "interface", ex.getMessage());
            assertTrue(first.fd() >= 0);
        }
    }

    @Test
    void shouldTellAProcessWithoutCapNetRawWhatItNeedsInOneLine()
    {
        final List<String> command = new ArrayList<>(List.of(
            "setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw", "--"));
        command.addAll(LiveNetwork.javaMain(OpenRingMain.class, "lo"));

        final LiveNetwork.Result result = LiveNetwork.run(command, SENDER_TIMEOUT_SECONDS);

        assertEquals(AfPacket.NEEDS_CAP_NET_RAW + "\n", result.stderr());
        assertEquals("", result.stdout());
        assertEquals(2, result.exitCode());
    }

    @Test
    void shouldNameAMissingInterface()
    {
        final LinuxException ex = assertThrows(
            LinuxException.class,
            () -> AfPacketRingSource.open(new AfPacketContext().interfaceName("ftnosuch0").blockSize(1 << 16)));
        assertEquals("no such interface: ftnosuch0", ex.getMessage());
    }

    @Test
    void shouldSayWhenTheInterfaceIsDown()
    {
        try (VethPair veth = VethPair.createDown())
        {
            final LinuxException ex = assertThrows(
                LinuxException.class,
                () -> AfPacketRingSource.open(
                    new AfPacketContext().interfaceName(veth.hostInterface()).blockSize(1 << 16).blockCount(4)));
            assertEquals("interface " + veth.hostInterface() + " is down", ex.getMessage());
        }
    }

    @Test
    void shouldSayWhenTheRingIsTooLargeForMemory()
    {
        // 65535 blocks of 1 GiB: far beyond any machine. It must be refused before the kernel sees it, which would
        // fall back to vzalloc per block and summon the OOM killer rather than fail with ENOMEM.
        final LinuxException ex = assertThrows(
            LinuxException.class,
            () -> AfPacketRingSource.open(new AfPacketContext().interfaceName("lo")
                .blockSize(1 << 30).blockCount(RingGeometry.MAX_BLOCK_COUNT).frameSize(1 << 20)));
        assertEquals("ring of " + ((long)RingGeometry.MAX_BLOCK_COUNT << 30) + " bytes is too large for memory",
            ex.getMessage());
    }

    private static AfPacketContext fanoutMember(final VethPair veth, final int groupId, final FanoutMode mode)
    {
        return new AfPacketContext()
            .interfaceName(veth.hostInterface())
            .blockSize(1 << 16)
            .blockCount(64)
            .retireTimeoutMs(5)
            .fanout(groupId, mode, true);
    }

    private static long captureWhileSending(
        final VethPair veth,
        final AfPacketRingSource source,
        final CountingHandler handler,
        final int first,
        final int count,
        final int fixedLength,
        final int burst)
    {
        final List<String> command = veth.inNamespace(LiveNetwork.javaMain(RawFrameSender.class,
            veth.peerInterface(), Integer.toString(first), Integer.toString(count), Integer.toString(fixedLength),
            Integer.toString(burst)));
        final long startNs = System.nanoTime();
        final Process sender = LiveNetwork.start(command);
        final long deadlineNs = startNs + CAPTURE_TIMEOUT_NS;
        long exitedNs = 0;
        while (handler.testFrames() < count && System.nanoTime() < deadlineNs)
        {
            pollOnce(source, handler);
            if (exitedNs == 0 && !sender.isAlive())
            {
                exitedNs = System.nanoTime();
            }
            else if (exitedNs != 0 && System.nanoTime() - exitedNs > TimeUnit.SECONDS.toNanos(5))
            {
                break;
            }
        }
        final long tookNs = System.nanoTime() - startNs;
        final LiveNetwork.Result result = LiveNetwork.await(sender, command, SENDER_TIMEOUT_SECONDS);
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("sent " + count + "\n", result.stdout());
        return tookNs;
    }

    private static void pollOnce(final AfPacketRingSource source, final FrameHandler handler)
    {
        final int ready = source.awaitFrames(50);
        if (ready < 0)
        {
            throw new IllegalStateException("awaitFrames returned errno " + -ready);
        }
        source.poll(handler, 256);
    }

    private interface CountingHandler extends FrameHandler
    {
        long testFrames();
    }

    /** Counts test frames and touches their bytes without allocating. */
    private static final class SummingHandler implements CountingHandler
    {
        private long testFrames;
        private long otherFrames;
        private long sum;

        @Override
        public void onFrame(final Frame frame)
        {
            if (TestFrames.isTestFrame(frame.buffer(), frame.offset(), frame.capturedLength()))
            {
                testFrames++;
                sum += frame.buffer().getByte(frame.offset() + frame.capturedLength() - 1) + frame.timestampNs();
            }
            else
            {
                otherFrames++;
            }
        }

        @Override
        public long testFrames()
        {
            return testFrames;
        }
    }

    /** Checks every test frame against the one that was sent, and records what is wrong. */
    private static final class CheckingHandler implements CountingHandler
    {
        private final int interfaceIndex;
        private final int fixedLength;
        private final List<String> problems = new ArrayList<>();
        private int nextSequence;
        private boolean allowGaps;
        private long frames;
        private long otherFrames;
        private long firstTimestampNs;
        private long lastTimestampNs;

        CheckingHandler(final int interfaceIndex, final int firstSequence, final int fixedLength)
        {
            this.interfaceIndex = interfaceIndex;
            this.nextSequence = firstSequence;
            this.fixedLength = fixedLength;
        }

        @Override
        public void onFrame(final Frame frame)
        {
            if (!TestFrames.isTestFrame(frame.buffer(), frame.offset(), frame.capturedLength()))
            {
                otherFrames++;
                return;
            }
            final int sequence = TestFrames.sequence(frame.buffer(), frame.offset());
            if (sequence != nextSequence && !(allowGaps && sequence > nextSequence))
            {
                problem("frame " + sequence + " where " + nextSequence + " was expected");
            }
            nextSequence = sequence + 1;
            frames++;

            final int length = TestFrames.length(sequence, fixedLength);
            if (frame.capturedLength() != length || frame.wireLength() != length)
            {
                problem("frame " + sequence + ": lengths " + frame.capturedLength() + "/" + frame.wireLength() +
                    ", sent " + length);
            }
            else
            {
                for (int i = 0; i < length; i++)
                {
                    if (frame.buffer().getByte(frame.offset() + i) != TestFrames.byteAt(sequence, i))
                    {
                        problem("frame " + sequence + ": byte " + i + " differs");
                        break;
                    }
                }
            }
            if (frame.timestampNs() < lastTimestampNs)
            {
                problem("frame " + sequence + ": timestamp " + frame.timestampNs() + " before " + lastTimestampNs);
            }
            if (firstTimestampNs == 0)
            {
                firstTimestampNs = frame.timestampNs();
            }
            lastTimestampNs = frame.timestampNs();
            if (frame.linkType() != LinkType.ETHERNET || frame.interfaceId() != interfaceIndex ||
                frame.vlanTci() != Frame.NO_VLAN_TCI)
            {
                problem("frame " + sequence + ": link type " + frame.linkType() + ", interface " +
                    frame.interfaceId() + ", VLAN " + frame.vlanTci());
            }
        }

        @Override
        public long testFrames()
        {
            return frames;
        }

        private void problem(final String problem)
        {
            if (problems.size() < 20)
            {
                problems.add(problem);
            }
        }
    }
}
