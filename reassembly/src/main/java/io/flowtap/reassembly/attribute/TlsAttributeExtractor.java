package io.flowtap.reassembly.attribute;

import io.flowtap.capture.counter.CounterAllocator;
import io.flowtap.capture.counter.CounterValues;
import io.flowtap.capture.counter.InMemoryCounters;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.attribute.tls.CertificateChain;
import io.flowtap.reassembly.attribute.tls.TlsHello;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Reads the TLS handshake in reassembled streams and reports its attributes through {@link Flow#attribute}: every
 * record in the clear ({@link AttributeNames#TLS_RECORD}), the ClientHello's server name and ALPN offers, the
 * ServerHello's version, cipher suite and ALPN choice, the server certificate's subject organisation, and the issuer
 * of each certificate in the chain, as root or intermediate authority.
 * <pre>
 *   record:    | type (1) | version (2) | length (2) | fragment (length) |       type 22 handshake, 20 CCS, 21 alert
 *   handshake: | msg_type (1) | length (3) | body (length) |                  may span several records
 * </pre>
 * The protocol is recognised by content, not port: a direction is TLS when its first record is a handshake record
 * ({@code 16 03 0x}) that starts with a ClientHello or ServerHello. A direction is read until its records stop being
 * in the clear: after a ChangeCipherSpec or at the first application-data record. With TLS 1.3 that is right after
 * the ServerHello, so the certificate is never seen: such flows are counted
 * ({@link TlsCounter#CERTIFICATE_ENCRYPTED}) and get no {@code TLS:O} or {@code TLS:CA:*} attribute.
 * <p>
 * A record or handshake message that is not complete in the bytes offered is not consumed, so the engine offers it
 * again with more (its "return less than offered" contract); a message that spans records is put together in a
 * buffer owned by the extractor, sized once. Bounded: at most {@code maxPendingBytes} are held back for one message,
 * and nothing past {@code inspectLimitBytes} of a direction is looked at. Malformed or truncated input never throws:
 * every way of skipping or giving up has a {@link TlsCounter}.
 * <p>
 * Values are reported in place: record, SNI, ALPN, organisation and issuer names are views of the bytes offered or of
 * the extractor's message buffer (the string bytes of the certificate, undecoded); version and cipher are four hex
 * digits written to a buffer of the extractor's. All are valid during the call only. Per-flow state comes from a
 * {@link PerFlowStateHandler}: a pool sized up front, the state in the flow's data slot {@code dataSlot}, so the
 * steady state allocates nothing. This class reads records and puts handshake messages together; the ClientHello's
 * offers are read by {@link TlsHello}, the certificate chain by {@link CertificateChain}. Owned by
 * the engine's thread, as every handler is.
 */
public final class TlsAttributeExtractor extends PerFlowStateHandler<TlsAttributeExtractor.State>
{
    /** Default flow data slot for the parser state. */
    public static final int DATA_SLOT_DEFAULT = 2;
    /** Default stream offset past which a direction is not looked at. */
    public static final int INSPECT_LIMIT_BYTES_DEFAULT = 256 * 1024;
    /** Default most bytes held back for one handshake message (and the size of the message buffer). */
    public static final int MAX_PENDING_BYTES_DEFAULT = 64 * 1024;
    /** Default number of flow states made up front. */
    public static final int POOL_SIZE_DEFAULT = 1024;
    /** Certificates of a chain looked at; the rest are ignored. */
    public static final int MAX_CERTIFICATES = 16;

    static final int DETECT = 0;
    static final int RECORDS = 1;
    static final int DONE = 2;

    private static final int RECORD_HEADER_LENGTH = 5;
    private static final int HANDSHAKE_HEADER_LENGTH = 4;
    private static final int MAX_RECORD_LENGTH = 16384 + 2048;
    private static final int MAX_FRAGMENTS = 1024;
    private static final int CHANGE_CIPHER_SPEC = 20;
    private static final int ALERT = 21;
    private static final int HANDSHAKE = 22;
    private static final int APPLICATION_DATA = 23;
    private static final int HEARTBEAT = 24;
    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_HELLO = 2;
    private static final int CERTIFICATE = 11;
    private static final int EXTENSION_ALPN = 16;
    private static final int EXTENSION_SUPPORTED_VERSIONS = 43;
    private static final int TLS13 = 0x0304;
    private static final byte[] HEX_DIGITS = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D',
        'E', 'F'};

    private final long inspectLimitBytes;
    private final int maxPendingBytes;
    private final CounterValues counters;
    private final UnsafeBuffer message;
    private final UnsafeBuffer hex = new UnsafeBuffer(new byte[8]);
    private final int[] fragmentRecord = new int[MAX_FRAGMENTS];
    private final int[] fragmentPayload = new int[MAX_FRAGMENTS];
    private final int[] fragmentAt = new int[MAX_FRAGMENTS];
    private final TlsHello hello;
    private final CertificateChain chain;
    private int messageLength;
    private int messageRead;
    private int fragments;

    /**
     * An extractor with the default slot, limits and pool size.
     */
    public TlsAttributeExtractor()
    {
        this(DATA_SLOT_DEFAULT, INSPECT_LIMIT_BYTES_DEFAULT, MAX_PENDING_BYTES_DEFAULT, POOL_SIZE_DEFAULT);
    }

    /**
     * An extractor with the default slot, limits and pool size, counting where it is told.
     *
     * @param counters gives the extractor its {@link TlsCounter}s (cold path): in a sensor, one list per worker in its
     *                 counters file, so that {@code flowtap stats} and the metrics endpoint show them.
     */
    public TlsAttributeExtractor(final CounterAllocator counters)
    {
        this(DATA_SLOT_DEFAULT, INSPECT_LIMIT_BYTES_DEFAULT, MAX_PENDING_BYTES_DEFAULT, POOL_SIZE_DEFAULT, counters);
    }

    /**
     * @param dataSlot          flow data slot for the parser state, below the engine's
     *                          {@link io.flowtap.reassembly.EngineContext#dataSlots()}.
     * @param inspectLimitBytes stream offset past which a direction is not looked at.
     * @param maxPendingBytes   most bytes held back for one handshake message; at least one whole record.
     * @param poolSize          flow states made up front (the flows expected at once).
     */
    public TlsAttributeExtractor(
        final int dataSlot, final int inspectLimitBytes, final int maxPendingBytes, final int poolSize)
    {
        this(dataSlot, inspectLimitBytes, maxPendingBytes, poolSize, new InMemoryCounters(TlsCounter.count()));
    }

    /**
     * @param dataSlot          flow data slot for the parser state, below the engine's
     *                          {@link io.flowtap.reassembly.EngineContext#dataSlots()}.
     * @param inspectLimitBytes stream offset past which a direction is not looked at.
     * @param maxPendingBytes   most bytes held back for one handshake message; at least one whole record.
     * @param poolSize          flow states made up front (the flows expected at once).
     * @param counters          gives the extractor its counters (cold path).
     */
    public TlsAttributeExtractor(
        final int dataSlot,
        final int inspectLimitBytes,
        final int maxPendingBytes,
        final int poolSize,
        final CounterAllocator counters)
    {
        super(dataSlot, State::new, poolSize);
        this.counters = counters.allocate(TlsCounter.values());
        if (inspectLimitBytes < 1 || maxPendingBytes < RECORD_HEADER_LENGTH + MAX_RECORD_LENGTH)
        {
            throw new IllegalArgumentException("inspect limit must be positive and max pending at least " +
                (RECORD_HEADER_LENGTH + MAX_RECORD_LENGTH) + ": " + inspectLimitBytes + ", " + maxPendingBytes);
        }
        this.inspectLimitBytes = inspectLimitBytes;
        this.maxPendingBytes = maxPendingBytes;
        this.message = new UnsafeBuffer(new byte[maxPendingBytes]);
        this.hello = new TlsHello(message);
        this.chain = new CertificateChain(message, MAX_CERTIFICATES);
    }

    /**
     * @param counter one of the extractor's counters.
     * @return its value.
     */
    public long counter(final TlsCounter counter)
    {
        return counters.get(counter.ordinal());
    }

    @Override
    int onPayload(
        final State state,
        final Flow flow,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs,
        final int eof)
    {
        if (state.phase[direction] == DONE)
        {
            return length;
        }
        final int end = offset + length;
        messageLength = 0;
        messageRead = 0;
        fragments = 0;
        int pos = offset;
        while (end - pos >= RECORD_HEADER_LENGTH)
        {
            final long recordOffset = seekpos + (pos - offset);
            if (recordOffset >= inspectLimitBytes)
            {
                return stop(state, direction, TlsCounter.INSPECT_LIMIT, length);
            }
            final int type = buffer.getByte(pos) & 0xFF;
            final int recordLength = buffer.getShort(pos + 3, BIG_ENDIAN) & 0xFFFF;
            if (state.phase[direction] == DETECT)
            {
                if (!looksLikeTls(state, buffer, pos, end))
                {
                    return stop(state, direction,
                        (type & 0x80) != 0 && (buffer.getByte(pos + 2) & 0xFF) == CLIENT_HELLO ?
                        TlsCounter.SSL2 : TlsCounter.NOT_TLS, length);
                }
                state.phase[direction] = RECORDS;
                state.tls = true;
            }
            else if (buffer.getByte(pos + 1) != 3 || (buffer.getByte(pos + 2) & 0xFF) > 4 ||
                recordLength > MAX_RECORD_LENGTH || type < CHANGE_CIPHER_SPEC || type > HEARTBEAT)
            {
                return stop(state, direction, TlsCounter.MALFORMED_RECORD, length);
            }
            if (type == APPLICATION_DATA)
            {
                state.phase[direction] = DONE;
                return length;
            }
            final int recordEnd = pos + RECORD_HEADER_LENGTH + recordLength;
            if (recordEnd > end)
            {
                break;
            }
            if (recordOffset >= state.emittedTo[direction])
            {
                flow.attribute(direction, AttributeNames.TLS_RECORD, buffer, pos, recordEnd - pos, timeNs);
                state.emittedTo[direction] = recordOffset + (recordEnd - pos);
            }
            if (type == CHANGE_CIPHER_SPEC)
            {
                // Everything after it in this direction is encrypted.
                state.phase[direction] = DONE;
                return length;
            }
            if (type == HANDSHAKE)
            {
                final int skip = recordOffset == state.resumeOffset[direction] ? state.resumeSkip[direction] : 0;
                if (!handshakeFragment(flow, state, direction, buffer, pos, pos + RECORD_HEADER_LENGTH + skip,
                    recordEnd, timeNs))
                {
                    return length;
                }
            }
            pos = recordEnd;
        }

        int waitAt = pos;
        state.resumeOffset[direction] = -1;
        if (messageRead < messageLength)
        {
            int i = fragments - 1;
            while (i > 0 && fragmentAt[i] > messageRead)
            {
                i--;
            }
            waitAt = fragmentRecord[i];
            state.resumeOffset[direction] = seekpos + (waitAt - offset);
            state.resumeSkip[direction] =
                fragmentPayload[i] + (messageRead - fragmentAt[i]) - (waitAt + RECORD_HEADER_LENGTH);
        }
        if (waitAt == end)
        {
            return length;
        }
        if (eof != EOF_NONE)
        {
            return stop(state, direction, TlsCounter.TRUNCATED, length);
        }
        if (end - waitAt > maxPendingBytes)
        {
            return stop(state, direction, TlsCounter.TOO_LARGE, length);
        }
        return waitAt - offset;
    }

    @Override
    void onGap(final State state, final int direction)
    {
        if (state.phase[direction] != DONE)
        {
            state.phase[direction] = DONE;
            counters.incrementPlain(TlsCounter.GAP.ordinal());
        }
    }

    private boolean looksLikeTls(final State state, final DirectBuffer buffer, final int pos, final int end)
    {
        final int type = buffer.getByte(pos) & 0xFF;
        final int recordLength = buffer.getShort(pos + 3, BIG_ENDIAN) & 0xFFFF;
        if (buffer.getByte(pos + 1) != 3 || (buffer.getByte(pos + 2) & 0xFF) > 4 || recordLength == 0 ||
            recordLength > MAX_RECORD_LENGTH)
        {
            return false;
        }
        if (type == HANDSHAKE)
        {
            if (pos + RECORD_HEADER_LENGTH >= end)
            {
                return true;
            }
            final int messageType = buffer.getByte(pos + RECORD_HEADER_LENGTH) & 0xFF;
            return messageType == CLIENT_HELLO || messageType == SERVER_HELLO;
        }
        // A server may answer a ClientHello with an alert alone.
        return type == ALERT && state.tls;
    }

    /**
     * Add one handshake record's fragment to the message buffer and read every message it completes.
     *
     * @return false when the stream was given up.
     */
    private boolean handshakeFragment(
        final Flow flow,
        final State state,
        final int direction,
        final DirectBuffer buffer,
        final int recordPos,
        final int from,
        final int to,
        final long timeNs)
    {
        final int fragmentLength = to - from;
        if (fragmentLength <= 0)
        {
            return true;
        }
        if (messageLength + fragmentLength > message.capacity() || fragments == MAX_FRAGMENTS)
        {
            stop(state, direction, TlsCounter.TOO_LARGE, 0);
            return false;
        }
        fragmentRecord[fragments] = recordPos;
        fragmentPayload[fragments] = from;
        fragmentAt[fragments] = messageLength;
        fragments++;
        message.putBytes(messageLength, buffer, from, fragmentLength);
        messageLength += fragmentLength;
        while (messageLength - messageRead >= HANDSHAKE_HEADER_LENGTH)
        {
            final int type = message.getByte(messageRead) & 0xFF;
            final int bodyLength = uint24(message, messageRead + 1);
            if (bodyLength > message.capacity() - HANDSHAKE_HEADER_LENGTH)
            {
                stop(state, direction, TlsCounter.TOO_LARGE, 0);
                return false;
            }
            final int bodyStart = messageRead + HANDSHAKE_HEADER_LENGTH;
            if (messageLength - bodyStart < bodyLength)
            {
                break;
            }
            handshakeMessage(flow, state, direction, type, bodyStart, bodyStart + bodyLength, timeNs);
            messageRead = bodyStart + bodyLength;
        }
        if (messageRead == messageLength)
        {
            messageLength = 0;
            messageRead = 0;
            fragments = 0;
        }
        return true;
    }

    private void handshakeMessage(
        final Flow flow,
        final State state,
        final int direction,
        final int type,
        final int start,
        final int end,
        final long timeNs)
    {
        final boolean ok;
        if (type == CLIENT_HELLO)
        {
            counters.incrementPlain(TlsCounter.CLIENT_HELLOS.ordinal());
            ok = hello.clientHello(flow, direction, start, end, timeNs);
        }
        else if (type == SERVER_HELLO)
        {
            counters.incrementPlain(TlsCounter.SERVER_HELLOS.ordinal());
            ok = serverHello(flow, state, direction, start, end, timeNs);
        }
        else if (type == CERTIFICATE)
        {
            counters.incrementPlain(TlsCounter.CERTIFICATES.ordinal());
            ok = certificate(flow, direction, start, end, timeNs);
        }
        else
        {
            ok = true;
        }
        if (!ok)
        {
            counters.incrementPlain(TlsCounter.MALFORMED_HANDSHAKE.ordinal());
        }
    }

    /**
     * version (2), random (32), session id (1 + n), cipher suite (2), compression method (1), extensions
     * (2 + n, optional).
     */
    private boolean serverHello(
        final Flow flow, final State state, final int direction, final int start, final int end, final long timeNs)
    {
        if (start + 2 + 32 + 1 > end)
        {
            return false;
        }
        int version = uint16(message, start);
        int p = start + 2 + 32;
        p += 1 + (message.getByte(p) & 0xFF);
        if (p + 3 > end)
        {
            return false;
        }
        final int cipher = uint16(message, p);
        p += 3;
        int alpnStart = -1;
        int alpnEnd = -1;
        if (p + 2 <= end)
        {
            final int extensionsEnd = p + 2 + uint16(message, p);
            if (extensionsEnd > end)
            {
                return false;
            }
            p += 2;
            while (p + 4 <= extensionsEnd)
            {
                final int type = uint16(message, p);
                final int dataStart = p + 4;
                final int dataEnd = dataStart + uint16(message, p + 2);
                if (dataEnd > extensionsEnd)
                {
                    return false;
                }
                if (type == EXTENSION_SUPPORTED_VERSIONS && dataEnd - dataStart == 2)
                {
                    version = uint16(message, dataStart);
                }
                else if (type == EXTENSION_ALPN)
                {
                    alpnStart = dataStart;
                    alpnEnd = dataEnd;
                }
                p = dataEnd;
            }
        }
        writeHex(0, version);
        flow.attribute(direction, AttributeNames.TLS_VERSION, hex, 0, 4, timeNs);
        writeHex(4, cipher);
        flow.attribute(direction, AttributeNames.TLS_CIPHER, hex, 4, 4, timeNs);
        if ((version == TLS13 || (version & 0xFF00) == 0x7F00) && !state.tls13)
        {
            state.tls13 = true;
            counters.incrementPlain(TlsCounter.CERTIFICATE_ENCRYPTED.ordinal());
        }
        return alpnStart < 0 || hello.alpn(flow, direction, alpnStart, alpnEnd, timeNs);
    }

    /**
     * The server's chain: malformed certificates are counted and skipped, the others' names reported.
     */
    private boolean certificate(final Flow flow, final int direction, final int start, final int end, final long timeNs)
    {
        final int count = chain.split(start, end);
        if (count < 0)
        {
            return false;
        }
        for (int i = 0; i < count; i++)
        {
            if (!chain.names(i))
            {
                counters.incrementPlain(TlsCounter.MALFORMED_CERTIFICATE.ordinal());
            }
        }
        chain.report(flow, direction, count, timeNs);
        return true;
    }

    private void writeHex(final int at, final int value)
    {
        hex.putByte(at, HEX_DIGITS[(value >>> 12) & 0xF]);
        hex.putByte(at + 1, HEX_DIGITS[(value >>> 8) & 0xF]);
        hex.putByte(at + 2, HEX_DIGITS[(value >>> 4) & 0xF]);
        hex.putByte(at + 3, HEX_DIGITS[value & 0xF]);
    }

    private int stop(final State state, final int direction, final TlsCounter reason, final int length)
    {
        state.phase[direction] = DONE;
        counters.incrementPlain(reason.ordinal());
        return length;
    }

    private static int uint16(final DirectBuffer buffer, final int at)
    {
        return buffer.getShort(at, BIG_ENDIAN) & 0xFFFF;
    }

    private static int uint24(final DirectBuffer buffer, final int at)
    {
        return ((buffer.getByte(at) & 0xFF) << 16) | uint16(buffer, at + 1);
    }

    /**
     * One flow's parser state, both directions.
     */
    static final class State implements PerFlowStateHandler.FlowState
    {
        final int[] phase = new int[2];
        final long[] emittedTo = new long[2];
        final long[] resumeOffset = new long[2];
        final int[] resumeSkip = new int[2];
        boolean tls;
        boolean tls13;

        @Override
        public void clear()
        {
            for (int d = 0; d < 2; d++)
            {
                phase[d] = DETECT;
                emittedTo[d] = 0;
                resumeOffset[d] = -1;
                resumeSkip[d] = 0;
            }
            tls = false;
            tls13 = false;
        }
    }
}
