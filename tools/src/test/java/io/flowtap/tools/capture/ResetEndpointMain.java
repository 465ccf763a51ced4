package io.flowtap.tools.capture;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/**
 * One end of the connection the active-response live test cuts, as a process of its own in its own network
 * namespace: {@code server ADDRESS PORT} accepts one connection, {@code client ADDRESS PORT} makes it (retrying
 * while the server is not listening yet). Either then blocks reading, and prints what ended the read, with the
 * milliseconds since the connection was made: {@code client: Connection reset after 3 ms}. Exits 0 when the read
 * ended in a reset, 3 otherwise.
 */
public final class ResetEndpointMain
{
    private static final int TIMEOUT_MS = 20_000;

    private ResetEndpointMain()
    {
    }

    /**
     * @param args {@code server|client ADDRESS PORT}.
     * @throws IOException when the connection cannot be made at all.
     * @throws InterruptedException if interrupted while waiting to retry.
     */
    public static void main(final String[] args) throws IOException, InterruptedException
    {
        final boolean server = "server".equals(args[0]);
        final InetAddress address = InetAddress.getByName(args[1]);
        final int port = Integer.parseInt(args[2]);
        final Socket socket;
        if (server)
        {
            try (ServerSocket listener = new ServerSocket())
            {
                listener.bind(new InetSocketAddress(address, port));
                listener.setSoTimeout(TIMEOUT_MS);
                socket = listener.accept();
            }
        }
        else
        {
            final long startNs = System.nanoTime();
            try
            {
                socket = connect(address, port);
            }
            catch (final java.net.SocketException ex)
            {
                // The RST can arrive while the handshake is still completing in the client's kernel.
                if (ex.getMessage() != null && ex.getMessage().contains("reset"))
                {
                    System.out.println(args[0] + ": Connection reset after " +
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs) + " ms");
                    System.exit(0);
                }
                throw ex;
            }
        }
        final long connectedNs = System.nanoTime();
        String outcome;
        try (socket)
        {
            socket.setSoTimeout(TIMEOUT_MS);
            final InputStream in = socket.getInputStream();
            final int read = in.read();
            outcome = read < 0 ? "end of stream" : "read a byte";
        }
        catch (final IOException ex)
        {
            // "Connection reset", or "Connection reset by peer" when it comes before a read.
            outcome = ex.getMessage() != null && ex.getMessage().startsWith("Connection reset") ?
                "Connection reset" : ex.getMessage();
        }
        final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectedNs);
        System.out.println(args[0] + ": " + outcome + " after " + ms + " ms");
        System.exit(outcome != null && outcome.contains("reset") ? 0 : 3);
    }

    private static Socket connect(final InetAddress address, final int port) throws IOException, InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (true)
        {
            final Socket socket = new Socket();
            try
            {
                socket.connect(new InetSocketAddress(address, port), TIMEOUT_MS);
                return socket;
            }
            catch (final ConnectException ex)
            {
                socket.close();
                if (System.nanoTime() > deadlineNs)
                {
                    throw ex;
                }
                Thread.sleep(50);
            }
        }
    }
}
