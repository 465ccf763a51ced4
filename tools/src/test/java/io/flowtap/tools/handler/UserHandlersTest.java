package io.flowtap.tools.handler;

import io.flowtap.pipeline.journal.JournalEvent;
import io.flowtap.pipeline.journal.JournalReader;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.journal.JournalReplayCommand;
import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.flowtap.tools.handler.Commands.exampleSource;
import static io.flowtap.tools.handler.Commands.ok;
import static io.flowtap.tools.handler.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Putting a user's handlers into the commands: from a jar on the handler path, from one source file compiled at start,
 * in the order given, with their options from the command line or the config file; a handler that throws is counted,
 * logged once per distinct error, its flow marked, and the run goes on (or stops, exit 4); everything that can be
 * wrong with the handlers is one line and exit 2 before any traffic is read; and the same handler prints the same on
 * a capture and on the journal of it.
 */
class UserHandlersTest
{
    private static final String THREE_HTTP = "pcapplusplus__three_http_streams.pcap";

    /** Throws on the flow from client port 54615, in onPayload, and prints one line per flow otherwise. */
    private static final String THROWER = """
        import io.flowtap.reassembly.Flow;
        import io.flowtap.reassembly.FlowRecord;
        import io.flowtap.reassembly.HandlerContext;
        import io.flowtap.reassembly.TcpHandler;
        import org.agrona.DirectBuffer;

        public final class Thrower implements TcpHandler
        {
            private final HandlerContext context;
            private long bytes;

            public Thrower(final HandlerContext context)
            {
                this.context = context;
            }

            @Override
            public int onPayload(final Flow flow, final int direction, final long seekpos, final DirectBuffer buffer,
                final int offset, final int length, final long timeNs, final int eof)
            {
                if (flow.clientPort() == 54615 && length > 0)
                {
                    throw new IllegalStateException("cannot parse this one");
                }
                bytes += length;
                return length;
            }

            @Override
            public void onTerminate(final Flow flow, final FlowRecord record)
            {
                context.out().println("thrower " + flow.clientPort() + " failed " + flow.handlerFailed());
            }
        }
        """;

    @TempDir
    Path dir;

    private String capture(final String name)
    {
        return TestCaptures.bundled(name, dir).toString();
    }

    private String source(final String name, final String text) throws IOException
    {
        final Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file.toString();
    }

    @Test
    void aCompileErrorIsOneLinePerErrorWithFileAndLineAndExitTwo() throws IOException
    {
        final String capture = capture(THREE_HTTP);
        final String syntax = source("Broken.java", """
            import io.flowtap.reassembly.TcpHandler;

            public final class Broken implements TcpHandler
            {
                private int x = 1
            }
            """);
        final Commands.Result result = run("read", capture, "--handler-source", syntax);
        assertEquals(ExitCodes.USAGE, result.exitCode());
        assertEquals(List.of("flowtap read: " + syntax + ":5:22: error: ';' expected"), result.err().lines().toList());
        assertEquals("", result.out());

        final String semantic = source("Wrong.java", """
            import io.flowtap.reassembly.TcpHandler;

            public final class Wrong implements TcpHandler
            {
                private final int x = undefined();
                private final Strin y = null;
            }
            """);
        final Commands.Result two = run("flows", capture, "--handler-source", semantic);
        assertEquals(ExitCodes.USAGE, two.exitCode());
        // The compiler's order (types of members before their initialisers), each error whole on its line.
        assertEquals(List.of(
            "flowtap flows: " + semantic + ":5:27: error: cannot find symbol; symbol: method undefined(); " +
                "location: class Wrong",
            "flowtap flows: " + semantic + ":6:19: error: cannot find symbol; symbol: class Strin; location: " +
                "class Wrong"),
            two.err().lines().sorted().toList());
    }

    @Test
    void whatCannotBeLoadedOrMadeIsOneLineAndExitTwoBeforeAnyTrafficIsRead() throws IOException
    {
        final String capture = capture(THREE_HTTP);
        expectUsage("flowtap read: --handler com.example.Missing: no such class on the class path (give the jar or " +
            "directory that holds it with --handler-path)", "read", capture, "--handler", "com.example.Missing");
        expectUsage("flowtap read: --handler java.lang.String: java.lang.String is neither a TcpHandler nor a " +
            "TcpHandlerFactory (io.flowtap.reassembly)", "read", capture, "--handler", "java.lang.String");
        expectUsage("flowtap read: --handler io.flowtap.examples.HakaPatternRule: option pattern is required: the " +
            "bytes to match, e.g. pattern=SSH-", "read", capture, "--handler", "io.flowtap.examples.HakaPatternRule");
        expectUsage("flowtap flows: --handler-source " + exampleSource("TrisulByteCounter") + ": option port=eighty:" +
            " not a whole number", "flows", capture, "--handler-source", exampleSource("TrisulByteCounter"),
            "--handler-option", "port=eighty");
        expectUsage("flowtap read: --handler-option prot=80: no handler takes prot (TrisulByteCounter reads pool, " +
            "port)", "read", capture, "--handler", "io.flowtap.examples.TrisulByteCounter", "--handler-option",
            "prot=80");
        expectUsage("flowtap read: --handler-option Trisul:port=80: no handler is named Trisul", "read", capture,
            "--handler", "io.flowtap.examples.TrisulByteCounter", "--handler-option", "Trisul:port=80");
        expectUsage("flowtap read: --handler-option port=80: there is no --handler or --handler-source to take it",
            "read", capture, "--handler-option", "port=80");
        expectUsage("flowtap read: --handler-option port: expected [HANDLER:]KEY=VALUE, e.g. pattern=SSH- or " +
            "HakaPatternRule:action=reset", "read", capture, "--handler", "io.flowtap.examples.TrisulByteCounter",
            "--handler-option", "port");
        expectUsage("flowtap read: --handler-path " + dir.resolve("none.jar") + ": no such file or directory", "read",
            capture, "--handler-path", dir.resolve("none.jar").toString(), "--handler", "x.Y");
        expectUsage("flowtap read: --handler-source " + dir.resolve("None.java") + ": no such file", "read", capture,
            "--handler-source", dir.resolve("None.java").toString());
        final String misnamed = source("Misnamed.java", "class Other implements io.flowtap.reassembly.TcpHandler {}");
        expectUsage("flowtap read: --handler-source " + misnamed + ": declares no class Misnamed; the handler is the " +
            "top-level class named after the file", "read", capture, "--handler-source", misnamed);
        final String throwing = source("Throwing.java", """
            public final class Throwing implements io.flowtap.reassembly.TcpHandler
            {
                public Throwing()
                {
                    throw new IllegalStateException("no licence file");
                }
            }
            """);
        expectUsage("flowtap capture: --handler-source " + throwing + ": making it failed: IllegalStateException: " +
            "no licence file", "capture", "-i", "ftnosuch0", "--handler-source", throwing);
    }

    private static void expectUsage(final String line, final String... args)
    {
        final Commands.Result result = run(args);
        assertEquals(ExitCodes.USAGE, result.exitCode(), result::err);
        assertEquals(List.of(line), result.err().lines().toList());
    }

    @Test
    void aHandlerFromAJarOnTheHandlerPathCompiledAgainstTheApiAlone() throws IOException
    {
        final Path jar = Commands.handlerJar(dir.resolve("greeter.jar"), Map.of("com.example.Greeter", """
            package com.example;

            import io.flowtap.reassembly.Flow;
            import io.flowtap.reassembly.HandlerContext;
            import io.flowtap.reassembly.TcpHandler;
            import io.flowtap.reassembly.TcpHandlerFactory;

            public final class Greeter implements TcpHandlerFactory
            {
                @Override
                public TcpHandler newHandler(final HandlerContext context)
                {
                    final String greeting = context.option("greeting", "hello");
                    return new TcpHandler()
                    {
                        @Override
                        public void onEstablished(final Flow flow, final long timeNs)
                        {
                            context.out().println(greeting + " " + flow.serverPort() + " from worker " +
                                context.worker() + " of " + context.workers() + ", slot " + context.dataSlot());
                        }
                    };
                }
            }
            """));
        final Commands.Result result = ok("read", capture(THREE_HTTP), "--no-progress", "--workers", "2",
            "--handler-path", jar.toString(), "--handler", "com.example.Greeter", "--handler-option",
            "com.example.Greeter:greeting=hi");
        assertEquals(3, result.outLines().size(), result.out());
        result.outLines().forEach(line -> assertTrue(line.matches("hi 80 from worker [01] of 2, slot 3"), line));

        // The same from the config file: the handler path and the handler with its options.
        final Path config = dir.resolve("greeter.yaml");
        Files.writeString(config, "handler-path: [" + jar + "]\nhandlers:\n  - class: com.example.Greeter\n" +
            "    options: {greeting: hey}\n");
        final Commands.Result fromConfig = ok("read", capture(THREE_HTTP), "--no-progress", "--config",
            config.toString());
        assertEquals(List.of("hey 80 from worker 0 of 1, slot 3", "hey 80 from worker 0 of 1, slot 3",
            "hey 80 from worker 0 of 1, slot 3"), fromConfig.outLines());
    }

    @Test
    void streamsWritesItsFilesWithTheHandlersRunningBesideIt() throws IOException
    {
        final Path out = dir.resolve("streams");
        final Commands.Result result = ok("streams", capture(THREE_HTTP), "--out", out.toString(),
            "--handler-source", exampleSource("TrisulByteCounter"));
        assertEquals(3, result.outLines().stream().filter(line -> line.startsWith("trisul ")).count(), result.out());
        assertTrue(result.err().contains("streams: 3 connections, 6 files in " + out), result.err());
        assertTrue(Files.readString(out.resolve("172.016.133.132.54615-098.139.161.029.00080")).startsWith("GET "));
    }

    @Test
    void aHandlerThatThrowsIsCountedLoggedOnceAndItsFlowMarkedWhileEverythingElseCarriesOn() throws IOException
    {
        final String capture = capture(THREE_HTTP);
        final String thrower = source("Thrower.java", THROWER);
        final Path journal = dir.resolve("journal");
        final Commands.Result result = ok("read", capture, "--no-progress", "--workers", "2", "--journal",
            journal.toString(), "--handler-source", thrower, "--handler-source", exampleSource("TrisulByteCounter"));
        assertEquals(List.of(
            "thrower 44305 failed false", "thrower 52328 failed false", "thrower 54615 failed true",
            "trisul 172.16.133.132:44305 -> 98.138.19.88:80 out 395 in 610 attributes 0",
            "trisul 172.16.133.132:52328 -> 98.139.240.23:80 out 728 in 384 attributes 0",
            "trisul 172.16.133.132:54615 -> 98.139.161.29:80 out 377 in 441 attributes 0"),
            result.sortedOutLines());
        final List<String> logged = result.errLines("threw");
        assertEquals(1, logged.size(), result.err());
        assertTrue(logged.get(0).startsWith("flowtap read: handler Thrower threw java.lang.IllegalStateException: " +
            "cannot parse this one (Thrower.java:23) in onPayload on flow "), logged.get(0));
        assertTrue(logged.get(0).contains(" 172.16.133.132:54615 -> 98.139.161.29:80; it skips the rest of that " +
            "flow"), logged.get(0));
        assertTrue(result.err().contains("handlers: Thrower, TrisulByteCounter\nhandler errors 1 (1 distinct)\n" +
            "  1 x Thrower: java.lang.IllegalStateException: cannot parse this one (Thrower.java:23)\n"),
            result.err());
        assertTrue(result.err().contains("flows 3, stream bytes delivered 2935"), result.err());

        // The mark outlives the run: in the journal's flow end, and so in what journal cat shows.
        final List<String> marked = new ArrayList<>();
        for (final JournalEvent event : JournalReader.readEvents(journal).events())
        {
            if (event instanceof JournalEvent.FlowEnd end && end.handlerFailed())
            {
                marked.add(end.key().clientPort() + "");
            }
        }
        assertEquals(List.of("54615"), marked);
        final Commands.Result cat = ok("journal", "cat", journal.toString());
        assertEquals(1, cat.outLines().stream().filter(line -> line.contains("handler-failed")).count(), cat.out());

        final Commands.Result flows = ok("flows", capture, "--no-summary", "--handler-source", thrower);
        assertEquals(1, flows.outLines().stream().filter(line -> line.endsWith(" handler-failed")).count(),
            flows.out());
        final Commands.Result json = ok("flows", capture, "--json", "--no-summary", "--handler-source", thrower);
        assertEquals(1, json.outLines().stream().filter(line -> line.contains("\"handler_failed\":true")).count(),
            json.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"read", "flows", "streams"})
    void underTheStopPolicyTheFirstErrorStopsTheRunWithExitThree(final String command) throws IOException
    {
        final String thrower = source("Thrower.java", THROWER);
        final List<String> args = new ArrayList<>(List.of(command, capture(THREE_HTTP), "--handler-source", thrower,
            "--handler-errors", "stop"));
        if (command.equals("streams"))
        {
            args.addAll(List.of("--out", dir.resolve("out").toString()));
        }
        final Commands.Result result = run(args.toArray(new String[0]));
        assertEquals(ExitCodes.HANDLER_STOPPED, result.exitCode(), result.err());
        assertTrue(result.err().contains("; stopping, as the handler error policy is stop"), result.err());
        assertTrue(result.err().contains("a handler threw and --handler-errors is stop"), result.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        THREE_HTTP,
        "pcapplusplus__one_ipv6_http_stream.pcap",
        "suricata-verify__eve-payload-06-tcp-data-leading-gap__tcp-leading-gap.pcap",
        "suricata-verify__bug-3286-02-linux-evasion__with_evasion_linux.pcap",
        "suricata-verify__tls-glupteba__input.pcap"})
    void theSameHandlerPrintsTheSameOnACaptureAndOnItsJournal(final String name)
    {
        final String capture = capture(name);
        final Path journal = dir.resolve("journal-" + name);
        final List<String> handlers = List.of("--handler-source", exampleSource("TrisulByteCounter"),
            "--handler-source", exampleSource("NetInspectLines"), "--handler-option", "max-line=100000");
        final List<String> read = new ArrayList<>(List.of("read", capture, "--no-progress", "--workers", "2",
            "--attributes", "--delivery", "acked", "--journal", journal.toString()));
        read.addAll(handlers);
        final Commands.Result live = ok(read.toArray(new String[0]));
        final List<String> replay = new ArrayList<>(List.of("journal", "replay", journal.toString(), "--fast"));
        replay.addAll(handlers);
        final Commands.Result replayed = ok(replay.toArray(new String[0]));

        assertFalse(live.out().isEmpty());
        // new_connection is onEstablished, which the journal carries; every line the same, in each flow's order.
        assertEquals(live.sortedOutLines(), replayed.sortedOutLines());
        assertEquals(perFlow(live.outLines()), perFlow(replayed.outLines()));
    }

    private static Map<String, List<String>> perFlow(final List<String> lines)
    {
        final Map<String, List<String>> flows = new TreeMap<>();
        for (final String line : lines)
        {
            final String key = line.startsWith("trisul ") ? line.substring(7, line.indexOf(" -> ")) :
                line.substring(0, line.indexOf(' '));
            flows.computeIfAbsent(key, k -> new ArrayList<>()).add(line);
        }
        return flows;
    }

    @Test
    void theConfigFileHoldsTheHandlersInOrderWithTheirOptionsAndTheCommandLineReplacesThem() throws IOException
    {
        final String capture = capture(THREE_HTTP);
        final Path config = dir.resolve("sensor.yaml");
        Files.writeString(config, "workers: 2\n" +
            "handler-errors: continue\n" +
            "handlers:\n" +
            "  - class: io.flowtap.examples.TrisulByteCounter\n" +
            "    options: {port: 80, pool: 16}\n" +
            "  - source: " + exampleSource("HakaPatternRule") + "\n" +
            "    options:\n" +
            "      pattern: 'GET /serv'\n" +
            "      match: dst port 80\n");
        final Commands.Result fromFile = ok("read", capture, "--no-progress", "--config", config.toString());
        // Trisul first, then Haka: Trisul counts the request Haka then drops the connection on, and no response.
        assertEquals(List.of(
            "trisul 172.16.133.132:44305 -> 98.138.19.88:80 out 395 in 610 attributes 0",
            "trisul 172.16.133.132:52328 -> 98.139.240.23:80 out 728 in 384 attributes 0",
            "trisul 172.16.133.132:54615 -> 98.139.161.29:80 out 377 in 0 attributes 0"),
            fromFile.sortedOutLines());
        assertEquals(List.of("flowtap read: HakaPatternRule: alert: connection dropped: client sent 'GET /serv' " +
            "sources=172.16.133.132:54615 targets=98.139.161.29:80"),
            fromFile.errLines("HakaPatternRule: alert: "));
        assertTrue(fromFile.err().contains("handlers: TrisulByteCounter, HakaPatternRule\n"), fromFile.err());

        final Commands.Result replaced = ok("read", capture, "--no-progress", "--config", config.toString(),
            "--handler", "io.flowtap.examples.TrisulByteCounter");
        assertTrue(replaced.err().contains("handlers: TrisulByteCounter\n"), replaced.err());
        assertTrue(replaced.out().contains(" out 377 in 441 "), replaced.out());

        Files.writeString(config, "handlers:\n  - class: a.B\n    source: C.java\n");
        final Commands.Result bad = run("read", capture, "--config", config.toString());
        assertEquals(ExitCodes.USAGE, bad.exitCode());
        assertEquals(List.of("flowtap read: config " + config + ": key 'handlers' entry 1 needs one class: or one " +
            "source: value"), bad.err().lines().toList());
    }

    @Test
    void handlersRunInTheOrderGivenWhateverTheOptionThatNamedThem() throws IOException
    {
        final Path journal = dir.resolve("journal");
        ok("read", capture(THREE_HTTP), "--no-progress", "--journal", journal.toString());
        final JournalReplayCommand command = new JournalReplayCommand();
        final CommandLine commandLine = new CommandLine(command);
        final StringWriter out = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(new StringWriter(), true));
        assertEquals(0, commandLine.execute(journal.toString(), "--fast",
            "--handler", "io.flowtap.examples.PathspiderTcpChain",
            "--handler-source", exampleSource("TrisulByteCounter"),
            "--handler", "io.flowtap.examples.NetInspectLines"));
        final List<String> names = new ArrayList<>();
        for (final TcpHandler handler : command.handlers())
        {
            names.add(handler.getClass().getSimpleName());
        }
        assertEquals(List.of("PathspiderTcpChain", "TrisulByteCounter", "NetInspectLines"), names);
        assertTrue(out.toString().contains("trisul "), out.toString());
    }

    @Test
    void journalReplayNeedsAHandler()
    {
        final Commands.Result result = run("journal", "replay", dir.toString());
        assertEquals(ExitCodes.USAGE, result.exitCode());
        assertTrue(result.err().startsWith("Missing required option: '--handler=CLASS' or '--handler-source=FILE'"),
            result.err());
    }
}
