/**
 * What the appliance reports about itself while it runs: latency histograms per pipeline stage (HdrHistogram, written
 * as an interval log that HdrHistogram's own tools read); the counters file, a shared-memory file of Agrona counters
 * and a log of distinct errors that {@code flowtap stats} reads from another process; the one table of every stage's
 * counters ({@link io.flowtap.pipeline.stats.CounterTable}), which allocates each poller's and worker's copy there
 * for that thread to write in place; and the view that adds the copies up for readers.
 */
package io.flowtap.pipeline.stats;
