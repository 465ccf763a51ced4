/**
 * Pollers, flow-sharded reassembly workers, the journal, latency histograms and counters.
 */
package io.flowtap.pipeline;
