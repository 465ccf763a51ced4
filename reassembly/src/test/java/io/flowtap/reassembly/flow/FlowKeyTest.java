package io.flowtap.reassembly.flow;

import io.flowtap.capture.Frame;
import io.flowtap.capture.LinkType;
import io.flowtap.capture.codec.EtherType;
import io.flowtap.capture.codec.PacketBuilder;
import io.flowtap.capture.codec.PacketDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowKeyTest
{
    private static final byte[] V4_A = {10, 0, 0, 1};
    private static final byte[] V4_B = {10, 0, 0, 2};

    private final PacketDecoder decoder = new PacketDecoder();
    private final Frame frame = new Frame();

    private FlowKey keyOf(final byte[] bytes, final boolean withVlan)
    {
        assertTrue(decoder.decode(frame.wrap(new UnsafeBuffer(bytes), 0, bytes.length, bytes.length, 0,
            LinkType.ETHERNET)));
        return new FlowKey().wrap(decoder, withVlan);
    }

    @Test
    void shouldGiveBothDirectionsOfAConnectionTheSameKey()
    {
        final FlowKey forward = keyOf(PacketBuilder.ethernet().ports(40000, 80).build(), false);
        final byte[] reverseFrame = PacketBuilder.ethernet().ports(80, 40000).build();
        // Swap the addresses of the reverse frame: source 10.0.0.2, destination 10.0.0.1.
        System.arraycopy(V4_B, 0, reverseFrame, 14 + 12, 4);
        System.arraycopy(V4_A, 0, reverseFrame, 14 + 16, 4);
        final FlowKey backward = keyOf(reverseFrame, false);

        assertTrue(forward.matches(backward));
        assertEquals(forward.hash(), backward.hash());
        assertTrue(forward.sourceIsA());
        assertFalse(backward.sourceIsA());
        assertEquals(40000, forward.portA());
        assertEquals(80, forward.portB());
        assertEquals(4, forward.version());
    }

    @Test
    void shouldKeepFlowsApartByPortVersionAndVlanWhenAsked()
    {
        final FlowKey base = keyOf(PacketBuilder.ethernet().vlan(EtherType.VLAN, 10).ports(40000, 80).build(), true);
        final FlowKey otherVlan = keyOf(
            PacketBuilder.ethernet().vlan(EtherType.VLAN, 11).ports(40000, 80).build(), true);
        final FlowKey vlanIgnored = keyOf(
            PacketBuilder.ethernet().vlan(EtherType.VLAN, 11).ports(40000, 80).build(), false);
        final FlowKey noVlan = keyOf(PacketBuilder.ethernet().ports(40000, 80).build(), false);
        final FlowKey otherPort = keyOf(PacketBuilder.ethernet().ports(40001, 80).build(), false);

        assertFalse(base.matches(otherVlan));
        assertTrue(vlanIgnored.matches(noVlan));
        assertFalse(noVlan.matches(otherPort));

        final byte[] v6a = new byte[16];
        final byte[] v6b = new byte[16];
        v6a[15] = 1;
        v6b[15] = 2;
        final FlowKey v6 = keyOf(PacketBuilder.ethernet().ipv6(v6a, v6b).ports(40000, 80).build(), false);
        assertEquals(6, v6.version());
        assertFalse(v6.matches(noVlan));
    }

    @Test
    void shouldHashTheSameOnEveryRunAndMachine()
    {
        // Pinned: the pipeline shards flows by this hash, so changing it moves every flow to another worker.
        final FlowKey key = new FlowKey().set(4, 0, 0x0A00_0001L, 40000, 0, 0x0A00_0002L, 80, FlowKey.NO_VLAN);
        assertEquals(0x0F32_92FF_4176_A250L, key.hash());
        assertNotEquals(key.hash(),
            new FlowKey().set(4, 0, 0x0A00_0001L, 40001, 0, 0x0A00_0002L, 80, FlowKey.NO_VLAN).hash());
    }
}
