package io.flowtap.tools.output;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.reassembly.Direction;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Stream file names as tcpflow 1.6.1 writes them with its default template {@code %A.%a-%B.%b%V%v%C%c}: source
 * address and port, a dash, destination address and port; an IPv4 address as four zero-padded decimal octets
 * ({@code 010.000.000.001}), an IPv6 address as glibc's {@code inet_ntop} writes it ({@code 2001:db8::1},
 * {@code ::ffff:10.0.0.1}); a port as five zero-padded digits; {@code --VLAN} when the flow's first frame had an
 * 802.1Q tag; and, for a later connection whose name is already taken (a reused 4-tuple), {@code c1}, {@code c2} ...
 * (tcpflow tries the next count until it finds a name not yet in the directory).
 * <p>
 * Where flowtap differs: tcpflow writes the whole 16-bit tag control field, priority bits included, and only for an
 * 802.1Q tag right after the Ethernet header; flowtap writes the outer VLAN id.
 */
public final class TcpflowNames
{
    private TcpflowNames()
    {
    }

    /**
     * Append the name of one direction of a flow, without the connection count.
     *
     * @param out     to append to.
     * @param version 4 or 6.
     * @param srcHigh source address, high 64 bits (0 for IPv4).
     * @param srcLow  source address, low 64 bits (an IPv4 address in the low 32).
     * @param srcPort source port.
     * @param dstHigh destination address, high 64 bits.
     * @param dstLow  destination address, low 64 bits.
     * @param dstPort destination port.
     * @param vlan    VLAN id, or {@link PacketDecoder#NO_VLAN}.
     * @return {@code out}.
     */
    public static StringBuilder append(
        final StringBuilder out,
        final int version,
        final long srcHigh,
        final long srcLow,
        final int srcPort,
        final long dstHigh,
        final long dstLow,
        final int dstPort,
        final int vlan)
    {
        endpoint(out, version, srcHigh, srcLow, srcPort).append('-');
        endpoint(out, version, dstHigh, dstLow, dstPort);
        if (vlan != PacketDecoder.NO_VLAN)
        {
            out.append("--").append(vlan);
        }
        return out;
    }

    /**
     * Append the name of one direction of a connection given by its roles.
     *
     * @param out        to append to.
     * @param version    4 or 6.
     * @param clientHigh client address, high 64 bits.
     * @param clientLow  client address, low 64 bits.
     * @param clientPort client port.
     * @param serverHigh server address, high 64 bits.
     * @param serverLow  server address, low 64 bits.
     * @param serverPort server port.
     * @param vlan       VLAN id, or {@link PacketDecoder#NO_VLAN}.
     * @param direction  {@link Direction#TO_SERVER} names the client's bytes, else the server's.
     * @return {@code out}.
     */
    public static StringBuilder appendDirection(
        final StringBuilder out,
        final int version,
        final long clientHigh,
        final long clientLow,
        final int clientPort,
        final long serverHigh,
        final long serverLow,
        final int serverPort,
        final int vlan,
        final int direction)
    {
        return direction == Direction.TO_SERVER ?
            append(out, version, clientHigh, clientLow, clientPort, serverHigh, serverLow, serverPort, vlan) :
            append(out, version, serverHigh, serverLow, serverPort, clientHigh, clientLow, clientPort, vlan);
    }

    /**
     * Create a direction's file as tcpflow does: under its plain name for the first connection on that name, with the
     * next free {@code cN} suffix for a later one.
     *
     * @param dir  to create it in.
     * @param name the name without a count; left holding the name of the file made.
     * @return the file, open for writing.
     * @throws IOException when it cannot be created.
     */
    public static FileChannel createNumbered(final Path dir, final StringBuilder name) throws IOException
    {
        final int baseLength = name.length();
        for (int count = 0; ; count++)
        {
            name.setLength(baseLength);
            appendConnectionCount(name, count);
            try
            {
                return FileChannel.open(dir.resolve(name.toString()), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            }
            catch (final FileAlreadyExistsException ex)
            {
                // A later connection on the same addresses and ports takes the next count.
                continue;
            }
        }
    }

    /**
     * Append tcpflow's connection-count suffix: nothing for the first connection, {@code cN} for the others.
     *
     * @param out   to append to.
     * @param count 0 for the first connection on a name.
     * @return {@code out}.
     */
    public static StringBuilder appendConnectionCount(final StringBuilder out, final int count)
    {
        return count > 0 ? out.append('c').append(count) : out;
    }

    private static StringBuilder endpoint(
        final StringBuilder out, final int version, final long high, final long low, final int port)
    {
        if (version == 4)
        {
            for (int shift = 24; shift >= 0; shift -= 8)
            {
                padded(out, (int)(low >>> shift) & 0xFF, 3);
                out.append('.');
            }
        }
        else
        {
            appendIpv6(out, high, low).append('.');
        }
        return padded(out, port, 5);
    }

    /**
     * Append an IPv6 address as glibc's {@code inet_ntop} does: lower-case hex groups without leading zeros, the
     * first longest run of two or more zero groups as {@code ::}, and an IPv4-mapped ({@code ::ffff:a.b.c.d}) or
     * IPv4-compatible ({@code ::a.b.c.d}) address with its last 32 bits in dotted decimal.
     *
     * @param out  to append to.
     * @param high high 64 bits.
     * @param low  low 64 bits.
     * @return {@code out}.
     */
    public static StringBuilder appendIpv6(final StringBuilder out, final long high, final long low)
    {
        int bestStart = -1;
        int bestLength = 0;
        int runStart = -1;
        for (int group = 0; group <= 8; group++)
        {
            final boolean zero = group < 8 && group(high, low, group) == 0;
            if (zero && runStart < 0)
            {
                runStart = group;
            }
            else if (!zero && runStart >= 0)
            {
                if (group - runStart > bestLength)
                {
                    bestStart = runStart;
                    bestLength = group - runStart;
                }
                runStart = -1;
            }
        }
        if (bestLength < 2)
        {
            bestStart = -1;
        }
        for (int group = 0; group < 8; group++)
        {
            if (bestStart >= 0 && group >= bestStart && group < bestStart + bestLength)
            {
                if (group == bestStart)
                {
                    out.append(':');
                }
                continue;
            }
            if (group != 0)
            {
                out.append(':');
            }
            if (group == 6 && bestStart == 0 && (bestLength == 6 || (bestLength == 5 && group(high, low, 5) == 0xFFFF)))
            {
                out.append((low >>> 24) & 0xFF).append('.').append((low >>> 16) & 0xFF).append('.')
                    .append((low >>> 8) & 0xFF).append('.').append(low & 0xFF);
                return out;
            }
            out.append(Integer.toHexString(group(high, low, group)));
        }
        if (bestStart >= 0 && bestStart + bestLength == 8)
        {
            out.append(':');
        }
        return out;
    }

    private static int group(final long high, final long low, final int group)
    {
        final long word = group < 4 ? high : low;
        return (int)(word >>> (48 - 16 * (group & 3))) & 0xFFFF;
    }

    private static StringBuilder padded(final StringBuilder out, final int value, final int width)
    {
        int limit = 1;
        for (int i = 1; i < width; i++)
        {
            limit *= 10;
        }
        for (int l = limit; l > 1 && value < l; l /= 10)
        {
            out.append('0');
        }
        return out.append(value);
    }
}
