package io.flowtap.reassembly.attribute.tls;

import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.attribute.AttributeNames;
import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The offers of a TLS ClientHello, read from a whole handshake message in the extractor's message buffer: the server
 * name ({@link AttributeNames#TLS_SNI}) and each ALPN protocol ({@link AttributeNames#TLS_ALPN}), reported through
 * {@link Flow#attribute} as views of that buffer. The ALPN list reader serves the ServerHello's choice too. Each
 * method returns false when the bytes do not parse, so the caller counts a malformed handshake.
 * <pre>
 *   ClientHello: version (2), random (32), session id (1 + n), cipher suites (2 + n), compression methods (1 + n),
 *                extensions (2 + n): each extension type (2), length (2), data
 * </pre>
 * Owned by one extractor, on the engine's thread.
 */
public final class TlsHello
{
    private static final int EXTENSION_SERVER_NAME = 0;
    private static final int EXTENSION_ALPN = 16;

    private final DirectBuffer message;

    /**
     * @param message the buffer handshake messages are put together in.
     */
    public TlsHello(final DirectBuffer message)
    {
        this.message = message;
    }

    /**
     * version (2), random (32), session id (1 + n), cipher suites (2 + n), compression methods (1 + n),
     * extensions (2 + n): each extension type (2), length (2), data.
     *
     * @param flow      the flow.
     * @param direction of the message.
     * @param start     of the ClientHello's body in the message buffer.
     * @param end       of its body.
     * @param timeNs    capture time.
     * @return whether it parsed.
     */
    public boolean clientHello(final Flow flow, final int direction, final int start, final int end, final long timeNs)
    {
        int p = start + 2 + 32;
        if (p + 1 > end)
        {
            return false;
        }
        p += 1 + (message.getByte(p) & 0xFF);
        if (p + 2 > end)
        {
            return false;
        }
        p += 2 + uint16(message, p);
        if (p + 1 > end)
        {
            return false;
        }
        p += 1 + (message.getByte(p) & 0xFF);
        if (p > end)
        {
            return false;
        }
        if (p == end)
        {
            return true;
        }
        if (p + 2 > end)
        {
            return false;
        }
        final int extensionsEnd = p + 2 + uint16(message, p);
        if (extensionsEnd > end)
        {
            return false;
        }
        p += 2;
        while (p + 4 <= extensionsEnd)
        {
            final int type = uint16(message, p);
            final int dataStart = p + 4;
            final int dataEnd = dataStart + uint16(message, p + 2);
            if (dataEnd > extensionsEnd)
            {
                return false;
            }
            if (type == EXTENSION_SERVER_NAME && !serverName(flow, direction, dataStart, dataEnd, timeNs))
            {
                return false;
            }
            if (type == EXTENSION_ALPN && !alpn(flow, direction, dataStart, dataEnd, timeNs))
            {
                return false;
            }
            p = dataEnd;
        }
        return p == extensionsEnd;
    }

    /**
     * server_name_list (2 + n): each name_type (1), length (2), host_name.
     */
    private boolean serverName(final Flow flow, final int direction, final int start, final int end, final long timeNs)
    {
        if (start == end)
        {
            // An empty server_name: what a server sends back to say it used the name.
            return true;
        }
        if (start + 2 > end || start + 2 + uint16(message, start) != end)
        {
            return false;
        }
        int p = start + 2;
        while (p + 3 <= end)
        {
            final int nameType = message.getByte(p) & 0xFF;
            final int nameLength = uint16(message, p + 1);
            if (p + 3 + nameLength > end)
            {
                return false;
            }
            if (nameType == 0)
            {
                flow.attribute(direction, AttributeNames.TLS_SNI, message, p + 3, nameLength, timeNs);
            }
            p += 3 + nameLength;
        }
        return p == end;
    }

    /**
     * protocol_name_list (2 + n): each length (1), name.
     *
     * @param flow      the flow.
     * @param direction of the message.
     * @param start     of the extension's data in the message buffer.
     * @param end       of its data.
     * @param timeNs    capture time.
     * @return whether it parsed.
     */
    public boolean alpn(final Flow flow, final int direction, final int start, final int end, final long timeNs)
    {
        if (start + 2 > end || start + 2 + uint16(message, start) != end)
        {
            return false;
        }
        int p = start + 2;
        while (p + 1 <= end)
        {
            final int nameLength = message.getByte(p) & 0xFF;
            if (p + 1 + nameLength > end)
            {
                return false;
            }
            flow.attribute(direction, AttributeNames.TLS_ALPN, message, p + 1, nameLength, timeNs);
            p += 1 + nameLength;
        }
        return true;
    }

    private static int uint16(final DirectBuffer buffer, final int at)
    {
        return buffer.getShort(at, BIG_ENDIAN) & 0xFFFF;
    }
}
