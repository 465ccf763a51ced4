package io.flowtap.capture.ring;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code PACKET_IGNORE_OUTGOING}: a ring that asks for it sees only what arrives on the interface, while a ring
 * beside it without the option also sees what this host sends out of it.
 */
@Tag("live")
class IgnoreOutgoingLiveTest
{
    private static final int OUTGOING = 300;
    private static final int INCOMING = 200;

    @BeforeEach
    void requireLiveNetwork()
    {
        LiveNetwork.require();
    }

    @Test
    void ringIgnoringOutgoingSeesOnlyIncomingFrames()
    {
        try (VethPair veth = VethPair.create();
            AfPacketRingSource everything = AfPacketRingSource.open(context(veth, false));
            AfPacketRingSource incomingOnly = AfPacketRingSource.open(context(veth, true)))
        {
            // Sequences 0..299 leave through the host end (outgoing here), 1000..1199 arrive from the peer.
            send(LiveNetwork.javaMain(RawFrameSender.class, veth.hostInterface(), "0",
                Integer.toString(OUTGOING), "0", "50"));
            send(veth.inNamespace(LiveNetwork.javaMain(RawFrameSender.class, veth.peerInterface(), "1000",
                Integer.toString(INCOMING), "0", "50")));

            final BitSet all = new BitSet();
            final BitSet incoming = new BitSet();
            LiveNetwork.drainUntilQuiet(everything, frame ->
            {
                if (TestFrames.isTestFrame(frame.buffer(), frame.offset(), frame.capturedLength()))
                {
                    all.set(TestFrames.sequence(frame.buffer(), frame.offset()));
                }
            });
            LiveNetwork.drainUntilQuiet(incomingOnly, frame ->
            {
                if (TestFrames.isTestFrame(frame.buffer(), frame.offset(), frame.capturedLength()))
                {
                    incoming.set(TestFrames.sequence(frame.buffer(), frame.offset()));
                }
            });

            final BitSet expectedIncoming = new BitSet();
            expectedIncoming.set(1000, 1000 + INCOMING);
            final BitSet expectedAll = (BitSet)expectedIncoming.clone();
            expectedAll.set(0, OUTGOING);
            assertEquals(expectedAll, all, "without the option: both ways");
            assertEquals(expectedIncoming, incoming, "with it: only what arrived");
        }
    }

    private static AfPacketContext context(final VethPair veth, final boolean ignoreOutgoing)
    {
        return new AfPacketContext().interfaceName(veth.hostInterface()).blockSize(1 << 16).blockCount(16)
            .retireTimeoutMs(5).ignoreOutgoing(ignoreOutgoing);
    }

    private static void send(final List<String> command)
    {
        final LiveNetwork.Result result = LiveNetwork.await(LiveNetwork.start(command), command, 60);
        assertEquals(0, result.exitCode(), result.stderr());
    }
}
