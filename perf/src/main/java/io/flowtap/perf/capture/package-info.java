/**
 * Benchmarks of the capture stage: file sources and decoders; and the live capture benchmark ({@code CaptureBench}),
 * which compares flowtap's capture path, a pipeline that does not reassemble, with other capturers.
 */
package io.flowtap.perf.capture;
