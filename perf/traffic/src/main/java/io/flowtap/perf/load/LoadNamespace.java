package io.flowtap.perf.load;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace and a veth pair for one load test: {@link #hostInterface()} in this process's namespace, where
 * flowtap (or a peer) captures, and {@link #peerInterface()} inside namespace {@link #namespace()}, where the blaster
 * sends. Addresses are 10.203.N.1 and 10.203.N.2; IPv6 is off on both ends so the kernel sends nothing of its own.
 * <p>
 * {@link #close()} deletes the pair and the namespace; a shutdown hook does so too if the JVM exits first (Ctrl-C,
 * SIGTERM), so a load test never leaves either behind.
 */
public final class LoadNamespace implements AutoCloseable
{
    private static final long COMMAND_TIMEOUT_SECONDS = 30;
    private static final long UP_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final String ip;
    private final String namespace;
    private final String hostInterface;
    private final String peerInterface;
    private final Thread cleanup;
    private boolean closed;

    private LoadNamespace(final String ip)
    {
        this.ip = ip;
        final long pid = ProcessHandle.current().pid() % 1_000_000;
        namespace = "flowtap-load-" + pid;
        hostInterface = "ftld" + pid + "h";
        peerInterface = "ftld" + pid + "p";
        cleanup = new Thread(this::delete, "flowtap-load-namespace-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /**
     * Create the namespace and the pair, both ends up.
     *
     * @return the namespace.
     * @throws IllegalStateException naming the command that failed.
     */
    public static LoadNamespace create()
    {
        final String ip = findProgram("ip");
        if (ip == null)
        {
            throw new IllegalStateException("the ip command (iproute2) is needed to make a namespace");
        }
        final LoadNamespace created = new LoadNamespace(ip);
        try
        {
            created.setUp();
            return created;
        }
        catch (final RuntimeException ex)
        {
            created.close();
            throw ex;
        }
    }

    private void setUp()
    {
        final int subnet = 1 + ThreadLocalRandom.current().nextInt(250);
        check(ip, "netns", "add", namespace);
        check(ip, "link", "add", hostInterface, "type", "veth", "peer", "name", peerInterface, "netns", namespace);
        writeQuietly(Paths.get("/proc/sys/net/ipv6/conf", hostInterface, "disable_ipv6"));
        check(ip, "netns", "exec", namespace, "sh", "-c",
            "echo 1 > /proc/sys/net/ipv6/conf/" + peerInterface + "/disable_ipv6 || true");
        check(ip, "addr", "add", "10.203." + subnet + ".1/24", "dev", hostInterface);
        check(ip, "-n", namespace, "addr", "add", "10.203." + subnet + ".2/24", "dev", peerInterface);
        check(ip, "-n", namespace, "link", "set", "lo", "up");
        check(ip, "-n", namespace, "link", "set", peerInterface, "up");
        check(ip, "link", "set", hostInterface, "up");
        final Path operstate = Paths.get("/sys/class/net", hostInterface, "operstate");
        final long deadlineNs = System.nanoTime() + UP_TIMEOUT_NS;
        try
        {
            while (!"up".equals(Files.readString(operstate).trim()))
            {
                if (System.nanoTime() > deadlineNs)
                {
                    throw new IllegalStateException(hostInterface + " did not come up");
                }
                TimeUnit.MILLISECONDS.sleep(10);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @return the namespace's name.
     */
    public String namespace()
    {
        return namespace;
    }

    /**
     * @return the end in this process's namespace.
     */
    public String hostInterface()
    {
        return hostInterface;
    }

    /**
     * @return the end inside the namespace.
     */
    public String peerInterface()
    {
        return peerInterface;
    }

    /**
     * @param command to run in the namespace.
     * @return {@code ip netns exec NAMESPACE command...}.
     */
    public List<String> inNamespace(final List<String> command)
    {
        final List<String> wrapped = new ArrayList<>(List.of(ip, "netns", "exec", namespace));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * @param name of a namespace.
     * @return whether it exists ({@code ip netns list}).
     */
    public static boolean exists(final String name)
    {
        final String ip = findProgram("ip");
        return ip != null && run(List.of(ip, "netns", "list")).lines()
            .anyMatch(line -> line.equals(name) || line.startsWith(name + " "));
    }

    /**
     * Delete the pair and the namespace. Idempotent.
     */
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
            // Shutting down: the hook runs anyway, and deleting twice is harmless.
        }
    }

    private void delete()
    {
        // Deleting one end of a pair deletes both; errors are expected when creation stopped half way.
        run(List.of(ip, "link", "del", hostInterface));
        run(List.of(ip, "netns", "del", namespace));
    }

    private static void check(final String... command)
    {
        final List<String> list = List.of(command);
        final Process process = start(list);
        final String output = await(process, list);
        if (process.exitValue() != 0)
        {
            throw new IllegalStateException(String.join(" ", command) + " exited " + process.exitValue() + ": " +
                output.trim());
        }
    }

    private static String run(final List<String> command)
    {
        return await(start(command), command);
    }

    private static Process start(final List<String> command)
    {
        try
        {
            return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static String await(final Process process, final List<String> command)
    {
        try
        {
            // The commands print a line or two at most: reading before waiting cannot block on a full pipe.
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
            return output;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static void writeQuietly(final Path knob)
    {
        try
        {
            if (Files.exists(knob))
            {
                Files.writeString(knob, "1");
            }
        }
        catch (final IOException ex)
        {
            // IPv6 noise adds a few frames to a step's count; it never stops a load test.
        }
    }

    static String findProgram(final String name)
    {
        final String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (final String directory : path.split(":"))
        {
            if (!directory.isEmpty() && Files.isExecutable(Paths.get(directory, name)))
            {
                return Paths.get(directory, name).toString();
            }
        }
        return null;
    }
}
