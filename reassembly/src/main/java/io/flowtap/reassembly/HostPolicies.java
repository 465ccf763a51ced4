package io.flowtap.reassembly;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The overlap policy of each receiving host, chosen by network as Suricata's {@code host-os-policy} does: the longest
 * configured prefix that holds the receiver's address wins, and hosts in no configured network get the default.
 * Configured once at start; looked up once per stream when its flow starts, never per packet.
 */
public final class HostPolicies
{
    private OverlapPolicy defaultPolicy;
    private int count;
    private int[] versions = new int[4];
    private long[] highs = new long[4];
    private long[] lows = new long[4];
    private int[] prefixes = new int[4];
    private OverlapPolicy[] policies = new OverlapPolicy[4];

    /**
     * @param defaultPolicy for hosts in no configured network.
     */
    public HostPolicies(final OverlapPolicy defaultPolicy)
    {
        this.defaultPolicy = defaultPolicy;
    }

    /**
     * @param policy for hosts in no configured network.
     * @return this.
     */
    public HostPolicies defaultPolicy(final OverlapPolicy policy)
    {
        this.defaultPolicy = policy;
        return this;
    }

    /**
     * @return the policy of hosts in no configured network.
     */
    public OverlapPolicy defaultPolicy()
    {
        return defaultPolicy;
    }

    /**
     * @param network an address literal, optionally with {@code /prefix} (IPv4 or IPv6).
     * @param policy  for receivers in it.
     * @return this.
     * @throws IllegalArgumentException for a network that is not an address literal with a valid prefix.
     */
    public HostPolicies add(final String network, final OverlapPolicy policy)
    {
        final int slash = network.indexOf('/');
        final String literal = slash < 0 ? network.trim() : network.substring(0, slash).trim();
        if (literal.isEmpty() || !(Character.digit(literal.charAt(0), 16) >= 0 || literal.charAt(0) == ':'))
        {
            throw new IllegalArgumentException("not an address: '" + network + "'");
        }
        final byte[] address;
        try
        {
            // A literal never goes to DNS: getByName parses it in place.
            address = InetAddress.getByName(literal).getAddress();
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException("not an address: '" + network + "'", ex);
        }
        final int version = address.length == 4 ? 4 : 6;
        final int maxPrefix = address.length * 8;
        final int prefix;
        try
        {
            prefix = slash < 0 ? maxPrefix : Integer.parseInt(network.substring(slash + 1).trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("bad prefix length in '" + network + "'", ex);
        }
        if (prefix < 0 || prefix > maxPrefix)
        {
            throw new IllegalArgumentException("prefix length must be 0.." + maxPrefix + " in '" + network + "'");
        }
        if (count == versions.length)
        {
            versions = Arrays.copyOf(versions, count * 2);
            highs = Arrays.copyOf(highs, count * 2);
            lows = Arrays.copyOf(lows, count * 2);
            prefixes = Arrays.copyOf(prefixes, count * 2);
            policies = Arrays.copyOf(policies, count * 2);
        }
        versions[count] = version;
        if (version == 4)
        {
            highs[count] = 0;
            lows[count] = ByteBuffer.wrap(address).getInt() & 0xFFFF_FFFFL;
            prefixes[count] = prefix + 96;
        }
        else
        {
            final ByteBuffer words = ByteBuffer.wrap(address);
            highs[count] = words.getLong();
            lows[count] = words.getLong();
            prefixes[count] = prefix;
        }
        policies[count] = policy;
        count++;
        return this;
    }

    /**
     * @param version 4 or 6.
     * @param high    high 64 bits of the receiver's address (0 for IPv4).
     * @param low     low 64 bits (the IPv4 address in the low 32).
     * @return the policy for that receiver.
     */
    public OverlapPolicy policyFor(final int version, final long high, final long low)
    {
        OverlapPolicy best = defaultPolicy;
        int bestPrefix = -1;
        for (int i = 0; i < count; i++)
        {
            if (versions[i] == version && prefixes[i] > bestPrefix &&
                matches(high, low, highs[i], lows[i], prefixes[i]))
            {
                best = policies[i];
                bestPrefix = prefixes[i];
            }
        }
        return best;
    }

    /**
     * @param address an address.
     * @return the policy for a receiver at that address.
     */
    public OverlapPolicy policyFor(final InetAddress address)
    {
        final byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address)
        {
            return policyFor(4, 0, ByteBuffer.wrap(bytes).getInt() & 0xFFFF_FFFFL);
        }
        final ByteBuffer words = ByteBuffer.wrap(bytes);
        return policyFor(6, words.getLong(), words.getLong());
    }

    private static boolean matches(
        final long high, final long low, final long netHigh, final long netLow, final int prefix128)
    {
        if (prefix128 <= 64)
        {
            final long mask = prefix128 == 0 ? 0 : -1L << (64 - prefix128);
            return (high & mask) == (netHigh & mask);
        }
        final long lowMask = prefix128 == 128 ? -1L : -1L << (128 - prefix128);
        return high == netHigh && (low & lowMask) == (netLow & lowMask);
    }
}
