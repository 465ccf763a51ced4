package io.flowtap.reassembly;

import io.flowtap.reassembly.history.ZeekConnection;
import org.agrona.DirectBuffer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A TCP connection as handlers see it (Haka's {@code tcp_connection}): its endpoints in client/server order, the
 * controls a handler has over it, per-flow user state, and its {@link FlowRecord}. One object per flow-table slot,
 * created when the slot is first used and reused for every later flow in it, so the steady state allocates nothing;
 * per-flow state that handlers attach lives here too, so no map is consulted per packet.
 * <p>
 * Owned by the engine's thread: handlers use it only from their callbacks.
 */
public final class Flow
{
    /** Handshake in progress (or not yet seen to complete). */
    public static final int STATE_EMBRYONIC = 0;
    /** Handshake complete, or picked up midstream. */
    public static final int STATE_ESTABLISHED = 1;
    /** One side has sent a FIN. */
    public static final int STATE_CLOSING = 2;
    /** Both sides sent a FIN, or a RST was accepted; the flow lingers for late packets. */
    public static final int STATE_CLOSED = 3;

    final int slot;
    final TcpHandler[] handlers;
    final Stream[] streams = new Stream[2];
    final FlowRecord record = new FlowRecord();
    final ZeekConnection zeek = new ZeekConnection();
    private final Object[] data;

    long id;
    int version;
    long clientHigh;
    long clientLow;
    long serverHigh;
    long serverLow;
    int clientPort;
    int serverPort;
    int vlan;
    int firstVlan = -1;
    int tunnelType;
    int tunnelId;
    boolean clientIsA;

    int state;
    boolean dropped;
    boolean resetRequested;
    boolean resetHandled;
    boolean midstream;
    boolean rstProvisional;
    long failedHandlers;

    Flow(final int slot, final TcpHandler[] handlers, final int dataSlots)
    {
        this.slot = slot;
        this.handlers = handlers;
        this.data = new Object[dataSlots];
        streams[Direction.TO_CLIENT] = new Stream(handlers.length);
        streams[Direction.TO_SERVER] = new Stream(handlers.length);
    }

    void reset(final long id, final long timeNs, final boolean midstream)
    {
        this.id = id;
        state = STATE_EMBRYONIC;
        dropped = false;
        resetRequested = false;
        resetHandled = false;
        this.midstream = midstream;
        rstProvisional = false;
        failedHandlers = 0;
        Arrays.fill(data, null);
        record.reset(timeNs, midstream);
        zeek.reset();
    }

    void swapRoles()
    {
        final Stream s = streams[0];
        streams[0] = streams[1];
        streams[1] = s;
        long t = clientHigh;
        clientHigh = serverHigh;
        serverHigh = t;
        t = clientLow;
        clientLow = serverLow;
        serverLow = t;
        final int p = clientPort;
        clientPort = serverPort;
        serverPort = p;
        clientIsA = !clientIsA;
        record.swapDirections();
        zeek.swap();
        record.flipped();
    }

    /**
     * @return this flow's number, unique over the engine's life (a slot is reused, an id is not).
     */
    public long id()
    {
        return id;
    }

    /**
     * @return 4 or 6.
     */
    public int ipVersion()
    {
        return version;
    }

    /**
     * @return the client's port (Haka's {@code srcport}).
     */
    public int clientPort()
    {
        return clientPort;
    }

    /**
     * @return the server's port (Haka's {@code dstport}).
     */
    public int serverPort()
    {
        return serverPort;
    }

    /**
     * @return the client's address, high 64 bits (0 for IPv4).
     */
    public long clientAddressHigh()
    {
        return clientHigh;
    }

    /**
     * @return the client's address, low 64 bits (an IPv4 address is the low 32).
     */
    public long clientAddressLow()
    {
        return clientLow;
    }

    /**
     * @return the server's address, high 64 bits (0 for IPv4).
     */
    public long serverAddressHigh()
    {
        return serverHigh;
    }

    /**
     * @return the server's address, low 64 bits (an IPv4 address is the low 32).
     */
    public long serverAddressLow()
    {
        return serverLow;
    }

    /**
     * @return the VLAN in the key, or {@link io.flowtap.reassembly.flow.FlowKey#NO_VLAN}.
     */
    public int vlan()
    {
        return vlan;
    }

    /**
     * @return the outer VLAN id of the flow's first segment, or -1 when it had none; known whether or not the engine
     * keys flows by VLAN (tcpflow names a flow's files by it).
     */
    public int firstVlan()
    {
        return firstVlan;
    }

    /**
     * @return the tunnel of the flow's first segment, one of {@code TunnelType}'s constants (0 for none); known
     * whether or not the engine keys flows by tunnel.
     */
    public int tunnelType()
    {
        return tunnelType;
    }

    /**
     * @return the network id of {@link #tunnelType()} (VNI, GRE key, ERSPAN or PPPoE session), 0 when it has none.
     */
    public int tunnelId()
    {
        return tunnelId;
    }

    /**
     * @return the client's address (Haka's {@code srcip}); allocates, for output rather than the packet path.
     */
    public InetAddress clientAddress()
    {
        return address(version, clientHigh, clientLow);
    }

    /**
     * @return the server's address (Haka's {@code dstip}); allocates.
     */
    public InetAddress serverAddress()
    {
        return address(version, serverHigh, serverLow);
    }

    /**
     * @return one of the {@code STATE_} constants.
     */
    public int state()
    {
        return state;
    }

    /**
     * @return whether the handshake completed or the flow was picked up midstream.
     */
    public boolean isEstablished()
    {
        return state != STATE_EMBRYONIC;
    }

    /**
     * @return whether the flow was picked up without its handshake.
     */
    public boolean isMidstream()
    {
        return midstream;
    }

    /**
     * @return what has been seen of the flow so far (final in {@link TcpHandler#onTerminate}).
     */
    public FlowRecord record()
    {
        return record;
    }

    /**
     * @return the user object in slot 0 (Haka's {@code data} field).
     */
    public Object data()
    {
        return data[0];
    }

    /**
     * @param value to keep with the flow in slot 0; cleared when the flow ends.
     */
    public void data(final Object value)
    {
        data[0] = value;
    }

    /**
     * @param slot below the configured {@link EngineContext#dataSlots()}; handlers that cooperate agree on slots.
     * @return the user object in that slot.
     */
    public Object data(final int slot)
    {
        return data[slot];
    }

    /**
     * @param slot  below the configured number of slots.
     * @param value to keep with the flow; cleared when the flow ends.
     */
    public void data(final int slot, final Object value)
    {
        data[slot] = value;
    }

    /**
     * Turn reassembly of one direction off or on. While off, that direction's payload is counted and skipped (no gap
     * is reported for it); when turned back on, delivery resumes with the next new bytes, at their true offset.
     *
     * @param direction {@link Direction#TO_SERVER} or {@link Direction#TO_CLIENT}.
     * @param on        whether to reassemble it.
     */
    public void reassemble(final int direction, final boolean on)
    {
        streams[direction].reassembling = on;
    }

    /**
     * @param on whether to reassemble both directions.
     */
    public void reassemble(final boolean on)
    {
        reassemble(Direction.TO_SERVER, on);
        reassemble(Direction.TO_CLIENT, on);
    }

    /**
     * @param direction of a stream.
     * @return whether it is being reassembled.
     */
    public boolean isReassembling(final int direction)
    {
        return streams[direction].reassembling && !streams[direction].stopped;
    }

    /**
     * @param direction of a stream.
     * @return the overlap policy of its receiver.
     */
    public OverlapPolicy overlapPolicy(final int direction)
    {
        return streams[direction].policy;
    }

    /**
     * Report an attribute found in this flow's stream to every handler ({@link TcpHandler#onAttribute}), the caller
     * included. Allocates nothing.
     *
     * @param direction of the stream it was found in.
     * @param name      the attribute's name, a constant.
     * @param value     holding the value.
     * @param offset    of the value.
     * @param length    of the value.
     * @param timeNs    time of the bytes it was found in.
     */
    public void attribute(
        final int direction,
        final String name,
        final DirectBuffer value,
        final int offset,
        final int length,
        final long timeNs)
    {
        record.attribute();
        for (int h = 0; h < handlers.length; h++)
        {
            handlers[h].onAttribute(this, direction, name, value, offset, length, timeNs);
        }
    }

    /**
     * Ignore the rest of the connection (Haka's {@code drop()}): all later packets are counted and dropped, and no
     * more events are delivered for it except {@link TcpHandler#onTerminate}.
     */
    public void drop()
    {
        dropped = true;
    }

    /**
     * @return whether the connection was dropped.
     */
    public boolean isDropped()
    {
        return dropped;
    }

    /**
     * Reset the connection (Haka's {@code reset()}): once the segment being handled is done with, the engine sends a
     * RST to each end through its {@link EngineContext#responder()}, with the sequence numbers each end expects next
     * (from the stream state), and the connection is dropped: its later packets are counted and ignored. Without a
     * responder, or asked when no packet is being handled (at expiry), the reset is counted as not sent.
     */
    public void reset()
    {
        resetRequested = true;
        dropped = true;
    }

    /**
     * @return whether a handler asked for a reset.
     */
    public boolean isResetRequested()
    {
        return resetRequested;
    }

    /**
     * @return whether a handler threw while handling this flow (an {@link IsolatedHandler} caught it); that handler
     * gets no more of the flow's events but {@link TcpHandler#onTerminate}, the others carry on.
     */
    public boolean handlerFailed()
    {
        return failedHandlers != 0;
    }

    /**
     * @param direction of a stream.
     * @return the next sequence number that direction's sender would use (for building a RST), or -1 when unknown.
     */
    public long nextSequence(final int direction)
    {
        return streams[direction].nextSeq();
    }

    @Override
    public String toString()
    {
        return "flow " + id + " " + format(clientAddress(), clientPort) + " -> " + format(serverAddress(), serverPort);
    }

    private static String format(final InetAddress address, final int port)
    {
        final String host = address.getHostAddress();
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    static InetAddress address(final int version, final long high, final long low)
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
}
