package io.flowtap.capture.codec;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * How a {@link PacketDecoder} treats traffic as sensors receive it: checksums, which UDP ports carry VXLAN and
 * Geneve, how deep tunnels are opened, IP fragment reassembly (policy, memory, limits, timeout) and duplicate
 * suppression. Fluent setters, then {@link #conclude()} checks the whole; every decoder made from it (one per poller)
 * gets state of its own sized from it.
 * <p>
 * Not thread safe while configured; read-only once concluded.
 */
public final class DecoderContext
{
    /** VXLAN's IANA port. */
    public static final int VXLAN_PORT_DEFAULT = 4789;
    /** Geneve's IANA port. */
    public static final int GENEVE_PORT_DEFAULT = 6081;
    /** Tunnel layers opened, one inside the other, before a frame counts as a tunnel not opened. */
    public static final int TUNNEL_DEPTH_DEFAULT = 4;
    /** Most tunnel layers a decoder can be asked to open. */
    public static final int MAX_TUNNEL_DEPTH = 8;
    /** Bytes of fragments held, over every datagram being reassembled. */
    public static final long DEFRAG_MEMCAP_BYTES_DEFAULT = 16L << 20;
    /** Bytes one datagram may hold: a whole IP datagram. */
    public static final int DEFRAG_DATAGRAM_MEMCAP_BYTES_DEFAULT = 65_535;
    /** Datagrams reassembled at once. */
    public static final int DEFRAG_MAX_DATAGRAMS_DEFAULT = 4096;
    /** Fragments one datagram may have. */
    public static final int DEFRAG_MAX_FRAGMENTS_DEFAULT = 64;
    /** How long a datagram waits for its missing fragments (Linux's ipfrag_time). */
    public static final long DEFRAG_TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(30);
    /** Flows whose last packet the duplicate filter remembers. */
    public static final int DEDUP_SLOTS_DEFAULT = 1 << 16;

    private ChecksumMode checksumMode = ChecksumMode.AUTO;
    private int[] vxlanPorts = {VXLAN_PORT_DEFAULT};
    private int[] genevePorts = {GENEVE_PORT_DEFAULT};
    private int tunnelDepth = TUNNEL_DEPTH_DEFAULT;
    private boolean defragment = true;
    private FragmentPolicy fragmentPolicy = FragmentPolicy.BSD;
    private FragmentPolicy.Resolver fragmentPolicies;
    private long defragMemcapBytes = DEFRAG_MEMCAP_BYTES_DEFAULT;
    private int defragDatagramMemcapBytes = DEFRAG_DATAGRAM_MEMCAP_BYTES_DEFAULT;
    private int defragMaxDatagrams = DEFRAG_MAX_DATAGRAMS_DEFAULT;
    private int defragMaxFragments = DEFRAG_MAX_FRAGMENTS_DEFAULT;
    private long defragTimeoutNs = DEFRAG_TIMEOUT_NS_DEFAULT;
    private long dedupWindowNs;
    private int dedupSlots = DEDUP_SLOTS_DEFAULT;
    private boolean concluded;

    /**
     * @param mode how TCP checksums are treated (default {@link ChecksumMode#AUTO}).
     * @return this.
     */
    public DecoderContext checksumMode(final ChecksumMode mode)
    {
        this.checksumMode = mode;
        return this;
    }

    /**
     * @return how TCP checksums are treated.
     */
    public ChecksumMode checksumMode()
    {
        return checksumMode;
    }

    /**
     * @param ports UDP destination ports that carry VXLAN (default 4789 alone).
     * @return this.
     */
    public DecoderContext vxlanPorts(final int... ports)
    {
        this.vxlanPorts = ports.clone();
        return this;
    }

    /**
     * @return UDP destination ports that carry VXLAN.
     */
    public int[] vxlanPorts()
    {
        return vxlanPorts.clone();
    }

    /**
     * @param ports UDP destination ports that carry Geneve (default 6081 alone).
     * @return this.
     */
    public DecoderContext genevePorts(final int... ports)
    {
        this.genevePorts = ports.clone();
        return this;
    }

    /**
     * @return UDP destination ports that carry Geneve.
     */
    public int[] genevePorts()
    {
        return genevePorts.clone();
    }

    /**
     * @param depth tunnel layers opened one inside the other, 0 to {@value #MAX_TUNNEL_DEPTH}; 0 opens none (every
     *              tunneled frame counts as a tunnel not opened).
     * @return this.
     */
    public DecoderContext tunnelDepth(final int depth)
    {
        this.tunnelDepth = depth;
        return this;
    }

    /**
     * @return tunnel layers opened at most.
     */
    public int tunnelDepth()
    {
        return tunnelDepth;
    }

    /**
     * @param defragment whether IP fragments are reassembled (default true).
     * @return this.
     */
    public DecoderContext defragment(final boolean defragment)
    {
        this.defragment = defragment;
        return this;
    }

    /**
     * @return whether IP fragments are reassembled.
     */
    public boolean defragment()
    {
        return defragment;
    }

    /**
     * @param policy for overlapping fragments of a datagram whose host has none of its own (default bsd).
     * @return this.
     */
    public DecoderContext fragmentPolicy(final FragmentPolicy policy)
    {
        this.fragmentPolicy = policy;
        return this;
    }

    /**
     * @return the default fragment policy.
     */
    public FragmentPolicy fragmentPolicy()
    {
        return fragmentPolicy;
    }

    /**
     * @param resolver the policy of each destination host (the stream engine's host policies), or null for
     *                 {@link #fragmentPolicy()} everywhere.
     * @return this.
     */
    public DecoderContext fragmentPolicies(final FragmentPolicy.Resolver resolver)
    {
        this.fragmentPolicies = resolver;
        return this;
    }

    /**
     * @return the policy of each destination host.
     */
    public FragmentPolicy.Resolver fragmentPolicies()
    {
        final FragmentPolicy fallback = fragmentPolicy;
        return fragmentPolicies != null ? fragmentPolicies : (version, high, low) -> fallback;
    }

    /**
     * @param bytes of fragments held over every datagram being reassembled (default 16 MiB).
     * @return this.
     */
    public DecoderContext defragMemcapBytes(final long bytes)
    {
        this.defragMemcapBytes = bytes;
        return this;
    }

    /**
     * @return bytes of fragments held at most.
     */
    public long defragMemcapBytes()
    {
        return defragMemcapBytes;
    }

    /**
     * @param bytes one datagram may hold (default 65,535, a whole datagram).
     * @return this.
     */
    public DecoderContext defragDatagramMemcapBytes(final int bytes)
    {
        this.defragDatagramMemcapBytes = bytes;
        return this;
    }

    /**
     * @return bytes one datagram may hold.
     */
    public int defragDatagramMemcapBytes()
    {
        return defragDatagramMemcapBytes;
    }

    /**
     * @param datagrams reassembled at once (default 4096); when all are taken, the oldest is given up.
     * @return this.
     */
    public DecoderContext defragMaxDatagrams(final int datagrams)
    {
        this.defragMaxDatagrams = datagrams;
        return this;
    }

    /**
     * @return datagrams reassembled at once.
     */
    public int defragMaxDatagrams()
    {
        return defragMaxDatagrams;
    }

    /**
     * @param fragments one datagram may have (default 64); one more gives the datagram up.
     * @return this.
     */
    public DecoderContext defragMaxFragments(final int fragments)
    {
        this.defragMaxFragments = fragments;
        return this;
    }

    /**
     * @return fragments one datagram may have.
     */
    public int defragMaxFragments()
    {
        return defragMaxFragments;
    }

    /**
     * @param timeoutNs how long, on the packets' clock, a datagram waits from its first fragment (default 30 s).
     * @return this.
     */
    public DecoderContext defragTimeoutNs(final long timeoutNs)
    {
        this.defragTimeoutNs = timeoutNs;
        return this;
    }

    /**
     * @return how long a datagram waits for its fragments.
     */
    public long defragTimeoutNs()
    {
        return defragTimeoutNs;
    }

    /**
     * @param windowNs drop a packet identical to the one seen last in its flow within this time (a SPAN port's
     *                 second copy), or 0 to keep every copy (the default).
     * @return this.
     */
    public DecoderContext dedupWindowNs(final long windowNs)
    {
        this.dedupWindowNs = windowNs;
        return this;
    }

    /**
     * @return the duplicate window, 0 when off.
     */
    public long dedupWindowNs()
    {
        return dedupWindowNs;
    }

    /**
     * @param slots flows whose last packet the duplicate filter remembers (a power of two is used).
     * @return this.
     */
    public DecoderContext dedupSlots(final int slots)
    {
        this.dedupSlots = slots;
        return this;
    }

    /**
     * @return flows the duplicate filter remembers.
     */
    public int dedupSlots()
    {
        return dedupSlots;
    }

    /**
     * Check the settings as a whole. Idempotent.
     *
     * @return this.
     * @throws IllegalArgumentException naming the setting at fault.
     */
    public DecoderContext conclude()
    {
        if (concluded)
        {
            return this;
        }
        if (checksumMode == null || fragmentPolicy == null)
        {
            throw new IllegalArgumentException("a checksum mode and a fragment policy are required");
        }
        checkPorts("VXLAN", vxlanPorts);
        checkPorts("Geneve", genevePorts);
        for (final int port : vxlanPorts)
        {
            if (Arrays.stream(genevePorts).anyMatch(p -> p == port))
            {
                throw new IllegalArgumentException("UDP port " + port + " cannot carry both VXLAN and Geneve");
            }
        }
        if (tunnelDepth < 0 || tunnelDepth > MAX_TUNNEL_DEPTH)
        {
            throw new IllegalArgumentException(
                "tunnel depth must be 0 to " + MAX_TUNNEL_DEPTH + ", not " + tunnelDepth);
        }
        if (defragMemcapBytes < IpDefragmenter.PAGE_LENGTH)
        {
            throw new IllegalArgumentException("defrag memcap must be at least " + IpDefragmenter.PAGE_LENGTH +
                " bytes, not " + defragMemcapBytes);
        }
        if (defragDatagramMemcapBytes < IpDefragmenter.PAGE_LENGTH || defragDatagramMemcapBytes > 65_535)
        {
            throw new IllegalArgumentException("defrag datagram memcap must be " + IpDefragmenter.PAGE_LENGTH +
                " to 65535 bytes, not " + defragDatagramMemcapBytes);
        }
        if (defragMaxDatagrams < 1 || defragMaxDatagrams > IpDefragmenter.MAX_DATAGRAMS)
        {
            throw new IllegalArgumentException("defrag datagrams must be 1 to " + IpDefragmenter.MAX_DATAGRAMS +
                ", not " + defragMaxDatagrams);
        }
        if (defragMaxFragments < 2 || defragMaxFragments > IpDefragmenter.MAX_FRAGMENTS)
        {
            throw new IllegalArgumentException("defrag fragments per datagram must be 2 to " +
                IpDefragmenter.MAX_FRAGMENTS + ", not " + defragMaxFragments);
        }
        if ((long)defragMaxDatagrams * (2L * defragMaxFragments + 1) * 4 > Integer.MAX_VALUE - 16)
        {
            // The intervals of every datagram are one array: its length must be an int.
            throw new IllegalArgumentException("defrag datagrams (" + defragMaxDatagrams + ") times fragments per " +
                "datagram (" + defragMaxFragments + ") is too many to track: lower one of them");
        }
        if (defragTimeoutNs <= 0)
        {
            throw new IllegalArgumentException("defrag timeout must be positive");
        }
        if (dedupWindowNs < 0)
        {
            throw new IllegalArgumentException("dedup window must not be negative");
        }
        if (dedupSlots < 1 || dedupSlots > 1 << 24)
        {
            throw new IllegalArgumentException("dedup slots must be 1 to " + (1 << 24) + ", not " + dedupSlots);
        }
        concluded = true;
        return this;
    }

    private static void checkPorts(final String what, final int[] ports)
    {
        for (final int port : ports)
        {
            if (port < 1 || port > 0xFFFF)
            {
                throw new IllegalArgumentException(what + " port must be 1 to 65535, not " + port);
            }
        }
    }
}
