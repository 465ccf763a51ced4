package io.flowtap.tools.inspect;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.capture.filter.FilterSyntaxException;
import io.flowtap.capture.filter.FlowFilter;
import io.flowtap.tools.CounterReport;
import io.flowtap.tools.FilterHelp;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.OptionRanges;
import io.flowtap.tools.StandardOutput;
import io.flowtap.tools.options.DecoderOptions;
import io.flowtap.tools.text.SegmentFormatter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code flowtap inspect FILE}: one line per TCP segment of a capture file, then a counters summary that accounts
 * for every frame. {@code --filter} evaluates in userspace the same language the kernel runs for
 * {@code flowtap capture --filter}, and the summary then says how many segments it kept.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
        "Print every TCP segment of a pcap or pcapng file, one per line, then count every frame that was not one.",
        "Lines go to standard output; the counters summary goes to standard error."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap inspect capture.pcap",
        "  flowtap inspect --json --count 100 capture.pcapng | jq .srcport",
        "  flowtap inspect --checksum off offloaded.pcap",
        "  flowtap inspect --filter 'tcp dst port 80 or 8080' capture.pcap",
        "  flowtap inspect --filter 'src net fd00::/8 and not vlan' capture.pcapng",
        FilterHelp.HEADING,
        FilterHelp.PRIMITIVES,
        FilterHelp.QUALIFIERS,
        FilterHelp.VALUES,
        FilterHelp.COMBINATORS,
        FilterHelp.PRECEDENCE,
        FilterHelp.REPEAT,
        FilterHelp.SCOPE},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the file is unreadable or damaged (segments before the damage were printed)",
        "2:bad command line, a bad filter expression included",
        "3:standard output cannot be written (a full disk, /dev/full)"})
public final class InspectCommand implements Callable<Integer>
{
    private static final int POLL_LIMIT = 256;

    @Parameters(index = "0", paramLabel = "FILE",
        description = "pcap or pcapng capture file; - (or a pipe, /dev/stdin) is read as a stream: tcpdump -w - | ...")
    private Path file;

    @Option(names = "--json", description = "one JSON object per line, with Haka's field names")
    private boolean json;

    @Option(names = {"-c", "--count"}, paramLabel = "N", description = "stop after N TCP segments, 1 or more")
    private long count = Long.MAX_VALUE;

    @Option(names = "--checksum", paramLabel = "MODE",
        description = "TCP checksum handling: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    private ChecksumMode checksumMode = ChecksumMode.AUTO;

    @Option(names = "--no-summary", description = "do not print the counters summary")
    private boolean noSummary;

    @Option(names = "--filter", paramLabel = "EXPR",
        description = "print only the TCP segments EXPR matches (see Filter expressions below)")
    private String filterExpression;

    @Mixin
    private DecoderOptions decoderOptions = new DecoderOptions();

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    private FlowFilter filter = FlowFilter.matchAll();
    private long matched;
    private long filteredOut;

    private PrintStream out = StandardOutput.bufferedStream();
    private PrintStream err = System.err;

    /**
     * Send output somewhere else than the process's standard streams (tests).
     *
     * @param out for segment lines.
     * @param err for the summary and errors.
     * @return this command.
     */
    public InspectCommand streams(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
        return this;
    }

    @Override
    public Integer call()
    {
        OptionRanges.check(spec.commandLine(), "--count", count, 1, Long.MAX_VALUE);
        try
        {
            filter = FlowFilter.parse(filterExpression);
        }
        catch (final FilterSyntaxException ex)
        {
            // One line, not picocli's usage screen: the message already says where the expression went wrong.
            spec.commandLine().getErr().println("flowtap inspect: " + ex.getMessage());
            spec.commandLine().getErr().flush();
            return ExitCodes.USAGE;
        }
        final PacketDecoder decoder = new PacketDecoder(
            decoderOptions.context(spec.commandLine(), checksumMode, List.of()), false);
        final SegmentFormatter formatter = new SegmentFormatter();
        final long[] printed = {0};
        final FrameHandler handler = (frame) -> onFrame(frame, decoder, formatter, printed);

        int exitCode = ExitCodes.OK;
        try (CaptureFileSource source = CaptureFiles.open(file))
        {
            while (!source.isEndOfStream() && printed[0] < count && !out.checkError())
            {
                source.poll(handler, POLL_LIMIT);
            }
        }
        catch (final CaptureFileException ex)
        {
            out.flush();
            err.println("flowtap inspect: " + ex.getMessage());
            exitCode = ExitCodes.INPUT_ERROR;
        }
        out.flush();
        if (!noSummary)
        {
            CounterReport.print(err, decoder.counters());
            if (filterExpression != null)
            {
                err.printf("filter \"%s\": tcp segments matched %d, filtered out %d%n",
                    FlowFilter.abbreviate(filterExpression), matched, filteredOut);
            }
        }
        return exitCode;
    }

    private void onFrame(
        final Frame frame, final PacketDecoder decoder, final SegmentFormatter formatter, final long[] printed)
    {
        if (printed[0] >= count)
        {
            return;
        }
        if (decoder.decode(frame))
        {
            if (!filter.matchesEverything() && !filter.matches(decoder))
            {
                filteredOut++;
                return;
            }
            matched++;
            out.append(json ? formatter.json(frame, decoder) : formatter.text(frame, decoder)).append('\n');
            printed[0]++;
        }
    }
}
