/**
 * Benchmarks of the journal: the cost of writing one event through Chronicle's low-level API.
 */
package io.flowtap.perf.journal;
