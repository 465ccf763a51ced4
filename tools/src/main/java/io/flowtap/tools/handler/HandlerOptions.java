package io.flowtap.tools.handler;

import io.flowtap.reassembly.HandlerErrorPolicy;
import io.flowtap.reassembly.HandlerErrors;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The options that put a user's handlers into a command ({@code capture}, {@code read}, {@code streams},
 * {@code flows}, {@code journal replay}): classes and one-file sources, in the order given, where to load them from,
 * their options, and what an exception does. The YAML config takes them too ({@code handler-path:}, and a
 * {@code handlers:} list of {@code class:} or {@code source:} entries with their {@code options:}).
 */
public final class HandlerOptions
{
    /** What {@code --handler} and {@code --handler-source} say, for the config file and the help. */
    public static final String ORDER = "called in the order given, after the built-in handlers";

    private final List<HandlerSpec> specs = new ArrayList<>();

    @Option(names = "--handler-path", paramLabel = "JAR|DIR",
        description = "a jar or class directory to load --handler classes from (repeatable); the launcher also puts "
            + "FLOWTAP_CLASSPATH on the class path")
    List<Path> handlerPath = new ArrayList<>();

    @Option(names = "--handler-option", paramLabel = "[HANDLER:]KEY=VALUE",
        description = "an option for the handlers (repeatable), e.g. pattern=SSH-; HANDLER: in front (the class's "
            + "simple or full name) gives it to that handler only. Handlers read their options when they are made: "
            + "an option no handler reads is an error")
    List<String> handlerOptions = new ArrayList<>();

    @Option(names = "--handler-errors", paramLabel = "POLICY",
        description = "when a handler throws (always counted, logged once per distinct error, the flow marked): "
            + "continue (the handler skips the rest of that flow, everything else carries on) or stop (stop as on "
            + "a signal, exit 4) (default: continue)")
    HandlerErrorPolicy handlerErrors = HandlerErrorPolicy.CONTINUE;

    /**
     * Picocli calls this with the values so far each time {@code --handler} is given, and with none before a parse.
     *
     * @param classes the classes so far.
     */
    @Option(names = "--handler", paramLabel = "CLASS",
        description = "run a TcpHandler (or TcpHandlerFactory) class in every worker (repeatable; " + ORDER + "): "
            + "a factory, or a handler with a public constructor taking a HandlerContext, or none. Each worker gets "
            + "its own instance; an exception it throws is isolated (see --handler-errors)")
    void handlerClasses(final List<String> classes)
    {
        track(HandlerSpec.Kind.CLASS, classes);
    }

    /**
     * @param files the sources so far.
     */
    @Option(names = "--handler-source", paramLabel = "FILE",
        description = "compile a handler from one Java source file at start, against flowtap's API (needs a JDK), "
            + "and run it as --handler does (repeatable; " + ORDER + "); a compile error is one line each, "
            + "FILE:LINE:COLUMN, and exit 2")
    void handlerSources(final List<String> files)
    {
        track(HandlerSpec.Kind.SOURCE, files);
    }

    /**
     * @return whether any handler was asked for.
     */
    public boolean any()
    {
        return !specs.isEmpty();
    }

    /**
     * @return the handlers asked for, in order.
     */
    public List<HandlerSpec> specs()
    {
        return List.copyOf(specs);
    }

    /**
     * @return what an exception does.
     */
    public HandlerErrorPolicy errorPolicy()
    {
        return handlerErrors;
    }

    /**
     * Load, compile and make the handlers, one instance of each per worker.
     *
     * @param workers how many.
     * @param out     their output.
     * @param log     their log and error lines (thread safe).
     * @return the handlers, empty when none were asked for.
     * @throws HandlerLoadException saying what is wrong, one line per problem.
     */
    public UserHandlers load(final int workers, final PrintWriter out, final Consumer<String> log)
    {
        final HandlerErrors errors = new HandlerErrors(handlerErrors, log);
        return new HandlerLoader(specs, handlerPath, handlerOptions, HandlerOptions.class.getClassLoader())
            .load(workers, errors, out, log);
    }

    private void track(final HandlerSpec.Kind kind, final List<String> values)
    {
        if (values == null || values.isEmpty())
        {
            // A new parse (the config file's options are parsed in front of the command line's): start again.
            specs.removeIf(spec -> spec.kind() == kind);
            return;
        }
        int known = 0;
        for (final HandlerSpec spec : specs)
        {
            known += spec.kind() == kind ? 1 : 0;
        }
        for (int i = known; i < values.size(); i++)
        {
            specs.add(new HandlerSpec(kind, values.get(i)));
        }
    }
}
