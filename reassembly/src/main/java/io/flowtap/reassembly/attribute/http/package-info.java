/**
 * The HTTP/1.x parser's parts that know the syntax and not the stream: {@link HttpSyntax} reads start lines, header
 * block ends and numbers in place, and {@link HttpHeaderFields} reads one header block's fields, reporting the ones
 * asked for and noting the framing ones. The message state machine over a stream is
 * {@link io.flowtap.reassembly.attribute.HttpAttributeExtractor}.
 */
package io.flowtap.reassembly.attribute.http;
