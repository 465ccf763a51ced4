package io.flowtap.tools.handler;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.Flowtap;
import io.flowtap.tools.capture.CaptureCommand;
import io.flowtap.tools.flows.FlowsCommand;
import io.flowtap.tools.streams.StreamsCommand;
import org.agrona.DirectBuffer;
import picocli.CommandLine;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs flowtap's commands in this process as the launcher would, capturing what they print, and builds what the
 * handler tests need: the example sources' paths, and handler jars compiled here against flowtap's API alone.
 */
final class Commands
{
    private Commands()
    {
    }

    /**
     * What a command did.
     *
     * @param exitCode its exit code.
     * @param out      its standard output (the handlers' output among it).
     * @param err      its standard error.
     */
    record Result(int exitCode, String out, String err)
    {
        List<String> outLines()
        {
            return out.lines().toList();
        }

        List<String> sortedOutLines()
        {
            return out.lines().sorted().toList();
        }

        List<String> errLines(final String containing)
        {
            return err.lines().filter(line -> line.contains(containing)).toList();
        }
    }

    /**
     * @param args a command line, the subcommand first.
     * @return what it did.
     */
    static Result run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        final CommandLine commandLine;
        final String[] rest = List.of(args).subList(1, args.length).toArray(new String[0]);
        switch (args[0])
        {
            case "flows":
                commandLine = new CommandLine(new FlowsCommand().streams(print(outBytes), print(errBytes)));
                break;
            case "capture":
                commandLine = new CommandLine(new CaptureCommand().streams(print(outBytes), print(errBytes)));
                break;
            case "streams":
                commandLine = new CommandLine(new StreamsCommand().streams(print(errBytes)));
                break;
            default:
                commandLine = Flowtap.commandLine();
                break;
        }
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int exitCode = commandLine.getCommandName().equals("flowtap") ?
            commandLine.execute(args) : commandLine.execute(rest);
        return new Result(exitCode, outBytes.toString(StandardCharsets.UTF_8) + out,
            errBytes.toString(StandardCharsets.UTF_8) + err);
    }

    /**
     * @param args a command line that must succeed.
     * @return what it did.
     */
    static Result ok(final String... args)
    {
        final Result result = run(args);
        assertEquals(ExitCodes.OK, result.exitCode(), result::err);
        return result;
    }

    /**
     * @param name of an example's class.
     * @return its source file in the examples module, as a path relative to this module's directory.
     */
    static String exampleSource(final String name)
    {
        final Path path = Path.of("examples", "src", "main", "java", "io", "flowtap", "examples", name + ".java");
        if (!Files.isRegularFile(path))
        {
            throw new IllegalStateException("no example source at " + path.toAbsolutePath());
        }
        return path.toString();
    }

    /**
     * Compile Java sources against flowtap's handler API alone (the reassembly and capture classes and Agrona, what
     * a user's project gets from depending on flowtap-reassembly) and put the classes in a jar.
     *
     * @param jar     to write.
     * @param sources class binary name to source text.
     * @return the jar.
     * @throws IOException writing.
     */
    static Path handlerJar(final Path jar, final Map<String, String> sources) throws IOException
    {
        final Path src = Files.createTempDirectory(jar.getParent(), "src");
        final Path classes = Files.createTempDirectory(jar.getParent(), "classes");
        final List<String> arguments = new ArrayList<>(List.of("-d", classes.toString(), "-classpath",
            location(TcpHandler.class) + File.pathSeparator + location(PacketDecoder.class) + File.pathSeparator +
            location(DirectBuffer.class)));
        for (final Map.Entry<String, String> source : sources.entrySet())
        {
            final Path file = src.resolve(source.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue());
            arguments.add(file.toString());
        }
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        final ByteArrayOutputStream messages = new ByteArrayOutputStream();
        assertEquals(0, javac.run(null, messages, messages, arguments.toArray(new String[0])), messages::toString);
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
            Stream<Path> walk = Files.walk(classes))
        {
            for (final Path path : walk.filter(Files::isRegularFile).toList())
            {
                out.putNextEntry(new JarEntry(classes.relativize(path).toString().replace(File.separatorChar, '/')));
                out.write(Files.readAllBytes(path));
                out.closeEntry();
            }
        }
        return jar;
    }

    private static String location(final Class<?> type)
    {
        try
        {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        }
        catch (final URISyntaxException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static PrintStream print(final ByteArrayOutputStream bytes)
    {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
