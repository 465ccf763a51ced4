package io.flowtap.tools.journal;

import io.flowtap.pipeline.journal.JournalEvent;
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
        "  flowtap journal cat journal/ -f        # follow, as tail -f; Ctrl-C stops",
        "  flowtap journal cat --kafka kafka1:9092 --topic flows --sensor edge-1 --json"},
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

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "the journal's directory")
    private Path directory;

    @Mixin
    private KafkaInput kafka = new KafkaInput();

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
        kafka.conclude(spec.commandLine(), directory);
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final EventFormatter formatter = new EventFormatter(data);
        final JournalSource[] current = new JournalSource[1];
        final JournalEvent.Collector printer = new JournalEvent.Collector(event ->
        {
            if (selection.accepts(event))
            {
                final String sensor = current[0].sensor();
                final CharSequence line = json ? formatter.json(event) : formatter.text(event);
                if (sensor.isEmpty())
                {
                    out.append(line).append('\n');
                }
                else if (json)
                {
                    // A topic holds many sensors' events: each says whose it is.
                    out.append("{\"sensor\":\"").append(sensor).append("\",").append(line, 1, line.length())
                        .append('\n');
                }
                else
                {
                    out.append(sensor).append(' ').append(line).append('\n');
                }
            }
        });
        final JournalSource reader = JournalInput.open(directory, kafka, follow);
        current[0] = reader;
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
                        for (; printed < reader.problems().size(); printed++)
                        {
                            err.println(PREFIX + reader.problems().get(printed));
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
            return reader.finish(err, PREFIX, printed);
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
