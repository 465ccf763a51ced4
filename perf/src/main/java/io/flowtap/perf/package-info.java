/**
 * JMH benchmarks and load/latency harnesses. Results, with the command and machine, go in {@code perf/RESULTS.md}.
 */
package io.flowtap.perf;
