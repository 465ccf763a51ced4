package io.flowtap.tools.handler;

import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.flowtap.tools.handler.Commands.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's account of the public API holds: every type its list names exists and is public, the examples (written
 * as a user writes handlers) use nothing of flowtap's outside the list, and the handler the README shows for a
 * project of one's own compiles and runs as shown.
 */
class PublicApiTest
{
    private static final Path README = Path.of("..", "README.md");
    private static final Path EXAMPLES = Path.of("examples", "src", "main", "java");
    private static final Pattern ROW = Pattern.compile("\\| `(io\\.flowtap[a-z.]*)` \\| (.*) \\|");
    private static final Pattern TYPE = Pattern.compile("`([A-Z][A-Za-z0-9]*)`");
    private static final Pattern IMPORT = Pattern.compile("^import (static )?(io\\.flowtap\\.[A-Za-z0-9_.]+);",
        Pattern.MULTILINE);

    private static String readme;

    @TempDir
    Path dir;

    @BeforeAll
    static void readReadme() throws IOException
    {
        readme = Files.readString(README);
    }

    private static Map<String, Set<String>> publicApi()
    {
        final int start = readme.indexOf("<!-- public-api");
        assertTrue(start >= 0, "README has no public API list");
        final Map<String, Set<String>> api = new TreeMap<>();
        for (final String line : readme.substring(start).lines().skip(1).toList())
        {
            if (!line.startsWith("|"))
            {
                break;
            }
            final Matcher row = ROW.matcher(line);
            if (row.matches())
            {
                final Matcher type = TYPE.matcher(row.group(2));
                final Set<String> types = new TreeSet<>();
                while (type.find())
                {
                    types.add(type.group(1));
                }
                api.put(row.group(1), types);
            }
        }
        return api;
    }

    @Test
    void everyTypeTheReadmeListsIsPublic() throws ClassNotFoundException
    {
        final Map<String, Set<String>> api = publicApi();
        assertTrue(api.size() >= 10, api::toString);
        for (final Map.Entry<String, Set<String>> entry : api.entrySet())
        {
            for (final String type : entry.getValue())
            {
                final Class<?> listed = Class.forName(entry.getKey() + "." + type);
                assertTrue(Modifier.isPublic(listed.getModifiers()), listed::getName);
            }
        }
    }

    @Test
    void theExamplesUseNothingOfFlowtapOutsideThePublicApi() throws IOException
    {
        final Map<String, Set<String>> api = publicApi();
        final List<String> outside = new ArrayList<>();
        int imports = 0;
        try (Stream<Path> files = Files.walk(EXAMPLES))
        {
            for (final Path file : files.filter(f -> f.toString().endsWith(".java")).toList())
            {
                final Matcher matcher = IMPORT.matcher(Files.readString(file));
                while (matcher.find())
                {
                    final String name = matcher.group(2);
                    if (name.startsWith("io.flowtap.examples."))
                    {
                        continue;
                    }
                    imports++;
                    final int dot = name.lastIndexOf('.');
                    if (!api.getOrDefault(name.substring(0, dot), Set.of()).contains(name.substring(dot + 1)))
                    {
                        outside.add(file.getFileName() + ": " + name);
                    }
                }
            }
        }
        assertTrue(imports > 20, "imports checked: " + imports);
        assertEquals(List.of(), outside);
    }

    @Test
    void theReadmesHandlerCompilesAndRunsAsShown() throws IOException
    {
        final int marker = readme.indexOf("<!-- handler-example");
        assertTrue(marker >= 0, "README has no handler example");
        final int start = readme.indexOf("```java\n", marker) + "```java\n".length();
        final String source = readme.substring(start, readme.indexOf("```", start));
        final Path file = dir.resolve("BigRequests.java");
        Files.writeString(file, source);

        final Commands.Result result = ok("read", TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", dir)
            .toString(), "--no-progress", "--handler-source", file.toString(), "--handler-option", "limit=500");
        assertEquals(List.of("44305 sent 395", "52328 sent 728", "54615 sent 377"), result.sortedOutLines());
        final List<String> logged = result.errLines("BigRequests: client of flow ");
        assertEquals(1, logged.size(), result.err());
        assertTrue(logged.get(0).endsWith(" 172.16.133.132:52328 -> 98.139.240.23:80 sent 500 bytes or more"),
            logged.get(0));
    }
}
