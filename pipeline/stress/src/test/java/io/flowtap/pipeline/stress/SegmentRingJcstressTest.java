package io.flowtap.pipeline.stress;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs this module's jcstress tests (the segment ring's publish, claim, copy-out and release protocol between a poller
 * and a worker thread) with jcstress's own runner in forked JVMs, and fails when any outcome jcstress saw is forbidden.
 * The mode is {@code -Dflowtap.jcstress.mode} ({@code quick} by default; {@code default} or {@code tough} for a longer
 * hunt).
 */
class SegmentRingJcstressTest
{
    private static final Pattern RESULTS = Pattern.compile(
        "\\(Results: (\\d+) planned; (\\d+) passed, (\\d+) failed, (\\d+) soft errs, (\\d+) hard errs\\)");
    private static final List<String> TESTS =
        List.of(CopyOutWhileClaimingStress.class.getName(), CopyOutBetweenBatchesStress.class.getName());

    @Test
    void shouldSeeOnlyAllowedOutcomesOfTheRingProtocol() throws IOException, InterruptedException
    {
        final String mode = System.getProperty("flowtap.jcstress.mode", "quick");
        final Path results = Files.createDirectories(Path.of("target", "jcstress-results")).toAbsolutePath();
        final Path log = results.resolve("console.txt");
        final Process process = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", existingEntries(System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path"))),
            "org.openjdk.jcstress.Main",
            "-m", mode,
            "-jvmArgs", moduleFlags(),
            "-v",
            "-sc", "false",
            "-t", "io\\.flowtap\\.pipeline\\.stress\\..*Stress",
            "-r", results.toString())
            // jcstress writes its result blob in the working directory: keep it under target.
            .directory(results.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
        assertTrue(process.waitFor(15, TimeUnit.MINUTES), "jcstress did not finish in 15 minutes");
        final String console = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), () -> "jcstress failed:\n" + console);
        for (final String test : TESTS)
        {
            assertTrue(console.contains(test), () -> test + " did not run:\n" + console);
        }
        final Matcher last = lastResults(console);
        assertTrue(Integer.parseInt(last.group(1)) > 0 && last.group(1).equals(last.group(2)) &&
            "0".equals(last.group(3)) && "0".equals(last.group(4)) && "0".equals(last.group(5)),
            () -> "not every run passed: " + last.group() + "\n" + console);
    }

    private static Matcher lastResults(final String console)
    {
        final Matcher matcher = RESULTS.matcher(console);
        String last = null;
        while (matcher.find())
        {
            last = matcher.group();
        }
        assertTrue(last != null, () -> "no results line:\n" + console);
        final Matcher result = RESULTS.matcher(last);
        assertTrue(result.matches());
        return result;
    }

    /**
     * jcstress walks every class path entry, and a module's missing classes directory stops its probe.
     */
    private static String existingEntries(final String classPath)
    {
        return List.of(classPath.split(File.pathSeparator)).stream()
            .filter((entry) -> Files.exists(Path.of(entry)))
            .collect(Collectors.joining(File.pathSeparator));
    }

    /**
     * The forked JVMs need what this one was given for Agrona (the --add-opens/--add-exports of the build's one place
     * for them) and the bounds checks setting. Giving jcstress the JVM arguments also stops it trying every VM
     * configuration it can find (28 forks of each test on this machine), which would take minutes.
     */
    private static String moduleFlags()
    {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter((argument) -> argument.startsWith("--add-") || argument.startsWith("-Dagrona."))
            .collect(Collectors.joining(" "));
    }
}
