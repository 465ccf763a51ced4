package io.flowtap.tools;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A command's options from a YAML file ({@code --config FILE}): a mapping whose keys are the command's long option
 * names without the dashes and whose values are what the option takes, e.g.
 * <pre>
 *   interface: eth0
 *   workers: 2
 *   cpus: [0, 1]
 *   journal: /var/lib/flowtap/journal
 *   promisc: true
 * </pre>
 * Every option the command line has can be set, and only those: an unknown key, a mapping where a value belongs, or a
 * value of the wrong type is refused with one line naming the file and the key. Options given on the command line
 * win over the file. The file becomes command-line arguments, so picocli converts and checks the values exactly as
 * it does for flags.
 * <p>
 * One key is not an option: {@code handlers}, for commands that run the user's handlers, is a list of handlers in
 * the order they run, each with its own options:
 * <pre>
 *   handler-path: [/opt/flowtap/my-handlers.jar]
 *   handlers:
 *     - class: com.example.Blocklist
 *       options: {pattern: "SSH-", action: reset}
 *     - source: /etc/flowtap/TrisulByteCounter.java
 * </pre>
 * It becomes {@code --handler} and {@code --handler-source}, with {@code --handler-option NAME:KEY=VALUE} for each
 * option (NAME the class, or the source file's class); a {@code --handler} or {@code --handler-source} on the command
 * line replaces the whole list.
 */
public final class ConfigFile
{
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final String HANDLERS_KEY = "handlers";
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private final Path path;
    private final Map<String, Object> entries;

    private ConfigFile(final Path path, final Map<String, Object> entries)
    {
        this.path = path;
        this.entries = entries;
    }

    /**
     * Read and parse the file.
     *
     * @param path of the YAML file.
     * @return its entries.
     * @throws Problem when the file cannot be read or is not a YAML mapping.
     */
    public static ConfigFile load(final Path path)
    {
        final Object document;
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8))
        {
            document = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        }
        catch (final NoSuchFileException ex)
        {
            throw new Problem(true, "config " + path + ": no such file");
        }
        catch (final IOException ex)
        {
            throw new Problem(true, "config " + path + ": cannot read it: " + ex.getMessage());
        }
        catch (final MarkedYAMLException ex)
        {
            final Mark mark = ex.getProblemMark();
            throw new Problem(false, "config " + path + ": not valid YAML" +
                (mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1)) +
                ": " + ex.getProblem());
        }
        catch (final YAMLException ex)
        {
            throw new Problem(false, "config " + path + ": not valid YAML: " + ex.getMessage());
        }
        if (document == null)
        {
            return new ConfigFile(path, Map.of());
        }
        if (!(document instanceof Map))
        {
            throw new Problem(false, "config " + path + ": must be a mapping of option names to values");
        }
        @SuppressWarnings("unchecked")
        final Map<String, Object> map = (Map<String, Object>)document;
        return new ConfigFile(path, map);
    }

    /**
     * Turn the entries into arguments for a command, leaving out the options the command line already gives.
     *
     * @param parsed the command's parse of the command line.
     * @return arguments to put before the command line's own.
     * @throws Problem naming the first key that is unknown or ill-typed.
     */
    public List<String> arguments(final ParseResult parsed)
    {
        final CommandSpec spec = parsed.commandSpec();
        final List<String> arguments = new ArrayList<>();
        for (final Map.Entry<String, Object> entry : entries.entrySet())
        {
            final String key = String.valueOf(entry.getKey());
            if (HANDLERS_KEY.equals(key) && spec.findOption("--handler") != null)
            {
                if (!parsed.hasMatchedOption("--handler") && !parsed.hasMatchedOption("--handler-source"))
                {
                    appendHandlers(arguments, entry.getValue());
                }
                continue;
            }
            final OptionSpec option = key.startsWith("-") ? null : spec.findOption("--" + key);
            if (option == null || option.usageHelp() || option.versionHelp() || "--config".equals(option.longestName()))
            {
                throw new Problem(false, "config " + path + ": unknown key '" + key + "': flowtap " + spec.name() +
                    " has no option --" + key);
            }
            if (parsed.hasMatchedOption(option))
            {
                continue;
            }
            append(arguments, key, option, entry.getValue());
        }
        return arguments;
    }

    private void appendHandlers(final List<String> arguments, final Object value)
    {
        if (!(value instanceof List))
        {
            throw problem(HANDLERS_KEY, "must be a list of handlers, each with class: or source:");
        }
        final List<?> handlers = (List<?>)value;
        for (int i = 0; i < handlers.size(); i++)
        {
            final String where = HANDLERS_KEY + "' entry " + (i + 1) + " '";
            if (!(handlers.get(i) instanceof Map))
            {
                throw problem(HANDLERS_KEY, "entry " + (i + 1) + " must be a mapping with class: or source:");
            }
            final Map<?, ?> handler = (Map<?, ?>)handlers.get(i);
            for (final Object field : handler.keySet())
            {
                if (!"class".equals(field) && !"source".equals(field) && !"options".equals(field))
                {
                    throw problem(HANDLERS_KEY, "entry " + (i + 1) + " has an unknown key '" + field +
                        "' (class, source, options)");
                }
            }
            final Object className = handler.get("class");
            final Object source = handler.get("source");
            if ((className == null) == (source == null) || className instanceof Map || className instanceof List ||
                source instanceof Map || source instanceof List)
            {
                throw problem(HANDLERS_KEY, "entry " + (i + 1) + " needs one class: or one source: value");
            }
            final String name;
            if (className != null)
            {
                arguments.add("--handler");
                arguments.add(String.valueOf(className));
                name = String.valueOf(className);
            }
            else
            {
                arguments.add("--handler-source");
                arguments.add(String.valueOf(source));
                final String file = Path.of(String.valueOf(source)).getFileName().toString();
                name = file.endsWith(".java") ? file.substring(0, file.length() - ".java".length()) : file;
            }
            final Object options = handler.get("options");
            if (options == null)
            {
                continue;
            }
            if (!(options instanceof Map))
            {
                throw problem(where + "options", "must be a mapping of option names to values");
            }
            for (final Map.Entry<?, ?> option : ((Map<?, ?>)options).entrySet())
            {
                if (option.getValue() == null || option.getValue() instanceof Map || option.getValue() instanceof List)
                {
                    throw problem(where + "options", "'" + option.getKey() + "' must hold a plain value");
                }
                arguments.add("--handler-option");
                arguments.add(name + ":" + option.getKey() + "=" + option.getValue());
            }
        }
    }

    private void append(final List<String> arguments, final String key, final OptionSpec option, final Object value)
    {
        final String name = "--" + key;
        if (value == null)
        {
            throw problem(key, "has no value");
        }
        if (value instanceof Map)
        {
            throw problem(key, "must be a value, not a mapping");
        }
        if (option.arity().max() == 0)
        {
            if (!(value instanceof Boolean))
            {
                throw problem(key, "must be true or false, not '" + value + "'");
            }
            if ((Boolean)value)
            {
                arguments.add(name);
            }
            else if (option.negatable())
            {
                arguments.add("--no-" + key);
            }
            return;
        }
        if (value instanceof List)
        {
            if (!option.isMultiValue())
            {
                throw problem(key, "takes one value, not a list");
            }
            final List<?> values = (List<?>)value;
            if (!option.splitRegex().isEmpty())
            {
                final StringBuilder joined = new StringBuilder();
                for (final Object element : values)
                {
                    joined.append(joined.length() == 0 ? "" : ",").append(scalar(key, option, element));
                }
                arguments.add(name);
                arguments.add(joined.toString());
            }
            else
            {
                for (final Object element : values)
                {
                    arguments.add(name);
                    arguments.add(scalar(key, option, element));
                }
            }
            return;
        }
        arguments.add(name);
        arguments.add(scalar(key, option, value));
    }

    private String scalar(final String key, final OptionSpec option, final Object value)
    {
        if (value == null || value instanceof Map || value instanceof List)
        {
            throw problem(key, "must hold plain values");
        }
        final String text = String.valueOf(value);
        Class<?> type = option.type();
        if (type.isArray())
        {
            type = type.getComponentType();
        }
        else if (option.isMultiValue() && option.auxiliaryTypes().length > 0)
        {
            type = option.auxiliaryTypes()[0];
        }
        if (option.converters().length > 0)
        {
            // The option has its own converter (sizes with suffixes, policies): it checks the text itself.
            return text;
        }
        if (isIntegral(type) && (value instanceof Boolean || !INTEGER.matcher(text).matches()))
        {
            throw problem(key, "must be a whole number, not '" + text + "'");
        }
        if (isDecimal(type) && (value instanceof Boolean || !DECIMAL.matcher(text).matches()))
        {
            throw problem(key, "must be a number, not '" + text + "'");
        }
        if ((type == boolean.class || type == Boolean.class) && !(value instanceof Boolean))
        {
            throw problem(key, "must be true or false, not '" + text + "'");
        }
        if (type.isEnum())
        {
            final StringBuilder choices = new StringBuilder();
            for (final Object constant : type.getEnumConstants())
            {
                final String constantName = ((Enum<?>)constant).name();
                if (constantName.equalsIgnoreCase(text))
                {
                    return text;
                }
                choices.append(choices.length() == 0 ? "" : ", ").append(constantName.toLowerCase(Locale.ROOT));
            }
            throw problem(key, "must be one of " + choices + ", not '" + text + "'");
        }
        return text;
    }

    private Problem problem(final String key, final String what)
    {
        return new Problem(false, "config " + path + ": key '" + key + "' " + what);
    }

    private static boolean isIntegral(final Class<?> type)
    {
        return type == int.class || type == Integer.class || type == long.class || type == Long.class ||
            type == short.class || type == Short.class;
    }

    private static boolean isDecimal(final Class<?> type)
    {
        return type == double.class || type == Double.class || type == float.class || type == Float.class;
    }

    /**
     * What is wrong with a config file, in one line.
     */
    public static final class Problem extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        private final boolean unreadable;

        Problem(final boolean unreadable, final String message)
        {
            super(message, null, false, false);
            this.unreadable = unreadable;
        }

        /**
         * @return whether the file could not be read at all (rather than holding something wrong).
         */
        public boolean unreadable()
        {
            return unreadable;
        }
    }
}
