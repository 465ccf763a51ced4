package io.flowtap.tools.flows;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.MemoryBudget;
import io.flowtap.tools.StandardOutput;
import io.flowtap.tools.handler.HandlerLoadException;
import io.flowtap.tools.handler.HandlerOptions;
import io.flowtap.tools.handler.UserHandlers;
import io.flowtap.tools.replay.CaptureReplay;
import io.flowtap.tools.options.DecoderOptions;
import io.flowtap.tools.options.EngineOptions;
import io.flowtap.tools.output.FlowReporter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code flowtap flows FILE}: reassemble a capture file and print one line per TCP connection as it ends.
 */
@Command(
    name = "flows",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Reassemble the TCP connections of a pcap or pcapng file and print one line per connection, in the order "
            + "they end: id, time of the first packet, client -> server, end reason, Zeek's conn_state and "
            + "history, then packets, stream bytes and gaps each way (client to server / server to client), the "
            + "bytes missing in each side's own data and those only acknowledgements show.",
        "--json prints the JSON objects flowtap streams writes to flows.jsonl instead (without file names).",
        "The decoder's and the engine's counters go to standard error."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap flows capture.pcap",
        "  flowtap flows --json capture.pcapng | jq 'select(.end_reason == \"rst\")'",
        "  flowtap flows --no-midstream --checksum off offloaded.pcap",
        "  flowtap flows capture.pcap --handler-source PathspiderTcpChain.java --no-summary"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the capture is unreadable or damaged (connections seen before the damage were printed)",
        "2:bad command line, or a handler that cannot be loaded, compiled or made",
        "3:standard output cannot be written (a full disk, /dev/full)",
        "4:a handler threw and --handler-errors stop stopped the run (what came before was printed)"})
public final class FlowsCommand implements Callable<Integer>
{
    private static final String PREFIX = "flowtap flows: ";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE",
        description = "pcap or pcapng capture file; - (or a pipe, /dev/stdin) is read as a stream: tcpdump -w - | ...")
    private Path file;

    @Option(names = "--json", description = "one JSON object per connection, as in flows.jsonl")
    private boolean json;

    @Mixin
    private EngineOptions engineOptions = new EngineOptions();

    @Mixin
    private DecoderOptions decoderOptions = new DecoderOptions();

    @Mixin
    private HandlerOptions handlerOptions = new HandlerOptions();

    @Option(names = "--no-summary", description = "do not print the counters summary")
    private boolean noSummary;

    private PrintStream out = StandardOutput.bufferedStream();
    private PrintStream err = System.err;

    /**
     * Send output somewhere else than the process's standard streams (tests).
     *
     * @param out for flow lines.
     * @param err for the summary and errors.
     * @return this command.
     */
    public FlowsCommand streams(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
        return this;
    }

    @Override
    public Integer call()
    {
        final EngineContext context = engineOptions.context(spec.commandLine());
        new MemoryBudget().engines(1, context).decoders(1,
            decoderOptions.context(spec.commandLine(), engineOptions.checksumMode(), engineOptions.hostPolicies()))
            .check(spec.commandLine());
        // The handlers' lines go through the flow lines' own buffer, so the two keep their order.
        final PrintWriter handlerOut = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        final UserHandlers user;
        try
        {
            user = handlerOptions.load(1, handlerOut, line -> err.println(PREFIX + line));
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
        final PacketDecoder decoder = new PacketDecoder(decoderOptions.context(spec.commandLine(),
            engineOptions.checksumMode(), engineOptions.hostPolicies()), false);
        final FlowReporter reporter = new FlowReporter(line -> out.append(line).append('\n'), json, null);
        final ReassemblyEngine engine = new ReassemblyEngine(
            context.dataSlots(user.dataSlots()), engineOptions.handlers(reporter, user.forWorker(0)));
        final String damage = CaptureReplay.replay(source, decoder, engine, user.errors()::stopRequested);
        user.close();
        handlerOut.flush();
        out.flush();
        int exitCode = ExitCodes.OK;
        if (damage != null)
        {
            err.println(PREFIX + damage);
            exitCode = ExitCodes.INPUT_ERROR;
        }
        if (user.errors().stopRequested())
        {
            err.println(PREFIX + "stopped: a handler threw and --handler-errors is stop; the flows open were ended " +
                "(shutdown)");
            exitCode = ExitCodes.HANDLER_STOPPED;
        }
        if (!noSummary)
        {
            CaptureReplay.printCounters(err, decoder, engine);
        }
        err.print(user.summary());
        return exitCode;
    }
}
