package io.flowtap.tools.sensor;

import io.flowtap.tools.Flowtap;
import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --config FILE}: a sensor's options from YAML, flags winning over the file, and one clear line naming the key
 * for anything the file gets wrong.
 */
class ConfigFileTest
{
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();
    private Path capture;

    @BeforeEach
    void copyCapture() throws IOException
    {
        capture = TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", dir);
    }

    private int run(final String... args)
    {
        final CommandLine commandLine = Flowtap.commandLine();
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private Path config(final String yaml) throws IOException
    {
        return Files.writeString(dir.resolve("sensor.yaml"), yaml, StandardCharsets.UTF_8);
    }

    @Test
    void takesEveryOptionFromTheFile() throws IOException
    {
        final Path journal = dir.resolve("journal");
        final Path counters = dir.resolve("counters.dat");
        final Path config = config("""
            # a sensor
            workers: 2
            journal: %s
            counters: %s
            queue-full: drop
            queue-capacity: 512
            worker-idle: yield
            worker-cpus: [0]
            latency: true
            progress: false
            host-policy: [10.0.0.0/8=linux, 192.168.0.0/16=windows]
            engine-memcap: 32m
            """.formatted(journal, counters));

        assertEquals(0, run("read", capture.toString(), "--config", config.toString()), err::toString);
        assertTrue(err.toString().contains("with 2 workers"), err::toString);
        assertTrue(Files.isDirectory(journal), "journal written");
        assertTrue(Files.exists(counters), "counters file written");
        assertTrue(err.toString().contains("latency per stage:"), err::toString);
        assertFalse(err.toString().contains("%"), "no progress: " + err);
    }

    @Test
    void flagsWinOverTheFile() throws IOException
    {
        final Path config = config("workers: 4\nprogress: false\n");

        assertEquals(0, run("read", capture.toString(), "--config", config.toString(), "--workers", "2"),
            err::toString);
        assertTrue(err.toString().contains("with 2 workers"), err::toString);
    }

    @Test
    void anEmptyFileChangesNothing() throws IOException
    {
        final Path config = config("# nothing yet\n");

        assertEquals(0, run("read", capture.toString(), "--config", config.toString(), "--no-progress"),
            err::toString);
        assertTrue(err.toString().contains("with 1 worker "), err::toString);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "wrokers: 2|unknown key 'wrokers': flowtap read has no option --wrokers",
        "workers: many|key 'workers' must be a whole number, not 'many'",
        "workers: 2.5|key 'workers' must be a whole number, not '2.5'",
        "workers: [1, 2]|key 'workers' takes one value, not a list",
        "workers:|key 'workers' has no value",
        "queue-full: maybe|key 'queue-full' must be one of wait, drop, not 'maybe'",
        "worker-idle: nap|key 'worker-idle' must be one of busy, yield, backoff, sleep, not 'nap'",
        "latency: 3|key 'latency' must be true or false, not '3'",
        "histogram-interval: soon|key 'histogram-interval' must be a number, not 'soon'",
        "journal: {dir: x}|key 'journal' must be a value, not a mapping",
        "config: other.yaml|unknown key 'config': flowtap read has no option --config",
        "help: true|unknown key 'help': flowtap read has no option --help",
        "- workers|must be a mapping of option names to values"})
    void namesTheKeyAFileGetsWrongInOneLine(final String yaml, final String message) throws IOException
    {
        final Path config = config(yaml + "\n");

        assertEquals(2, run("read", capture.toString(), "--config", config.toString()), err::toString);
        assertEquals("flowtap read: config " + config + ": " + message + "\n", err.toString());
    }

    @Test
    void saysWhereTheYamlIsBroken() throws IOException
    {
        final Path config = config("workers: 2\njournal: [unclosed\n");

        assertEquals(2, run("read", capture.toString(), "--config", config.toString()));
        assertEquals(1, err.toString().lines().count(), err::toString);
        assertTrue(err.toString().startsWith("flowtap read: config " + config + ": not valid YAML at line 3"),
            err::toString);
    }

    @Test
    void aMissingFileIsAnInputError()
    {
        final Path config = dir.resolve("nowhere.yaml");

        assertEquals(1, run("read", capture.toString(), "--config", config.toString()));
        assertEquals("flowtap read: config " + config + ": no such file\n", err.toString());
    }

    @Test
    void captureTakesItsInterfaceFromTheFile() throws IOException
    {
        final Path config = config("interface: nosuchif0\nworkers: 2\n");

        // Exit 1 is the interface refused when the socket binds (its line goes to the process's standard error);
        // without the file's interface the command line would be refused with exit 2 before that.
        assertEquals(1, run("capture", "--config", config.toString()), err::toString);
        assertEquals(2, run("capture", "--workers", "2"), err::toString);
        assertTrue(err.toString().contains("Missing required option: '--interface=IFACE'"), err::toString);
    }
}
