package io.flowtap.reassembly.attribute;

/**
 * The names of the attributes flowtap's extractors report through {@link io.flowtap.reassembly.Flow#attribute}, in
 * one place. Where Trisul has a name for an attribute ({@code onattribute}'s supported attribute types) it is used
 * as Trisul spells it; the others follow Trisul's two styles ({@code HTTP-...} header-like names for HTTP,
 * {@code TLS:...} for TLS) and are marked <em>flowtap's</em> below.
 * <p>
 * Handlers may compare names by identity: the extractors always pass these constants.
 */
public final class AttributeNames
{
    /** A flow started (Trisul's empty name); the value is empty. */
    public static final String FLOW_START = "";
    /** A flow ended (Trisul's {@code ^D}, the control character EOT); the value is empty. */
    public static final String FLOW_END = "\u0004";

    /** The entire HTTP header block of one message: start line, header fields and the empty line that ends it. */
    public static final String HTTP_HEADER = "HTTP-Header";
    /** A {@code Content-Type} header value, as sent (parameters included), of a request or a response. */
    public static final String CONTENT_TYPE = "Content-Type";
    /** A request's {@code User-Agent} header value. */
    public static final String USER_AGENT = "User-Agent";
    /** A request's {@code Host} header value, as sent (a port included). */
    public static final String HOST = "Host";
    /** A request's target, as sent on the request line (Trisul's {@code URI}). */
    public static final String URI = "URI";
    /** A request's method (flowtap's). */
    public static final String HTTP_METHOD = "HTTP-Method";
    /** A response's three-digit status code (flowtap's). */
    public static final String HTTP_STATUS = "HTTP-Status";

    /**
     * One complete TLS record that is not application data (handshake, change cipher spec or alert), header
     * included, as long as the records are in the clear.
     */
    public static final String TLS_RECORD = "TLS:Record";
    /** The organisation ({@code O}) of the server certificate's subject. */
    public static final String TLS_O = "TLS:O";
    /** The root authority: the issuer of the last certificate of the chain (its {@code O}, or {@code CN}). */
    public static final String TLS_CA_ROOT = "TLS:CA:ROOT";
    /** An intermediate authority: the issuer of a certificate that is not the last (its {@code O}, or {@code CN}). */
    public static final String TLS_CA_INTER = "TLS:CA:INTER";
    /** The cipher suite the ServerHello chose, as four upper-case hex digits ({@code C02F}). */
    public static final String TLS_CIPHER = "TLS:CIPHER";
    /**
     * The protocol version the ServerHello chose (from {@code supported_versions} when present), as four upper-case
     * hex digits ({@code 0303} is TLS 1.2, {@code 0304} TLS 1.3) (flowtap's).
     */
    public static final String TLS_VERSION = "TLS:VERSION";
    /** The host name of a ClientHello's {@code server_name} extension (flowtap's). */
    public static final String TLS_SNI = "TLS:SNI";
    /**
     * One ALPN protocol name: each one a ClientHello offers, and the one a ServerHello selects (flowtap's); the
     * direction tells which.
     */
    public static final String TLS_ALPN = "TLS:ALPN";

    private AttributeNames()
    {
    }
}
