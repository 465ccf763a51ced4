package io.flowtap.tools.handler;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.reassembly.HandlerContext;
import io.flowtap.reassembly.HandlerErrors;
import io.flowtap.reassembly.IsolatedHandler;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.reassembly.TcpHandlerFactory;
import org.agrona.DirectBuffer;

import java.io.File;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns the handler options of a command line into {@link UserHandlers}: builds a class loader over the
 * {@code --handler-path} (the launcher puts {@code FLOWTAP_CLASSPATH} on the class path itself), compiles the
 * {@code --handler-source} files against flowtap's API, finds each class and how to make it (a
 * {@link TcpHandlerFactory}, or a {@link TcpHandler} with a constructor taking a {@link HandlerContext}, or none),
 * makes one instance per worker with its options and own data slot, and fences each in an {@link IsolatedHandler}.
 * <p>
 * Everything that can be wrong is found here, before any traffic is read, and said in one line naming the option at
 * fault ({@link HandlerLoadException}): a missing path, an unknown class, a class that is no handler, a constructor
 * that throws, a compile error (one line each, with file and line), or an option no handler read.
 */
public final class HandlerLoader
{
    private final List<HandlerSpec> specs;
    private final List<Path> handlerPath;
    private final List<HandlerOption> options;
    private final ClassLoader parent;

    /**
     * @param specs       the handlers, in order.
     * @param handlerPath jars and directories to load them from, besides the class path.
     * @param options     the {@code --handler-option} values, in order (a later one wins for its key).
     * @param parent      the class loader flowtap's own classes come from.
     */
    public HandlerLoader(
        final List<HandlerSpec> specs,
        final List<Path> handlerPath,
        final List<String> options,
        final ClassLoader parent)
    {
        this.specs = List.copyOf(specs);
        this.handlerPath = List.copyOf(handlerPath);
        final List<HandlerOption> parsed = new ArrayList<>();
        for (final String option : options)
        {
            parsed.add(HandlerOption.parse(option));
        }
        this.options = parsed;
        this.parent = parent;
    }

    /** How one handler is made for a worker. */
    @FunctionalInterface
    private interface Maker
    {
        TcpHandler make(HandlerContext context) throws ReflectiveOperationException;
    }

    /**
     * Load and make the handlers.
     *
     * @param workers how many workers (one instance of each handler per worker).
     * @param errors  where the fenced handlers report what they throw.
     * @param out     the handlers' output.
     * @param log     the handlers' log lines (thread safe).
     * @return the handlers.
     * @throws HandlerLoadException saying what is wrong.
     */
    public UserHandlers load(
        final int workers, final HandlerErrors errors, final PrintWriter out, final Consumer<String> log)
    {
        if (specs.isEmpty())
        {
            if (!options.isEmpty())
            {
                throw new HandlerLoadException("--handler-option " + options.get(0).text() +
                    ": there is no --handler or --handler-source to take it");
            }
            return UserHandlers.none(errors);
        }
        if (specs.size() > IsolatedHandler.MAX_PER_ENGINE)
        {
            throw new HandlerLoadException("at most " + IsolatedHandler.MAX_PER_ENGINE + " handlers: " +
                specs.size() + " given");
        }
        final ClassLoader pathLoader = pathLoader();
        final List<String> sources = new ArrayList<>();
        for (final HandlerSpec spec : specs)
        {
            if (spec.kind() == HandlerSpec.Kind.SOURCE)
            {
                sources.add(spec.value());
            }
        }
        final SourceCompiler.Compiled compiled = sources.isEmpty() ? null :
            SourceCompiler.compile(sources, compileClasspath(), pathLoader);

        final List<Class<?>> classes = new ArrayList<>();
        final List<Maker> makers = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        for (final HandlerSpec spec : specs)
        {
            final Class<?> type = spec.kind() == HandlerSpec.Kind.CLASS ? find(spec, spec.value(), pathLoader) :
                find(spec, compiled.classByFile().get(spec.value()), compiled.loader());
            classes.add(type);
            makers.add(maker(spec, type));
            names.add(type.getSimpleName());
        }

        final List<List<TcpHandler>> perWorker = new ArrayList<>();
        final List<HandlerContext> firstWorker = new ArrayList<>();
        for (int worker = 0; worker < workers; worker++)
        {
            final List<TcpHandler> handlers = new ArrayList<>();
            for (int i = 0; i < specs.size(); i++)
            {
                final Class<?> type = classes.get(i);
                final HandlerContext context = new HandlerContext()
                    .name(names.get(i))
                    .worker(worker)
                    .workers(workers)
                    .dataSlot(HandlerContext.FIRST_USER_DATA_SLOT + i)
                    .options(optionsFor(type))
                    .out(out)
                    .log(log);
                if (worker == 0)
                {
                    firstWorker.add(context);
                }
                handlers.add(new IsolatedHandler(make(specs.get(i), makers.get(i), context), names.get(i), i, errors));
            }
            perWorker.add(handlers);
        }
        checkEveryOptionRead(classes, firstWorker);
        return new UserHandlers(perWorker, names, errors);
    }

    /**
     * @return the class path a handler source compiles against: flowtap's API (wherever its classes are: the
     * launcher's jar, or the modules' directories), the JVM's class path, and the handler path.
     */
    List<Path> compileClasspath()
    {
        final Set<Path> path = new LinkedHashSet<>();
        for (final Class<?> api : new Class<?>[]{TcpHandler.class, PacketDecoder.class, DirectBuffer.class,
            HandlerLoader.class})
        {
            final CodeSource source = api.getProtectionDomain().getCodeSource();
            if (source != null && source.getLocation() != null && "file".equals(source.getLocation().getProtocol()))
            {
                try
                {
                    path.add(Path.of(source.getLocation().toURI()));
                }
                catch (final URISyntaxException ex)
                {
                    // A location that is no file path cannot be compiled against; the class path may still hold it.
                }
            }
        }
        for (final String entry : System.getProperty("java.class.path", "").split(File.pathSeparator))
        {
            if (!entry.isEmpty())
            {
                path.add(Path.of(entry));
            }
        }
        path.addAll(handlerPath);
        return new ArrayList<>(path);
    }

    private ClassLoader pathLoader()
    {
        if (handlerPath.isEmpty())
        {
            return parent;
        }
        final URL[] urls = new URL[handlerPath.size()];
        for (int i = 0; i < urls.length; i++)
        {
            final Path entry = handlerPath.get(i);
            if (!Files.exists(entry))
            {
                throw new HandlerLoadException("--handler-path " + entry + ": no such file or directory");
            }
            if (!Files.isDirectory(entry) && !Files.isReadable(entry))
            {
                throw new HandlerLoadException("--handler-path " + entry + ": cannot read it");
            }
            try
            {
                urls[i] = entry.toUri().toURL();
            }
            catch (final MalformedURLException ex)
            {
                throw new HandlerLoadException("--handler-path " + entry + ": " + ex.getMessage());
            }
        }
        return new URLClassLoader("flowtap-handler-path", urls, parent);
    }

    private Class<?> find(final HandlerSpec spec, final String className, final ClassLoader loader)
    {
        try
        {
            return Class.forName(className, true, loader);
        }
        catch (final ClassNotFoundException ex)
        {
            throw new HandlerLoadException(spec.describe() + ": no such class on the class path" +
                (handlerPath.isEmpty() ? " (give the jar or directory that holds it with --handler-path)" :
                " or the --handler-path"));
        }
        catch (final LinkageError ex)
        {
            // A static initialiser that threw is an ExceptionInInitializerError: its cause is what to show.
            throw new HandlerLoadException(spec.describe() + ": cannot load it: " +
                describe(ex instanceof ExceptionInInitializerError && ex.getCause() != null ? ex.getCause() : ex));
        }
    }

    private static Maker maker(final HandlerSpec spec, final Class<?> type)
    {
        if (!Modifier.isPublic(type.getModifiers()) || Modifier.isAbstract(type.getModifiers()) ||
            type.isMemberClass() && !Modifier.isStatic(type.getModifiers()))
        {
            throw new HandlerLoadException(spec.describe() + ": " + type.getName() +
                " must be a public, concrete, top-level or static class");
        }
        if (TcpHandlerFactory.class.isAssignableFrom(type))
        {
            final Constructor<?> constructor = constructor(spec, type);
            if (constructor == null || constructor.getParameterCount() != 0)
            {
                throw new HandlerLoadException(spec.describe() + ": a TcpHandlerFactory needs a public constructor " +
                    "without parameters");
            }
            final TcpHandlerFactory[] factory = new TcpHandlerFactory[1];
            return context ->
            {
                if (factory[0] == null)
                {
                    factory[0] = (TcpHandlerFactory)constructor.newInstance();
                }
                return factory[0].newHandler(context);
            };
        }
        if (!TcpHandler.class.isAssignableFrom(type))
        {
            throw new HandlerLoadException(spec.describe() + ": " + type.getName() +
                " is neither a TcpHandler nor a TcpHandlerFactory (io.flowtap.reassembly)");
        }
        final Constructor<?> constructor = constructor(spec, type);
        if (constructor == null)
        {
            throw new HandlerLoadException(spec.describe() + ": " + type.getName() + " needs a public constructor " +
                "taking a HandlerContext, or one without parameters");
        }
        return constructor.getParameterCount() == 1 ?
            context -> (TcpHandler)constructor.newInstance(context) :
            context -> (TcpHandler)constructor.newInstance();
    }

    private static Constructor<?> constructor(final HandlerSpec spec, final Class<?> type)
    {
        try
        {
            return type.getConstructor(HandlerContext.class);
        }
        catch (final NoSuchMethodException ex)
        {
            try
            {
                return type.getConstructor();
            }
            catch (final NoSuchMethodException none)
            {
                return null;
            }
        }
        catch (final LinkageError ex)
        {
            throw new HandlerLoadException(spec.describe() + ": cannot load it: " + describe(ex));
        }
    }

    private static TcpHandler make(final HandlerSpec spec, final Maker maker, final HandlerContext context)
    {
        final TcpHandler handler;
        try
        {
            handler = maker.make(context);
        }
        catch (final InvocationTargetException ex)
        {
            final Throwable cause = ex.getCause();
            throw new HandlerLoadException(spec.describe() + ": " + (cause instanceof IllegalArgumentException &&
                cause.getMessage() != null ? cause.getMessage() : "making it failed: " + describe(cause)));
        }
        catch (final IllegalArgumentException ex)
        {
            // A handler refusing its options says why in its message (HandlerContext's own say which option).
            throw new HandlerLoadException(spec.describe() + ": " + ex.getMessage());
        }
        catch (final ReflectiveOperationException | RuntimeException | LinkageError ex)
        {
            throw new HandlerLoadException(spec.describe() + ": making it failed: " + describe(ex));
        }
        if (handler == null)
        {
            throw new HandlerLoadException(spec.describe() + ": its factory made no handler (null)");
        }
        return handler;
    }

    private Map<String, String> optionsFor(final Class<?> type)
    {
        final Map<String, String> values = new LinkedHashMap<>();
        for (final HandlerOption option : options)
        {
            if (option.appliesTo(type.getSimpleName(), type.getName()))
            {
                values.put(option.key(), option.value());
            }
        }
        return values;
    }

    /**
     * A misspelt key must not be a setting silently ignored: every option must have been read by a handler it was
     * given to, when that handler was made.
     */
    private void checkEveryOptionRead(final List<Class<?>> classes, final List<HandlerContext> contexts)
    {
        for (final HandlerOption option : options)
        {
            boolean applies = false;
            boolean read = false;
            final StringBuilder readers = new StringBuilder();
            for (int i = 0; i < classes.size(); i++)
            {
                final Class<?> type = classes.get(i);
                if (option.appliesTo(type.getSimpleName(), type.getName()))
                {
                    applies = true;
                    final Set<String> keys = contexts.get(i).optionsRead();
                    read |= keys.contains(option.key());
                    readers.append(readers.length() == 0 ? "" : "; ").append(type.getSimpleName()).append(" reads ")
                        .append(keys.isEmpty() ? "none" : String.join(", ", keys));
                }
            }
            if (!applies)
            {
                throw new HandlerLoadException("--handler-option " + option.text() + ": no handler is named " +
                    option.scope());
            }
            if (!read)
            {
                throw new HandlerLoadException("--handler-option " + option.text() + ": no handler takes " +
                    option.key() + " (" + readers + ")");
            }
        }
    }

    private static String describe(final Throwable ex)
    {
        if (ex instanceof IllegalArgumentException && ex.getMessage() != null)
        {
            return ex.getMessage();
        }
        final String message = ex.getMessage();
        return ex.getClass().getSimpleName() + (message == null ? "" : ": " + message.lines().findFirst().orElse(""));
    }
}
