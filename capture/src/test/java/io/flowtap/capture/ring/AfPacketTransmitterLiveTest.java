package io.flowtap.capture.ring;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.test.Allocations;
import io.flowtap.linux.LinuxException;
import org.agrona.concurrent.UnsafeBuffer;
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
 * The transmit ring against the real kernel: frames sent through an {@link AfPacketTransmitter} by a child process
 * in the peer namespace of a veth pair arrive, every one, in order and byte for byte, at a receive ring on the host
 * end. Skips without root or {@code ip} unless {@value LiveNetwork#REQUIRE_ENV} is set.
 */
@Tag("live")
class AfPacketTransmitterLiveTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);

    @BeforeEach
    void requireLiveNetwork()
    {
        LiveNetwork.require();
    }

    @Test
    void shouldDeliverEveryFrameSentThroughTheRingInOrderAndByteIdentical()
    {
        final int count = 20_000;
        // A receive ring that holds the whole transfer: the test is about the sender, so the receiver must not drop.
        try (VethPair veth = VethPair.create();
            AfPacketRingSource source = AfPacketRingSource.open(new AfPacketContext()
                .interfaceName(veth.hostInterface()).blockSize(1 << 16).blockCount(512).retireTimeoutMs(5)))
        {
            final Checker checker = new Checker();
            final List<String> command = veth.inNamespace(LiveNetwork.javaMain(RingFrameSender.class,
                veth.peerInterface(), "0", Integer.toString(count), "0", "64"));
            final Process sender = LiveNetwork.start(command);
            final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
            while (checker.frames < count && System.nanoTime() < deadlineNs)
            {
                if (source.poll(checker, 256) == 0)
                {
                    source.awaitFrames(10);
                }
            }
            final LiveNetwork.Result result = LiveNetwork.await(sender, command, 120);
            LiveNetwork.drainUntilQuiet(source, checker);
            source.readKernelStatistics();
            System.out.printf("transmit ring: %s; received %d test frames, %d others, kernel drops %d%n",
                result.stdout().trim(), checker.frames, checker.otherFrames, source.counter(RingCounter.KERNEL_DROPS));

            assertEquals(0, result.exitCode(), result.stderr());
            assertTrue(result.stdout().startsWith("sent " + count + " "), result.stdout());
            assertEquals(List.of(), checker.problems);
            assertEquals(count, checker.frames);
            assertEquals(0, source.counter(RingCounter.KERNEL_DROPS));
        }
    }

    @Test
    void shouldAllocateNothingPerFrameAndRefuseFramesThatDoNotFit()
    {
        try (VethPair veth = VethPair.create();
            AfPacketTransmitter transmitter = AfPacketTransmitter.open(veth.hostInterface(), 2048, 64, true))
        {
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[4096]);
            assertEquals(AfPacketTransmitter.BAD_LENGTH, transmitter.offer(frame, 0, 13));
            assertEquals(AfPacketTransmitter.BAD_LENGTH, transmitter.offer(frame, 0, transmitter.maxFrameLength() + 1));
            assertEquals(2, transmitter.counter(TransmitCounter.BAD_LENGTH));

            final int frames = 50_000;
            for (int warmUp = 0; warmUp < 2; warmUp++)
            {
                final long before = Allocations.currentThreadBytes();
                int sent = 0;
                while (sent < frames)
                {
                    final int length = TestFrames.write(frame, sent, 60);
                    if (transmitter.offer(frame, 0, length) == length)
                    {
                        sent++;
                    }
                    else
                    {
                        transmitter.flush();
                    }
                }
                transmitter.flush();
                final long allocated = Allocations.currentThreadBytes() - before;
                if (warmUp == 1)
                {
                    assertTrue(allocated < 4096, "allocated " + allocated + " bytes for " + frames + " frames");
                }
            }
            assertEquals(2L * frames, transmitter.counter(TransmitCounter.FRAMES));
            assertTrue(transmitter.counter(TransmitCounter.RING_FULL) > 0, "a 64-slot ring never filled");
        }
    }

    @Test
    void shouldSayWhatIsWrongWithAnInterfaceOrARing()
    {
        final LinuxException missing = assertThrows(LinuxException.class,
            () -> AfPacketTransmitter.open("ftnosuch0", 2048, 64, false));
        assertEquals("no such interface: ftnosuch0", missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AfPacketTransmitter.open("lo", 3000, 64, false));
    }

    private static final class Checker implements FrameHandler
    {
        private final List<String> problems = new ArrayList<>();
        private int nextSequence;
        private long frames;
        private long otherFrames;

        @Override
        public void onFrame(final Frame frame)
        {
            if (!TestFrames.isTestFrame(frame.buffer(), frame.offset(), frame.capturedLength()))
            {
                otherFrames++;
                return;
            }
            final int sequence = TestFrames.sequence(frame.buffer(), frame.offset());
            if (sequence != nextSequence)
            {
                problem("frame " + sequence + " where " + nextSequence + " was expected");
            }
            nextSequence = sequence + 1;
            frames++;
            final int length = TestFrames.length(sequence, 0);
            if (frame.capturedLength() != length || frame.wireLength() != length)
            {
                problem("frame " + sequence + ": lengths " + frame.capturedLength() + "/" + frame.wireLength() +
                    ", sent " + length);
                return;
            }
            for (int i = 0; i < length; i++)
            {
                if (frame.buffer().getByte(frame.offset() + i) != TestFrames.byteAt(sequence, i))
                {
                    problem("frame " + sequence + ": byte " + i + " differs");
                    return;
                }
            }
        }

        private void problem(final String problem)
        {
            if (problems.size() < 10)
            {
                problems.add(problem);
            }
        }
    }
}
