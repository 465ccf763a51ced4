package io.flowtap.perf.gen;

import java.util.Locale;

/**
 * How generated frames reach the sensor: as sent, or inside a tunnel, as cloud mirroring (VXLAN, Geneve), a switch's
 * ERSPAN session or a router's GRE or IP-in-IP tunnel delivers them.
 */
public enum Encapsulation
{
    /** As sent: Ethernet, IPv4, TCP. */
    NONE,
    /** VXLAN over UDP 4789 between two VTEPs, the Ethernet frame inside. */
    VXLAN,
    /** Geneve over UDP 6081, with one option, the Ethernet frame inside. */
    GENEVE,
    /** GRE with a key, the IPv4 packet inside. */
    GRE,
    /** ERSPAN type II over GRE with sequence numbers, the Ethernet frame inside. */
    ERSPAN,
    /** IPv4 in IPv4. */
    IPIP;

    /**
     * @param name as the command line gives it, any case.
     * @return the encapsulation.
     * @throws IllegalArgumentException naming the ones there are.
     */
    public static Encapsulation fromName(final String name)
    {
        for (final Encapsulation encapsulation : values())
        {
            if (encapsulation.name().equalsIgnoreCase(name.trim()))
            {
                return encapsulation;
            }
        }
        throw new IllegalArgumentException("unknown encapsulation '" + name + "': expected none, vxlan, geneve, gre, " +
            "erspan or ipip");
    }

    /**
     * @return the name the command line takes.
     */
    public String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
