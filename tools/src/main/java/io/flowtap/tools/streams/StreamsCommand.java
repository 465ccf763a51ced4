package io.flowtap.tools.streams;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.MemoryBudget;
import io.flowtap.tools.OptionRanges;
import io.flowtap.tools.handler.HandlerLoadException;
import io.flowtap.tools.handler.HandlerOptions;
import io.flowtap.tools.handler.UserHandlers;
import io.flowtap.tools.replay.CaptureReplay;
import io.flowtap.tools.options.DecoderOptions;
import io.flowtap.tools.options.EngineOptions;
import io.flowtap.tools.output.FlowReporter;
import io.flowtap.tools.output.GapFill;
import io.flowtap.tools.output.OutputFiles;
import io.flowtap.tools.output.StreamFileWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code flowtap streams FILE --out DIR}: reassemble a capture file and write each direction of each TCP connection to
 * a file of its own, named as tcpflow names them, plus {@code flows.jsonl} with one JSON object per connection.
 */
@Command(
    name = "streams",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Reassemble the TCP connections of a pcap or pcapng file and write each direction's bytes to a file of its "
            + "own in DIR, named as tcpflow names them: SRCIP.SRCPORT-DSTIP.DSTPORT (IPv4 octets padded to 3 "
            + "digits, ports to 5), then --VLAN when the connection was 802.1Q tagged, then c1, c2 ... for a later "
            + "connection on the same addresses and ports.",
        "A direction that carried no bytes gets no file. Where bytes were never captured (a gap) the file holds "
            + "zeros, so that file offsets are stream offsets (--gap-fill none leaves them out).",
        "DIR/flows.jsonl gets one JSON object per connection as it ends: endpoints, times, end reason, PATHspider's "
            + "TCP flags, a Zeek-style history, counts each way, the file of each direction, and the gaps and "
            + "conflicting overlaps with their stream offsets.",
        "The decoder's and the engine's counters go to standard error."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap streams capture.pcap --out flows/",
        "  flowtap streams capture.pcapng -o out --delivery acked --host-policy 10.0.0.0/8=windows",
        "  flowtap streams offloaded.pcap -o out --checksum off --gap-fill none",
        "  flowtap streams capture.pcap -o out --handler-path my-handlers.jar --handler com.example.MyHandler"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the capture is unreadable or damaged (what came before the damage was written), or DIR cannot be written",
        "2:bad command line, or a handler that cannot be loaded, compiled or made",
        "3:the output directory cannot be written (a full disk)",
        "4:a handler threw and --handler-errors stop stopped the run (what came before was written)"})
public final class StreamsCommand implements Callable<Integer>
{
    /** The flow records' file in the output directory. */
    public static final String FLOWS_FILE = "flows.jsonl";
    /** Default bound on stream files open at once. */
    public static final int MAX_OPEN_FILES_DEFAULT = 256;
    private static final String PREFIX = "flowtap streams: ";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE",
        description = "pcap or pcapng capture file; - (or a pipe, /dev/stdin) is read as a stream: tcpdump -w - | ...")
    private Path file;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
        description = "directory to write the stream files and flows.jsonl to (created if missing)")
    private Path out;

    @Option(names = "--gap-fill", paramLabel = "FILL",
        description = "what a stream file holds where bytes were never captured: zeros (as tcpflow), or none "
            + "(default: zeros)")
    private GapFill gapFill = GapFill.ZEROS;

    @Option(names = "--max-open-files", paramLabel = "N",
        description = "most stream files open at once, 1 to 1000000; the least recently written is closed, and "
            + "opened again when its connection writes again (default: ${DEFAULT-VALUE})")
    private int maxOpenFiles = MAX_OPEN_FILES_DEFAULT;

    @Mixin
    private EngineOptions engineOptions = new EngineOptions();

    @Mixin
    private DecoderOptions decoderOptions = new DecoderOptions();

    @Mixin
    private HandlerOptions handlerOptions = new HandlerOptions();

    @Option(names = "--no-summary", description = "do not print the counters summary")
    private boolean noSummary;

    private PrintStream err = System.err;

    /**
     * Send messages somewhere else than the process's standard error (tests).
     *
     * @param err for the summary and errors.
     * @return this command.
     */
    public StreamsCommand streams(final PrintStream err)
    {
        this.err = err;
        return this;
    }

    @Override
    public Integer call()
    {
        OptionRanges.check(spec.commandLine(), "--max-open-files", maxOpenFiles, 1, 1_000_000);
        final EngineContext context = engineOptions.context(spec.commandLine());
        new MemoryBudget().engines(1, context).decoders(1,
            decoderOptions.context(spec.commandLine(), engineOptions.checksumMode(), engineOptions.hostPolicies()))
            .check(spec.commandLine());
        final UserHandlers user;
        try
        {
            user = handlerOptions.load(1, spec.commandLine().getOut(), line -> err.println(PREFIX + line));
        }
        catch (final HandlerLoadException ex)
        {
            ex.lines().forEach(line -> err.println(PREFIX + line));
            return ExitCodes.USAGE;
        }
        final CaptureFileSource source = CaptureReplay.open(file, err, PREFIX);
        if (source == null)
        {
            return ExitCodes.INPUT_ERROR;
        }
        final Path flowsFile = out.resolve(FLOWS_FILE);
        final BufferedWriter flows;
        try
        {
            Files.createDirectories(out);
            flows = OutputFiles.newRecordsWriter(flowsFile);
        }
        catch (final IOException ex)
        {
            source.close();
            err.println(PREFIX + out + ": cannot write: " + describe(ex));
            return ExitCodes.OUTPUT_ERROR;
        }

        final PacketDecoder decoder = new PacketDecoder(decoderOptions.context(spec.commandLine(),
            engineOptions.checksumMode(), engineOptions.hostPolicies()), false);
        int exitCode = ExitCodes.OK;
        try (StreamFileWriter files = new StreamFileWriter(out, gapFill, maxOpenFiles); flows)
        {
            final FlowReporter reporter = new FlowReporter(line -> writeLine(flows, flowsFile, line), true, files);
            final ReassemblyEngine engine = new ReassemblyEngine(
                context.dataSlots(user.dataSlots()), engineOptions.handlers(reporter, user.forWorker(0)));
            final String damage = CaptureReplay.replay(source, decoder, engine, user.errors()::stopRequested);
            user.close();
            spec.commandLine().getOut().flush();
            if (damage != null)
            {
                err.println(PREFIX + damage);
                exitCode = ExitCodes.INPUT_ERROR;
            }
            if (user.errors().stopRequested())
            {
                err.println(PREFIX + "stopped: a handler threw and --handler-errors is stop; the flows open were " +
                    "ended (shutdown) and written");
                exitCode = ExitCodes.HANDLER_STOPPED;
            }
            if (!noSummary)
            {
                CaptureReplay.printCounters(err, decoder, engine);
                err.printf("streams: %d connections, %d files in %s%n",
                    reporter.flowsReported(), files.filesCreated(), out);
            }
            err.print(user.summary());
        }
        catch (final UncheckedIOException ex)
        {
            err.println(PREFIX + ex.getMessage());
            exitCode = ExitCodes.OUTPUT_ERROR;
        }
        catch (final IOException ex)
        {
            err.println(PREFIX + flowsFile + ": cannot write: " + describe(ex));
            exitCode = ExitCodes.OUTPUT_ERROR;
        }
        return exitCode;
    }

    private static void writeLine(final BufferedWriter writer, final Path path, final CharSequence line)
    {
        try
        {
            writer.append(line).append('\n');
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(path + ": cannot write: " + describe(ex), ex);
        }
    }

    private static String describe(final IOException ex)
    {
        return ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
    }
}
