package io.flowtap.pipeline;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.GapReason;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.DirectBuffer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * A handler that writes down every event of every flow, keyed by what identifies a flow whichever engine saw it (its
 * endpoints and the time of its first packet, never the engine's flow id), so that the events of a file read by one
 * engine and by several workers can be compared flow by flow. Events of one flow keep their order; flows are not
 * ordered against each other. One instance per worker (it is not thread safe); {@link #merge} joins them.
 */
final class FlowEvents implements TcpHandler
{
    /** What one flow produced. */
    static final class Log
    {
        final List<String> events = new ArrayList<>();
        final List<String> sinceLastPacket = new ArrayList<>();
        final ByteArrayOutputStream[] bytes = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};
        final CRC32 digest = new CRC32();
        long eventCount;
        String endReason;
        int clientPort;
        int serverPort;

        void add(final String event)
        {
            sinceLastPacket.add(event);
        }

        void flush(final boolean maskTimes)
        {
            for (final String event : sinceLastPacket)
            {
                record(maskTimes ? event.replaceAll(" time -?[0-9]+", " time (expiry)") : event);
            }
            sinceLastPacket.clear();
        }

        private void record(final String event)
        {
            eventCount++;
            digest.update(event.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            digest.update('\n');
            if (events.size() < MAX_EVENTS_KEPT)
            {
                events.add(event);
            }
        }

        String summary()
        {
            return eventCount + " events, crc " + Long.toHexString(digest.getValue()) + ", end " + endReason;
        }
    }

    static final int MAX_EVENTS_KEPT = 2_000;

    private final Map<Flow, Log> open = new IdentityHashMap<>();
    private final Map<String, Log> flows = new TreeMap<>();
    private final boolean keepBytes;
    private final byte[] scratch = new byte[1 << 16];

    FlowEvents(final boolean keepBytes)
    {
        this.keepBytes = keepBytes;
    }

    @Override
    public void onNewFlow(final Flow flow, final long timeNs)
    {
        String key = flow.clientAddress().getHostAddress() + ":" + flow.clientPort() + ">" +
            flow.serverAddress().getHostAddress() + ":" + flow.serverPort() + "@" + timeNs;
        final String base = key;
        for (int n = 2; flows.containsKey(key); n++)
        {
            key = base + "#" + n;
        }
        final Log log = new Log();
        log.clientPort = flow.clientPort();
        log.serverPort = flow.serverPort();
        flows.put(key, log);
        open.put(flow, log);
        log.add("new " + timeNs + (flow.isMidstream() ? " midstream" : ""));
    }

    @Override
    public void onEstablished(final Flow flow, final long timeNs)
    {
        log(flow).add("established " + timeNs);
    }

    @Override
    public boolean onPacket(final Flow flow, final int direction, final PacketDecoder segment, final long timeNs)
    {
        log(flow).flush(false);
        log(flow).add("packet " + Direction.name(direction) + " seq " + segment.tcp().seq() + " flags " +
            segment.tcp().flags() + " len " + segment.tcp().payloadLength() + " at " + timeNs);
        return true;
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
        final Log log = log(flow);
        final CRC32 crc = new CRC32();
        for (int done = 0; done < length; )
        {
            final int chunk = Math.min(scratch.length, length - done);
            buffer.getBytes(offset + done, scratch, 0, chunk);
            crc.update(scratch, 0, chunk);
            if (keepBytes)
            {
                log.bytes[direction].write(scratch, 0, chunk);
            }
            done += chunk;
        }
        log.add("payload " + Direction.name(direction) + " at " + seekpos + " len " + length + " crc " +
            Long.toHexString(crc.getValue()) + " eof " + eof + " time " + timeNs);
        return length;
    }

    @Override
    public void onGap(
        final Flow flow, final int direction, final long seekpos, final long length, final GapReason reason,
        final long timeNs)
    {
        log(flow).add("gap " + Direction.name(direction) + " at " + seekpos + " len " + length + " " +
            reason.label() + " time " + timeNs);
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
        log(flow).add("conflict " + Direction.name(direction) + " held " + heldStart + "+" + heldLength + " new " +
            newStart + "+" + newLength + " kept " + (newKept ? "new" : "held") + " time " + timeNs);
    }

    @Override
    public void onTerminate(final Flow flow, final FlowRecord record)
    {
        final Log log = open.remove(flow);
        final StringBuilder end = new StringBuilder("end ").append(record.endReason().label())
            .append(" history ").append(record.history())
            .append(" first ").append(record.firstNs()).append(" last ").append(record.lastNs());
        for (int d = 0; d < 2; d++)
        {
            end.append(' ').append(Direction.name(d))
                .append(" packets ").append(record.packets(d))
                .append(" wire ").append(record.wireBytes(d))
                .append(" payload ").append(record.payloadBytes(d))
                .append(" delivered ").append(record.deliveredBytes(d))
                .append(" gaps ").append(record.gaps(d)).append('/').append(record.gapBytes(d));
        }
        // A flow ended by a timeout (idle, or the wait after a FIN or RST) ends at the first clock tick past it. One
        // engine sees every packet's time; a worker sees its own packets' and the pollers' watermark, so it may end
        // the flow a little later (never earlier, never in another place among the flow's own events): the times of
        // the events after the flow's last packet are left out of the comparison, and nothing else.
        log.flush(true);
        log.add(end.toString());
        log.flush(false);
        log.endReason = record.endReason().label();
    }

    /**
     * @return flows by key, in key order.
     */
    Map<String, Log> flows()
    {
        return flows;
    }

    /**
     * @param recorders one per worker.
     * @return every flow of every worker, by key; a key seen on two workers fails.
     */
    static Map<String, Log> merge(final List<FlowEvents> recorders)
    {
        final Map<String, Log> all = new TreeMap<>();
        for (final FlowEvents recorder : recorders)
        {
            for (final Map.Entry<String, Log> entry : recorder.flows.entrySet())
            {
                if (all.put(entry.getKey(), entry.getValue()) != null)
                {
                    throw new AssertionError("flow " + entry.getKey() + " on two workers");
                }
            }
        }
        return all;
    }

    private Log log(final Flow flow)
    {
        final Log log = open.get(flow);
        if (log == null)
        {
            throw new AssertionError("event for a flow never started: " + flow);
        }
        return log;
    }
}
