/**
 * What the appliance reports about itself while it runs: latency histograms per pipeline stage (HdrHistogram, written
 * as an interval log that HdrHistogram's own tools read) and counters in a shared-memory file that
 * {@code flowtap stats} reads from another process.
 */
package io.flowtap.pipeline.stats;
