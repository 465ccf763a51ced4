package io.flowtap.pipeline.journal;

import org.agrona.DirectBuffer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

import static io.flowtap.pipeline.journal.JournalDescriptor.BYTE_ORDER;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_CLIENT_HIGH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_CLIENT_LOW_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_CLIENT_PORT_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_IP_VERSION_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_SERVER_HIGH_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_SERVER_LOW_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_SERVER_PORT_OFFSET;
import static io.flowtap.pipeline.journal.JournalDescriptor.KEY_VLAN_OFFSET;

/**
 * Flyweight over a journaled flow key block: client and server addresses and ports, ip version and VLAN, with the
 * same accessors as {@link io.flowtap.reassembly.Flow}. Valid only while the excerpt it wraps is.
 */
public final class JournalFlowKey
{
    private DirectBuffer buffer;
    private int offset;

    /**
     * @param buffer holding the key block.
     * @param offset of the key block.
     * @return this.
     */
    public JournalFlowKey wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * @return 4 or 6.
     */
    public int ipVersion()
    {
        return buffer.getByte(offset + KEY_IP_VERSION_OFFSET) & 0xFF;
    }

    /**
     * @return the VLAN in the key, or {@link io.flowtap.reassembly.flow.FlowKey#NO_VLAN}.
     */
    public int vlan()
    {
        return buffer.getShort(offset + KEY_VLAN_OFFSET, BYTE_ORDER) & 0xFFFF;
    }

    /**
     * @return the client's port.
     */
    public int clientPort()
    {
        return buffer.getShort(offset + KEY_CLIENT_PORT_OFFSET, BYTE_ORDER) & 0xFFFF;
    }

    /**
     * @return the server's port.
     */
    public int serverPort()
    {
        return buffer.getShort(offset + KEY_SERVER_PORT_OFFSET, BYTE_ORDER) & 0xFFFF;
    }

    /**
     * @return the client's address, high 64 bits (0 for IPv4).
     */
    public long clientAddressHigh()
    {
        return buffer.getLong(offset + KEY_CLIENT_HIGH_OFFSET, BYTE_ORDER);
    }

    /**
     * @return the client's address, low 64 bits (an IPv4 address is the low 32).
     */
    public long clientAddressLow()
    {
        return buffer.getLong(offset + KEY_CLIENT_LOW_OFFSET, BYTE_ORDER);
    }

    /**
     * @return the server's address, high 64 bits (0 for IPv4).
     */
    public long serverAddressHigh()
    {
        return buffer.getLong(offset + KEY_SERVER_HIGH_OFFSET, BYTE_ORDER);
    }

    /**
     * @return the server's address, low 64 bits.
     */
    public long serverAddressLow()
    {
        return buffer.getLong(offset + KEY_SERVER_LOW_OFFSET, BYTE_ORDER);
    }

    /**
     * @return the client's address; allocates.
     */
    public InetAddress clientAddress()
    {
        return address(ipVersion(), clientAddressHigh(), clientAddressLow());
    }

    /**
     * @return the server's address; allocates.
     */
    public InetAddress serverAddress()
    {
        return address(ipVersion(), serverAddressHigh(), serverAddressLow());
    }

    /**
     * @param version 4 or 6.
     * @param high    64 bits of the address (0 for IPv4).
     * @param low     64 bits of the address (an IPv4 address in the low 32).
     * @return the address; allocates.
     */
    public static InetAddress address(final int version, final long high, final long low)
    {
        try
        {
            if (version == 4)
            {
                return InetAddress.getByAddress(ByteBuffer.allocate(4).putInt((int)low).array());
            }
            return InetAddress.getByAddress(ByteBuffer.allocate(16).putLong(high).putLong(low).array());
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    @Override
    public String toString()
    {
        return endpoint(clientAddress(), clientPort()) + " -> " + endpoint(serverAddress(), serverPort());
    }

    /**
     * @param address an address.
     * @param port    a port.
     * @return {@code a.b.c.d:port} or {@code [v6]:port}.
     */
    public static String endpoint(final InetAddress address, final int port)
    {
        final String host = address.getHostAddress();
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
