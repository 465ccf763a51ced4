package io.flowtap.tools;

import io.flowtap.capture.test.Corpus;
import io.flowtap.tools.inspect.InspectCommand;
import io.flowtap.tools.replay.TestCaptures;
import io.flowtap.tools.streams.StreamsCommand;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fuzz test: the bundled captures, and a sample of the corpus when it is there, with bytes flipped, cut short, or
 * a length field made absurd, through {@code inspect}, {@code streams} and {@code read --journal} (then
 * {@code journal stats} on what read wrote). No exception escapes (no trace on standard error), every run ends with a
 * documented exit code (0, or 1 for a damaged capture), and the journal written from a damaged capture reads back
 * without damage. Bounded in time for CI: tries past the budget do nothing, counted in the statistics.
 */
class HostileCapturesProperties
{
    private static final long BUDGET_NS = TimeUnit.SECONDS.toNanos(25);
    private static final long LARGEST_CORPUS_FILE = 256 * 1024;
    private static final int CORPUS_SAMPLE = 40;
    private static final Set<Integer> DOCUMENTED = Set.of(ExitCodes.OK, ExitCodes.INPUT_ERROR);
    private static final String[] BUNDLED = {
        "pcapplusplus__one_http_stream_fin.pcap", "pcapplusplus__one_ipv6_http_stream.pcap",
        "pcapplusplus__one_tcp_stream_max_seq.pcap", "pcapplusplus__three_http_streams.pcap",
        "suricata-verify__bug-3286-02-linux-evasion__with_evasion_linux.pcap",
        "suricata-verify__eve-overlap-payload-04-partial-overlap__tcp-overlap2.pcap",
        "suricata-verify__tcp-fastopen-11-reject-syn-data__tlpw-tcp-tfo-data-on-syn-nack.pcap",
        "suricata-verify__tcp-urgp-04-2byte-XY__tcp-urgent-2byte-XY.pcap", "suricata-verify__tls-glupteba__input.pcap"};

    private static final List<byte[]> SEEDS = new ArrayList<>();
    private static final List<String> NAMES = new ArrayList<>();
    private static Path dir;
    private static long deadlineNs;

    /**
     * What to do to a seed capture.
     *
     * @param seed      which capture.
     * @param kind      0 flip bytes, 1 cut short, 2 an absurd 32-bit value (a length field, often), 3 all three.
     * @param positions where, as fractions of the capture's length.
     * @param values    what to write.
     */
    record Mutation(int seed, int kind, List<Double> positions, List<Integer> values)
    {
        byte[] apply(final byte[] original)
        {
            byte[] bytes = original.clone();
            if (kind == 0 || kind == 3)
            {
                for (int i = 0; i < positions.size(); i++)
                {
                    bytes[(int)(positions.get(i) * (bytes.length - 1))] ^= (byte)(values.get(i) | 1);
                }
            }
            if (kind == 2 || kind == 3)
            {
                final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                final int at = ((int)(positions.get(0) * (bytes.length - 4))) & ~3;
                final int[] absurd = {-1, Integer.MAX_VALUE, 0x7FFF_FFF0, 0x10000, 0, 3, values.get(0)};
                buffer.putInt(at, absurd[Math.floorMod(values.get(0), absurd.length)]);
            }
            if (kind == 1 || kind == 3)
            {
                bytes = java.util.Arrays.copyOf(bytes, (int)(positions.get(positions.size() - 1) * bytes.length));
            }
            return bytes;
        }
    }

    @BeforeContainer
    static void loadSeeds() throws IOException
    {
        dir = Files.createTempDirectory("flowtap-fuzz");
        for (final String name : BUNDLED)
        {
            SEEDS.add(Files.readAllBytes(TestCaptures.bundled(name, dir)));
            NAMES.add(name);
        }
        final Path corpus = Paths.get(System.getProperty(Corpus.DIR_PROP_NAME, "../shared/corpus"));
        if (Files.isRegularFile(corpus.resolve("INDEX.tsv")))
        {
            // A spread of the corpus: every n-th small capture of the index, in its order, so a run is repeatable.
            final List<String> small = new ArrayList<>();
            final List<String> index = Files.readAllLines(corpus.resolve("INDEX.tsv"));
            for (final String line : index.subList(1, index.size()))
            {
                final Path file = corpus.resolve(line.substring(0, line.indexOf('\t')));
                if (Files.isRegularFile(file) && Files.size(file) <= LARGEST_CORPUS_FILE)
                {
                    small.add(file.toString());
                }
            }
            final int step = Math.max(1, small.size() / CORPUS_SAMPLE);
            for (int i = 0; i < small.size(); i += step)
            {
                SEEDS.add(Files.readAllBytes(Paths.get(small.get(i))));
                NAMES.add(small.get(i));
            }
        }
        else
        {
            System.out.println("HostileCapturesProperties: no corpus at " + corpus + "; fuzzing the bundled captures");
        }
        deadlineNs = System.nanoTime() + BUDGET_NS;
    }

    @AfterContainer
    static void removeFiles() throws IOException
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Property(tries = 400)
    void shouldEndEveryRunWithADocumentedExitCodeAndNoTrace(@ForAll("mutations") final Mutation mutation)
        throws IOException
    {
        if (System.nanoTime() - deadlineNs > 0)
        {
            Statistics.label("tries").collect("past the time budget");
            return;
        }
        Statistics.label("tries").collect("run");
        final int seed = Math.floorMod(mutation.seed(), SEEDS.size());
        final Path run = Files.createTempDirectory(dir, "run");
        final Path capture = Files.write(run.resolve("fuzzed.pcap"), mutation.apply(SEEDS.get(seed)));
        final String what = NAMES.get(seed) + " " + mutation;

        final ByteArrayOutputStream inspectErr = new ByteArrayOutputStream();
        final int inspect = new CommandLine(new InspectCommand().streams(
            new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8),
            new PrintStream(inspectErr, true, StandardCharsets.UTF_8))).execute(capture.toString());
        check("inspect", inspect, inspectErr.toString(StandardCharsets.UTF_8), what);

        final ByteArrayOutputStream streamsErr = new ByteArrayOutputStream();
        final int streams = new CommandLine(new StreamsCommand().streams(
            new PrintStream(streamsErr, true, StandardCharsets.UTF_8)))
            .execute(capture.toString(), "-o", run.resolve("streams").toString());
        check("streams", streams, streamsErr.toString(StandardCharsets.UTF_8), what);

        final StringWriter readErr = new StringWriter();
        final Path journal = run.resolve("journal");
        final int read = Flowtap.commandLine().setErr(new PrintWriter(readErr, true)).execute("read",
            capture.toString(), "--journal", journal.toString(), "--no-progress", "--workers", "2");
        check("read", read, readErr.toString(), what);
        Statistics.label("read").collect(read == 0 ? "whole" : "damaged");

        if (Files.isDirectory(journal))
        {
            final StringWriter statsErr = new StringWriter();
            final int stats = Flowtap.commandLine().setOut(new PrintWriter(new StringWriter(), true))
                .setErr(new PrintWriter(statsErr, true)).execute("journal", "stats", journal.toString());
            check("journal stats", stats, statsErr.toString(), what);
            assertFalse(statsErr.toString().contains("damaged"), () -> "journal stats on " + what + ": " + statsErr);
        }
    }

    private static void check(final String command, final int exitCode, final String err, final String what)
    {
        assertTrue(DOCUMENTED.contains(exitCode), () -> command + " exited " + exitCode + " on " + what + ": " + err);
        assertFalse(err.contains("Exception") || err.contains("\tat ") || err.contains("Error:"),
            () -> command + " on " + what + ": " + err);
    }

    @Provide
    Arbitrary<Mutation> mutations()
    {
        return Combinators.combine(
            Arbitraries.integers().between(0, 1000),
            Arbitraries.integers().between(0, 3),
            Arbitraries.doubles().between(0, 1).list().ofMinSize(1).ofMaxSize(8),
            Arbitraries.integers().list().ofSize(8))
            .as(Mutation::new);
    }
}
