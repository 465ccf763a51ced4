package io.flowtap.capture.ring;

import io.flowtap.capture.FrameHandler;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What live-capture tests need from the machine: the capabilities to open AF_PACKET sockets and make network
 * namespaces, and the {@code ip} command. Tests skip with the reason when they are missing, unless
 * {@value #REQUIRE_ENV} is set (as {@code .ci/run} does): then they fail, so CI can never pass by skipping.
 */
public final class LiveNetwork
{
    /** Environment variable that turns a missing live-capture prerequisite from a skip into a failure. */
    public static final String REQUIRE_ENV = "FLOWTAP_REQUIRE_LIVE";

    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_NET_RAW = 13;
    private static final int CAP_SYS_ADMIN = 21;
    private static final long COMMAND_TIMEOUT_SECONDS = 30;
    private static final long DRAIN_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);
    private static final long DRAIN_QUIET_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final Map<Process, File[]> OUTPUTS = Collections.synchronizedMap(new IdentityHashMap<>());

    private LiveNetwork()
    {
    }

    /**
     * Poll a ring until nothing has arrived for half a second (or two minutes have passed): the traffic a test sent
     * has then all been captured or dropped.
     *
     * @param source  to poll.
     * @param handler for each frame.
     */
    public static void drainUntilQuiet(final AfPacketRingSource source, final FrameHandler handler)
    {
        final long deadlineNs = System.nanoTime() + DRAIN_TIMEOUT_NS;
        long lastFrameNs = System.nanoTime();
        while (System.nanoTime() - lastFrameNs < DRAIN_QUIET_NS && System.nanoTime() < deadlineNs)
        {
            source.awaitFrames(50);
            if (source.poll(handler, 256) > 0)
            {
                lastFrameNs = System.nanoTime();
            }
        }
    }

    /**
     * Skip (or fail under CI) the calling test unless live capture can run here.
     */
    public static void require()
    {
        final String missing = missingPrerequisite();
        if (missing != null)
        {
            final String message = "live capture tests need " + missing;
            if (System.getenv(REQUIRE_ENV) != null)
            {
                Assertions.fail(message + ", and " + REQUIRE_ENV + " is set");
            }
            Assumptions.abort("skipped: " + message);
        }
    }

    private static String missingPrerequisite()
    {
        if (!System.getProperty("os.name", "").startsWith("Linux"))
        {
            return "Linux";
        }
        final long capabilities = effectiveCapabilities();
        for (final int capability : new int[]{CAP_NET_RAW, CAP_NET_ADMIN, CAP_SYS_ADMIN})
        {
            if ((capabilities & (1L << capability)) == 0)
            {
                return "CAP_NET_RAW, CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root); effective capabilities are 0x" +
                    Long.toHexString(capabilities);
            }
        }
        if (ipCommand() == null)
        {
            return "the ip command (iproute2)";
        }
        return null;
    }

    private static long effectiveCapabilities()
    {
        try
        {
            for (final String line : Files.readAllLines(Paths.get("/proc/self/status")))
            {
                if (line.startsWith("CapEff:"))
                {
                    return Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                }
            }
            return 0;
        }
        catch (final IOException ex)
        {
            return 0;
        }
    }

    /**
     * @return the path of {@code ip}, or null when there is none.
     */
    public static String ipCommand()
    {
        final List<String> directories = new ArrayList<>(
            Arrays.asList(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        directories.addAll(Arrays.asList("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (final String directory : directories)
        {
            final Path candidate = Paths.get(directory.isEmpty() ? "." : directory, "ip");
            if (Files.isExecutable(candidate))
            {
                return candidate.toString();
            }
        }
        return null;
    }

    /**
     * The outcome of a command.
     *
     * @param exitCode of the process.
     * @param stdout   all it wrote there.
     * @param stderr   all it wrote there.
     */
    public record Result(int exitCode, String stdout, String stderr)
    {
    }

    /**
     * Run a command to completion, with its output in temporary files so that it can never block on a pipe.
     *
     * @param command        and its arguments.
     * @param timeoutSeconds after which the process is killed and the test fails.
     * @return its exit code and output.
     */
    public static Result run(final List<String> command, final long timeoutSeconds)
    {
        final Process process = start(command);
        return await(process, command, timeoutSeconds);
    }

    /**
     * Run a command that must succeed.
     *
     * @param command and its arguments.
     * @return its standard output.
     */
    public static String check(final String... command)
    {
        final Result result = run(Arrays.asList(command), COMMAND_TIMEOUT_SECONDS);
        if (result.exitCode() != 0)
        {
            throw new IllegalStateException(String.join(" ", command) + " exited " + result.exitCode() + ": " +
                result.stderr().trim());
        }
        return result.stdout();
    }

    /**
     * Start a command with its output in temporary files; pair with {@link #await}.
     *
     * @param command and its arguments.
     * @return the process.
     */
    public static Process start(final List<String> command)
    {
        try
        {
            final File out = File.createTempFile("flowtap-live", ".out");
            final File err = File.createTempFile("flowtap-live", ".err");
            out.deleteOnExit();
            err.deleteOnExit();
            final ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out)
                .redirectError(err)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            final Process process = builder.start();
            OUTPUTS.put(process, new File[]{out, err});
            return process;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Wait for a process from {@link #start} to finish.
     *
     * @param process        to wait for.
     * @param command        it runs, for messages.
     * @param timeoutSeconds after which it is killed and the test fails.
     * @return its exit code and output.
     */
    public static Result await(final Process process, final List<String> command, final long timeoutSeconds)
    {
        try
        {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                Assertions.fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
            }
            final File[] files = OUTPUTS.remove(process);
            final String stdout = Files.readString(files[0].toPath(), StandardCharsets.UTF_8);
            final String stderr = Files.readString(files[1].toPath(), StandardCharsets.UTF_8);
            Files.deleteIfExists(files[0].toPath());
            Files.deleteIfExists(files[1].toPath());
            return new Result(process.exitValue(), stdout, stderr);
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
     * The command that starts a Java main of the test classpath, with the flags flowtap's sources need.
     *
     * @param mainClass to run.
     * @param arguments for it.
     * @return the command line.
     */
    public static List<String> javaMain(final Class<?> mainClass, final String... arguments)
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");
        command.add("-Xshare:auto");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(Arrays.asList(arguments));
        return command;
    }
}
