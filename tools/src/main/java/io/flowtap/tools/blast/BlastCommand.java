package io.flowtap.tools.blast;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.perf.blast.BlastReport;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.capture.ring.AfPacketTransmitter;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.OptionRanges;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code flowtap blast -i IFACE FILE}: send a capture's frames out of an interface through an AF_PACKET transmit
 * ring, at a packet rate or at top speed, any number of times over, and report the rate achieved.
 */
@Command(
    name = "blast",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Send the Ethernet frames of a pcap or pcapng file out of an interface through an AF_PACKET transmit ring "
            + "(TPACKET_V2), at a fixed packet rate (paced on the monotonic clock, catching up after a stall) or as "
            + "fast as the ring drains, and report the frames, bytes and rate achieved.",
        "Frames are sent as captured: the sender's own MAC and IP addresses are not put in. Frames longer than a "
            + "ring slot (over " + (AfPacketTransmitter.FRAME_SIZE_DEFAULT - 32) + " bytes, such as GRO'd captures) "
            + "and non-Ethernet frames are skipped and counted.",
        "Ctrl-C or SIGTERM stop after the frame in hand and still print the report."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap gen -o load.pcap --packets 1000000 --no-expected && flowtap blast -i veth0 load.pcap",
        "  flowtap blast -i eth1 load.pcap --pps 200000 --loop 10 --cpu 1",
        "  flowtap blast -i eth1 load.pcap --loop 0 --duration 30"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success, including a stop by Ctrl-C or SIGTERM",
        "1:the file is unreadable or damaged, or the interface cannot be sent on (no such interface, down, no "
            + "privilege)",
        "2:bad command line"})
public final class BlastCommand implements Callable<Integer>
{
    private static final String PREFIX = "flowtap blast: ";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = {"-i", "--interface"}, required = true, paramLabel = "IFACE", description = "interface to send on")
    private String interfaceName;

    @Parameters(index = "0", paramLabel = "FILE", description = "pcap or pcapng capture to send")
    private Path file;

    @Option(names = "--pps", paramLabel = "N",
        description = "frames per second, 1 to 1000000000 (default: top speed)")
    private long pps;

    @Option(names = "--loop", paramLabel = "K",
        description = "send the file K times, 0 for as long as --duration allows or until Ctrl-C (default: 1)")
    private long loops = 1;

    @Option(names = "--duration", paramLabel = "SECONDS",
        description = "stop after this long, up to a year (default: no limit)")
    private double durationSeconds;

    @Option(names = "--cpu", paramLabel = "C",
        description = "pin the sending thread to CPU C, one this process may run on")
    private int cpu = -1;

    @Option(names = "--ring-frames", paramLabel = "N",
        description = "slots of the transmit ring, 1 to 1048576 (default: ${DEFAULT-VALUE})")
    private int ringFrames = AfPacketTransmitter.FRAME_COUNT_DEFAULT;

    @Option(names = "--qdisc-bypass", description = "hand frames straight to the driver (PACKET_QDISC_BYPASS)")
    private boolean qdiscBypass;

    @Option(names = "--key-values", description = "print the report as key=value pairs, for scripts")
    private boolean keyValues;

    private PrintStream out = System.out;

    /**
     * Send the report and errors somewhere else than standard output (tests).
     *
     * @param out for the report and errors.
     * @return this command.
     */
    public BlastCommand messages(final PrintStream out)
    {
        this.out = out;
        return this;
    }

    @Override
    public Integer call()
    {
        final CommandLine commandLine = spec.commandLine();
        OptionRanges.check(commandLine, "--pps", pps, 0, 1_000_000_000L);
        OptionRanges.check(commandLine, "--loop", loops, 0, Long.MAX_VALUE);
        OptionRanges.check(commandLine, "--duration", durationSeconds, 0, false, 365.0 * 24 * 3600);
        OptionRanges.check(commandLine, "--ring-frames", ringFrames, 1, 1 << 20);
        if (cpu != -1)
        {
            OptionRanges.checkCpus(commandLine, "--cpu", new int[] {cpu});
        }
        if (!Files.isReadable(file))
        {
            out.println(PREFIX + file + ": no such file or not readable");
            return ExitCodes.INPUT_ERROR;
        }
        final long durationNs = durationSeconds == 0 ? Long.MAX_VALUE :
            (long)(durationSeconds * TimeUnit.SECONDS.toNanos(1));
        final long times = loops == 0 ? Long.MAX_VALUE : loops;
        try
        {
            final BlastReport report = WireSender.run(interfaceName, ringFrames, qdiscBypass, cpu,
                new WireSender.Pace(pps, 0), blaster -> blaster.blast(() -> CaptureFiles.open(file), times, durationNs),
                out, PREFIX, keyValues);
            return report == null ? ExitCodes.INPUT_ERROR : ExitCodes.OK;
        }
        catch (final CaptureFileException | UncheckedIOException ex)
        {
            out.println(PREFIX + file + ": " + ex.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
    }
}
