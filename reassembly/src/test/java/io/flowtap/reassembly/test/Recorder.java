package io.flowtap.reassembly.test;

import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.FrameFeeder;
import io.flowtap.reassembly.GapReason;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.DirectBuffer;

import java.io.ByteArrayOutputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A handler that writes down everything the engine tells it, per flow, for tests to compare with expected output.
 */
public final class Recorder implements TcpHandler
{
    /** What one flow produced. */
    public static final class FlowLog
    {
        public final long id;
        public final String client;
        public final String server;
        public final ByteArrayOutputStream[] bytes = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};
        /** Both directions in callback order. */
        public final ByteArrayOutputStream interleaved = new ByteArrayOutputStream();
        public final List<String> events = new ArrayList<>();
        public final List<long[]> gaps = new ArrayList<>();
        public String endReason;
        public String history;
        public boolean connected;
        public final long[] packets = new long[2];
        public final long[] wireBytes = new long[2];
        public final long[] gapBytes = new long[2];
        public final long[] gapCount = new long[2];
        public final long[] ackedMissingBytes = new long[2];
        public final long[] seqBytes = new long[2];
        public String connState;
        public final long[] conflicts = new long[2];
        public final int[] synFlags = new int[2];
        public final boolean[] fin = new boolean[2];
        public final boolean[] rst = new boolean[2];
        public final int[] eofs = {-1, -1};
        public boolean midstream;
        public boolean terminated;

        FlowLog(final Flow flow)
        {
            this.id = flow.id();
            this.client = endpoint(flow.clientAddress().getHostAddress(), flow.clientPort());
            this.server = endpoint(flow.serverAddress().getHostAddress(), flow.serverPort());
        }

        public String text(final int direction)
        {
            return bytes[direction].toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        }

        private static String endpoint(final String host, final int port)
        {
            return host + ":" + port;
        }
    }

    public final Map<Long, FlowLog> flows = new LinkedHashMap<>();
    /** Every payload byte in callback order, both directions interleaved (PcapPlusPlus' output files). */
    public final ByteArrayOutputStream all = new ByteArrayOutputStream();
    private final int consumeAtMost;

    public Recorder()
    {
        this(Integer.MAX_VALUE);
    }

    /**
     * @param consumeAtMost bytes consumed per call, to exercise keeping unconsumed data.
     */
    public Recorder(final int consumeAtMost)
    {
        this.consumeAtMost = consumeAtMost;
    }

    @Override
    public void onNewFlow(final Flow flow, final long timeNs)
    {
        flows.put(flow.id(), new FlowLog(flow));
    }

    @Override
    public int onPayload(
        final Flow flow,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs,
        final int eof)
    {
        final FlowLog log = flows.get(flow.id());
        final int take = Math.min(length, eof != EOF_NONE ? length : consumeAtMost);
        final long expected = log.bytes[direction].size() + gapTotal(log, direction);
        if (seekpos != expected)
        {
            log.events.add("SEEKPOS " + Direction.name(direction) + " " + seekpos + " expected " + expected);
        }
        final byte[] copy = new byte[take];
        buffer.getBytes(offset, copy);
        log.bytes[direction].writeBytes(copy);
        log.interleaved.writeBytes(copy);
        all.writeBytes(copy);
        if (eof != EOF_NONE)
        {
            log.eofs[direction] = eof;
        }
        return take;
    }

    private static long gapTotal(final FlowLog log, final int direction)
    {
        long total = 0;
        for (final long[] gap : log.gaps)
        {
            if (gap[0] == direction)
            {
                total += gap[2];
            }
        }
        return total;
    }

    @Override
    public void onGap(
        final Flow flow, final int direction, final long seekpos, final long length, final GapReason reason,
        final long timeNs)
    {
        final FlowLog log = flows.get(flow.id());
        log.gaps.add(new long[] {direction, seekpos, length});
        log.events.add("GAP " + Direction.name(direction) + " " + seekpos + "+" + length + " " + reason.label());
    }

    @Override
    public void onOverlapConflict(
        final Flow flow,
        final int direction,
        final long heldStart,
        final long heldLength,
        final long newStart,
        final long newLength,
        final boolean newKept,
        final long timeNs)
    {
        flows.get(flow.id()).events.add("CONFLICT " + Direction.name(direction) + " held " + heldStart + "+" +
            heldLength + " new " + newStart + "+" + newLength + (newKept ? " new kept" : " held kept"));
    }

    @Override
    public void onTerminate(final Flow flow, final FlowRecord record)
    {
        final FlowLog log = flows.get(flow.id());
        log.terminated = true;
        log.endReason = record.endReason().label();
        log.history = record.history();
        log.connState = record.connState() == null ? null : record.connState().label();
        log.connected = record.connected();
        log.midstream = record.midstream();
        for (int d = 0; d < 2; d++)
        {
            log.packets[d] = record.packets(d);
            log.wireBytes[d] = record.wireBytes(d);
            log.gapBytes[d] = record.gapBytes(d);
            log.gapCount[d] = record.gaps(d);
            log.ackedMissingBytes[d] = record.ackedMissingBytes(d);
            log.seqBytes[d] = record.seqBytes(d);
            log.conflicts[d] = record.conflictingOverlaps(d);
            log.synFlags[d] = record.synFlags(d);
            log.fin[d] = record.fin(d);
            log.rst[d] = record.rst(d);
        }
    }

    /**
     * @return the flows in the order they started.
     */
    public List<FlowLog> list()
    {
        return new ArrayList<>(flows.values());
    }

    /**
     * Reassemble a whole capture into a new recorder.
     *
     * @param file    capture.
     * @param context engine settings.
     * @return the recorder.
     */
    public static Recorder replay(final Path file, final EngineContext context)
    {
        final Recorder recorder = new Recorder();
        replay(file, context, recorder);
        return recorder;
    }

    /**
     * Reassemble a whole capture into given handlers.
     *
     * @param file     capture.
     * @param context  engine settings.
     * @param handlers to call.
     * @return the engine, shut down.
     */
    public static ReassemblyEngine replay(final Path file, final EngineContext context, final TcpHandler... handlers)
    {
        final ReassemblyEngine engine = new ReassemblyEngine(context, handlers);
        final CaptureFileSource source = CaptureFiles.open(file);
        try
        {
            new FrameFeeder(new PacketDecoder(ChecksumMode.OFF), engine).feedAll(source);
        }
        finally
        {
            source.close();
        }
        return engine;
    }

    /**
     * @param name of a file in this module's {@code src/test/resources/pcap}.
     * @return its path.
     */
    public static Path bundled(final String name)
    {
        try
        {
            return Paths.get(Recorder.class.getResource("/pcap/" + name).toURI());
        }
        catch (final URISyntaxException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
