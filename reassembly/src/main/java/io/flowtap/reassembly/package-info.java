/**
 * The TCP reassembly engine and the handler API users program against. It is fed decoded segments and calls
 * handlers; it knows nothing of threads or queues. Sequence numbers are compared only through
 * {@link io.flowtap.reassembly.SequenceNumbers}.
 * <p>
 * Besides the public API, this package holds the engine's parts that work on a {@link Flow}'s and its streams'
 * state, which stays private to the package: {@link ReassemblyEngine} is a front that calls, for each segment,
 * connection tracking ({@code ConnectionTracker}), the TCP state machine ({@code TcpStateMachine}) and the byte side:
 * sequence logic ({@code StreamReassembler}), the out-of-order store ({@code HeldBytes}), delivery and gap accounting
 * ({@code StreamDelivery}). The parts that need no flow internals have packages of their own: {@code checksum},
 * {@code timeout}, {@code response} and {@code history} (Zeek's view of the connection), with {@code flow} (keys and
 * the flow table) and {@code store} (pages and segment records) below them.
 */
package io.flowtap.reassembly;
