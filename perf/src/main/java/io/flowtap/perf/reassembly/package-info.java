/**
 * Benchmarks of the reassembly stage: the engine per segment, beside decoding alone and a naive reassembler, and the
 * whole capture-file path.
 */
package io.flowtap.perf.reassembly;
