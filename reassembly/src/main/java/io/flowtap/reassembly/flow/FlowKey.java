package io.flowtap.reassembly.flow;

import io.flowtap.capture.codec.PacketDecoder;
import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The key of a TCP flow, the same for both directions: addresses and ports of its two endpoints in a canonical order
 * (the lower endpoint first), the IP version, and optionally the VLAN and the tunnel (its type and network id: a
 * VXLAN or Geneve VNI, a GRE key, an ERSPAN or PPPoE session), so that flows of tenants whose address spaces overlap
 * stay apart. Reused: {@link #wrap} fills it from a decoded segment without allocating, and says which way that
 * segment went.
 * <p>
 * Six 64-bit words hold it: each address as two words (IPv4 in the low 32 bits of the second), then one word of
 * ports, VLAN and version, then one of the tunnel (0 when not in the key). Its {@link #hash()} is symmetric by
 * construction and stable across runs and machines, so the pipeline can shard flows by it.
 */
public final class FlowKey
{
    /** Words in a key. */
    public static final int WORDS = 6;
    /** No VLAN in the key. */
    public static final int NO_VLAN = 0xFFF + 1;

    private static final int A_HIGH = 0;
    private static final int A_LOW = 1;
    private static final int B_HIGH = 2;
    private static final int B_LOW = 3;
    private static final int META = 4;
    private static final int TUNNEL = 5;

    // Odd constants from the fractional parts of square roots of primes: any odd multiplier is invertible mod 2^64,
    // so no word's bits are lost before the finalizer.
    private static final long WORD_0 = 0x6A09_E667_F3BC_C909L;
    private static final long WORD_1 = 0xBB67_AE85_84CA_A73BL;
    private static final long WORD_2 = 0x3C6E_F372_FE94_F82BL;
    private static final long WORD_3 = 0xA54F_F53A_5F1D_36F1L;
    private static final long WORD_4 = 0x510E_527F_ADE6_82D1L;
    private static final long WORD_5 = 0x9B05_688C_2B3E_6C1FL;

    private final long[] words = new long[WORDS];
    private boolean sourceIsA;

    /**
     * Fill the key from a segment the decoder has just decoded, without its tunnel.
     *
     * @param decoder that returned true from decode.
     * @param withVlan whether the outer VLAN id is part of the key (flows on different VLANs kept apart).
     * @return this key.
     */
    public FlowKey wrap(final PacketDecoder decoder, final boolean withVlan)
    {
        return wrap(decoder, withVlan, false);
    }

    /**
     * Fill the key from a segment the decoder has just decoded.
     *
     * @param decoder    that returned true from decode.
     * @param withVlan   whether the outer VLAN id is part of the key (flows on different VLANs kept apart).
     * @param withTunnel whether the tunnel is part of the key (flows of different tunnels kept apart).
     * @return this key.
     */
    public FlowKey wrap(final PacketDecoder decoder, final boolean withVlan, final boolean withTunnel)
    {
        final DirectBuffer buffer = decoder.buffer();
        final int version = decoder.ipVersion();
        final int vlan = withVlan && decoder.outerVlanId() != PacketDecoder.NO_VLAN ? decoder.outerVlanId() : NO_VLAN;
        final int srcPort = decoder.tcp().srcPort();
        final int dstPort = decoder.tcp().dstPort();
        long srcHigh = 0;
        long srcLow;
        long dstHigh = 0;
        long dstLow;
        if (version == 6)
        {
            srcHigh = buffer.getLong(decoder.sourceAddressOffset(), BIG_ENDIAN);
            srcLow = buffer.getLong(decoder.sourceAddressOffset() + 8, BIG_ENDIAN);
            dstHigh = buffer.getLong(decoder.destinationAddressOffset(), BIG_ENDIAN);
            dstLow = buffer.getLong(decoder.destinationAddressOffset() + 8, BIG_ENDIAN);
        }
        else
        {
            srcLow = buffer.getInt(decoder.sourceAddressOffset(), BIG_ENDIAN) & 0xFFFF_FFFFL;
            dstLow = buffer.getInt(decoder.destinationAddressOffset(), BIG_ENDIAN) & 0xFFFF_FFFFL;
        }
        set(version, srcHigh, srcLow, srcPort, dstHigh, dstLow, dstPort, vlan);
        if (withTunnel)
        {
            words[TUNNEL] = tunnelWord(decoder.tunnelType(), decoder.tunnelId());
        }
        return this;
    }

    /**
     * @param tunnelType one of {@code TunnelType}'s constants.
     * @param tunnelId   the tunnel's network id.
     * @return the key word that names them.
     */
    public static long tunnelWord(final int tunnelType, final int tunnelId)
    {
        return ((long)tunnelType << 32) | (tunnelId & 0xFFFF_FFFFL);
    }

    /**
     * Fill the key from its parts (tests, journal replay).
     *
     * @param version 4 or 6.
     * @param srcHigh high 64 bits of the source address (0 for IPv4).
     * @param srcLow  low 64 bits of the source address (the IPv4 address in the low 32 bits).
     * @param srcPort source port.
     * @param dstHigh high 64 bits of the destination address.
     * @param dstLow  low 64 bits of the destination address.
     * @param dstPort destination port.
     * @param vlan    VLAN id, or {@link #NO_VLAN}.
     * @return this key, without a tunnel.
     */
    public FlowKey set(
        final int version,
        final long srcHigh,
        final long srcLow,
        final int srcPort,
        final long dstHigh,
        final long dstLow,
        final int dstPort,
        final int vlan)
    {
        sourceIsA = compareEndpoints(srcHigh, srcLow, srcPort, dstHigh, dstLow, dstPort) <= 0;
        if (sourceIsA)
        {
            words[A_HIGH] = srcHigh;
            words[A_LOW] = srcLow;
            words[B_HIGH] = dstHigh;
            words[B_LOW] = dstLow;
            words[META] = meta(srcPort, dstPort, vlan, version);
        }
        else
        {
            words[A_HIGH] = dstHigh;
            words[A_LOW] = dstLow;
            words[B_HIGH] = srcHigh;
            words[B_LOW] = srcLow;
            words[META] = meta(dstPort, srcPort, vlan, version);
        }
        words[TUNNEL] = 0;
        return this;
    }

    /**
     * Put a tunnel in the key after {@link #set}.
     *
     * @param tunnelType one of {@code TunnelType}'s constants.
     * @param tunnelId   the tunnel's network id.
     * @return this key.
     */
    public FlowKey tunnel(final int tunnelType, final int tunnelId)
    {
        words[TUNNEL] = tunnelWord(tunnelType, tunnelId);
        return this;
    }

    /**
     * @return the tunnel's type in the key, 0 when none.
     */
    public int tunnelType()
    {
        return (int)(words[TUNNEL] >>> 32);
    }

    /**
     * @return the tunnel's network id in the key.
     */
    public int tunnelId()
    {
        return (int)words[TUNNEL];
    }

    /**
     * @return whether the segment this key was filled from went from endpoint A (the lower) to endpoint B.
     */
    public boolean sourceIsA()
    {
        return sourceIsA;
    }

    /**
     * @param index of a word, below {@link #WORDS}.
     * @return the word.
     */
    public long word(final int index)
    {
        return words[index];
    }

    /**
     * @return the IP version, 4 or 6.
     */
    public int version()
    {
        return (int)(words[META] & 0xFF);
    }

    /**
     * @return the port of endpoint A.
     */
    public int portA()
    {
        return (int)(words[META] >>> 48);
    }

    /**
     * @return the port of endpoint B.
     */
    public int portB()
    {
        return (int)(words[META] >>> 32) & 0xFFFF;
    }

    /**
     * A 64-bit hash of the key: the same for both directions, the same on every run and machine. The pipeline picks a
     * flow's worker from its high half and the flow table its slot from its low half.
     * <p>
     * Each word is multiplied by its own odd constant and the products summed, then the sum goes through one
     * SplitMix64 finalizer. The six multiplies are independent, so the core runs them side by side; hashing word by
     * word through a finalizer each (ten chained multiplies) cost several times the latency for a spread no better on
     * the corpus's flows ({@code FlowHashCollisions} in perf measures both).
     *
     * @return the hash.
     */
    public long hash()
    {
        return mix(words[A_HIGH] * WORD_0 + words[A_LOW] * WORD_1 + words[B_HIGH] * WORD_2 + words[B_LOW] * WORD_3 +
            words[META] * WORD_4 + words[TUNNEL] * WORD_5);
    }

    /**
     * @return the low half of {@link #hash()}, which flow tables index by.
     */
    public int tableHash()
    {
        return (int)hash();
    }

    /**
     * @param other key.
     * @return whether both keys name the same flow.
     */
    public boolean matches(final FlowKey other)
    {
        for (int i = 0; i < WORDS; i++)
        {
            if (words[i] != other.words[i])
            {
                return false;
            }
        }
        return true;
    }

    private static long meta(final int portA, final int portB, final int vlan, final int version)
    {
        return ((long)portA << 48) | ((long)portB << 32) | ((long)vlan << 8) | version;
    }

    private static int compareEndpoints(
        final long aHigh, final long aLow, final int aPort, final long bHigh, final long bLow, final int bPort)
    {
        int order = Long.compareUnsigned(aHigh, bHigh);
        if (order == 0)
        {
            order = Long.compareUnsigned(aLow, bLow);
        }
        return order != 0 ? order : Integer.compare(aPort, bPort);
    }

    /**
     * The finalizer of SplitMix64 / MurmurHash3: every input bit affects every output bit, so flows spread evenly
     * over table slots and workers even when addresses differ only in a few low bits.
     */
    static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
