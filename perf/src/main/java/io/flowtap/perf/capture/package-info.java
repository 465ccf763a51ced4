/**
 * Benchmarks of the capture stage: file sources and decoders.
 */
package io.flowtap.perf.capture;
