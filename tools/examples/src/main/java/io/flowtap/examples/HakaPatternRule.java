package io.flowtap.examples;

import io.flowtap.capture.filter.FlowFilter;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.HandlerContext;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.DirectBuffer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Haka's firewall example, ported to flowtap: a rule on the {@code tcp-connection-new} hook that matches connections by
 * their client and server networks and port ({@code client_network:contains(tcp.ip.src) and
 * server_network:contains(tcp.ip.dst) and tcp.dstport == 80}), here written as a flow filter ({@code match=src net
 * 192.168.10.0/25 and dst net 192.168.20.0/25 and dst port 80}, {@code src} being the client), and acting as the
 * example's {@code fini} does: an alert naming the sources and targets, then {@code drop()} (or {@code reset()}, a RST
 * to both ends when capturing live). What Haka's rule decides on the first packet, this one decides on the first bytes
 * the client sends: the connection is dropped when they begin with {@code pattern}.
 * <p>
 * Until the client has sent as many bytes as the pattern has, the rule waits: {@link #onPayload} returns 0, and the
 * engine offers the same bytes again with the next ones (Net::Inspect's "bytes consumed"). It looks at the start of
 * the client's stream only, so it costs nothing afterwards, and it keeps no state: the bytes are compared in place.
 * <p>
 * Options: {@code pattern} (required; {@code \xHH} for any byte, e.g. {@code \x16\x03} for a TLS handshake),
 * {@code match} (a flow filter; default every connection), {@code action} ({@code drop}, the default, or
 * {@code reset}). Alerts go to the log, one line each:
 * {@code alert: connection dropped: client sent 'SSH-' sources=10.0.0.1:40000 targets=10.0.0.2:22}.
 * <pre>
 *   flowtap capture -i eth0 --handler-source HakaPatternRule.java --handler-option pattern=SSH- \
 *       --handler-option 'match=dst port 443' --handler-option action=reset
 * </pre>
 */
public final class HakaPatternRule implements TcpHandler
{
    private final HandlerContext context;
    private final byte[] pattern;
    private final String patternText;
    private final FlowFilter match;
    private final boolean reset;

    /**
     * @param context options {@code pattern}, {@code match} and {@code action}.
     * @throws IllegalArgumentException naming the option that is wrong.
     */
    public HakaPatternRule(final HandlerContext context)
    {
        this.context = context;
        final String text = context.option("pattern");
        if (text == null || text.isEmpty())
        {
            throw new IllegalArgumentException("option pattern is required: the bytes to match, e.g. pattern=SSH-");
        }
        this.patternText = text;
        this.pattern = unescape(text);
        try
        {
            this.match = FlowFilter.parse(context.option("match", ""));
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException("option match: " + ex.getMessage(), ex);
        }
        final String action = context.option("action", "drop");
        if (!"drop".equals(action) && !"reset".equals(action))
        {
            throw new IllegalArgumentException("option action=" + action + ": expected drop or reset");
        }
        this.reset = "reset".equals(action);
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
        if (direction != Direction.TO_SERVER || seekpos != 0 || !matches(flow))
        {
            return length;
        }
        final int compared = Math.min(length, pattern.length);
        for (int i = 0; i < compared; i++)
        {
            if (buffer.getByte(offset + i) != pattern[i])
            {
                return length;
            }
        }
        if (compared < pattern.length)
        {
            // A prefix of the pattern so far: offer these bytes again with the next ones, unless none will come.
            return eof == EOF_NONE ? 0 : length;
        }
        context.log("alert: connection " + (reset ? "reset" : "dropped") + ": client sent '" + patternText +
            "' sources=" + endpoint(flow, true) + " targets=" + endpoint(flow, false));
        if (reset)
        {
            flow.reset();
        }
        else
        {
            flow.drop();
        }
        return length;
    }

    private boolean matches(final Flow flow)
    {
        return match.matchesEverything() || match.matches(flow.ipVersion(), flow.clientAddressHigh(),
            flow.clientAddressLow(), flow.clientPort(), flow.serverAddressHigh(), flow.serverAddressLow(),
            flow.serverPort(), flow.vlan());
    }

    private static String endpoint(final Flow flow, final boolean client)
    {
        final String host = (client ? flow.clientAddress() : flow.serverAddress()).getHostAddress();
        final int port = client ? flow.clientPort() : flow.serverPort();
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    private static byte[] unescape(final String text)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int i = 0;
        while (i < text.length())
        {
            if (text.startsWith("\\x", i) && i + 4 <= text.length())
            {
                try
                {
                    bytes.write(Integer.parseInt(text.substring(i + 2, i + 4), 16));
                }
                catch (final NumberFormatException ex)
                {
                    throw new IllegalArgumentException("option pattern=" + text + ": \\x needs two hex digits", ex);
                }
                i += 4;
            }
            else
            {
                final int codePoint = text.codePointAt(i);
                bytes.writeBytes(new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(codePoint);
            }
        }
        return bytes.toByteArray();
    }
}
