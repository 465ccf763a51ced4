package io.flowtap.tools.journal;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.pipeline.journal.JournalEvent;
import io.flowtap.pipeline.journal.JournalFlowId;
import io.flowtap.pipeline.journal.JournalReader;
import io.flowtap.pipeline.journal.JournalVisitor;
import io.flowtap.tools.Flowtap;
import io.flowtap.tools.replay.GapFill;
import io.flowtap.tools.replay.OutputFiles;
import io.flowtap.tools.replay.StreamFile;
import io.flowtap.tools.replay.StreamFileWriter;
import io.flowtap.tools.replay.TcpflowNames;
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
        "  flowtap journal export journal/ --out flows/ --pcap streams.pcap && tshark -r streams.pcap -z conv,tcp -q"},
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

    @Parameters(index = "0", paramLabel = "DIR", description = "the journal's directory")
    private Path directory;

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
    private Writer records;
    private StreamFileWriter files;

    /** One flow's files as they are being written. */
    private static final class Flow implements StreamFileWriter.StreamName
    {
        final JournalEvent.Key key;
        StreamPcapWriter.Connection connection;
        final StreamFile[] files = new StreamFile[2];
        final long[] skipped = new long[2];

        Flow(final JournalEvent.Key key)
        {
            this.key = key;
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
                final Flow flow = flows.get(new JournalFlowId(run, source, flowId));
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
        final PrintWriter err = spec.commandLine().getErr();
        final JournalReader reader = JournalInput.open(directory, err, PREFIX);
        if (reader == null)
        {
            return Flowtap.EXIT_INPUT_ERROR;
        }
        try (reader)
        {
            Files.createDirectories(out);
            records = OutputFiles.newRecordsWriter(out.resolve("flows.jsonl"));
            pcapWriter = pcap == null ? null : new StreamPcapWriter(pcap);
            files = new StreamFileWriter(out, gapFill, MAX_OPEN_FILES);
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
                files.close();
                records.close();
                if (pcapWriter != null)
                {
                    pcapWriter.close();
                }
            }
            err.println(PREFIX + files.filesCreated() + " stream files written to " + out +
                (pcapWriter == null ? "" : ", " + pcapWriter.frames() + " frames to " + pcap));
            err.flush();
            return JournalInput.finish(reader, err, PREFIX);
        }
        catch (final IOException | UncheckedIOException ex)
        {
            err.println(PREFIX + ex.getMessage());
            err.flush();
            return Flowtap.EXIT_OUTPUT_ERROR;
        }
    }

    private void export(final JournalEvent event)
    {
        final JournalFlowId id = JournalFlowId.of(event);
        lastNs = Math.max(lastNs, event.timeNs());
        if (event instanceof JournalEvent.FlowStart start)
        {
            final Flow flow = new Flow(start.key());
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
                records.append(formatter.json(event)).append('\n');
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
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
        files.write(flow, flow.files, flow.skipped, direction, streamOffset, buffer, offset, length);
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
            files.close(flow.files, d);
        }
    }
}
