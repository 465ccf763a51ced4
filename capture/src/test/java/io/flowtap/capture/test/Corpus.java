package io.flowtap.capture.test;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The public capture corpus in {@code ../shared/corpus}. Sweeps over it run when it is there and skip with a
 * message when it is not, unless {@value #REQUIRE_ENV} is set (as {@code .ci/run} does): then a missing corpus
 * fails, so CI can never pass by skipping.
 */
public final class Corpus
{
    /** Environment variable that turns a missing corpus from a skip into a failure. */
    public static final String REQUIRE_ENV = "FLOWTAP_REQUIRE_CORPUS";
    /** System property naming the corpus directory (set by the build). */
    public static final String DIR_PROP_NAME = "flowtap.corpus.dir";

    private Corpus()
    {
    }

    /**
     * @return the corpus directory; skips (or fails under CI) the calling test when it is absent.
     */
    public static Path dir()
    {
        final String configured = System.getProperty(DIR_PROP_NAME, "../shared/corpus");
        final Path dir = Paths.get(configured).toAbsolutePath().normalize();
        final boolean present = Files.isRegularFile(dir.resolve("INDEX.tsv"));
        if (!present)
        {
            final String message = "capture corpus not found at " + dir + " (set -D" + DIR_PROP_NAME + "=DIR)";
            if (System.getenv(REQUIRE_ENV) != null)
            {
                Assertions.fail(message + ", and " + REQUIRE_ENV + " is set");
            }
            Assumptions.abort("skipped: " + message);
        }
        return dir;
    }

    /**
     * One row of the corpus index.
     *
     * @param path     relative to the corpus directory.
     * @param linkType capinfos' encapsulation name.
     * @param features the corpus' feature tags.
     */
    public record Entry(String path, String linkType, String features)
    {
    }

    /**
     * @return every capture the index lists, in index order.
     */
    public static List<Entry> entries()
    {
        final Path dir = dir();
        try
        {
            final List<String> lines = Files.readAllLines(dir.resolve("INDEX.tsv"));
            final List<Entry> entries = new ArrayList<>(lines.size());
            for (final String line : lines.subList(1, lines.size()))
            {
                final String[] columns = line.split("\t", -1);
                entries.add(new Entry(columns[0], columns[4], columns[5]));
            }
            return entries;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
