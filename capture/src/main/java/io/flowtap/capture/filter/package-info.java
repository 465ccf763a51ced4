/**
 * Flow filters: a tcpdump-like expression language ({@code host}, {@code net}, {@code port}, {@code portrange} with
 * {@code src}/{@code dst}, {@code ip}, {@code ip6}, {@code tcp}, {@code vlan}, and {@code and}/{@code or}/{@code not}),
 * parsed once into an immutable {@link io.flowtap.capture.filter.FlowFilter} that evaluates without allocating, and
 * compiled to a classic BPF {@link io.flowtap.capture.filter.BpfProgram} that the kernel runs on an AF_PACKET socket.
 * The two agree: the kernel program accepts every frame that decodes to a TCP segment the filter matches, and for
 * well-formed frames nothing else.
 */
package io.flowtap.capture.filter;
