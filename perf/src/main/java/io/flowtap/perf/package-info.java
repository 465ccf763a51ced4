/**
 * JMH benchmarks, one package per stage measured, and the live capture benchmark ({@code capture.CaptureBench}).
 * Results, with the command and machine, go in {@code perf/RESULTS.md}. The traffic they and the tests use (the
 * generator, the blaster, the load test) is the {@code flowtap-traffic} module beside this one.
 */
package io.flowtap.perf;
