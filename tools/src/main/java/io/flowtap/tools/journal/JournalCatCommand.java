package io.flowtap.tools.journal;

import io.flowtap.pipeline.journal.JournalEvent;
import io.flowtap.pipeline.journal.JournalReader;
import io.flowtap.tools.Flowtap;
import io.flowtap.tools.sensor.StopOnSignal;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code flowtap journal cat DIR}: the journal's events, one per line or as JSON lines, optionally only some, and
 * optionally following a journal that is still being written.
 */
@Command(
    name = "cat",
    mixinStandardHelpOptions = true,
    description = "Print a journal's events: flow starts, payload, gaps, conflicting overlaps, attributes, flow ends "
        + "with their records, raw frames.",
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap journal cat /var/lib/flowtap/journal",
        "  flowtap journal cat journal/ --json --filter 'port 443' | jq .event",
        "  flowtap journal cat journal/ --flow 1:42 --data",
        "  flowtap journal cat journal/ --from 2026-11-22T10:00:00Z --to 2026-11-22T10:05:00Z",
        "  flowtap journal cat journal/ -f        # follow, as tail -f; Ctrl-C stops"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:no journal there, not a flowtap journal, a newer schema, or a damaged tail (what was before it is printed)",
        "2:bad command line",
        "3:standard output cannot be written (a full disk, /dev/full)"})
public final class JournalCatCommand implements Callable<Integer>
{
    private static final String PREFIX = "flowtap journal cat: ";
    private static final int POLL_LIMIT = 1024;
    private static final long FOLLOW_SLEEP_MS = 100;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "the journal's directory")
    private Path directory;

    @Option(names = "--json", description = "one JSON object per line")
    private boolean json;

    @Option(names = "--data", description = "show payload and frame bytes too (base64 in JSON)")
    private boolean data;

    @Option(names = {"-f", "--follow"}, description = "keep reading events as they are written, until stopped")
    private boolean follow;

    @Mixin
    private JournalSelection selection = new JournalSelection();

    private volatile boolean running = true;

    @Override
    public Integer call() throws InterruptedException
    {
        selection.conclude(spec.commandLine());
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final EventFormatter formatter = new EventFormatter(data);
        final JournalEvent.Collector printer = new JournalEvent.Collector(event ->
        {
            if (selection.accepts(event))
            {
                out.append(json ? formatter.json(event) : formatter.text(event)).append('\n');
            }
        });
        final JournalReader reader = JournalInput.open(directory, err, PREFIX);
        if (reader == null)
        {
            return Flowtap.EXIT_INPUT_ERROR;
        }
        final StopOnSignal signals = follow ? new StopOnSignal(() -> running = false) : null;
        int printed = 0;
        try (reader)
        {
            if (!follow)
            {
                // In steps, so that output that cannot be written (a full disk, a closed pipe) stops the reading.
                while (!out.checkError() && reader.poll(printer, POLL_LIMIT) > 0)
                {
                    // Printing is the visitor's job.
                }
                if (!out.checkError())
                {
                    reader.readAll(printer);
                }
            }
            else
            {
                while (running && !out.checkError())
                {
                    if (reader.poll(printer, POLL_LIMIT) == 0)
                    {
                        out.flush();
                        for (; printed < reader.damages().size(); printed++)
                        {
                            err.println(PREFIX + reader.damages().get(printed).message());
                            err.flush();
                        }
                        Thread.sleep(FOLLOW_SLEEP_MS);
                    }
                }
            }
            out.flush();
            final String ambiguity = selection.ambiguity();
            if (ambiguity != null)
            {
                err.println(PREFIX + ambiguity);
            }
            return JournalInput.finish(reader, err, PREFIX, printed);
        }
        finally
        {
            if (signals != null)
            {
                signals.close();
            }
        }
    }

    /**
     * Stop following (tests; a signal does the same).
     */
    void stop()
    {
        running = false;
    }
}
