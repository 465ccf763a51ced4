package io.flowtap.capture.test;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The programs some tests compare flowtap with, or feed it from (tcpdump, tshark, tcpflow, netsniff-ng): never
 * needed to build or to run the default suite. A test that needs one skips with the reason when it is not installed,
 * so the README's test command passes on a machine with only the JDK and Maven; under {@value #REQUIRE_ENV} (set by
 * {@code .ci/run}, which installs them) a missing one fails the test instead, so CI cannot pass by skipping.
 */
public final class Peers
{
    /** Environment variable that turns a missing peer from a skip into a failure (the live tests' switch). */
    public static final String REQUIRE_ENV = "FLOWTAP_REQUIRE_LIVE";

    private Peers()
    {
    }

    /**
     * @param program such as {@code tcpdump}.
     * @return its path; the calling test is skipped (or, in CI, failed) when it is not installed.
     */
    public static String require(final String program)
    {
        final String path = find(program);
        if (path == null)
        {
            final String message = "needs " + program + ", which is not installed";
            if (System.getenv(REQUIRE_ENV) != null)
            {
                Assertions.fail(message + ", and " + REQUIRE_ENV + " is set (.ci/run installs it)");
            }
            Assumptions.abort("skipped: " + message);
        }
        return path;
    }

    /**
     * @param program a program's name.
     * @return its path on PATH or in the usual system directories, or null.
     */
    public static String find(final String program)
    {
        final List<String> directories = new ArrayList<>(
            Arrays.asList(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        directories.addAll(Arrays.asList("/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/bin"));
        for (final String directory : directories)
        {
            final Path candidate = Paths.get(directory.isEmpty() ? "." : directory, program);
            if (Files.isExecutable(candidate))
            {
                return candidate.toString();
            }
        }
        return null;
    }
}
