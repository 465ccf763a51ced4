package io.flowtap.tools.journal;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.pipeline.journal.JournalEvent;
import io.flowtap.pipeline.journal.JournalFlowId;
import io.flowtap.pipeline.journal.JournalVisitor;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.output.GapFill;
import io.flowtap.tools.output.OutputFiles;
import io.flowtap.tools.output.StreamFile;
import io.flowtap.tools.output.StreamFileWriter;
import io.flowtap.tools.output.TcpflowNames;
import io.flowtap.tools.streams.StreamsCommand;
import org.agrona.DirectBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code flowtap journal export DIR --out OUTDIR}: each flow's two directions as files, named as tcpflow (and
 * {@code flowtap streams}) names them, with the bytes at their stream offsets, and the flow records as JSON lines:
 * what {@code flowtap streams} writes from the capture, written from the journal instead.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = "Write each flow's directions as files named as tcpflow names them, gaps filled as chosen, and the "
        + "flow records as OUTDIR/flows.jsonl.",
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap journal export /var/lib/flowtap/journal --out flows/",
        "  flowtap journal export journal/ --out flows/ --filter 'port 80' --gap-fill none",
        "  flowtap journal export journal/ --out flows/ --pcap streams.pcap && tshark -r streams.pcap -z conv,tcp -q",
        "  flowtap journal export --kafka kafka1:9092 --topic flows --out fleet/   # fleet/SENSOR/ for each sensor"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:no journal there, not a flowtap journal, a newer schema, a damaged tail (what was before it is exported), "
            + "or the files cannot be written",
        "2:bad command line",
        "3:the output directory or capture cannot be written (a full disk)"})
public final class JournalExportCommand implements Callable<Integer>
{
    private static final String PREFIX = "flowtap journal export: ";
    /** Stream files open at once at most, as for {@code streams}: the least recently written is closed. */
    private static final int MAX_OPEN_FILES = StreamsCommand.MAX_OPEN_FILES_DEFAULT;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "the journal's directory")
    private Path directory;

    @Mixin
    private KafkaInput kafka = new KafkaInput();

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "OUTDIR", description = "directory to write to")
    private Path out;

    @Option(names = "--gap-fill", paramLabel = "HOW",
        description = "bytes never captured: zeros keeps every byte at its stream offset, as tcpflow; none leaves "
            + "them out (default: zeros)")
    private GapFill gapFill = GapFill.ZEROS;

    @Option(names = "--pcap", paramLabel = "FILE",
        description = "also write a pcap of the reassembled streams: each flow one clean TCP connection (handshake, "
            + "its bytes at their stream offsets, FIN each way), checksums correct, at the journal's times")
    private Path pcap;

    @Mixin
    private JournalSelection selection = new JournalSelection();

    private StreamPcapWriter pcapWriter;
    private long lastNs;

    private final Map<JournalFlowId, Flow> flows = new HashMap<>();
    private final EventFormatter formatter = new EventFormatter(false);
    private final Map<String, Output> outputs = new LinkedHashMap<>();
    private JournalSource source;

    /**
     * Where one sensor's flows go: OUTDIR itself for a journal's directory, OUTDIR/SENSOR for each sensor of a topic,
     * so that each is what exporting that sensor's own journal writes.
     */
    private static final class Output
    {
        final Writer records;
        final StreamFileWriter files;

        Output(final Path dir, final GapFill gapFill) throws IOException
        {
            Files.createDirectories(dir);
            records = OutputFiles.newRecordsWriter(dir.resolve("flows.jsonl"));
            files = new StreamFileWriter(dir, gapFill, MAX_OPEN_FILES);
        }
    }

    /** One flow's files as they are being written. */
    private static final class Flow implements StreamFileWriter.StreamName
    {
        final JournalEvent.Key key;
        final Output output;
        StreamPcapWriter.Connection connection;
        final StreamFile[] files = new StreamFile[2];
        final long[] skipped = new long[2];

        Flow(final JournalEvent.Key key, final Output output)
        {
            this.key = key;
            this.output = output;
        }

        @Override
        public void append(final StringBuilder name, final int direction)
        {
            TcpflowNames.appendDirection(name, key.ipVersion(), key.clientHigh(), key.clientLow(), key.clientPort(),
                key.serverHigh(), key.serverLow(), key.serverPort(),
                key.vlan() < 4096 ? key.vlan() : PacketDecoder.NO_VLAN, direction);
        }
    }

    /** Payload as the reader hands it over, in place: written without a copy into a record first. */
    private final JournalVisitor payloads = new JournalVisitor()
    {
        @Override
        public void onPayload(
            final int run,
            final int source,
            final long flowId,
            final long timeNs,
            final int direction,
            final long streamOffset,
            final DirectBuffer buffer,
            final int offset,
            final int length,
            final int eof)
        {
            if (length > 0 && selection.acceptsPayload(run, source, flowId, timeNs))
            {
                lastNs = Math.max(lastNs, timeNs);
                final Flow flow = flows.get(new JournalFlowId(JournalExportCommand.this.source.sensor(), run, source,
                    flowId));
                if (flow != null)
                {
                    payload(flow, direction, streamOffset, buffer, offset, length, timeNs);
                }
            }
        }
    };

    @Override
    public Integer call()
    {
        selection.conclude(spec.commandLine());
        kafka.conclude(spec.commandLine(), directory);
        final PrintWriter err = spec.commandLine().getErr();
        final JournalSource reader = JournalInput.open(directory, kafka, false);
        source = reader;
        try (reader)
        {
            Files.createDirectories(out);
            pcapWriter = pcap == null ? null : new StreamPcapWriter(pcap);
            if (!kafka.isTopic())
            {
                outputs.put("", new Output(out, gapFill));
            }
            try
            {
                reader.readAll(new JournalEvent.Collector(event ->
                {
                    if (selection.accepts(event))
                    {
                        export(event);
                    }
                }, payloads));
            }
            finally
            {
                for (final Flow flow : flows.values())
                {
                    close(flow);
                    if (pcapWriter != null)
                    {
                        pcapWriter.close(flow.connection, lastNs);
                    }
                }
                for (final Output output : outputs.values())
                {
                    output.files.close();
                    output.records.close();
                }
                if (pcapWriter != null)
                {
                    pcapWriter.close();
                }
            }
            long created = 0;
            for (final Output output : outputs.values())
            {
                created += output.files.filesCreated();
            }
            err.println(PREFIX + created + " stream files written to " + out +
                (kafka.isTopic() ? " (" + outputs.size() + " sensors, one directory each)" : "") +
                (pcapWriter == null ? "" : ", " + pcapWriter.frames() + " frames to " + pcap));
            err.flush();
            return reader.finish(err, PREFIX, 0);
        }
        catch (final IOException | UncheckedIOException ex)
        {
            err.println(PREFIX + ex.getMessage());
            err.flush();
            return ExitCodes.OUTPUT_ERROR;
        }
    }

    private void export(final JournalEvent event)
    {
        final JournalFlowId id = JournalFlowId.of(source.sensor(), event);
        lastNs = Math.max(lastNs, event.timeNs());
        if (event instanceof JournalEvent.FlowStart start)
        {
            final Flow flow = new Flow(start.key(), output(id.sensor()));
            flows.put(id, flow);
            if (pcapWriter != null)
            {
                flow.connection = pcap(() -> pcapWriter.open(start.key(), start.timeNs()));
            }
            return;
        }
        final Flow flow = flows.get(id);
        if (flow == null)
        {
            return;
        }
        if (event instanceof JournalEvent.Gap gap && gapFill == GapFill.NONE)
        {
            flow.skipped[gap.direction()] += gap.length();
        }
        else if (event instanceof JournalEvent.FlowEnd)
        {
            close(flow);
            if (pcapWriter != null)
            {
                pcap(() ->
                {
                    pcapWriter.close(flow.connection, event.timeNs());
                    return null;
                });
            }
            flows.remove(id);
            try
            {
                flow.output.records.append(formatter.json(event)).append('\n');
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
    }

    private Output output(final String sensor)
    {
        Output output = outputs.get(sensor);
        if (output == null)
        {
            try
            {
                output = new Output(out.resolve(sensor), gapFill);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(out.resolve(sensor) + ": cannot write: " + ex.getMessage(), ex);
            }
            outputs.put(sensor, output);
        }
        return output;
    }

    /** A write to the pcap, which may fail. */
    @FunctionalInterface
    private interface PcapWrite<T>
    {
        T run() throws IOException;
    }

    private <T> T pcap(final PcapWrite<T> write)
    {
        try
        {
            return write.run();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(pcap + ": cannot write: " + ex.getMessage(), ex);
        }
    }

    private void payload(
        final Flow flow,
        final int direction,
        final long streamOffset,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs)
    {
        flow.output.files.write(flow, flow.files, flow.skipped, direction, streamOffset, buffer, offset, length);
        if (pcapWriter != null)
        {
            // The capture is made of whole frames anyway: its writer takes the bytes as an array.
            final byte[] data = new byte[length];
            buffer.getBytes(offset, data);
            pcap(() ->
            {
                pcapWriter.data(flow.connection, direction, streamOffset, data, timeNs);
                return null;
            });
        }
    }

    private void close(final Flow flow)
    {
        for (int d = 0; d < 2; d++)
        {
            flow.output.files.close(flow.files, d);
        }
    }
}
