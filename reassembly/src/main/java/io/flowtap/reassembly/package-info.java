/**
 * The TCP reassembly engine and the handler API users program against. It is fed decoded segments and calls
 * handlers; it knows nothing of threads or queues. Sequence numbers are compared only through
 * {@link io.flowtap.reassembly.SequenceNumbers}.
 */
package io.flowtap.reassembly;
