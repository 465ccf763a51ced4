package io.flowtap.linux;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Capabilities} reads the effective set as the kernel writes it, and names what is missing; an unreadable set
 * leaves the decision to the kernel.
 */
class CapabilitiesTest
{
    private static final String STATUS = "Name:\tjava\nUid:\t65534\t65534\t65534\t65534\nCapInh:\t0000000000002000\n" +
        "CapPrm:\t0000000000002000\nCapEff:\t0000000000002000\nCapBnd:\t000001ffffffffff\n";

    @Test
    void readsTheEffectiveSetNotTheOthers()
    {
        assertEquals(1L << Capabilities.CAP_NET_RAW, Capabilities.parseEffective(STATUS));
        assertEquals(0x000001ffffffffffL, Capabilities.parseEffective("CapEff:\t000001ffffffffff\n"));
        assertEquals(Capabilities.UNKNOWN, Capabilities.parseEffective("Name:\tjava\n"));
        assertEquals(Capabilities.UNKNOWN, Capabilities.parseEffective("CapEff:\tnot-hex\n"));
    }

    @Test
    void namesTheMissingCapabilityInOneLine()
    {
        assertNull(Capabilities.missing(1L << Capabilities.CAP_NET_RAW, Capabilities.CAP_NET_RAW, "to capture"));
        assertNull(Capabilities.missing(Capabilities.UNKNOWN, Capabilities.CAP_NET_RAW, "to capture"));
        final String line = Capabilities.missing(1L << Capabilities.CAP_NET_ADMIN, Capabilities.CAP_NET_RAW,
            "to capture on eth0");
        assertEquals("needs CAP_NET_RAW to capture on eth0, and this process does not have it (effective " +
            "capabilities 0x1000): run it as root, or as any user with CAP_NET_RAW as an ambient capability " +
            "(AmbientCapabilities=CAP_NET_RAW in its systemd unit)", line);
        assertTrue(Capabilities.holds(~0L ^ Long.MIN_VALUE, 62));
        assertThrows(IllegalArgumentException.class, () -> Capabilities.holds(0, 64));
    }
}
