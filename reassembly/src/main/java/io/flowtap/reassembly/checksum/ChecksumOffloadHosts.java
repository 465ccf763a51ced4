package io.flowtap.reassembly.checksum;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Which hosts offload their TCP checksums: the capture was taken on them, before the NIC filled the checksums in, so
 * every segment they send looks bad while their peers acknowledge it. A host is taken for one after
 * {@link #CONFIRMATIONS} of its bad segments that carried bytes (or a SYN or FIN) were acknowledged by the receiver,
 * with no good copy seen and no good segment from it in that flow: not from one bad segment, which could be an
 * injection that happened to be acknowledged, nor from bad checksums alone, which an attacker can send at will.
 * <p>
 * Bounded: an open-addressing table of {@link #CAPACITY} hosts; a host beyond it is never taken for one (its bad
 * segments are still accepted one by one when acknowledged). Not thread safe: owned by its engine.
 */
final class ChecksumOffloadHosts
{
    /** Acknowledged bad segments before a host is taken for one that offloads. */
    static final int CONFIRMATIONS = 2;
    /** Hosts remembered. */
    static final int CAPACITY = 4096;

    private static final int MASK = CAPACITY - 1;

    private final long[] highs = new long[CAPACITY];
    private final long[] lows = new long[CAPACITY];
    private final byte[] versions = new byte[CAPACITY];
    private final int[] confirmations = new int[CAPACITY];
    private final long[] keptSegments = new long[CAPACITY];
    private int hosts;
    private int offloading;

    /**
     * @param version IP version of the host.
     * @param high    high 64 bits of its address.
     * @param low     low 64 bits.
     * @return whether it offloads its checksums.
     */
    boolean isOffloading(final int version, final long high, final long low)
    {
        if (offloading == 0)
        {
            return false;
        }
        final int slot = find(version, high, low);
        return slot >= 0 && confirmations[slot] >= CONFIRMATIONS;
    }

    /**
     * Count one of its bad segments kept because it offloads.
     */
    void kept(final int version, final long high, final long low)
    {
        final int slot = find(version, high, low);
        if (slot >= 0)
        {
            keptSegments[slot]++;
        }
    }

    /**
     * One of its bad segments was acknowledged with no good copy seen.
     *
     * @return whether that made it a host that offloads.
     */
    boolean confirm(final int version, final long high, final long low)
    {
        int slot = find(version, high, low);
        if (slot < 0)
        {
            if (hosts == CAPACITY / 2)
            {
                return false;
            }
            slot = ~slot;
            highs[slot] = high;
            lows[slot] = low;
            versions[slot] = (byte)version;
            hosts++;
        }
        confirmations[slot]++;
        if (confirmations[slot] == CONFIRMATIONS)
        {
            offloading++;
            return true;
        }
        return false;
    }

    /**
     * @return the hosts taken for ones that offload, with the bad segments kept from each; allocates, for a summary.
     */
    List<String> describe()
    {
        final List<String> found = new ArrayList<>();
        for (int slot = 0; slot < CAPACITY; slot++)
        {
            if (versions[slot] != 0 && confirmations[slot] >= CONFIRMATIONS)
            {
                found.add(address(versions[slot], highs[slot], lows[slot]) + " (" +
                    (keptSegments[slot] + confirmations[slot]) + " segments)");
            }
        }
        return found;
    }

    /**
     * @return the slot of the host, or the one's complement of the free slot it would take.
     */
    private int find(final int version, final long high, final long low)
    {
        long h = (high * 0x9E37_79B9_7F4A_7C15L + low) * 0xC2B2_AE3D_27D4_EB4FL + version;
        h ^= h >>> 29;
        int slot = (int)h & MASK;
        while (versions[slot] != 0)
        {
            if (versions[slot] == version && highs[slot] == high && lows[slot] == low)
            {
                return slot;
            }
            slot = (slot + 1) & MASK;
        }
        return ~slot;
    }

    private static String address(final int version, final long high, final long low)
    {
        try
        {
            if (version == 4)
            {
                return InetAddress.getByAddress(ByteBuffer.allocate(4).putInt((int)low).array()).getHostAddress();
            }
            return compressed(InetAddress.getByAddress(ByteBuffer.allocate(16).putLong(high).putLong(low).array())
                .getHostAddress());
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * The longest run of zero groups as {@code ::}, as inet_ntop writes an IPv6 address.
     */
    private static String compressed(final String full)
    {
        final String[] groups = full.split(":");
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length; i++)
        {
            int j = i;
            while (j < groups.length && "0".equals(groups[j]))
            {
                j++;
            }
            if (j - i > bestLength)
            {
                bestStart = i;
                bestLength = j - i;
            }
        }
        if (bestStart < 0)
        {
            return full;
        }
        final String left = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        final String right = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength,
            groups.length));
        return left + "::" + right;
    }
}
