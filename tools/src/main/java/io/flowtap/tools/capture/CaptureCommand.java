package io.flowtap.tools.capture;

import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.filter.BpfProgram;
import io.flowtap.capture.filter.FilterSyntaxException;
import io.flowtap.capture.filter.FlowFilter;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.AfPacketFrameSender;
import io.flowtap.capture.ring.FanoutMode;
import io.flowtap.capture.ring.RingGeometry;
import io.flowtap.linux.Capabilities;
import io.flowtap.linux.LinuxException;
import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.PipelineContext;
import io.flowtap.pipeline.journal.JournalException;
import io.flowtap.pipeline.poll.LivePoller;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.tools.FilterHelp;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.MemoryBudget;
import io.flowtap.tools.OptionRanges;
import io.flowtap.tools.StandardOutput;
import io.flowtap.tools.handler.HandlerLoadException;
import io.flowtap.tools.handler.HandlerOptions;
import io.flowtap.tools.handler.UserHandlers;
import io.flowtap.tools.options.DecoderOptions;
import io.flowtap.tools.options.EngineOptions;
import io.flowtap.tools.sensor.Sensor;
import io.flowtap.tools.sensor.SensorOptions;
import io.flowtap.tools.sensor.StopOnSignal;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

/**
 * {@code flowtap capture -i IFACE}: capture live through an AF_PACKET TPACKET_V3 ring, one line per TCP segment as
 * {@code inspect} prints them, and counters (the decoder's and the ring's, kernel drops included) every few seconds
 * and on exit. {@code --filter} is compiled to classic BPF and attached to the socket before the ring exists, so
 * the kernel drops what it rejects; a bad expression is refused in one line before any socket is opened.
 * <p>
 * Printing is a pipeline that does not reassemble ({@link PrintingCapture}); with sensor options it is the sensor
 * ({@link Sensor#run}). Ctrl-C or SIGTERM run a shutdown hook that clears the volatile {@code running} flag and
 * waits for the command's thread to print the final counters and close the pipeline; its loop sees the flag within
 * 50 ms.
 */
@Command(
    name = "capture",
    mixinStandardHelpOptions = true,
    description = {
        "Capture TCP segments live from a network interface through an AF_PACKET TPACKET_V3 ring, and print each "
            + "one per line, exactly as inspect does.",
        "Lines go to standard output. Counters (every frame decoded or the reason why not; the ring's frames, and "
            + "the kernel's packets, drops and ring freezes) go to standard error every --stats-interval seconds "
            + "and on exit.",
        "Ctrl-C or SIGTERM stop the capture cleanly: the final counters are printed, the ring is closed, and the "
            + "exit code is 0."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap capture -i eth0",
        "  flowtap capture -i eth0 --count 100 --json | jq .dstport",
        "  flowtap capture -i eth0 --promisc --duration 60 > segments.txt",
        "  flowtap capture -i eth0 --blocks 32 --block-size 4194304 --fanout-group 7",
        "  flowtap capture -i eth0 --pollers 2 --cpus 0,1 --count 1000",
        "  flowtap capture -i eth0 --filter 'dst port 443 and net 10.0.0.0/8'",
        "  flowtap capture -i eth0 --filter 'vlan 100 and (host fd00::1 or port 22)'",
        "  flowtap capture -i eth0 --pollers 2 --cpus 0,1 --workers 2 --worker-cpus 2,3 --journal /var/lib/flowtap/j",
        "  flowtap capture --config /etc/flowtap/sensor.yaml --histogram-log latency.hlog --counters /dev/shm/ft.ctr",
        "  flowtap capture -i eth0 --journal /var/lib/flowtap/j --kafka kafka1:9092 --topic flows --sensor edge-1",
        "  flowtap capture -i eth0 --workers 2 --handler-path my-handlers.jar --handler com.example.MyHandler",
        "  flowtap capture -i eth0 --handler-source HakaPatternRule.java --handler-option pattern=SSH-",
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
        "0:success, including a stop by Ctrl-C or SIGTERM",
        "1:the interface cannot be captured on (no such interface, interface down, CAP_NET_RAW missing, ring too "
            + "large for memory), or it failed during the capture",
        "2:bad command line, a bad filter expression included, or a handler that cannot be loaded, compiled or made",
        "3:standard output cannot be written, the journal's disk filled (--journal-full stop: the capture stopped "
            + "there; drop: events were dropped, counted), or --kafka had not shipped the whole journal by the end "
            + "(the journal keeps it)",
        "4:a handler threw and --handler-errors stop stopped the capture"})
public final class CaptureCommand implements Callable<Integer>
{
    private static final String PREFIX = "flowtap capture: ";
    private static final long MAX_DURATION_SECONDS = 365L * 24 * 3600;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = {"-i", "--interface"}, paramLabel = "IFACE", description = "interface to capture on (required, "
        + "here or as interface: in the --config file)")
    private String interfaceName;

    @Option(names = "--block-size", paramLabel = "BYTES",
        description = "bytes per ring block, a power-of-two multiple of the page size, at most 1 GiB (default: "
            + "${DEFAULT-VALUE})")
    private int blockSize = RingGeometry.BLOCK_SIZE_DEFAULT;

    @Option(names = "--blocks", paramLabel = "N",
        description = "blocks in the ring, 1 to 65535; the ring (block size times blocks, per poller) must fit in the "
            + "memory the machine has (default: ${DEFAULT-VALUE})")
    private int blockCount = RingGeometry.BLOCK_COUNT_DEFAULT;

    @Option(names = "--block-timeout-ms", paramLabel = "MS",
        description = "hand over a block that is not full after MS milliseconds, 0 (the kernel's choice) to 65535 "
            + "(default: ${DEFAULT-VALUE})")
    private int blockTimeoutMs = RingGeometry.RETIRE_TIMEOUT_MS_DEFAULT;

    @Option(names = "--promisc", description = "put the interface in promiscuous mode while capturing")
    private boolean promiscuous;

    @Option(names = "--fanout-group", paramLabel = "ID",
        description = "join fanout group ID (0-65535, mode from --fanout-mode): processes in one group share "
            + "the interface's traffic, each flow going to one of them")
    private Integer fanoutGroupId;

    @Option(names = "--ignore-outgoing", description = "leave out packets this host sends (PACKET_IGNORE_OUTGOING)")
    private boolean ignoreOutgoing;

    @Option(names = "--pollers", paramLabel = "N",
        description = "capture with N sockets in one fanout group, each polled by its own thread, 1 to 64 (default: "
            + "${DEFAULT-VALUE})")
    private int pollers = 1;

    @Option(names = "--cpus", paramLabel = "LIST", split = ",",
        description = "pin the pollers to these CPUs, in order (e.g. 0,1), each one this process may run on; a poller "
            + "without a CPU of its own shares them round-robin")
    private int[] cpus;

    @Option(names = "--fanout-mode", paramLabel = "MODE",
        description = "how the kernel spreads packets over the pollers: ${COMPLETION-CANDIDATES} (default: "
            + "${DEFAULT-VALUE}); only hash keeps each flow on one poller")
    private FanoutMode fanoutMode = FanoutMode.HASH;

    @Option(names = "--filter", paramLabel = "EXPR",
        description = "keep only the TCP segments EXPR matches, filtered in the kernel before they reach the ring "
            + "(see Filter expressions below)")
    private String filterExpression;

    @Option(names = {"-c", "--count"}, paramLabel = "N", description = "stop after N TCP segments, 1 or more")
    private long count = Long.MAX_VALUE;

    @Option(names = "--duration", paramLabel = "SECONDS",
        description = "stop after SECONDS, 1 to " + MAX_DURATION_SECONDS + " (a year); without it, run until stopped")
    private Long durationOption;

    @Option(names = "--stats-interval", paramLabel = "SECONDS",
        description = "print counters every SECONDS, 0 for only on exit, at most 86400 (default: ${DEFAULT-VALUE})")
    private long statsIntervalSeconds = 5;

    private long durationSeconds;

    @Option(names = "--json", description = "one JSON object per line, with Haka's field names, as inspect --json")
    private boolean json;

    @Mixin
    private SensorOptions sensorOptions = new SensorOptions();

    @Mixin
    private EngineOptions engineOptions = new EngineOptions();

    @Mixin
    private DecoderOptions decoderOptions = new DecoderOptions();

    @Mixin
    private HandlerOptions handlerOptions = new HandlerOptions();

    private FlowFilter filter = FlowFilter.matchAll();
    private boolean filterInKernel = true;
    private volatile boolean running = true;
    private volatile int exitCode = ExitCodes.OK;
    private PrintStream out = StandardOutput.bufferedStream();
    private PrintStream err = System.err;

    /**
     * Send output somewhere else than the process's standard streams (tests).
     *
     * @param out for segment lines.
     * @param err for counters and errors.
     * @return this command.
     */
    public CaptureCommand streams(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
        return this;
    }

    @Override
    public Integer call()
    {
        validate();
        BpfProgram program;
        try
        {
            filter = FlowFilter.parse(filterExpression);
            final int[] vxlanPorts = decoderOptions.vxlanPorts();
            final int[] genevePorts = decoderOptions.genevePorts();
            program = filter.toBpfIfItFits(vxlanPorts, genevePorts);
            if (program == null)
            {
                // A blocklist of thousands of hosts: more than classic BPF's 4096 instructions. The kernel keeps
                // every TCP segment (inside the tunnels it follows too), and the filter, with its sets, runs after
                // decoding, where it runs anyway for what the kernel passes on whole.
                filterInKernel = false;
                program = FlowFilter.matchAll().toBpf(vxlanPorts, genevePorts);
                err.println(PREFIX + "the filter is too large for the kernel's program (more than " +
                    io.flowtap.capture.filter.Bpf.MAX_INSTRUCTIONS + " instructions): the kernel keeps every TCP " +
                    "segment and the filter runs in userspace");
            }
        }
        catch (final FilterSyntaxException ex)
        {
            // One line, not picocli's usage screen: the message already says where the expression went wrong.
            spec.commandLine().getErr().println(PREFIX + ex.getMessage());
            spec.commandLine().getErr().flush();
            return ExitCodes.USAGE;
        }
        // The capability, not the user: root without CAP_NET_RAW cannot capture, a service user granted it can.
        final String missing = Capabilities.missing(Capabilities.CAP_NET_RAW, "to capture on " + interfaceName);
        if (missing != null)
        {
            err.println(PREFIX + missing);
            return ExitCodes.INPUT_ERROR;
        }
        final AfPacketContext context = new AfPacketContext()
            .interfaceName(interfaceName)
            .blockSize(blockSize)
            .blockCount(blockCount)
            .retireTimeoutMs(blockTimeoutMs)
            .promiscuous(promiscuous)
            .ignoreOutgoing(ignoreOutgoing);
        if (filterExpression != null)
        {
            context.filter(program);
        }
        if (filterExpression != null && filterInKernel && !filter.matchesEverything())
        {
            err.println(PREFIX + "note: the kernel passes IP fragments, and tunnels it does not look inside (IP in " +
                "IP, GTP-U, Teredo, AYIYA, MPLS, PPPoE, one inside another), on whole: the filter is applied to " +
                "their segments after decoding");
        }
        if (sensorOptions.wantsPipeline() || handlerOptions.any())
        {
            return captureToPipeline(context);
        }
        if (fanoutGroupId != null)
        {
            context.fanout(fanoutGroupId, fanoutMode, true);
        }
        return capturePrinting(context);
    }

    /**
     * Print each segment: a pipeline that does not reassemble, its worker printing what the pollers hand on.
     */
    private int capturePrinting(final AfPacketContext context)
    {
        final StopOnSignal stop = new StopOnSignal(() -> running = false);
        try
        {
            exitCode = new PrintingCapture(out, err, json, count, filter).run(
                context,
                pollers,
                cpus,
                fanoutMode,
                decoderContext(),
                engineOptions.checksumMode(),
                filterExpression == null ? "" : ", kernel filter: " + kernelFilter(),
                durationSeconds,
                statsIntervalSeconds,
                () -> running);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        catch (final LinuxException ex)
        {
            err.println(PREFIX + ex.getMessage());
            exitCode = ExitCodes.INPUT_ERROR;
        }
        finally
        {
            stop.exitCode(exitCode);
            stop.close();
        }
        return exitCode;
    }

    /**
     * The sensor: pollers hand each flow to its reassembly worker, the workers journal what they reassemble; counters
     * every interval, and on exit the counters, the journal's size and the latency percentiles. A signal stops the
     * pollers, the workers drain and end every open flow (shutdown), and the journal is closed.
     */
    private int captureToPipeline(final AfPacketContext ring)
    {
        final PrintWriter log = new PrintWriter(err, true);
        final UserHandlers user;
        try
        {
            user = handlerOptions.load(sensorOptions.workers(), spec.commandLine().getOut(),
                line -> err.println(PREFIX + line));
        }
        catch (final HandlerLoadException ex)
        {
            ex.lines().forEach(line -> err.println(PREFIX + line));
            return ExitCodes.USAGE;
        }
        final Sensor sensor;
        try
        {
            sensor = Sensor.open(sensorOptions, true);
        }
        catch (final IllegalArgumentException ex)
        {
            // The shipper's position file (--kafka) is another topic's or sensor's.
            err.println(PREFIX + ex.getMessage());
            return ExitCodes.USAGE;
        }
        catch (final JournalException | UncheckedIOException ex)
        {
            err.println(PREFIX + ex.getMessage());
            return ex instanceof JournalException journalException &&
                journalException.kind() == JournalException.Kind.FULL ? ExitCodes.OUTPUT_ERROR :
                ExitCodes.INPUT_ERROR;
        }
        // Active response: the workers' engines send RSTs through the first poller's socket, named once it is open.
        final AfPacketFrameSender responder = new AfPacketFrameSender();
        sensor.ruleLog(line -> err.println(PREFIX + line)).handlerErrors(user.errors()::count);
        final PipelineContext context = sensor
            .pipelineContext(
                () -> engineOptions.context(spec.commandLine()).responder(responder).dataSlots(user.dataSlots()),
                engineOptions.attributes(), (worker, handlers) -> handlers.addAll(user.forWorker(worker)))
            .checksumMode(engineOptions.checksumMode())
            .decoderContext(decoderContext())
            .filter(filter);
        if (fanoutGroupId != null)
        {
            ring.fanout(fanoutGroupId, fanoutMode, true);
        }
        final Pipeline pipeline;
        try
        {
            pipeline = Pipeline.live(context, ring, pollers, cpus == null ? new int[0] : cpus, fanoutMode);
            if (pipeline.pollers().get(0) instanceof LivePoller poller)
            {
                responder.fd(poller.source().fd());
            }
        }
        catch (final IllegalArgumentException ex)
        {
            sensor.close();
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        catch (final LinuxException ex)
        {
            sensor.close();
            err.println(PREFIX + ex.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
        catch (final RuntimeException ex)
        {
            sensor.close();
            throw ex;
        }
        final StopOnSignal stop = new StopOnSignal(() -> running = false);
        try
        {
            err.println(PREFIX + "listening on " + interfaceName + " with " + pollers + " poller" +
                (pollers == 1 ? "" : "s") + " and " + pipeline.workers().size() + " worker" +
                (pipeline.workers().size() == 1 ? "" : "s") + (sensorOptions.journal() == null ? "" :
                ", journal " + sensorOptions.journal()) +
                (filterExpression == null ? "" : ", kernel filter: " + kernelFilter()));
            final long startNs = System.nanoTime();
            exitCode = sensor.run(pipeline, startNs,
                new LiveRun(interfaceName, count, durationSeconds, statsIntervalSeconds, startNs, user, err,
                    spec.commandLine().getOut()),
                log, () -> running, user.errors()::stopRequested);
        }
        finally
        {
            stop.exitCode(exitCode);
            stop.close();
        }
        return exitCode;
    }

    private void validate()
    {
        if (interfaceName == null)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "Missing required option: '--interface=IFACE'");
        }
        final CommandLine commandLine = spec.commandLine();
        OptionRanges.check(commandLine, "--count", count, 1, Long.MAX_VALUE);
        if (durationOption != null)
        {
            // 0 would read as "no limit" and run for ever: leave the option out for that.
            OptionRanges.check(commandLine, "--duration", durationOption, 1, MAX_DURATION_SECONDS);
            durationSeconds = durationOption;
        }
        OptionRanges.check(commandLine, "--pollers", pollers, 1, 64);
        OptionRanges.checkCpus(commandLine, "--cpus", cpus);
        OptionRanges.check(commandLine, "--stats-interval", statsIntervalSeconds, 0, 86400);
        OptionRanges.check(commandLine, "--blocks", blockCount, 1, RingGeometry.MAX_BLOCK_COUNT);
        OptionRanges.check(commandLine, "--block-size", blockSize, 1, RingGeometry.MAX_BLOCK_SIZE);
        OptionRanges.check(commandLine, "--block-timeout-ms", blockTimeoutMs, 0, RingGeometry.MAX_RETIRE_TIMEOUT_MS);
        if (fanoutGroupId != null)
        {
            OptionRanges.check(commandLine, "--fanout-group", fanoutGroupId, 0, 0xFFFF);
        }
        sensorOptions.validate(commandLine);
        final EngineContext engine = engineOptions.context(commandLine);
        final MemoryBudget budget = new MemoryBudget().rings(pollers, (long)blockSize * blockCount)
            .decoders(pollers, decoderContext());
        if (sensorOptions.wantsPipeline())
        {
            budget.engines(sensorOptions.workers(), engine).queues(pollers, sensorOptions.workers(),
                sensorOptions.queueCapacity(), PipelineContext.COPY_BUFFER_LENGTH_DEFAULT);
        }
        budget.check(commandLine);
    }

    /**
     * @return what the kernel's program filters on, for the summary line: the filter, or only TCP when it has none or
     *         it was too large for the kernel.
     */
    private String kernelFilter()
    {
        return !filterInKernel ? "tcp, the filter in userspace" :
            filter.matchesEverything() ? "tcp" : FlowFilter.abbreviate(filter.toString());
    }

    private DecoderContext decoderContext()
    {
        return decoderOptions.context(spec.commandLine(), engineOptions.checksumMode(), engineOptions.hostPolicies());
    }
}
