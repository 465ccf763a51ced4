package io.flowtap.capture.ring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A veth pair for one test: {@link #hostInterface()} in this process' namespace, where the test captures, and
 * {@link #peerInterface()} in a network namespace of its own, where child processes send. Addresses are
 * 10.200.N.1 and 10.200.N.2; IPv6 is disabled on both ends so that the kernel sends nothing on its own (router
 * solicitations, duplicate address detection) while a test counts frames.
 * <p>
 * {@link #close()} deletes the pair and the namespace, and a shutdown hook does so if a test never got there.
 */
public final class VethPair implements AutoCloseable
{
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final long UP_TIMEOUT_MS = 10_000;

    private final String ip;
    private final String namespace;
    private final String hostInterface;
    private final String peerInterface;
    private final String hostAddress;
    private final String peerAddress;
    private final Thread cleanup;
    private boolean closed;

    private VethPair(final boolean up)
    {
        ip = LiveNetwork.ipCommand();
        final long pid = ProcessHandle.current().pid() % 100_000;
        final int sequence = SEQUENCE.getAndIncrement();
        namespace = "flowtap-" + pid + "-" + sequence;
        hostInterface = "ft" + pid + "h" + sequence;
        peerInterface = "ft" + pid + "p" + sequence;
        final int subnet = 1 + ThreadLocalRandom.current().nextInt(250);
        hostAddress = "10.200." + subnet + ".1";
        peerAddress = "10.200." + subnet + ".2";
        cleanup = new Thread(this::delete, "flowtap-veth-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try
        {
            LiveNetwork.check(ip, "netns", "add", namespace);
            LiveNetwork.check(ip, "link", "add", hostInterface, "type", "veth", "peer", "name", peerInterface,
                "netns", namespace);
            disableIpv6(hostInterface);
            LiveNetwork.check(ip, "netns", "exec", namespace, "sh", "-c",
                "echo 1 > /proc/sys/net/ipv6/conf/" + peerInterface + "/disable_ipv6 || true");
            LiveNetwork.check(ip, "addr", "add", hostAddress + "/24", "dev", hostInterface);
            LiveNetwork.check(ip, "-n", namespace, "addr", "add", peerAddress + "/24", "dev", peerInterface);
            LiveNetwork.check(ip, "-n", namespace, "link", "set", "lo", "up");
            LiveNetwork.check(ip, "-n", namespace, "link", "set", peerInterface, "up");
            if (up)
            {
                LiveNetwork.check(ip, "link", "set", hostInterface, "up");
                awaitOperstateUp();
            }
        }
        catch (final RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    /**
     * @return a pair with both ends up and carrying traffic.
     */
    public static VethPair create()
    {
        return new VethPair(true);
    }

    /**
     * @return a pair whose host end is left down.
     */
    public static VethPair createDown()
    {
        return new VethPair(false);
    }

    /**
     * @return the interface in this process' namespace.
     */
    public String hostInterface()
    {
        return hostInterface;
    }

    /**
     * @return the interface in the pair's namespace.
     */
    public String peerInterface()
    {
        return peerInterface;
    }

    /**
     * @return the host end's IPv4 address.
     */
    public String hostAddress()
    {
        return hostAddress;
    }

    /**
     * @return the peer end's IPv4 address.
     */
    public String peerAddress()
    {
        return peerAddress;
    }

    /**
     * @param command to run inside the pair's namespace.
     * @return {@code ip netns exec NAMESPACE command...}.
     */
    public List<String> inNamespace(final List<String> command)
    {
        final List<String> wrapped = new ArrayList<>(List.of(ip, "netns", "exec", namespace));
        wrapped.addAll(command);
        return wrapped;
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        delete();
        try
        {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
        catch (final IllegalStateException ex)
        {
            // Already shutting down: the hook runs anyway and deleting twice is harmless.
        }
    }

    private void delete()
    {
        // Deleting one end of a veth pair deletes both; deleting the namespace would too. Errors are expected
        // when creation stopped half way.
        LiveNetwork.run(List.of(ip, "link", "del", hostInterface), 30);
        LiveNetwork.run(List.of(ip, "netns", "del", namespace), 30);
    }

    private void disableIpv6(final String interfaceName)
    {
        final Path knob = Paths.get("/proc/sys/net/ipv6/conf", interfaceName, "disable_ipv6");
        try
        {
            if (Files.exists(knob))
            {
                Files.writeString(knob, "1");
            }
        }
        catch (final IOException ex)
        {
            // IPv6 noise only matters to tests that count every frame; they check for it.
        }
    }

    private void awaitOperstateUp()
    {
        final Path operstate = Paths.get("/sys/class/net", hostInterface, "operstate");
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UP_TIMEOUT_MS);
        try
        {
            while (!"up".equals(Files.readString(operstate).trim()))
            {
                if (System.nanoTime() > deadlineNs)
                {
                    throw new IllegalStateException(hostInterface + " did not come up within " + UP_TIMEOUT_MS + " ms");
                }
                Thread.sleep(10);
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read " + operstate, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
