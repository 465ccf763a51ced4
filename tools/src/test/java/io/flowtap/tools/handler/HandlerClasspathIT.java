package io.flowtap.tools.handler;

import io.flowtap.tools.LauncherProcesses;
import io.flowtap.tools.LauncherProcesses.Result;
import io.flowtap.tools.replay.TestCaptures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher puts {@code FLOWTAP_CLASSPATH} on the class path, so a user's handler jar is found by {@code --handler}
 * without {@code --handler-path} and without a hand-made {@code java -cp} line (which would also need the JVM flags
 * the launcher passes): for {@code read} and for {@code journal replay} of the journal it wrote, with the same output.
 */
class HandlerClasspathIT
{
    private static final String COUNTER = """
        package com.example;

        import io.flowtap.reassembly.Flow;
        import io.flowtap.reassembly.FlowRecord;
        import io.flowtap.reassembly.HandlerContext;
        import io.flowtap.reassembly.TcpHandler;

        public final class Ends implements TcpHandler
        {
            private final HandlerContext context;

            public Ends(final HandlerContext context)
            {
                this.context = context;
            }

            @Override
            public void onTerminate(final Flow flow, final FlowRecord record)
            {
                context.out().println("ended " + flow.clientPort() + " " + record.deliveredBytes(0) + "/" +
                    record.deliveredBytes(1));
            }
        }
        """;

    @TempDir
    Path tempDir;

    private LauncherProcesses launcher;

    @AfterEach
    void close()
    {
        if (launcher != null)
        {
            launcher.close();
        }
    }

    @Test
    void theLauncherFindsHandlersOnFlowtapClasspath() throws Exception
    {
        launcher = new LauncherProcesses(tempDir);
        final Path jar = Commands.handlerJar(tempDir.resolve("ends.jar"), Map.of("com.example.Ends", COUNTER));
        final Path capture = TestCaptures.bundled("pcapplusplus__three_http_streams.pcap", tempDir);
        final Path journal = tempDir.resolve("journal");
        final Map<String, String> environment = Map.of("FLOWTAP_CLASSPATH", jar.toString());

        final Result missing = launcher.await(launcher.start(List.of(), "read", capture.toString(), "--handler",
            "com.example.Ends"));
        assertEquals(2, missing.exitCode(), missing.err());
        assertTrue(missing.err().startsWith("flowtap read: --handler com.example.Ends: no such class"), missing.err());

        final Result read = launcher.await(launcher.start(environment, List.of(), "read", capture.toString(),
            "--workers", "2", "--journal", journal.toString(), "--handler", "com.example.Ends"));
        assertEquals(0, read.exitCode(), read.err());
        assertEquals(List.of("ended 44305 610/395", "ended 52328 384/728", "ended 54615 441/377"),
            read.out().lines().sorted().toList());

        final Result replay = launcher.await(launcher.start(environment, List.of(), "journal", "replay",
            journal.toString(), "--fast", "--handler", "com.example.Ends"));
        assertEquals(0, replay.exitCode(), replay.err());
        assertEquals(read.out().lines().sorted().toList(), replay.out().lines().sorted().toList());
    }
}
