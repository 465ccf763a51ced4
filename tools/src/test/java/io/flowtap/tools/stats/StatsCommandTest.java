package io.flowtap.tools.stats;

import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.PipelineContext;
import io.flowtap.pipeline.stats.CountersFile;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.tools.Flowtap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsCommandTest
{
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        final CommandLine commandLine = Flowtap.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void printsTheCountersOfAWriterThatIsStillRunning()
    {
        final Path path = dir.resolve("counters.dat");
        try (CountersFile file = CountersFile.create(path, 16))
        {
            file.counter("poller 0: segments").setOrdered(1234);
            file.counter("worker 0: queue full drops").setOrdered(7);

            assertEquals(0, run("stats", path.toString()), err.toString());
        }
        final String text = out.toString();
        assertTrue(text.startsWith("flowtap pid " + ProcessHandle.current().pid() + ", started "), text);
        assertTrue(text.matches("(?s).*\\n  poller 0: segments +1234\\n.*"), text);
        assertTrue(text.matches("(?s).*\\n  worker 0: queue full drops +7\\n.*"), text);
    }

    @Test
    void printsTheErrorsAWorkersHandlerThrewInARunningSensor()
    {
        final Path path = dir.resolve("counters.dat");
        final Path capture = Path.of("../reassembly/src/test/resources/pcap/pcapplusplus__three_http_streams.pcap");
        final TcpHandler failing = new TcpHandler()
        {
            @Override
            public void onNewFlow(final Flow flow, final long timeNs)
            {
                throw new IllegalStateException("a handler's bug, on purpose");
            }
        };
        try (CountersFile file = CountersFile.create(path, 1024))
        {
            final Pipeline pipeline = Pipeline.file(new PipelineContext()
                .workers(2)
                .countersFile(file)
                .handlers(worker -> List.of(failing)), capture);
            try
            {
                assertTrue(pipeline.awaitInputFinished(TimeUnit.SECONDS.toNanos(30)));
                assertEquals(0, run("stats", path.toString()), err.toString());
            }
            finally
            {
                pipeline.close();
            }
        }
        final String text = out.toString();
        assertTrue(text.matches("(?s).*\\n  decode: tcp segments +[1-9][0-9]*\\n.*"), text);
        assertTrue(text.matches("(?s).*\\n  worker: errors +[1-9][0-9]*\\n.*"), text);
        assertTrue(text.matches("(?s).*\\nerrors: 1 distinct\\n  [0-9]+ times?, first [-0-9T:.]+Z, last [-0-9T:.]+Z: " +
            "java.lang.IllegalStateException: a handler's bug, on purpose\\n"), text);
    }

    @Test
    void printsWhatTheHttpAndTlsExtractorsOfEveryWorkerCounted()
    {
        final Path path = dir.resolve("counters.dat");
        final String capture = "../reassembly/src/test/resources/pcap/pcapplusplus__three_http_streams.pcap";

        assertEquals(0, run("read", capture, "--attributes", "--workers", "2", "--counters", path.toString(),
            "--no-progress"), err.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("stats", path.toString()), err.toString());

        // Three HTTP connections, each one request and one response, shared by two workers and added up; their six
        // directions are each tried as TLS and let go.
        final String text = out.toString();
        assertTrue(text.matches("(?s).*\\n  http: requests +3\\n.*"), text);
        assertTrue(text.matches("(?s).*\\n  http: responses +3\\n.*"), text);
        assertTrue(text.matches("(?s).*\\n  tls: streams not TLS +6\\n.*"), text);
        assertTrue(text.matches("(?s).*\\n  tls: client hellos +0\\n.*"), text);
    }

    @Test
    void missingFileIsOneLineAndExitOne()
    {
        assertEquals(1, run("stats", dir.resolve("nothing").toString()));
        assertEquals("flowtap stats: " + dir.resolve("nothing") + ": no counters file (is the appliance running?)\n",
            err.toString());
    }
}
