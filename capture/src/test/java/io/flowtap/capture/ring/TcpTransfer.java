package io.flowtap.capture.ring;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One real TCP connection across a {@link VethPair}: a server in this process on the host end, and a
 * {@link TcpClientMain} in the pair's namespace that sends a known payload to it, then both close in order.
 * <p>
 * The server listens before the client starts, so the connection never meets a refusal (and no reset shows in a
 * capture). {@link #await} waits for both ends and checks the server received exactly the payload.
 */
public final class TcpTransfer implements AutoCloseable
{
    private static final int ACCEPT_TIMEOUT_MS = 60_000;

    private final ServerSocket server;
    private final List<String> command;
    private final Process client;
    private final CompletableFuture<Received> received = new CompletableFuture<>();
    private final int length;
    private final long seed;

    /**
     * What the server got.
     *
     * @param clientPort the client's port.
     * @param bytes      every byte read before the client's FIN.
     */
    public record Received(int clientPort, byte[] bytes)
    {
    }

    private TcpTransfer(final VethPair veth, final int length, final long seed) throws IOException
    {
        this.length = length;
        this.seed = seed;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(veth.hostAddress()), 0));
        server.setSoTimeout(ACCEPT_TIMEOUT_MS);
        final Thread serving = new Thread(this::serve, "flowtap-tcp-server");
        serving.setDaemon(true);
        serving.start();
        command = veth.inNamespace(LiveNetwork.javaMain(TcpClientMain.class, veth.hostAddress(),
            Integer.toString(server.getLocalPort()), Integer.toString(length), Long.toString(seed)));
        client = LiveNetwork.start(command);
    }

    /**
     * Listen on the host end, then start the client in the namespace.
     *
     * @param veth   to cross.
     * @param length of the payload.
     * @param seed   of the payload, see {@link TcpClientMain#payload}.
     * @return the transfer, under way.
     */
    public static TcpTransfer start(final VethPair veth, final int length, final long seed)
    {
        try
        {
            return new TcpTransfer(veth, length, seed);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return the port the server listens on.
     */
    public int serverPort()
    {
        return server.getLocalPort();
    }

    /**
     * @return the payload the client sends.
     */
    public byte[] payload()
    {
        return TcpClientMain.payload(length, seed);
    }

    /**
     * @return whether the client process is still running.
     */
    public boolean isClientAlive()
    {
        return client.isAlive();
    }

    /**
     * Wait for the client to exit and the server to have read everything.
     *
     * @param timeoutSeconds for each end.
     * @return what the server received; the client's exit code and output are checked here.
     */
    public Received await(final long timeoutSeconds)
    {
        final LiveNetwork.Result result = LiveNetwork.await(client, command, timeoutSeconds);
        if (result.exitCode() != 0)
        {
            throw new IllegalStateException("tcp client exited " + result.exitCode() + ": " + result.stderr());
        }
        try
        {
            final Received got = received.get(timeoutSeconds, TimeUnit.SECONDS);
            final String expected = "sent " + length + " from port " + got.clientPort() + "\n";
            if (!expected.equals(result.stdout()))
            {
                throw new IllegalStateException("tcp client said '" + result.stdout() + "', not '" + expected + "'");
            }
            return got;
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            throw new IllegalStateException("tcp server failed", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    @Override
    public void close()
    {
        if (client.isAlive())
        {
            client.destroyForcibly();
        }
        try
        {
            server.close();
        }
        catch (final IOException ex)
        {
            // Nothing to do: the test is over.
        }
    }

    private void serve()
    {
        try (Socket socket = server.accept())
        {
            socket.setSoTimeout(ACCEPT_TIMEOUT_MS);
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream(length);
            final InputStream in = socket.getInputStream();
            in.transferTo(bytes);
            received.complete(new Received(socket.getPort(), bytes.toByteArray()));
        }
        catch (final IOException | RuntimeException ex)
        {
            received.completeExceptionally(ex);
        }
    }
}
