/**
 * Application attributes found in reassembled streams, reported to every handler through
 * {@link io.flowtap.reassembly.Flow#attribute} with Trisul's names ({@link AttributeNames}): HTTP/1.x headers
 * ({@link HttpAttributeExtractor}) and the TLS handshake ({@link TlsAttributeExtractor}). Each extractor is an
 * ordinary {@link io.flowtap.reassembly.TcpHandler}: it recognises its protocol by content, looks at a bounded part
 * of each stream, allocates nothing per flow in steady state, and counts what it cannot read instead of throwing.
 * The per-flow state plumbing (a pool filled from a factory, the state in a flow data slot, back to the pool when the
 * flow ends) is written once, in {@link PerFlowStateHandler}, so each extractor only parses; the parsers' parts that
 * know only a protocol's syntax are in {@code attribute.http} and {@code attribute.tls}.
 */
package io.flowtap.reassembly.attribute;
