package io.flowtap.tools.journal;

import io.flowtap.capture.LinkType;
import io.flowtap.perf.blast.BlastReport;
import io.flowtap.perf.blast.Blaster;
import io.flowtap.capture.ring.AfPacketTransmitter;
import io.flowtap.pipeline.journal.JournalDamage;
import io.flowtap.pipeline.journal.JournalException;
import io.flowtap.pipeline.journal.JournalReader;
import io.flowtap.pipeline.journal.JournalVisitor;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.OptionRanges;
import io.flowtap.tools.blast.WireSender;
import org.agrona.DirectBuffer;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code flowtap journal replay-wire DIR -i IFACE}: send the frames of a raw-packet journal out of an interface
 * through an AF_PACKET transmit ring, at their recorded pace (or faster, slower, a fixed rate, top speed).
 */
@Command(
    name = "replay-wire",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Send the frames a raw-packet journal (capture or read with --raw-journal) recorded out of an interface "
            + "through an AF_PACKET transmit ring, in journal order, and report what was sent.",
        "Pace: the recorded one by default (--speed 1), a multiple of it (--speed X), a fixed rate (--pps N) or as "
            + "fast as the ring drains (--top). VLAN tags the capture stripped are put back; frames that are not "
            + "Ethernet or longer than a ring slot are skipped and counted.",
        "A damaged tail is replayed up to the damage, which is then reported."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap capture -i eth0 --raw-journal /var/lib/flowtap/raw --duration 60",
        "  flowtap journal replay-wire /var/lib/flowtap/raw -i veth0",
        "  flowtap journal replay-wire /var/lib/flowtap/raw -i veth0 --speed 10",
        "  flowtap journal replay-wire /var/lib/flowtap/raw -i veth0 --top --cpu 1"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success, including a stop by Ctrl-C or SIGTERM",
        "1:the journal is missing, empty, foreign, of a newer schema or damaged (what came before the damage was "
            + "sent), or the interface cannot be sent on",
        "2:bad command line"})
public final class ReplayWireCommand implements Callable<Integer>
{
    private static final String PREFIX = "flowtap journal replay-wire: ";
    private static final int POLL_LIMIT = 256;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "raw-packet journal directory")
    private Path directory;

    @Option(names = {"-i", "--interface"}, required = true, paramLabel = "IFACE", description = "interface to send on")
    private String interfaceName;

    @ArgGroup(exclusive = true)
    private PaceOptions pace = new PaceOptions();

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
     * The pace: one of the three, or the recorded one.
     */
    static final class PaceOptions
    {
        @Option(names = "--pps", paramLabel = "N", description = "frames per second, 1 to 1000000000")
        long pps;

        @Option(names = "--speed", paramLabel = "X",
            description = "times the recorded pace, more than 0 and at most 1000000 (default: 1)")
        double speed;

        @Option(names = "--top", description = "as fast as the ring drains")
        boolean top;
    }

    /**
     * Send the report and errors somewhere else than standard output (tests).
     *
     * @param out for the report and errors.
     * @return this command.
     */
    public ReplayWireCommand messages(final PrintStream out)
    {
        this.out = out;
        return this;
    }

    @Override
    public Integer call()
    {
        // picocli leaves an exclusive group null when none of its options is given.
        final PaceOptions asked = pace == null ? new PaceOptions() : pace;
        final CommandLine commandLine = spec.commandLine();
        if (asked.pps != 0)
        {
            OptionRanges.check(commandLine, "--pps", asked.pps, 1, 1_000_000_000L);
        }
        if (asked.speed != 0)
        {
            OptionRanges.check(commandLine, "--speed", asked.speed, 0, true, 1_000_000);
        }
        OptionRanges.check(commandLine, "--ring-frames", ringFrames, 1, 1 << 20);
        if (cpu != -1)
        {
            OptionRanges.checkCpus(commandLine, "--cpu", new int[] {cpu});
        }
        final WireSender.Pace chosen = asked.top ? WireSender.Pace.TOP :
            new WireSender.Pace(asked.pps, asked.pps > 0 ? 0 : asked.speed > 0 ? asked.speed : 1);
        final JournalReader reader;
        try
        {
            reader = JournalReader.open(directory);
        }
        catch (final JournalException ex)
        {
            out.println(PREFIX + ex.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
        try (reader)
        {
            final BlastReport report = WireSender.run(interfaceName, ringFrames, qdiscBypass, cpu, chosen,
                blaster -> replay(reader, blaster), out, PREFIX, keyValues);
            if (report == null)
            {
                return ExitCodes.INPUT_ERROR;
            }
            for (final JournalDamage damage : reader.damages())
            {
                out.println(PREFIX + damage.message());
            }
            return reader.damages().isEmpty() ? ExitCodes.OK : ExitCodes.INPUT_ERROR;
        }
        catch (final JournalException ex)
        {
            out.println(PREFIX + ex.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
    }

    private static BlastReport replay(final JournalReader reader, final Blaster blaster)
    {
        final FrameSender sender = new FrameSender(blaster);
        blaster.start();
        while (!blaster.isStopped() && reader.poll(sender, POLL_LIMIT) > 0)
        {
            // The sender paces each frame itself.
        }
        if (!blaster.isStopped())
        {
            // Past the last excerpt: readAll looks for a damaged tail and reads nothing more.
            reader.readAll(sender);
        }
        final BlastReport report = blaster.finish();
        return new BlastReport(report.frames(), report.bytes(), report.elapsedNs(),
            report.skipped() + sender.notEthernet, report.ringFull(), report.backpressured(), report.flushErrors(),
            report.lateFrames());
    }

    /**
     * Hands each journaled frame to the blaster; a field, so reading allocates nothing per frame.
     */
    private static final class FrameSender implements JournalVisitor
    {
        private final Blaster blaster;
        private long notEthernet;

        FrameSender(final Blaster blaster)
        {
            this.blaster = blaster;
        }

        @Override
        public void onFrame(
            final int run,
            final int source,
            final long frameNumber,
            final long timeNs,
            final int linkType,
            final int interfaceId,
            final int wireLength,
            final int vlanTci,
            final DirectBuffer buffer,
            final int offset,
            final int capturedLength)
        {
            if (linkType != LinkType.ETHERNET)
            {
                notEthernet++;
                return;
            }
            blaster.send(buffer, offset, capturedLength, timeNs, vlanTci);
        }
    }
}
