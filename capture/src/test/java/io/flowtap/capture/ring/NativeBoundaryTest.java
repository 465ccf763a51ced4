package io.flowtap.capture.ring;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JNA stays inside the {@code native} module: no source file of any other module names JNA's package.
 */
class NativeBoundaryTest
{
    @Test
    void shouldKeepJnaInsideTheNativeModule() throws IOException
    {
        final Path root = Paths.get("..").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(root.resolve("native/pom.xml")), "not run from a module of flowtap: " + root);

        final List<Path> sources;
        try (Stream<Path> files = Files.walk(root))
        {
            sources = files
                .filter((path) -> path.toString().endsWith(".java"))
                .filter((path) -> !root.relativize(path).startsWith("native"))
                .filter((path) -> !root.relativize(path).toString().contains("/target/"))
                .collect(Collectors.toList());
        }
        assertTrue(sources.size() > 50, "found only " + sources.size() + " sources under " + root);

        final List<String> offenders = sources.stream()
            .filter(NativeBoundaryTest::mentionsJna)
            .map((path) -> root.relativize(path).toString())
            .collect(Collectors.toList());
        assertEquals(List.of(), offenders, "only the native module may use JNA");
        assertTrue(mentionsJna(root.resolve("native/src/main/java/io/flowtap/linux/LibC.java")));
    }

    private static boolean mentionsJna(final Path path)
    {
        try
        {
            return Files.readString(path).contains("com.sun" + ".jna");
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(path.toString(), ex);
        }
    }
}
