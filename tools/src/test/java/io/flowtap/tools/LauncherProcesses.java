package io.flowtap.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The packaged {@code flowtap} launcher run as a user runs it, in child processes whose output goes to files in a
 * test's directory, so that a test can wait for a line while the process runs. Closing kills what still runs.
 */
public final class LauncherProcesses implements AutoCloseable
{
    private static final long START_TIMEOUT_SECONDS = 60;
    private static final long EXIT_TIMEOUT_SECONDS = 60;

    private final Path dir;
    private final List<Process> processes = new ArrayList<>();

    /**
     * What a process did.
     *
     * @param exitCode its exit code.
     * @param out      its standard output.
     * @param err      its standard error.
     */
    public record Result(int exitCode, String out, String err)
    {
    }

    /**
     * @param dir for the processes' output files.
     */
    public LauncherProcesses(final Path dir)
    {
        this.dir = dir;
    }

    /**
     * @param prefix command words before the launcher ({@code ip netns exec ...}, {@code setpriv ...}), or empty.
     * @param args   the launcher's arguments.
     * @return the running process.
     */
    public Process start(final List<String> prefix, final String... args)
    {
        return start(Map.of(), prefix, args);
    }

    /**
     * @param environment variables to set for the process, besides this one's.
     * @param prefix      command words before the launcher, or empty.
     * @param args        the launcher's arguments.
     * @return the running process.
     */
    public Process start(final Map<String, String> environment, final List<String> prefix, final String... args)
    {
        final List<String> command = new ArrayList<>(prefix);
        command.add(Paths.get(System.getProperty("flowtap.launcher", "flowtap")).toString());
        command.addAll(List.of(args));
        final int index = processes.size();
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("out" + index + ".txt").toFile())
                .redirectError(dir.resolve("err" + index + ".txt").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Paths.get("/dev/null").toFile()));
            builder.environment().putAll(environment);
            final Process process = builder.start();
            processes.add(process);
            return process;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Wait until the process has printed some text on its standard error; fail if it exits first or takes a minute.
     *
     * @param process started here.
     * @param text    to wait for.
     * @throws IOException          reading its output.
     * @throws InterruptedException waiting.
     */
    public void awaitStandardError(final Process process, final String text) throws IOException, InterruptedException
    {
        final Path err = dir.resolve("err" + processes.indexOf(process) + ".txt");
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (!Files.readString(err, StandardCharsets.UTF_8).contains(text))
        {
            if (!process.isAlive() || System.nanoTime() > deadlineNs)
            {
                fail("flowtap did not print '" + text + "' (alive " + process.isAlive() + "): " +
                    Files.readString(err, StandardCharsets.UTF_8));
            }
            Thread.sleep(20);
        }
    }

    /**
     * Wait for the process to exit (a minute at most).
     *
     * @param process started here.
     * @return what it did.
     * @throws IOException          reading its output.
     * @throws InterruptedException waiting.
     */
    public Result await(final Process process) throws IOException, InterruptedException
    {
        if (!process.waitFor(EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            fail("flowtap did not exit within " + EXIT_TIMEOUT_SECONDS + " s");
        }
        final int index = processes.indexOf(process);
        return new Result(process.exitValue(),
            Files.readString(dir.resolve("out" + index + ".txt"), StandardCharsets.UTF_8),
            Files.readString(dir.resolve("err" + index + ".txt"), StandardCharsets.UTF_8));
    }

    @Override
    public void close()
    {
        for (final Process process : processes)
        {
            process.destroyForcibly();
        }
    }
}
