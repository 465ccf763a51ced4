package io.flowtap.examples;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.GapReason;
import io.flowtap.reassembly.HandlerContext;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.DirectBuffer;

/**
 * Net::Inspect's line-oriented connection object, ported to flowtap: the hooks of {@code Net::Inspect::L4::TCP} and
 * an {@code in()} that processes whole lines.
 * <ul>
 *     <li>{@code syn(\%meta)}: {@link #onSyn}; returning false would ignore the connection (here every one is
 *     kept).</li>
 *     <li>{@code new_connection(\%meta)}: {@link #onEstablished}, once the handshake's last ACK is seen.</li>
 *     <li>{@code in($dir, $data, $eof, $time)}: {@link #onPayload}. It prints every complete line of {@code data} and
 *     returns the bytes it processed: up to the last line feed. The rest "is kept inside the flow object and if new
 *     data come in ... the hook will be called again with all unprocessed data" - the engine does exactly that with
 *     what a handler leaves unconsumed. With {@code eof} set the last, unterminated line is taken too, since the
 *     hook is not called again for that direction. Run the sensor with {@code --delivery acked} to get Net::Inspect's
 *     "called only for ACKed data".</li>
 *     <li>{@code fatal($reason, $dir, $time)}: {@link #onGap}: bytes were lost; the stream goes on after them.</li>
 * </ul>
 * Output: {@code CLIENT:PORT > SERVER:PORT LINE} for the client's lines, {@code <} for the server's (the line without
 * its CR LF, bytes outside printable ASCII as {@code \xHH}, cut at {@code max-line} characters); {@code fatal} lines
 * for gaps. A stream that holds no line feed for {@code max-held} bytes (binary data) is taken as one cut line, so
 * that nothing is held without bound.
 * <p>
 * Options: {@code max-line} (characters of a line printed, default 200), {@code max-held} (default 65536).
 * <pre>
 *   flowtap flows capture.pcap --delivery acked --no-summary --handler-source NetInspectLines.java
 * </pre>
 */
public final class NetInspectLines implements TcpHandler
{
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final HandlerContext context;
    private final int maxLine;
    private final int maxHeld;
    private final StringBuilder line = new StringBuilder();

    /**
     * @param context options {@code max-line} and {@code max-held}.
     */
    public NetInspectLines(final HandlerContext context)
    {
        this.context = context;
        this.maxLine = context.intOption("max-line", 200);
        this.maxHeld = context.intOption("max-held", 65536);
        if (maxLine < 1 || maxHeld < 1)
        {
            throw new IllegalArgumentException("options max-line and max-held must be positive");
        }
    }

    @Override
    public boolean onSyn(final Flow flow, final PacketDecoder segment, final long timeNs)
    {
        return true;
    }

    @Override
    public void onEstablished(final Flow flow, final long timeNs)
    {
        context.out().println(prefix(flow, Direction.TO_SERVER) + "new_connection");
    }

    @Override
    public int onPayload(
        final Flow flow,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs,
        final int eof)
    {
        int start = 0;
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(offset + i) == '\n')
            {
                print(flow, direction, buffer, offset + start, i - start);
                start = i + 1;
            }
        }
        if (start < length && (eof != EOF_NONE || length - start >= maxHeld))
        {
            print(flow, direction, buffer, offset + start, length - start);
            start = length;
        }
        return start;
    }

    @Override
    public void onGap(
        final Flow flow, final int direction, final long seekpos, final long length, final GapReason reason,
        final long timeNs)
    {
        context.out().println(prefix(flow, direction) + "fatal: " + length + " bytes lost at " + seekpos + " (" +
            reason.label() + ")");
    }

    private void print(final Flow flow, final int direction, final DirectBuffer buffer, final int from, final int n)
    {
        line.setLength(0);
        line.append(prefix(flow, direction));
        final int textStart = line.length();
        final int end = n > 0 && buffer.getByte(from + n - 1) == '\r' ? n - 1 : n;
        for (int i = 0; i < end && line.length() - textStart < maxLine; i++)
        {
            final int b = buffer.getByte(from + i) & 0xFF;
            if (b >= 0x20 && b < 0x7F)
            {
                line.append((char)b);
            }
            else
            {
                line.append("\\x").append(HEX[b >>> 4]).append(HEX[b & 0xF]);
            }
        }
        context.out().println(line);
    }

    private static String prefix(final Flow flow, final int direction)
    {
        return endpoint(flow, true) + (direction == Direction.TO_SERVER ? " > " : " < ") + endpoint(flow, false) + " ";
    }

    private static String endpoint(final Flow flow, final boolean client)
    {
        final String host = (client ? flow.clientAddress() : flow.serverAddress()).getHostAddress();
        final int port = client ? flow.clientPort() : flow.serverPort();
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
