package io.flowtap.reassembly.attribute;

import io.flowtap.capture.counter.CounterDescriptor;
import io.flowtap.capture.counter.CounterUnit;

/**
 * What the TLS extractor counts: handshake messages read, and each reason it stopped looking at a stream or skipped
 * part of one. Nothing it meets in a stream throws; every malformed or truncated input lands in one of these.
 */
public enum TlsCounter implements CounterDescriptor
{
    /** ClientHello messages read. */
    CLIENT_HELLOS("client hellos"),
    /** ServerHello messages read (HelloRetryRequest included). */
    SERVER_HELLOS("server hellos"),
    /** Certificate messages read. */
    CERTIFICATES("certificate messages"),
    /**
     * Connections that negotiated TLS 1.3 (or a draft of it): their certificate travels encrypted, so no
     * {@code TLS:O} or {@code TLS:CA:*} can be reported for them.
     */
    CERTIFICATE_ENCRYPTED("certificate encrypted (TLS 1.3)"),
    /** Streams whose first bytes are not a TLS handshake record. */
    NOT_TLS("streams not TLS"),
    /** Streams that start with an SSLv2 ClientHello, which is not read. */
    SSL2("SSLv2 hello"),
    /** A record header that is not TLS (version, type or length) after the stream started as TLS: given up. */
    MALFORMED_RECORD("malformed record"),
    /** A handshake message whose fields do not fit in it: skipped, the stream goes on. */
    MALFORMED_HANDSHAKE("malformed handshake message"),
    /** A certificate whose DER does not parse as far as its subject: skipped. */
    MALFORMED_CERTIFICATE("malformed certificate"),
    /** A handshake message, or bytes held for one, larger than the extractor holds: the stream is given up. */
    TOO_LARGE("handshake too large"),
    /** Streams that ended inside a record or a handshake message. */
    TRUNCATED("truncated"),
    /** Streams given up at a gap (bytes the capture lost), since record boundaries are lost with it. */
    GAP("gap"),
    /** Streams that went past the inspection limit while still in the clear. */
    INSPECT_LIMIT("inspection limit reached");

    private static final TlsCounter[] VALUES = values();

    private final String label;

    TlsCounter(final String label)
    {
        this.label = label;
    }

    /**
     * @return a short label for counter summaries.
     */
    @Override
    public String label()
    {
        return label;
    }

    /**
     * @return what the counter counts.
     */
    @Override
    public CounterUnit unit()
    {
        return CounterUnit.EVENTS;
    }

    /**
     * @return how many counters there are.
     */
    public static int count()
    {
        return VALUES.length;
    }
}
