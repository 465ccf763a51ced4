package io.flowtap.capture.ring;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Random;

/**
 * A child process for live tests: one real TCP connection. Connects to a server, writes a known payload, half
 * closes, reads until the server closes too, then closes: a handshake, data, and a FIN each way, no reset.
 * <p>
 * Arguments: server address, server port, payload length, payload seed. Prints {@code sent N from port P} and exits
 * 0, or prints the error and exits 2.
 */
public final class TcpClientMain
{
    private static final int CONNECT_TIMEOUT_MS = 30_000;
    private static final int READ_TIMEOUT_MS = 60_000;
    private static final int WRITE_CHUNK = 8192;

    private TcpClientMain()
    {
    }

    /**
     * The payload the client sends, the same for the same arguments in every process.
     *
     * @param length of the payload.
     * @param seed   of the generator.
     * @return the bytes.
     */
    public static byte[] payload(final int length, final long seed)
    {
        final byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * @param args server address, server port, payload length, payload seed.
     */
    public static void main(final String[] args)
    {
        final String address = args[0];
        final int port = Integer.parseInt(args[1]);
        final byte[] payload = payload(Integer.parseInt(args[2]), Long.parseLong(args[3]));
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(address, port), CONNECT_TIMEOUT_MS);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            final OutputStream out = socket.getOutputStream();
            for (int offset = 0; offset < payload.length; offset += WRITE_CHUNK)
            {
                out.write(payload, offset, Math.min(WRITE_CHUNK, payload.length - offset));
            }
            out.flush();
            socket.shutdownOutput();
            final InputStream in = socket.getInputStream();
            final byte[] discard = new byte[WRITE_CHUNK];
            while (in.read(discard) >= 0)
            {
                // The server sends nothing: wait for its FIN so that the connection closes in order.
            }
            System.out.println("sent " + payload.length + " from port " + socket.getLocalPort());
        }
        catch (final IOException ex)
        {
            System.err.println("tcp client: " + ex);
            System.exit(2);
        }
    }
}
