/**
 * Flow filters: a tcpdump-like expression language ({@code host}, {@code net}, {@code port}, {@code portrange} with
 * {@code src}/{@code dst}, {@code ip}, {@code ip6}, {@code tcp}, {@code vlan}, and {@code and}/{@code or}/{@code not}),
 * parsed once into an immutable {@link io.flowtap.capture.filter.FlowFilter} that evaluates without allocating, and
 * compiled to a classic BPF {@link io.flowtap.capture.filter.BpfProgram} that the kernel runs on an AF_PACKET socket.
 * The two agree: the kernel program accepts every frame that decodes to a TCP segment the filter matches, and for
 * well-formed frames nothing else.
 * <p>
 * The stages: {@code FilterLexer} and {@code FilterParser} (with {@code FilterPrimitives} for the values) make the
 * tree, {@code FilterProgram} flattens it into tests that branch, which userspace evaluates, and {@code BpfCompiler}
 * writes from them the kernel's program in parts (the header walk to TCP, the tunnel walk, the tests) through
 * {@code BpfAssembler}.
 */
package io.flowtap.capture.filter;
