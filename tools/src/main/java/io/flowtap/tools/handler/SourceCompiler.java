package io.flowtap.tools.handler;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --handler-source FILE}: compiles handlers written in one Java source file each with the JDK's compiler
 * ({@code javax.tools}), in memory, against flowtap's own classes (the API a handler is written against) and the
 * {@code --handler-path}, and loads them. This is the script-like loop Haka and Trisul users have with Lua: edit one
 * file, run the sensor, with no build; the handler is then ordinary compiled Java, as fast as one from a jar.
 * <p>
 * A compile error is one line each, {@code FILE:LINE:COLUMN: error: MESSAGE}, with the file as the user named it.
 * Each file's handler is its top-level class named after the file, as Java requires of a public class.
 * <p>
 * Runs once, on the thread starting the command.
 */
final class SourceCompiler
{
    private SourceCompiler()
    {
    }

    /**
     * What compiling gave: a class loader holding every class compiled, and each source's handler class name.
     *
     * @param loader      defines the compiled classes, its parent the handler path's loader.
     * @param classByFile each source file (as given) to the binary name of its top-level class named after it.
     */
    record Compiled(ClassLoader loader, Map<String, String> classByFile)
    {
    }

    /**
     * @param sources   the files, as given on the command line.
     * @param classpath to compile against.
     * @param parent    of the loader the classes are defined in.
     * @return the compiled classes.
     * @throws HandlerLoadException one line per compile error, or one saying why nothing could be compiled.
     */
    static Compiled compile(final List<String> sources, final List<Path> classpath, final ClassLoader parent)
    {
        for (final String source : sources)
        {
            final Path path = Path.of(source);
            if (!Files.isRegularFile(path))
            {
                throw new HandlerLoadException("--handler-source " + source + ": no such file");
            }
            if (!Files.isReadable(path))
            {
                throw new HandlerLoadException("--handler-source " + source + ": cannot read it");
            }
            if (!source.endsWith(".java"))
            {
                throw new HandlerLoadException("--handler-source " + source + ": not a .java file");
            }
        }
        final JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null)
        {
            throw new HandlerLoadException("--handler-source needs a JDK: this Java (" +
                System.getProperty("java.home") + ") has no compiler (javax.tools); use a JDK, or compile the " +
                "handler into a jar and give --handler-path and --handler");
        }
        final DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        final StandardJavaFileManager standard =
            compiler.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8);
        final MemoryFileManager files = new MemoryFileManager(standard);
        final Map<URI, String> givenNames = new HashMap<>();
        final List<JavaFileObject> units = new ArrayList<>();
        for (final String source : sources)
        {
            for (final JavaFileObject unit : standard.getJavaFileObjects(Path.of(source).toFile()))
            {
                givenNames.put(unit.toUri(), source);
                units.add(unit);
            }
        }
        final StringBuilder path = new StringBuilder();
        for (final Path entry : classpath)
        {
            path.append(path.length() == 0 ? "" : File.pathSeparator).append(entry);
        }
        final List<String> options = List.of(
            "-classpath", path.toString(), "-proc:none", "-encoding", "UTF-8", "-nowarn", "-Xlint:none");
        final StringWriter chatter = new StringWriter();
        final boolean compiled = compiler.getTask(chatter, files, diagnostics, options, null, units).call();
        final List<String> errors = new ArrayList<>();
        for (final Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics())
        {
            if (diagnostic.getKind() == Diagnostic.Kind.ERROR)
            {
                errors.add(describe(diagnostic, givenNames));
            }
        }
        if (!compiled || !errors.isEmpty())
        {
            if (errors.isEmpty())
            {
                errors.add("--handler-source: the compiler failed: " + chatter.toString().trim());
            }
            throw new HandlerLoadException(errors);
        }
        final Map<String, String> classByFile = new LinkedHashMap<>();
        for (final String source : sources)
        {
            final String fileName = Path.of(source).getFileName().toString();
            final String simpleName = fileName.substring(0, fileName.length() - ".java".length());
            final String className = files.topLevelClass(Path.of(source).toUri(), simpleName);
            if (className == null)
            {
                throw new HandlerLoadException("--handler-source " + source + ": declares no class " + simpleName +
                    "; the handler is the top-level class named after the file");
            }
            classByFile.put(source, className);
        }
        return new Compiled(new MemoryClassLoader(files.classes, parent), classByFile);
    }

    private static String describe(final Diagnostic<? extends JavaFileObject> diagnostic, final Map<URI, String> names)
    {
        final String message = String.join("; ", diagnostic.getMessage(Locale.ROOT).lines()
            .map(line -> line.trim().replaceAll("\\s+", " ")).filter(line -> !line.isEmpty()).toList());
        if (diagnostic.getSource() == null)
        {
            return "--handler-source: error: " + message;
        }
        final String file = names.getOrDefault(diagnostic.getSource().toUri(), diagnostic.getSource().getName());
        return file + ":" + diagnostic.getLineNumber() + ":" + diagnostic.getColumnNumber() + ": error: " + message;
    }

    /**
     * Keeps the class files the compiler writes in memory, and which source each came from.
     */
    private static final class MemoryFileManager extends ForwardingJavaFileManager<StandardJavaFileManager>
    {
        private final Map<String, byte[]> classes = new HashMap<>();
        private final Map<String, URI> sourceOf = new HashMap<>();

        MemoryFileManager(final StandardJavaFileManager standard)
        {
            super(standard);
        }

        @Override
        public JavaFileObject getJavaFileForOutput(
            final Location location, final String className, final JavaFileObject.Kind kind, final FileObject sibling)
        {
            if (sibling != null)
            {
                sourceOf.put(className, normalise(sibling.toUri()));
            }
            return new SimpleJavaFileObject(URI.create("memory:///" + className.replace('.', '/') + kind.extension),
                kind)
            {
                @Override
                public OutputStream openOutputStream()
                {
                    return new ByteArrayOutputStream()
                    {
                        @Override
                        public void close() throws IOException
                        {
                            super.close();
                            classes.put(className, toByteArray());
                        }
                    };
                }
            };
        }

        String topLevelClass(final URI source, final String simpleName)
        {
            final URI wanted = normalise(source);
            for (final Map.Entry<String, URI> entry : sourceOf.entrySet())
            {
                final String name = entry.getKey();
                if (entry.getValue().equals(wanted) && (name.equals(simpleName) || name.endsWith("." + simpleName)))
                {
                    return name;
                }
            }
            return null;
        }

        private static URI normalise(final URI uri)
        {
            try
            {
                return "file".equals(uri.getScheme()) ? Path.of(uri).toRealPath().toUri() : uri;
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
    }

    /**
     * Defines the classes compiled in memory; everything else comes from its parent.
     */
    private static final class MemoryClassLoader extends ClassLoader
    {
        static
        {
            registerAsParallelCapable();
        }

        private final Map<String, byte[]> classes;

        MemoryClassLoader(final Map<String, byte[]> classes, final ClassLoader parent)
        {
            super("flowtap-handler-sources", parent);
            this.classes = Map.copyOf(classes);
        }

        @Override
        protected Class<?> findClass(final String name) throws ClassNotFoundException
        {
            final byte[] bytes = classes.get(name);
            if (bytes == null)
            {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, bytes, 0, bytes.length);
        }
    }
}
