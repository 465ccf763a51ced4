package io.flowtap.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of {@code packaging/flowtap.service}'s {@code [Service]} section, as systemd reads them (one
 * {@code Key=value} a line, comments with {@code #}), so that tests run flowtap with exactly the privileges the unit
 * gives it.
 */
public final class ServiceUnit
{
    private final Path path;
    private final Map<String, String> service;

    private ServiceUnit(final Path path, final Map<String, String> service)
    {
        this.path = path;
        this.service = service;
    }

    /**
     * @return the repository's unit: beside the launcher's module when the launcher is known (integration tests),
     *         otherwise from the module's directory (unit tests run there).
     * @throws IOException reading it.
     */
    public static ServiceUnit packaged() throws IOException
    {
        final String launcher = System.getProperty("flowtap.launcher");
        final Path root = launcher != null ? Paths.get(launcher).toAbsolutePath().getParent().getParent() :
            Paths.get("..").toAbsolutePath().normalize();
        return read(root.resolve("packaging").resolve("flowtap.service"));
    }

    /**
     * @param path of a unit file.
     * @return its {@code [Service]} settings.
     * @throws IOException reading it.
     */
    public static ServiceUnit read(final Path path) throws IOException
    {
        final Map<String, String> service = new LinkedHashMap<>();
        String section = "";
        for (final String raw : Files.readAllLines(path, StandardCharsets.UTF_8))
        {
            final String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";"))
            {
                continue;
            }
            if (line.startsWith("["))
            {
                section = line;
                continue;
            }
            final int equals = line.indexOf('=');
            if ("[Service]".equals(section) && equals > 0)
            {
                service.put(line.substring(0, equals).strip(), line.substring(equals + 1).strip());
            }
        }
        return new ServiceUnit(path, service);
    }

    /**
     * @return the file.
     */
    public Path path()
    {
        return path;
    }

    /**
     * @param key such as {@code AmbientCapabilities}.
     * @return its value, or null.
     */
    public String get(final String key)
    {
        return service.get(key);
    }

    /**
     * @return the ambient capabilities in setpriv's spelling: {@code net_raw}, ...
     */
    public List<String> ambientCapabilities()
    {
        final List<String> names = new ArrayList<>();
        final String value = service.getOrDefault("AmbientCapabilities", "");
        for (final String name : value.split("\\s+"))
        {
            if (!name.isEmpty())
            {
                names.add(name.toLowerCase(Locale.ROOT).replaceFirst("^cap_", ""));
            }
        }
        return names;
    }

    /**
     * The command words that start a program as the unit starts flowtap, as an unprivileged user: {@code nobody}
     * rather than the unit's own user, which need not exist on a test machine, with the unit's capabilities as its
     * ambient, inheritable and bounding sets, and no new privileges.
     *
     * @param capabilities the capabilities in setpriv's spelling, or empty for none at all.
     * @return {@code setpriv ... --}.
     */
    public static List<String> setprivAs(final List<String> capabilities)
    {
        final String plus = capabilities.isEmpty() ? "" : ",+" + String.join(",+", capabilities);
        final List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup",
            "--clear-groups", "--no-new-privs", "--bounding-set=-all" + plus, "--inh-caps=-all" + plus));
        if (!capabilities.isEmpty())
        {
            command.add("--ambient-caps=+" + String.join(",+", capabilities));
        }
        command.add("--");
        return command;
    }
}
