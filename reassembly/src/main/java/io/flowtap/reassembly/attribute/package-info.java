/**
 * Application attributes found in reassembled streams, reported to every handler through
 * {@link io.flowtap.reassembly.Flow#attribute} with Trisul's names ({@link AttributeNames}): HTTP/1.x headers
 * ({@link HttpAttributeExtractor}) and the TLS handshake ({@link TlsAttributeExtractor}). Each extractor is an
 * ordinary {@link io.flowtap.reassembly.TcpHandler}: it recognises its protocol by content, looks at a bounded part
 * of each stream, allocates nothing per flow in steady state, and counts what it cannot read instead of throwing.
 */
package io.flowtap.reassembly.attribute;
