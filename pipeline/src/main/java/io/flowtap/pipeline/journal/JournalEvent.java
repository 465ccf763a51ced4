package io.flowtap.pipeline.journal;

import io.flowtap.reassembly.ConnState;
import io.flowtap.reassembly.EndReason;
import io.flowtap.reassembly.GapReason;
import org.agrona.DirectBuffer;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * One journal event as a plain value, copied out of the journal: for tests and tools that want a list rather than a
 * visitor. {@link Collector} builds them; every record allocates, so bulk readers use {@link JournalVisitor}.
 */
public sealed interface JournalEvent
{
    /**
     * @return the writer's run (0 for a journal written before runs were numbered).
     */
    int run();

    /**
     * @return the writer's number.
     */
    int source();

    /**
     * @return the flow id (a frame number for a raw frame).
     */
    long flowId();

    /**
     * @return the event's time, ns since the epoch.
     */
    long timeNs();

    /**
     * @return the {@link EventType}.
     */
    int type();

    /**
     * A flow key, copied.
     *
     * @param ipVersion   4 or 6.
     * @param clientHigh  client address, high 64 bits.
     * @param clientLow   client address, low 64 bits.
     * @param serverHigh  server address, high 64 bits.
     * @param serverLow   server address, low 64 bits.
     * @param clientPort  client port.
     * @param serverPort  server port.
     * @param vlan        VLAN, or {@link io.flowtap.reassembly.flow.FlowKey#NO_VLAN}.
     */
    record Key(int ipVersion, long clientHigh, long clientLow, long serverHigh, long serverLow, int clientPort,
        int serverPort, int vlan)
    {
        static Key of(final JournalFlowKey key)
        {
            return new Key(key.ipVersion(), key.clientAddressHigh(), key.clientAddressLow(), key.serverAddressHigh(),
                key.serverAddressLow(), key.clientPort(), key.serverPort(), key.vlan());
        }

        /**
         * @return the client's address.
         */
        public InetAddress clientAddress()
        {
            return JournalFlowKey.address(ipVersion, clientHigh, clientLow);
        }

        /**
         * @return the server's address.
         */
        public InetAddress serverAddress()
        {
            return JournalFlowKey.address(ipVersion, serverHigh, serverLow);
        }

        /**
         * @return {@code address:port} of the client, as the test recorders write it.
         */
        public String client()
        {
            return clientAddress().getHostAddress() + ":" + clientPort;
        }

        /**
         * @return {@code address:port} of the server.
         */
        public String server()
        {
            return serverAddress().getHostAddress() + ":" + serverPort;
        }
    }

    /**
     * A flow started.
     *
     * @param run       writer's run.
     * @param source    writer.
     * @param flowId    flow.
     * @param timeNs    time of its first packet.
     * @param key       client and server at the first packet.
     * @param midstream picked up without its handshake.
     */
    record FlowStart(int run, int source, long flowId, long timeNs, Key key, boolean midstream)
        implements JournalEvent
    {
        @Override
        public int type()
        {
            return EventType.FLOW_START;
        }
    }

    /**
     * The handshake completed.
     *
     * @param run    writer's run.
     * @param source writer.
     * @param flowId flow.
     * @param timeNs time of the packet that completed it.
     */
    record Established(int run, int source, long flowId, long timeNs) implements JournalEvent
    {
        @Override
        public int type()
        {
            return EventType.ESTABLISHED;
        }
    }

    /**
     * In-order stream bytes.
     *
     * @param run          writer's run.
     * @param source       writer.
     * @param flowId       flow.
     * @param timeNs       time.
     * @param direction    of the stream.
     * @param streamOffset of the first byte.
     * @param data         the bytes.
     * @param eof          the handler API's eof value.
     */
    record Payload(
        int run, int source, long flowId, long timeNs, int direction, long streamOffset, byte[] data, int eof)
        implements JournalEvent
    {
        @Override
        public int type()
        {
            return EventType.PAYLOAD;
        }
    }

    /**
     * Bytes that will never come.
     *
     * @param run          writer's run.
     * @param source       writer.
     * @param flowId       flow.
     * @param timeNs       time.
     * @param direction    of the stream.
     * @param streamOffset of the first missing byte.
     * @param length       bytes missing.
     * @param reason       why.
     */
    record Gap(
        int run, int source, long flowId, long timeNs, int direction, long streamOffset, long length, GapReason reason)
        implements JournalEvent
    {
        @Override
        public int type()
        {
            return EventType.GAP;
        }
    }

    /**
     * Two versions of the same bytes differed.
     *
     * @param run        writer's run.
     * @param source     writer.
     * @param flowId     flow.
     * @param timeNs     time.
     * @param direction  of the stream.
     * @param heldOffset of the segment held.
     * @param heldLength its length.
     * @param newOffset  of the new segment.
     * @param newLength  its length.
     * @param newKept    whether the new bytes were kept.
     */
    record OverlapConflict(
        int run, int source, long flowId, long timeNs, int direction, long heldOffset, long heldLength,
        long newOffset, long newLength, boolean newKept) implements JournalEvent
    {
        @Override
        public int type()
        {
            return EventType.OVERLAP_CONFLICT;
        }
    }

    /**
     * A name and value attached to a flow.
     *
     * @param run       writer's run.
     * @param source    writer.
     * @param flowId    flow.
     * @param timeNs    time.
     * @param direction of the stream, or -1 for the whole flow.
     * @param name      the name.
     * @param valueType a {@code VALUE_} constant of {@link JournalDescriptor}.
     * @param value     the value's bytes.
     */
    record Attribute(
        int run, int source, long flowId, long timeNs, int direction, String name, int valueType, byte[] value)
        implements JournalEvent
    {
        @Override
        public int type()
        {
            return EventType.ATTRIBUTE;
        }

        /**
         * @return the value as text (UTF-8), or the number for a long value.
         */
        public String text()
        {
            if (valueType == JournalDescriptor.VALUE_LONG)
            {
                long v = 0;
                for (int i = Long.BYTES - 1; i >= 0; i--)
                {
                    v = (v << 8) | (value[i] & 0xFF);
                }
                return Long.toString(v);
            }
            return new String(value, StandardCharsets.UTF_8);
        }
    }

    /**
     * A flow ended.
     *
     * @param run            writer's run.
     * @param source         writer.
     * @param flowId         flow.
     * @param timeNs         time of its last packet.
     * @param key            final client and server.
     * @param endReason      why it ended, or null.
     * @param connected      handshake completed.
     * @param midstream      picked up midstream.
     * @param resetRequested a handler asked for a reset.
     * @param dropped        a handler dropped it.
     * @param handlerFailed  a user's handler threw on it.
     * @param history        Zeek-style history.
     * @param synFlags       flags of the first SYN per direction.
     * @param fin            FIN per direction.
     * @param rst            RST per direction.
     * @param firstNs        first packet.
     * @param lastNs         last packet.
     * @param counters       {@code [counter][direction]}, counters as {@link JournalDescriptor}'s {@code COUNTER_}.
     * @param connState      Zeek's conn_state, or null (a record written before schema 3).
     * @param seqBytes       bytes in sequence space per direction (0 before schema 3).
     * @param ackedMissing   bytes only acknowledgements showed missing, per direction (0 before schema 3).
     */
    record FlowEnd(
        int run, int source, long flowId, long timeNs, Key key, EndReason endReason, boolean connected,
        boolean midstream, boolean resetRequested, boolean dropped, boolean handlerFailed, String history,
        int[] synFlags, boolean[] fin, boolean[] rst, long firstNs, long lastNs, long[][] counters, ConnState connState,
        long[] seqBytes, long[] ackedMissing) implements JournalEvent
    {
        @Override
        public int type()
        {
            return EventType.FLOW_END;
        }

        /**
         * @param counter   a {@code COUNTER_} constant.
         * @param direction a direction.
         * @return its value.
         */
        public long counter(final int counter, final int direction)
        {
            return counters[counter][direction];
        }
    }

    /**
     * A captured frame.
     *
     * @param run         writer's run.
     * @param source      writer.
     * @param flowId      the frame's number.
     * @param timeNs      capture time.
     * @param linkType    LINKTYPE_ value.
     * @param interfaceId capture interface.
     * @param wireLength  length on the wire.
     * @param vlanTci     stripped VLAN TCI, or -1.
     * @param data        the captured bytes.
     */
    record Frame(
        int run, int source, long flowId, long timeNs, int linkType, int interfaceId, int wireLength, int vlanTci,
        byte[] data) implements JournalEvent
    {
        @Override
        public int type()
        {
            return EventType.RAW_FRAME;
        }
    }

    /**
     * Events a writer could not journal because its disk was full.
     *
     * @param run          writer's run.
     * @param source       writer.
     * @param flowId       always 0.
     * @param timeNs       when journaling resumed.
     * @param events       events missing.
     * @param payloadBytes payload (or frame) bytes among them.
     * @param firstNs      time of the first event missing.
     */
    record Loss(int run, int source, long flowId, long timeNs, long events, long payloadBytes, long firstNs)
        implements JournalEvent
    {
        @Override
        public int type()
        {
            return EventType.LOSS;
        }
    }

    /**
     * A whole journal read into events.
     *
     * @param events  in journal order.
     * @param damage  the first damage met, or null.
     * @param damages every damage met: ranges skipped, an unfinished tail.
     */
    record Log(List<JournalEvent> events, JournalDamage damage, List<JournalDamage> damages)
    {
    }

    /**
     * A visitor that copies every event into a list.
     */
    final class Collector implements JournalVisitor
    {
        private final List<JournalEvent> events = new ArrayList<>();
        private final Consumer<JournalEvent> sink;
        private final JournalVisitor payloads;

        /**
         * Collect into the list {@link #events()} returns.
         */
        public Collector()
        {
            sink = events::add;
            payloads = null;
        }

        /**
         * Hand each event to a consumer instead of keeping it (tools that print as they read).
         *
         * @param sink takes each event as it is read.
         */
        public Collector(final Consumer<JournalEvent> sink)
        {
            this(sink, null);
        }

        /**
         * Hand each event to a consumer, but payload to a visitor as the reader hands it over, in place: for tools
         * that move many bytes (an export), which would otherwise copy every payload into a record first.
         *
         * @param sink     takes each event but payload as it is read.
         * @param payloads takes each payload event in place, or null to have it as a record too.
         */
        public Collector(final Consumer<JournalEvent> sink, final JournalVisitor payloads)
        {
            this.sink = sink;
            this.payloads = payloads;
        }

        /**
         * @return the events so far, in journal order.
         */
        public List<JournalEvent> events()
        {
            return Collections.unmodifiableList(events);
        }

        @Override
        public void onFlowStart(
            final int run, final int source, final long flowId, final long timeNs, final JournalFlowKey key,
            final boolean midstream)
        {
            sink.accept(new FlowStart(run, source, flowId, timeNs, Key.of(key), midstream));
        }

        @Override
        public void onEstablished(final int run, final int source, final long flowId, final long timeNs)
        {
            sink.accept(new Established(run, source, flowId, timeNs));
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
            if (payloads != null)
            {
                payloads.onPayload(run, source, flowId, timeNs, direction, streamOffset, buffer, offset, length, eof);
                return;
            }
            sink.accept(
                new Payload(run, source, flowId, timeNs, direction, streamOffset, copy(buffer, offset, length), eof));
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
            sink.accept(new Gap(run, source, flowId, timeNs, direction, streamOffset, length, reason));
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
            sink.accept(new OverlapConflict(
                run, source, flowId, timeNs, direction, heldOffset, heldLength, newOffset, newLength, newKept));
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
            final String name = new String(copy(buffer, nameOffset, nameLength), StandardCharsets.UTF_8);
            sink.accept(new Attribute(
                run, source, flowId, timeNs, direction, name, valueType, copy(buffer, valueOffset, valueLength)));
        }

        @Override
        public void onFlowEnd(
            final int run, final int source, final long flowId, final long timeNs, final JournalFlowRecord record)
        {
            final long[][] counters = new long[JournalDescriptor.COUNTER_COUNT][2];
            for (int c = 0; c < JournalDescriptor.COUNTER_COUNT; c++)
            {
                for (int d = 0; d < 2; d++)
                {
                    counters[c][d] = record.counter(c, d);
                }
            }
            sink.accept(new FlowEnd(run, source, flowId, timeNs, Key.of(record.key()), record.endReason(),
                record.connected(), record.midstream(), record.resetRequested(), record.dropped(),
                record.handlerFailed(), record.history(),
                new int[] {record.synFlags(0), record.synFlags(1)}, new boolean[] {record.fin(0), record.fin(1)},
                new boolean[] {record.rst(0), record.rst(1)}, record.firstNs(), record.lastNs(), counters,
                record.connState(), new long[] {record.seqBytes(0), record.seqBytes(1)},
                new long[] {record.ackedMissingBytes(0), record.ackedMissingBytes(1)}));
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
            sink.accept(new Frame(run, source, frameNumber, timeNs, linkType, interfaceId, wireLength, vlanTci,
                copy(buffer, offset, capturedLength)));
        }

        @Override
        public void onLoss(
            final int run, final int source, final long timeNs, final long events, final long payloadBytes,
            final long firstNs)
        {
            sink.accept(new Loss(run, source, 0, timeNs, events, payloadBytes, firstNs));
        }

        private static byte[] copy(final DirectBuffer buffer, final int offset, final int length)
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            return bytes;
        }
    }
}
