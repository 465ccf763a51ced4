package io.flowtap.tools.gen;

import io.flowtap.perf.gen.Encapsulation;
import io.flowtap.perf.gen.ExpectedStreams;
import io.flowtap.perf.gen.GenContext;
import io.flowtap.perf.gen.GenSummary;
import io.flowtap.perf.gen.TrafficGenerator;
import io.flowtap.tools.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code flowtap gen --out FILE.pcap}: a seeded synthetic capture and the streams it should reassemble to.
 */
@Command(
    name = "gen",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Write a reproducible pcap of TCP connections (handshakes with MSS, SACK-permitted, timestamps and window "
            + "scale; request/response exchanges; frames of 66 to 1514 bytes, median near 900; FIN and RST endings) "
            + "with chosen rates of loss, reordering, duplication and conflicting overlaps, and optionally sequence "
            + "numbers that wrap.",
        "Beside it, in FILE.expected/ (or --expected DIR), each stream's bytes as 'flowtap streams' writes them: "
            + "tcpflow-named files, zeros where a segment was lost, and " + ExpectedStreams.MANIFEST + " with each "
            + "direction's length and lost ranges.",
        "Conflicting overlaps resolve for the original bytes under the default overlap policy (bsd), and under "
            + "linux, windows and first; the same seed and options always give the same bytes."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap gen --out load.pcap --packets 1000000 --connections 1000 --seed 7",
        "  flowtap gen -o impaired.pcap --packets 20000 --loss 0.01 --reorder 0.02 --duplicate 0.01 --overlap 0.01 "
            + "--wrap",
        "  flowtap streams impaired.pcap -o got && diff -r got impaired.expected",
        "  flowtap gen -o sensor.pcap --encap vxlan --fragment 0.05 --duplicate-span 0.1 --offload-checksums",
        "  flowtap streams sensor.pcap -o got --dedup 1ms && diff -r --exclude='*.jsonl' got sensor.expected"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:the files cannot be written", "2:bad command line"})
public final class GenCommand implements Callable<Integer>
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "the pcap file to write")
    private Path out;

    @Option(names = "--packets", paramLabel = "N",
        description = "at least this many packets; connections in flight are finished (default: ${DEFAULT-VALUE})")
    private long packets = GenContext.PACKETS_DEFAULT;

    @Option(names = "--connections", paramLabel = "M",
        description = "connections open at once (default: ${DEFAULT-VALUE})")
    private int connections = GenContext.CONNECTIONS_DEFAULT;

    @Option(names = "--seed", paramLabel = "S", description = "random seed (default: ${DEFAULT-VALUE})")
    private long seed = GenContext.SEED_DEFAULT;

    @Option(names = "--loss", paramLabel = "R", description = "share of data segments never captured (0 to 1)")
    private double loss;

    @Option(names = "--reorder", paramLabel = "R", description = "share of data segments captured after the next one")
    private double reorder;

    @Option(names = "--duplicate", paramLabel = "R", description = "share of data segments captured twice")
    private double duplicate;

    @Option(names = "--overlap", paramLabel = "R",
        description = "share of data segments retransmitted with different bytes")
    private double overlap;

    @Option(names = "--wrap", description = "initial sequence numbers just below 2^32, so sequence numbers wrap")
    private boolean wrap;

    @Option(names = "--frame-size", paramLabel = "BYTES",
        description = "every data frame this long (55 to 1514) and no timestamp option, for small-packet load; "
            + "handshakes and acknowledgements stay 54 to 66 bytes (default: the mix)")
    private int frameSize;

    @Option(names = "--encap", paramLabel = "KIND", converter = EncapsulationConverter.class,
        description = "deliver every frame inside a tunnel, as a sensor behind cloud mirroring or a switch's "
            + "mirror session receives it: none, vxlan, geneve, gre, erspan or ipip (default: none)")
    private Encapsulation encapsulation = Encapsulation.NONE;

    @Option(names = "--fragment", paramLabel = "R",
        description = "share of data packets sent as two or three IP fragments, in order or last first (0 to 1)")
    private double fragment;

    @Option(names = "--duplicate-span", paramLabel = "R",
        description = "share of frames a SPAN port delivers twice, the copy a hop later with its TTL one lower (0 to "
            + "1): what flowtap's --dedup drops")
    private double duplicateSpan;

    @Option(names = "--offload-checksums",
        description = "give the client's segments the checksum its stack leaves to the NIC, as a capture taken on "
            + "the client shows them")
    private boolean offloadChecksums;

    @Option(names = "--expected", paramLabel = "DIR",
        description = "directory for the expected streams (default: FILE without extension, plus .expected)")
    private Path expected;

    @Option(names = "--no-expected", description = "write the capture only")
    private boolean noExpected;

    private PrintStream err = System.err;

    /**
     * Send messages somewhere else than the process's standard error (tests).
     *
     * @param err for the summary and errors.
     * @return this command.
     */
    public GenCommand messages(final PrintStream err)
    {
        this.err = err;
        return this;
    }

    @Override
    public Integer call()
    {
        final GenContext context = new GenContext()
            .out(out)
            .expectedDirectory(expected)
            .writeExpected(!noExpected)
            .packets(packets)
            .connections(connections)
            .seed(seed)
            .lossRate(loss)
            .reorderRate(reorder)
            .duplicateRate(duplicate)
            .overlapRate(overlap)
            .wrap(wrap)
            .dataFrameLength(frameSize)
            .encapsulation(encapsulation)
            .fragmentRate(fragment)
            .spanDuplicateRate(duplicateSpan)
            .offloadChecksums(offloadChecksums);
        try
        {
            context.conclude();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        try
        {
            final GenSummary summary = TrafficGenerator.generate(context);
            err.println("gen: " + out + ": " + summary.describe() +
                (noExpected ? "" : "; expected streams in " + context.expectedDirectory()));
            return ExitCodes.OK;
        }
        catch (final IOException ex)
        {
            err.println("flowtap gen: cannot write: " + ex.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
    }

    /**
     * Parses {@code --encap}.
     */
    static final class EncapsulationConverter implements CommandLine.ITypeConverter<Encapsulation>
    {
        @Override
        public Encapsulation convert(final String value)
        {
            try
            {
                return Encapsulation.fromName(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.TypeConversionException(ex.getMessage());
            }
        }
    }
}
