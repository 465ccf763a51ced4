/**
 * The TLS handshake's parts read from a whole handshake message: {@link TlsHello} reads a ClientHello's offers (server
 * name, ALPN), {@link CertificateChain} a Certificate message's chain (subject organisation, issuers) with
 * {@link Der}, just enough DER for X.509 names. Records, and putting messages together from them, are
 * {@link io.flowtap.reassembly.attribute.TlsAttributeExtractor}'s.
 */
package io.flowtap.reassembly.attribute.tls;
