package io.flowtap.tools.journal;

import io.flowtap.pipeline.journal.JournalDescriptor;
import io.flowtap.pipeline.journal.JournalFlowId;
import io.flowtap.pipeline.journal.JournalFlowKey;
import io.flowtap.pipeline.journal.JournalFlowRecord;
import io.flowtap.pipeline.journal.JournalVisitor;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowReplay;
import io.flowtap.reassembly.GapReason;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.OptionRanges;
import io.flowtap.tools.handler.HandlerLoadException;
import io.flowtap.tools.handler.HandlerOptions;
import io.flowtap.tools.handler.UserHandlers;
import org.agrona.DirectBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code flowtap journal replay DIR --handler CLASS}: a journal's events delivered to the user's handlers (loaded,
 * compiled and fenced as {@code capture} and {@code read} do), as the engine delivers live traffic's: the same
 * {@link TcpHandler} API, per flow in the same order, at the recorded pace, faster, or as fast as possible.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = "Run the user's handlers (--handler classes, --handler-source files, as capture and read run "
        + "them) over a journal's events (a directory, or a Kafka topic sensors ship to), as they would run on the "
        + "live traffic: onNewFlow, onEstablished, onPayload, onGap, onOverlapConflict, onAttribute, onTerminate "
        + "with the flow's record. Packets are not in the journal, so onSyn, onPacket and filter are not called, "
        + "and a handler's verdicts (drop, reset, bytes left unconsumed) change nothing.",
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap journal replay journal/ --handler-path my-handlers.jar --handler com.example.MyHandler --fast",
        "  FLOWTAP_CLASSPATH=my-handlers.jar flowtap journal replay journal/ --handler com.example.MyHandler \\",
        "      --speed 10",
        "  flowtap journal replay journal/ --handler-source TrisulByteCounter.java --fast",
        "  flowtap journal replay --kafka broker:9092 --topic flowtap --sensor edge-1 --handler-source H.java --fast"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:no journal there, not a flowtap journal, a newer schema, or a damaged tail (what was before it is replayed)",
        "2:bad command line, or a handler that cannot be loaded, compiled or made",
        "3:a handler threw and --handler-errors stop stopped the replay"})
public final class JournalReplayCommand implements Callable<Integer>
{
    private static final String PREFIX = "flowtap journal replay: ";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "the journal's directory")
    private Path directory;

    @Mixin
    private KafkaInput kafka = new KafkaInput();

    @Mixin
    private HandlerOptions handlerOptions = new HandlerOptions();

    @Option(names = "--speed", paramLabel = "X",
        description = "pace: the recorded time between events divided by X, more than 0 and at most 1000000 "
            + "(default: ${DEFAULT-VALUE}, the recorded pace)")
    private double speed = 1;

    @Option(names = "--fast", description = "as fast as possible, ignoring the recorded times")
    private boolean fast;

    private List<TcpHandler> handlers = List.of();
    private JournalSource source;

    @Override
    public Integer call()
    {
        OptionRanges.check(spec.commandLine(), "--speed", speed, 0, true, 1_000_000);
        kafka.conclude(spec.commandLine(), directory);
        if (!handlerOptions.any())
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "Missing required option: '--handler=CLASS' or '--handler-source=FILE'");
        }
        final PrintWriter err = spec.commandLine().getErr();
        final UserHandlers user;
        try
        {
            user = handlerOptions.load(1, spec.commandLine().getOut(), line -> err.println(PREFIX + line));
        }
        catch (final HandlerLoadException ex)
        {
            ex.lines().forEach(line -> err.println(PREFIX + line));
            err.flush();
            return ExitCodes.USAGE;
        }
        handlers = user.delegates(0);
        final JournalSource reader = JournalInput.open(directory, kafka, false);
        source = reader;
        final Replayer replayer = new Replayer(
            new FlowReplay(Math.max(new EngineContext().dataSlots(), user.dataSlots()),
                user.forWorker(0).toArray(new TcpHandler[0])), user);
        final long startNs = System.nanoTime();
        try (reader)
        {
            reader.readAll(replayer);
            user.close();
            spec.commandLine().getOut().flush();
            err.printf(Locale.ROOT, "%sreplayed %d events of %d flows to %d handler%s in %.3f s%n", PREFIX,
                replayer.events, replayer.flowsStarted, handlers.size(), handlers.size() == 1 ? "" : "s",
                (System.nanoTime() - startNs) / 1e9);
            err.print(user.summary());
            final int exitCode = reader.finish(err, PREFIX, 0);
            if (exitCode == ExitCodes.OK && user.errors().stopRequested())
            {
                err.println(PREFIX + "stopped: a handler threw and --handler-errors is stop; the events after it " +
                    "were not replayed");
                err.flush();
                return ExitCodes.HANDLER_STOPPED;
            }
            err.flush();
            return exitCode;
        }
    }

    /**
     * @return the user's handlers made for the last run, unfenced (tests).
     */
    public List<TcpHandler> handlers()
    {
        return handlers;
    }

    private final class Replayer implements JournalVisitor
    {
        private final FlowReplay replay;
        private final UserHandlers user;
        private final Map<JournalFlowId, Flow> flows = new HashMap<>();
        private final Map<String, String> names = new HashMap<>();
        // The journal's counters, then acked missing bytes and sequence-space bytes, as FlowReplay.end takes them.
        private final long[][] counters = new long[JournalDescriptor.COUNTER_COUNT + 2][2];
        private final int[] synFlags = new int[2];
        private final boolean[] fin = new boolean[2];
        private final boolean[] rst = new boolean[2];
        private long firstEventNs = Long.MIN_VALUE;
        private long wallStartNs;
        private long flowsStarted;
        private long events;

        Replayer(final FlowReplay replay, final UserHandlers user)
        {
            this.replay = replay;
            this.user = user;
        }

        @Override
        public void onFlowStart(
            final int run, final int source, final long flowId, final long timeNs, final JournalFlowKey key,
            final boolean midstream)
        {
            if (user.errors().stopRequested())
            {
                return;
            }
            pace(timeNs);
            flowsStarted++;
            flows.put(id(run, source, flowId), replay.start(flowId, key.ipVersion(), key.clientAddressHigh(),
                key.clientAddressLow(), key.serverAddressHigh(), key.serverAddressLow(), key.clientPort(),
                key.serverPort(), key.vlan(), midstream, timeNs));
        }

        @Override
        public void onEstablished(final int run, final int source, final long flowId, final long timeNs)
        {
            final Flow flow = flow(run, source, flowId, timeNs);
            if (flow != null)
            {
                replay.established(flow, timeNs);
            }
        }

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
            final Flow flow = flow(run, source, flowId, timeNs);
            if (flow != null)
            {
                replay.payload(flow, direction, streamOffset, buffer, offset, length, timeNs, eof);
            }
        }

        @Override
        public void onGap(
            final int run,
            final int source,
            final long flowId,
            final long timeNs,
            final int direction,
            final long streamOffset,
            final long length,
            final GapReason reason)
        {
            final Flow flow = flow(run, source, flowId, timeNs);
            if (flow != null)
            {
                replay.gap(flow, direction, streamOffset, length, reason, timeNs);
            }
        }

        @Override
        public void onOverlapConflict(
            final int run,
            final int source,
            final long flowId,
            final long timeNs,
            final int direction,
            final long heldOffset,
            final long heldLength,
            final long newOffset,
            final long newLength,
            final boolean newKept)
        {
            final Flow flow = flow(run, source, flowId, timeNs);
            if (flow != null)
            {
                replay.overlapConflict(flow, direction, heldOffset, heldLength, newOffset, newLength, newKept,
                    timeNs);
            }
        }

        @Override
        public void onAttribute(
            final int run,
            final int source,
            final long flowId,
            final long timeNs,
            final int direction,
            final DirectBuffer buffer,
            final int nameOffset,
            final int nameLength,
            final int valueType,
            final int valueOffset,
            final int valueLength)
        {
            final Flow flow = flow(run, source, flowId, timeNs);
            if (flow != null)
            {
                // Handlers compare attribute names as constants: one String per name.
                final String name = names.computeIfAbsent(
                    buffer.getStringWithoutLengthUtf8(nameOffset, nameLength), n -> n);
                replay.attribute(flow, direction == Direction.TO_SERVER || direction == Direction.TO_CLIENT ?
                    direction : -1, name, buffer, valueOffset, valueLength, timeNs);
            }
        }

        @Override
        public void onFlowEnd(
            final int run, final int source, final long flowId, final long timeNs, final JournalFlowRecord record)
        {
            final Flow flow = flow(run, source, flowId, timeNs);
            if (flow == null)
            {
                return;
            }
            flows.remove(id(run, source, flowId));
            for (int d = 0; d < 2; d++)
            {
                for (int c = 0; c < JournalDescriptor.COUNTER_COUNT; c++)
                {
                    counters[c][d] = record.counter(c, d);
                }
                counters[JournalDescriptor.COUNTER_COUNT][d] = record.ackedMissingBytes(d);
                counters[JournalDescriptor.COUNTER_COUNT + 1][d] = record.seqBytes(d);
                synFlags[d] = record.synFlags(d);
                fin[d] = record.fin(d);
                rst[d] = record.rst(d);
            }
            replay.end(flow, counters, synFlags, fin, rst, record.history(), record.connected(), record.firstNs(),
                record.lastNs(), record.endReason(), record.connState());
        }

        private Flow flow(final int run, final int source, final long flowId, final long timeNs)
        {
            // Once stopped, the rest of the journal is read through (it says where it is damaged) but not delivered.
            if (user.errors().stopRequested())
            {
                return null;
            }
            pace(timeNs);
            return flows.get(id(run, source, flowId));
        }

        private void pace(final long timeNs)
        {
            events++;
            if (fast)
            {
                return;
            }
            if (firstEventNs == Long.MIN_VALUE)
            {
                firstEventNs = timeNs;
                wallStartNs = System.nanoTime();
                return;
            }
            final long dueNs = wallStartNs + (long)((timeNs - firstEventNs) / speed);
            long waitNs;
            while ((waitNs = dueNs - System.nanoTime()) > 0)
            {
                LockSupport.parkNanos(Math.min(waitNs, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        }

        private JournalFlowId id(final int run, final int source, final long flowId)
        {
            // A topic holds several sensors' journals: their runs and sources are their own.
            return new JournalFlowId(JournalReplayCommand.this.source.sensor(), run, source, flowId);
        }
    }
}
