/**
 * The counters file as Prometheus metrics, through the Prometheus Java client: {@code /metrics} for a running sensor,
 * and the same exposition written once for {@code flowtap stats --prometheus}.
 */
package io.flowtap.metrics;
