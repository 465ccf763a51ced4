package io.flowtap.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Grafana dashboard in {@code packaging/grafana/flowtap.json}, parsed: its panels and the PromQL expressions of
 * their queries and of its variables, and the flowtap metrics those name.
 */
public final class Dashboard
{
    private static final Pattern METRIC = Pattern.compile("\\bflowtap_[a-zA-Z0-9_]+");

    private final JsonNode root;

    private Dashboard(final JsonNode root)
    {
        this.root = root;
    }

    /**
     * @return the repository's dashboard, found as {@link ServiceUnit#packaged()} finds the unit.
     * @throws IOException reading or parsing it.
     */
    public static Dashboard packaged() throws IOException
    {
        final Path unit = ServiceUnit.packaged().path();
        return read(unit.getParent().resolve("grafana").resolve("flowtap.json"));
    }

    /**
     * @param path of a dashboard's JSON.
     * @return it, parsed.
     * @throws IOException reading or parsing it.
     */
    public static Dashboard read(final Path path) throws IOException
    {
        return new Dashboard(new ObjectMapper().readTree(Paths.get(path.toString()).toFile()));
    }

    /**
     * @return the dashboard's JSON.
     */
    public JsonNode root()
    {
        return root;
    }

    /**
     * @return every panel that is not a row.
     */
    public List<JsonNode> panels()
    {
        final List<JsonNode> panels = new ArrayList<>();
        for (final JsonNode panel : root.path("panels"))
        {
            if (!"row".equals(panel.path("type").asText()))
            {
                panels.add(panel);
            }
        }
        return panels;
    }

    /**
     * @return every PromQL expression: the panels' queries ({@code expr}) and the variables' ({@code definition}).
     */
    public List<String> expressions()
    {
        final List<String> expressions = new ArrayList<>();
        collect(root, expressions);
        return expressions;
    }

    /**
     * @return the flowtap metrics the expressions name, as a scrape's samples name them ({@code _total},
     *         {@code _bucket} ... included).
     */
    public Set<String> metrics()
    {
        final Set<String> metrics = new TreeSet<>();
        for (final String expression : expressions())
        {
            final Matcher matcher = METRIC.matcher(expression);
            while (matcher.find())
            {
                metrics.add(matcher.group());
            }
        }
        return metrics;
    }

    private static void collect(final JsonNode node, final List<String> expressions)
    {
        if (node.isObject())
        {
            for (final Map.Entry<String, JsonNode> field : node.properties())
            {
                if (("expr".equals(field.getKey()) || "definition".equals(field.getKey())) &&
                    field.getValue().isTextual())
                {
                    expressions.add(field.getValue().asText());
                }
                else
                {
                    collect(field.getValue(), expressions);
                }
            }
        }
        else if (node.isArray())
        {
            for (final JsonNode element : node)
            {
                collect(element, expressions);
            }
        }
    }
}
