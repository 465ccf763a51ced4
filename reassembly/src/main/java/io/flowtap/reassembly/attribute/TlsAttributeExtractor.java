package io.flowtap.reassembly.attribute;

import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.GapReason;
import io.flowtap.reassembly.TcpHandler;
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
 * digits written to a buffer of the extractor's. All are valid during the call only. Per-flow state comes from a pool
 * sized up front and sits in the flow's data slot {@code dataSlot}, so the steady state allocates nothing. Owned by
 * the engine's thread, as every handler is.
 */
public final class TlsAttributeExtractor implements TcpHandler
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
    private static final int EXTENSION_SERVER_NAME = 0;
    private static final int EXTENSION_ALPN = 16;
    private static final int EXTENSION_SUPPORTED_VERSIONS = 43;
    private static final int TLS13 = 0x0304;
    private static final byte[] HEX_DIGITS = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D',
        'E', 'F'};

    private final int dataSlot;
    private final long inspectLimitBytes;
    private final int maxPendingBytes;
    private final StatePool<State> pool;
    private final long[] counters = new long[TlsCounter.count()];
    private final UnsafeBuffer message;
    private final UnsafeBuffer hex = new UnsafeBuffer(new byte[8]);
    private final int[] fragmentRecord = new int[MAX_FRAGMENTS];
    private final int[] fragmentPayload = new int[MAX_FRAGMENTS];
    private final int[] fragmentAt = new int[MAX_FRAGMENTS];
    private final int[] certificateStart = new int[MAX_CERTIFICATES];
    private final int[] certificateEnd = new int[MAX_CERTIFICATES];
    private final long[] issuer = new long[MAX_CERTIFICATES];
    private final long[] subject = new long[MAX_CERTIFICATES];
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
     * @param dataSlot          flow data slot for the parser state, below the engine's
     *                          {@link io.flowtap.reassembly.EngineContext#dataSlots()}.
     * @param inspectLimitBytes stream offset past which a direction is not looked at.
     * @param maxPendingBytes   most bytes held back for one handshake message; at least one whole record.
     * @param poolSize          flow states made up front (the flows expected at once).
     */
    public TlsAttributeExtractor(
        final int dataSlot, final int inspectLimitBytes, final int maxPendingBytes, final int poolSize)
    {
        if (inspectLimitBytes < 1 || maxPendingBytes < RECORD_HEADER_LENGTH + MAX_RECORD_LENGTH)
        {
            throw new IllegalArgumentException("inspect limit must be positive and max pending at least " +
                (RECORD_HEADER_LENGTH + MAX_RECORD_LENGTH) + ": " + inspectLimitBytes + ", " + maxPendingBytes);
        }
        this.dataSlot = dataSlot;
        this.inspectLimitBytes = inspectLimitBytes;
        this.maxPendingBytes = maxPendingBytes;
        this.message = new UnsafeBuffer(new byte[maxPendingBytes]);
        this.pool = new StatePool<>(State::new, poolSize);
    }

    /**
     * @param counter one of the extractor's counters.
     * @return its value.
     */
    public long counter(final TlsCounter counter)
    {
        return counters[counter.ordinal()];
    }

    /**
     * @return flow states made so far, the initial pool included (more than the pool size means it grew).
     */
    public long statesCreated()
    {
        return pool.created();
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
        State state = (State)flow.data(dataSlot);
        if (state == null)
        {
            if (length == 0)
            {
                return 0;
            }
            state = pool.take();
            state.clear();
            flow.data(dataSlot, state);
        }
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
    public void onGap(
        final Flow flow, final int direction, final long seekpos, final long length, final GapReason reason,
        final long timeNs)
    {
        final State state = (State)flow.data(dataSlot);
        if (state != null && state.phase[direction] != DONE)
        {
            state.phase[direction] = DONE;
            counters[TlsCounter.GAP.ordinal()]++;
        }
    }

    @Override
    public void onTerminate(final Flow flow, final FlowRecord record)
    {
        final State state = (State)flow.data(dataSlot);
        if (state != null)
        {
            flow.data(dataSlot, null);
            pool.give(state);
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
            counters[TlsCounter.CLIENT_HELLOS.ordinal()]++;
            ok = clientHello(flow, direction, start, end, timeNs);
        }
        else if (type == SERVER_HELLO)
        {
            counters[TlsCounter.SERVER_HELLOS.ordinal()]++;
            ok = serverHello(flow, state, direction, start, end, timeNs);
        }
        else if (type == CERTIFICATE)
        {
            counters[TlsCounter.CERTIFICATES.ordinal()]++;
            ok = certificate(flow, direction, start, end, timeNs);
        }
        else
        {
            ok = true;
        }
        if (!ok)
        {
            counters[TlsCounter.MALFORMED_HANDSHAKE.ordinal()]++;
        }
    }

    /**
     * version (2), random (32), session id (1 + n), cipher suites (2 + n), compression methods (1 + n),
     * extensions (2 + n): each extension type (2), length (2), data.
     */
    private boolean clientHello(final Flow flow, final int direction, final int start, final int end, final long timeNs)
    {
        int p = start + 2 + 32;
        if (p + 1 > end)
        {
            return false;
        }
        p += 1 + (message.getByte(p) & 0xFF);
        if (p + 2 > end)
        {
            return false;
        }
        p += 2 + uint16(message, p);
        if (p + 1 > end)
        {
            return false;
        }
        p += 1 + (message.getByte(p) & 0xFF);
        if (p > end)
        {
            return false;
        }
        if (p == end)
        {
            return true;
        }
        if (p + 2 > end)
        {
            return false;
        }
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
            if (type == EXTENSION_SERVER_NAME && !serverName(flow, direction, dataStart, dataEnd, timeNs))
            {
                return false;
            }
            if (type == EXTENSION_ALPN && !alpn(flow, direction, dataStart, dataEnd, timeNs))
            {
                return false;
            }
            p = dataEnd;
        }
        return p == extensionsEnd;
    }

    /**
     * server_name_list (2 + n): each name_type (1), length (2), host_name.
     */
    private boolean serverName(final Flow flow, final int direction, final int start, final int end, final long timeNs)
    {
        if (start == end)
        {
            // An empty server_name: what a server sends back to say it used the name.
            return true;
        }
        if (start + 2 > end || start + 2 + uint16(message, start) != end)
        {
            return false;
        }
        int p = start + 2;
        while (p + 3 <= end)
        {
            final int nameType = message.getByte(p) & 0xFF;
            final int nameLength = uint16(message, p + 1);
            if (p + 3 + nameLength > end)
            {
                return false;
            }
            if (nameType == 0)
            {
                flow.attribute(direction, AttributeNames.TLS_SNI, message, p + 3, nameLength, timeNs);
            }
            p += 3 + nameLength;
        }
        return p == end;
    }

    /**
     * protocol_name_list (2 + n): each length (1), name.
     */
    private boolean alpn(final Flow flow, final int direction, final int start, final int end, final long timeNs)
    {
        if (start + 2 > end || start + 2 + uint16(message, start) != end)
        {
            return false;
        }
        int p = start + 2;
        while (p + 1 <= end)
        {
            final int nameLength = message.getByte(p) & 0xFF;
            if (p + 1 + nameLength > end)
            {
                return false;
            }
            flow.attribute(direction, AttributeNames.TLS_ALPN, message, p + 1, nameLength, timeNs);
            p += 1 + nameLength;
        }
        return true;
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
            counters[TlsCounter.CERTIFICATE_ENCRYPTED.ordinal()]++;
        }
        return alpnStart < 0 || alpn(flow, direction, alpnStart, alpnEnd, timeNs);
    }

    /**
     * certificate_list (3 + n): each certificate's length (3) and DER. The first is the server's own; each one's
     * issuer is an intermediate authority, except the last one's, or one whose issuer's certificate is self-signed,
     * which is the root.
     */
    private boolean certificate(final Flow flow, final int direction, final int start, final int end, final long timeNs)
    {
        if (start + 3 > end || start + 3 + uint24(message, start) != end)
        {
            return false;
        }
        int count = 0;
        int p = start + 3;
        while (p + 3 <= end && count < MAX_CERTIFICATES)
        {
            final int certificateLength = uint24(message, p);
            if (p + 3 + certificateLength > end)
            {
                return false;
            }
            certificateStart[count] = p + 3;
            certificateEnd[count] = p + 3 + certificateLength;
            count++;
            p += 3 + certificateLength;
        }
        for (int i = 0; i < count; i++)
        {
            if (!names(i))
            {
                counters[TlsCounter.MALFORMED_CERTIFICATE.ordinal()]++;
            }
        }
        if (count > 0 && subject[0] != Der.MALFORMED)
        {
            final long organisation = Der.nameAttribute(message, Der.start(subject[0]), Der.end(subject[0]),
                Der.ORGANIZATION);
            if (organisation != Der.MALFORMED)
            {
                flow.attribute(direction, AttributeNames.TLS_O, message, Der.start(organisation),
                    Der.end(organisation) - Der.start(organisation), timeNs);
            }
        }
        for (int i = 0; i < count; i++)
        {
            if (issuer[i] == Der.MALFORMED || (i > 0 && selfSigned(i)))
            {
                continue;
            }
            long name = Der.nameAttribute(message, Der.start(issuer[i]), Der.end(issuer[i]), Der.ORGANIZATION);
            if (name == Der.MALFORMED)
            {
                name = Der.nameAttribute(message, Der.start(issuer[i]), Der.end(issuer[i]), Der.COMMON_NAME);
            }
            if (name != Der.MALFORMED)
            {
                final boolean root = i == count - 1 || selfSigned(i + 1);
                flow.attribute(direction, root ? AttributeNames.TLS_CA_ROOT : AttributeNames.TLS_CA_INTER,
                    message, Der.start(name), Der.end(name) - Der.start(name), timeNs);
            }
        }
        return true;
    }

    /**
     * Find certificate {@code i}'s issuer and subject Names (their content), or mark them {@link Der#MALFORMED}.
     */
    private boolean names(final int i)
    {
        issuer[i] = Der.MALFORMED;
        subject[i] = Der.MALFORMED;
        final int limit = certificateEnd[i];
        final long certificate = Der.element(message, certificateStart[i], limit);
        if (certificate == Der.MALFORMED || Der.tag(message, certificateStart[i]) != Der.SEQUENCE)
        {
            return false;
        }
        final int tbsPos = Der.start(certificate);
        final long tbs = Der.element(message, tbsPos, Der.end(certificate));
        if (tbs == Der.MALFORMED || Der.tag(message, tbsPos) != Der.SEQUENCE)
        {
            return false;
        }
        final int tbsEnd = Der.end(tbs);
        int p = Der.start(tbs);
        if (p < tbsEnd && Der.tag(message, p) == Der.CONTEXT_0)
        {
            final long version = Der.element(message, p, tbsEnd);
            if (version == Der.MALFORMED)
            {
                return false;
            }
            p = Der.end(version);
        }
        final long serial = Der.element(message, p, tbsEnd);
        if (serial == Der.MALFORMED || Der.tag(message, p) != Der.INTEGER)
        {
            return false;
        }
        p = Der.end(serial);
        final long signature = Der.element(message, p, tbsEnd);
        if (signature == Der.MALFORMED || Der.tag(message, p) != Der.SEQUENCE)
        {
            return false;
        }
        p = Der.end(signature);
        final long issuerName = Der.element(message, p, tbsEnd);
        if (issuerName == Der.MALFORMED || Der.tag(message, p) != Der.SEQUENCE)
        {
            return false;
        }
        p = Der.end(issuerName);
        final long validity = Der.element(message, p, tbsEnd);
        if (validity == Der.MALFORMED || Der.tag(message, p) != Der.SEQUENCE)
        {
            return false;
        }
        p = Der.end(validity);
        final long subjectName = Der.element(message, p, tbsEnd);
        if (subjectName == Der.MALFORMED || Der.tag(message, p) != Der.SEQUENCE)
        {
            return false;
        }
        issuer[i] = issuerName;
        subject[i] = subjectName;
        return true;
    }

    private boolean selfSigned(final int i)
    {
        final long issuerName = issuer[i];
        final long subjectName = subject[i];
        if (issuerName == Der.MALFORMED || subjectName == Der.MALFORMED)
        {
            return false;
        }
        final int length = Der.end(issuerName) - Der.start(issuerName);
        if (length != Der.end(subjectName) - Der.start(subjectName))
        {
            return false;
        }
        final int issuerStart = Der.start(issuerName);
        final int subjectStart = Der.start(subjectName);
        for (int k = 0; k < length; k++)
        {
            if (message.getByte(issuerStart + k) != message.getByte(subjectStart + k))
            {
                return false;
            }
        }
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
        counters[reason.ordinal()]++;
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
    static final class State
    {
        final int[] phase = new int[2];
        final long[] emittedTo = new long[2];
        final long[] resumeOffset = new long[2];
        final int[] resumeSkip = new int[2];
        boolean tls;
        boolean tls13;

        void clear()
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
