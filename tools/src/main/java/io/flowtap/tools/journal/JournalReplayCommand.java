package io.flowtap.tools.journal;

import io.flowtap.pipeline.journal.JournalDescriptor;
import io.flowtap.pipeline.journal.JournalFlowId;
import io.flowtap.pipeline.journal.JournalFlowKey;
import io.flowtap.pipeline.journal.JournalFlowRecord;
import io.flowtap.pipeline.journal.JournalReader;
import io.flowtap.pipeline.journal.JournalVisitor;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowReplay;
import io.flowtap.reassembly.GapReason;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.tools.Flowtap;
import io.flowtap.tools.OptionRanges;
import org.agrona.DirectBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code flowtap journal replay DIR --handler CLASS}: a journal's events delivered to handlers on the classpath, as the
 * engine delivers live traffic's: the same {@link TcpHandler} API, per flow in the same order, at the recorded pace,
 * faster, or as fast as possible.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = "Run TcpHandler classes (public, with a no-argument constructor, on the classpath) over a "
        + "journal's events, as they would run on the live traffic: onNewFlow, onEstablished, onPayload, onGap, "
        + "onOverlapConflict, onAttribute, onTerminate with the flow's record. Packets are not in the journal, so "
        + "onSyn and onPacket are not called.",
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap journal replay journal/ --handler com.example.MyHandler --fast",
        "  java -cp my-handlers.jar:tools/target/flowtap.jar io.flowtap.tools.Flowtap journal replay journal/ \\",
        "      --handler com.example.MyHandler --speed 10"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:no journal there, not a flowtap journal, a newer schema, or a damaged tail (what was before it is replayed)",
        "2:bad command line, or a handler class that cannot be loaded and made"})
public final class JournalReplayCommand implements Callable<Integer>
{
    private static final String PREFIX = "flowtap journal replay: ";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "the journal's directory")
    private Path directory;

    @Option(names = "--handler", required = true, paramLabel = "CLASS",
        description = "a TcpHandler class to run (repeatable; called in the order given)")
    private List<String> handlerClasses;

    @Option(names = "--speed", paramLabel = "X",
        description = "pace: the recorded time between events divided by X, more than 0 and at most 1000000 "
            + "(default: ${DEFAULT-VALUE}, the recorded pace)")
    private double speed = 1;

    @Option(names = "--fast", description = "as fast as possible, ignoring the recorded times")
    private boolean fast;

    private final List<TcpHandler> handlers = new ArrayList<>();

    @Override
    public Integer call()
    {
        OptionRanges.check(spec.commandLine(), "--speed", speed, 0, true, 1_000_000);
        final PrintWriter err = spec.commandLine().getErr();
        for (final String name : handlerClasses)
        {
            try
            {
                final Object handler = Class.forName(name).getConstructor().newInstance();
                if (!(handler instanceof TcpHandler))
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), name + " is not a TcpHandler");
                }
                handlers.add((TcpHandler)handler);
            }
            catch (final ReflectiveOperationException | LinkageError ex)
            {
                throw new CommandLine.ParameterException(spec.commandLine(),
                    "--handler " + name + ": cannot make one: " + ex);
            }
        }
        final JournalReader reader = JournalInput.open(directory, err, PREFIX);
        if (reader == null)
        {
            return Flowtap.EXIT_INPUT_ERROR;
        }
        final Replayer replayer = new Replayer(
            new FlowReplay(new EngineContext().dataSlots(), handlers.toArray(new TcpHandler[0])));
        final long startNs = System.nanoTime();
        try (reader)
        {
            reader.readAll(replayer);
            err.printf(Locale.ROOT, "%sreplayed %d events of %d flows to %d handler%s in %.3f s%n", PREFIX,
                reader.eventsRead(), replayer.flowsStarted, handlers.size(), handlers.size() == 1 ? "" : "s",
                (System.nanoTime() - startNs) / 1e9);
            err.flush();
            return JournalInput.finish(reader, err, PREFIX);
        }
    }

    /**
     * @return the handlers made for the last run (tests).
     */
    public List<TcpHandler> handlers()
    {
        return handlers;
    }

    private final class Replayer implements JournalVisitor
    {
        private final FlowReplay replay;
        private final Map<JournalFlowId, Flow> flows = new HashMap<>();
        private final Map<String, String> names = new HashMap<>();
        private final long[][] counters = new long[JournalDescriptor.COUNTER_GAP_BYTES + 1][2];
        private final int[] synFlags = new int[2];
        private final boolean[] fin = new boolean[2];
        private final boolean[] rst = new boolean[2];
        private long firstEventNs = Long.MIN_VALUE;
        private long wallStartNs;
        private long flowsStarted;

        Replayer(final FlowReplay replay)
        {
            this.replay = replay;
        }

        @Override
        public void onFlowStart(
            final int run, final int source, final long flowId, final long timeNs, final JournalFlowKey key,
            final boolean midstream)
        {
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
                for (int c = 0; c < counters.length; c++)
                {
                    counters[c][d] = record.counter(c, d);
                }
                synFlags[d] = record.synFlags(d);
                fin[d] = record.fin(d);
                rst[d] = record.rst(d);
            }
            replay.end(flow, counters, synFlags, fin, rst, record.history(), record.connected(), record.firstNs(),
                record.lastNs(), record.endReason());
        }

        private Flow flow(final int run, final int source, final long flowId, final long timeNs)
        {
            pace(timeNs);
            return flows.get(id(run, source, flowId));
        }

        private void pace(final long timeNs)
        {
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
            return new JournalFlowId(run, source, flowId);
        }
    }
}
